/**
 * Bad input is refused before anything is spent, at its place in the file: the storyboard file
 * itself (kind, size, encoding), a duration under one frame, `--budget` that is not a plain
 * decimal number of dollars. Driven through the real CLI.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { memoryIO } from '../cli/memory-io.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-input-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const STORYBOARD = [
  'version: 1',
  'title: Input',
  'as_of: 2026-11-26',
  'deliver: { resolution: 320x180, fps: 24, audio: false }',
  'shots:',
  '  - { id: a, prompt: a lighthouse at dawn, duration: 2 }',
  '',
].join('\n');

async function cli(args: string[]) {
  const t = memoryIO(dir);
  const code = await main(args, t.io);
  return { code, out: t.stdout(), err: t.stderr() };
}

describe('the storyboard file', () => {
  test('a FIFO is refused at once, without opening it', async () => {
    const fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const r = await cli(['validate', fifo]);
    assert.equal(r.code, 1);
    assert.match(r.err, /pipe\.yaml:1:1: cannot read the storyboard: it is a named pipe \(FIFO\)/);
  });

  test('a symbolic link to /dev/zero is refused as a device', async () => {
    const link = path.join(dir, 'zero.yaml');
    fs.symlinkSync('/dev/zero', link);
    const r = await cli(['plan', link]);
    assert.equal(r.code, 1);
    assert.match(r.err, /it is a device/);
  });

  test('UTF-16 (with or without a byte-order mark) gets a plain message', async () => {
    const withBom = path.join(dir, 'utf16.yaml');
    fs.writeFileSync(
      withBom,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(STORYBOARD, 'utf16le')]),
    );
    let r = await cli(['validate', withBom]);
    assert.equal(r.code, 1);
    assert.match(r.err, /UTF-16 .*save it as UTF-8/);
    const bare = path.join(dir, 'utf16-bare.yaml');
    fs.writeFileSync(bare, Buffer.from(STORYBOARD, 'utf16le'));
    r = await cli(['validate', bare]);
    assert.equal(r.code, 1);
    assert.match(r.err, /looks like UTF-16 .*save it as UTF-8/);
  });

  test('a UTF-8 byte-order mark is accepted; Latin-1 bytes are placed by line and column', async () => {
    const bom = path.join(dir, 'bom.yaml');
    fs.writeFileSync(
      bom,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(STORYBOARD)]),
    );
    assert.equal((await cli(['validate', bom])).code, 0);
    const latin1 = path.join(dir, 'latin1.yaml');
    fs.writeFileSync(latin1, Buffer.from(STORYBOARD.replace('lighthouse', 'caf\u00e9'), 'latin1'));
    const r = await cli(['validate', latin1]);
    assert.equal(r.code, 1);
    assert.match(r.err, /latin1\.yaml:6:27: the storyboard is not UTF-8 text \(byte 0xe9/);
  });

  test('a binary file is not a storyboard', async () => {
    const binary = path.join(dir, 'binary.yaml');
    fs.writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]));
    const r = await cli(['validate', binary]);
    assert.equal(r.code, 1);
    assert.match(r.err, /not a text file/);
  });
});

test('a duration shorter than one frame is refused at its place', async () => {
  const file = path.join(dir, 'short.yaml');
  fs.writeFileSync(file, STORYBOARD.replace('duration: 2', 'duration: 0.01'));
  const r = await cli(['validate', file]);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    /short\.yaml:6:\d+: shots\[0\]\.duration: is shorter than one frame at 24 fps/,
  );
  fs.writeFileSync(file, STORYBOARD.replace('duration: 2', 'duration: 0.042'));
  assert.equal((await cli(['validate', file])).code, 0, 'one frame (1/24 s, rounded up) is enough');
});

describe('--budget', () => {
  for (const bad of [
    '1e308',
    '0x10',
    '0',
    '-5',
    'Infinity',
    'NaN',
    '1e3',
    '10.1234567',
    '2000000',
    ' ',
    'ten',
  ]) {
    test(`'${bad}' is wrong usage (exit 64)`, async () => {
      const file = path.join(dir, 'budget.yaml');
      fs.writeFileSync(file, STORYBOARD);
      const r = await cli(['plan', file, `--budget=${bad}`]);
      assert.equal(r.code, 64, r.err);
      assert.match(r.err, /--budget takes a plain decimal number of dollars/);
    });
  }
  for (const good of ['25', '9.68', '0.5', '$12']) {
    test(`'${good}' is a budget`, async () => {
      const file = path.join(dir, 'budget.yaml');
      fs.writeFileSync(file, STORYBOARD);
      const r = await cli(['plan', file, '--budget', good, '--json']);
      assert.equal(r.code, 0, r.err);
      assert.equal(JSON.parse(r.out).budget_usd, Number(good.replace('$', '')));
    });
  }
});

test('a text file named x.png is refused as a reference, at its place, before any plan', async () => {
  fs.writeFileSync(path.join(dir, 'x.png'), 'this is text, not an image\n');
  const file = path.join(dir, 'refs.yaml');
  fs.writeFileSync(file, STORYBOARD.replace('duration: 2 }', 'duration: 2, references: [x.png] }'));
  const r = await cli(['plan', file]);
  assert.equal(r.code, 1);
  assert.match(r.err, /refs\.yaml:6:\d+: shots\[0\]\.references\[0\]: is not an image/);
});
