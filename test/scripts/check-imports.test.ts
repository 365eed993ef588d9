/** The import-rule check: the repository passes it, and each kind of forbidden import fails it. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { checkImports, type ImportRules, readImports } from '../../scripts/check-imports.ts';
import { IMPORT_RULES } from '../../scripts/import-rules.ts';
import { tempDir } from '../lib/helpers.ts';

const REPO = path.join(import.meta.dirname, '..', '..');

const RULES: ImportRules = {
  allow: {
    'errors.ts': [],
    storyboard: ['errors.ts'],
    router: ['storyboard', 'errors.ts'],
    engine: ['router', 'storyboard', 'errors.ts'],
    providers: ['errors.ts'],
    server: ['engine', 'router'],
    web: ['storyboard'],
  },
  typeOnly: { web: ['server/schemas.ts'] },
  isolated: ['providers'],
};

/** A src/ folder with these files (path → text). */
function sources(files: Record<string, string>): string {
  const src = path.join(tempDir('imports'), 'src');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(src, name)), { recursive: true });
    fs.writeFileSync(path.join(src, name), text);
  }
  return src;
}

const LAYERED = {
  'errors.ts': 'export class Oops extends Error {}\n',
  'storyboard/types.ts': "import { Oops } from '../errors.ts';\nexport const TAGS = [Oops];\n",
  'router/plan.ts': "import { TAGS } from '../storyboard/types.ts';\nexport const plan = TAGS;\n",
  'engine/run.ts': "import { plan } from '../router/plan.ts';\nexport const run = plan;\n",
  'server/schemas.ts': 'export type Shape = { id: string };\n',
  'server/app.ts': "import { run } from '../engine/run.ts';\nexport const app = run;\n",
  'web/api.ts': "import type { Shape } from '../server/schemas.ts';\nexport type S = Shape;\n",
};

describe('the import-rule check', () => {
  test("the repository's own sources follow docs/architecture.md", async () => {
    assert.deepEqual(checkImports(path.join(REPO, 'src'), IMPORT_RULES), []);
    const { stdout } = await promisify(execFile)(process.execPath, [
      path.join(REPO, 'scripts/check-imports.ts'),
    ]);
    assert.match(stdout, /imports: \d+ in \d+ files go one way/);
  });

  test('imports that follow the layers pass', () => {
    assert.deepEqual(checkImports(sources(LAYERED), RULES), []);
  });

  test('an upward import fails, naming the file, the line and what is allowed', async () => {
    const src = sources({
      ...LAYERED,
      'router/plan.ts':
        "import { TAGS } from '../storyboard/types.ts';\nimport { run } from '../engine/run.ts';\nexport const plan = [TAGS, run];\n",
    });
    const violations = checkImports(src, RULES);
    assert.deepEqual(
      violations.filter((v) => !v.message.startsWith('import cycle')),
      [
        {
          file: 'src/router/plan.ts',
          line: 2,
          message:
            'imports src/engine/run.ts, but router may import only storyboard, errors.ts (docs/architecture.md)',
        },
      ],
    );
    // router → engine → router is also a cycle of files
    assert.ok(violations.some((v) => v.message.includes('import cycle')));
  });

  test('the command exits non-zero on a forbidden import', async () => {
    // a copy of the check beside a src/ that breaks the project's rules
    const root = tempDir('imports-cli');
    fs.cpSync(path.join(REPO, 'scripts'), path.join(root, 'scripts'), { recursive: true });
    fs.mkdirSync(path.join(root, 'src/router'), { recursive: true });
    fs.mkdirSync(path.join(root, 'src/server'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src/server/app.ts'), 'export const app = 1;\n');
    fs.writeFileSync(
      path.join(root, 'src/router/plan.ts'),
      "import { app } from '../server/app.ts';\nexport const plan = app;\n",
    );
    const run = promisify(execFile)(process.execPath, [
      path.join(root, 'scripts/check-imports.ts'),
    ]);
    await assert.rejects(run, (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(
        error.stderr,
        /src\/router\/plan\.ts:1: imports src\/server\/app\.ts, but router/,
      );
      return true;
    });
  });

  test('a type-only exception does not let values through', () => {
    const src = sources({
      ...LAYERED,
      'web/api.ts': "import { Shape } from '../server/schemas.ts';\nexport const s = Shape;\n",
    });
    assert.deepEqual(
      checkImports(src, RULES).map((v) => v.file),
      ['src/web/api.ts'],
    );
  });

  test('a cycle of files inside one folder fails', () => {
    const src = sources({
      ...LAYERED,
      'engine/a.ts': "import { b } from './b.ts';\nexport const a = b;\n",
      'engine/b.ts': "import type { c } from './c.ts';\nexport const b = 1 as c;\n",
      'engine/c.ts': "export { a as c } from './a.ts';\n",
    });
    assert.deepEqual(checkImports(src, RULES), [
      {
        file: 'src/engine/a.ts',
        line: 1,
        message: 'import cycle: engine/a.ts → engine/b.ts → engine/c.ts → engine/a.ts',
      },
    ]);
  });

  test('a folder that is not on the map, an import leaving src/, one adapter importing another', () => {
    const src = sources({
      ...LAYERED,
      'qc/black.ts': 'export const black = 0;\n',
      'engine/config.ts':
        "import pkg from '../../package.json' with { type: 'json' };\nexport default pkg;\n",
      'providers/fal/index.ts':
        "import { luma } from '../luma/index.ts';\nexport const fal = luma;\n",
      'providers/luma/index.ts':
        "import { Oops } from '../../errors.ts';\nexport const luma = Oops;\n",
    });
    assert.deepEqual(
      checkImports(src, RULES).map((v) => `${v.file}: ${v.message}`),
      [
        'src/qc/black.ts: src/qc is not on the map: add it to docs/architecture.md and scripts/import-rules.ts',
        'src/engine/config.ts: imports ../package.json, outside src/',
        'src/providers/fal/index.ts: imports src/providers/luma/index.ts: the folders under src/providers/ may not import each other (fal → luma)',
      ],
    );
  });

  test('rules that allow a cycle are refused', () => {
    const rules: ImportRules = { allow: { a: ['b'], b: ['c'], c: ['a'] } };
    assert.deepEqual(
      checkImports(sources({ 'a/x.ts': 'export const x = 1;\n' }), rules).map((v) => v.message),
      ['the rules allow a cycle: a → b → c → a'],
    );
  });

  test('imports are read across lines, from re-exports and dynamic imports, not from comments', () => {
    const src = sources({
      'engine/run.ts': [
        '/**',
        " * import { nothing } from '../server/app.ts';",
        ' */',
        "// import { alsoNothing } from '../server/app.ts';",
        'import {',
        '  plan,',
        '  type Plan,',
        "} from '../router/plan.ts';",
        "export * from '../storyboard/types.ts';",
        "export type { Oops } from '../errors.ts';",
        "const later = () => import('./later.ts');",
        'export const run = [plan, later];',
        '',
      ].join('\n'),
    });
    assert.deepEqual(
      readImports(src).edges.map((e) => `${e.line} ${e.to}${e.typeOnly ? ' (type)' : ''}`),
      ['5 router/plan.ts', '9 storyboard/types.ts', '10 errors.ts (type)', '11 engine/later.ts'],
    );
  });
});
