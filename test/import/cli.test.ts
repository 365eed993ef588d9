/**
 * `shotrouter import` and `validate`'s word on foreign files, through the command line:
 * in-process (main with collected output), and once through bin/shotrouter.js.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { memoryIO } from '../cli/memory-io.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'import');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-import-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], cwd = REPO) {
  const t = memoryIO(cwd);
  const code = await main(args, t.io);
  return { code, stdout: t.stdout(), stderr: t.stderr() };
}

describe('validate on a file in a foreign format', () => {
  const cases = [
    ['harbour-lights.json', 'a MulmoScript (MulmoCast) JSON file'],
    ['night-ferry.fountain', 'a Fountain screenplay'],
    ['shotlist-studio.csv', 'a CSV shot list'],
  ] as const;
  for (const [name, said] of cases) {
    test(`${name}: says which format it is and names the import command`, async () => {
      const result = await cli(['validate', path.join(FIXTURES, name)]);
      assert.equal(result.code, 1);
      assert.ok(
        result.stderr.includes(`this is ${said}, not a shotrouter storyboard`),
        result.stderr,
      );
      assert.match(
        result.stderr,
        new RegExp(`hint: +convert it: shotrouter import ${name.replace('.', '\\.')} --out `),
      );
      assert.match(
        result.stderr,
        /^1 problem$/m,
        'one problem instead of a list of unknown fields',
      );
    });
  }

  test('a storyboard with mistakes still gets its own problems', async () => {
    const broken = path.join(dir, 'broken.yaml');
    fs.writeFileSync(
      broken,
      'version: 1\ntitle: x\ndeliver: { resolution: 1080p, fps: 24 }\nshots:\n  - id: a\n    promt: hi\n    duration: 2\n',
    );
    const result = await cli(['validate', broken]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /promt/);
    assert.doesNotMatch(result.stderr, /shotrouter import/);
  });
});

describe('import', () => {
  test('without --out the storyboard goes to standard output', async () => {
    const result = await cli(['import', path.join(FIXTURES, 'shotlist-studio.csv')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^# Imported by `shotrouter import` from shotlist-studio\.csv/);
    assert.match(result.stdout, /\n {2}- id: sc1-1\n/);
  });

  test('--from overrides detection; a wrong --from or --map is a usage error', async () => {
    const wrong = await cli([
      'import',
      path.join(FIXTURES, 'shotlist-studio.csv'),
      '--from',
      'pdf',
    ]);
    assert.equal(wrong.code, 64);
    assert.match(wrong.stderr, /--from takes mulmo, fountain, csv/);
    const map = await cli([
      'import',
      path.join(FIXTURES, 'shotlist-studio.csv'),
      '--map',
      'colour=Notes',
    ]);
    assert.equal(map.code, 64);
    assert.match(map.stderr, /--map takes FIELD=HEADER/);
    const asCsv = await cli([
      'import',
      path.join(FIXTURES, 'night-ferry.fountain'),
      '--from',
      'csv',
    ]);
    assert.equal(asCsv.code, 1);
    assert.match(
      asCsv.stderr,
      /no column holds the shots' descriptions[\s\S]*--map description=HEADER/,
    );
  });

  test('bin/shotrouter.js writes --out, refuses to replace it without --force, and the result validates', () => {
    const out = path.join(dir, 'night-ferry.yaml');
    const bin = path.join(REPO, 'bin', 'shotrouter.js');
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const said = execFileSync(
      process.execPath,
      [bin, 'import', path.join(FIXTURES, 'night-ferry.fountain'), '--out', out],
      { cwd: REPO, env, encoding: 'utf8' },
    );
    assert.match(said, /9 shots, 72\.5 s from .*night-ferry\.fountain \(fountain\)/);
    assert.ok(fs.readFileSync(out, 'utf8').includes('title: The Night Ferry'));
    assert.throws(
      () =>
        execFileSync(
          process.execPath,
          [bin, 'import', path.join(FIXTURES, 'night-ferry.fountain'), '--out', out],
          {
            cwd: REPO,
            env,
            encoding: 'utf8',
            stdio: 'pipe',
          },
        ),
      (error: { status: number; stderr: string }) =>
        error.status === 64 && /add --force/.test(error.stderr),
    );
  });

  test('the written file validates', async () => {
    const out = path.join(dir, 'agency.yaml');
    assert.equal(
      (await cli(['import', path.join(FIXTURES, 'shotlist-agency.csv'), '--out', out])).code,
      0,
    );
    const result = await cli(['validate', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ok — "shotlist-agency", 5 shots, 84\.5 s/);
  });
});
