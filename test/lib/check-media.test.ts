/**
 * checkMedia: the run's and doctor's look at ffmpeg and ffprobe, through stand-in binaries named
 * by FFMPEG_PATH / FFPROBE_PATH (a broken one, an old one) besides the machine's own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkMedia } from '../../src/lib/preflight.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-check-media-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const broken = script('broken', 'echo "cannot open shared object" >&2; exit 127');
const old = script('old', 'echo "ffmpeg version 4.4.2-0+deb11u1 Copyright (c) 2000-2021"');

/** checkMedia with FFMPEG_PATH and FFPROBE_PATH set as given (unset when undefined). */
async function checkWith(ffmpeg: string | undefined, ffprobe: string | undefined) {
  const saved = { FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH };
  const set = (key: 'FFMPEG_PATH' | 'FFPROBE_PATH', value: string | undefined) => {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  };
  set('FFMPEG_PATH', ffmpeg);
  set('FFPROBE_PATH', ffprobe);
  try {
    return await checkMedia();
  } finally {
    set('FFMPEG_PATH', saved.FFMPEG_PATH);
    set('FFPROBE_PATH', saved.FFPROBE_PATH);
  }
}

describe('checkMedia', () => {
  test('finds the machine’s ffmpeg and ffprobe and reads the version', async () => {
    const check = await checkWith(undefined, undefined);
    assert.equal(check.ok, true, check.problem);
    assert.match(check.version ?? '', /^ffmpeg version \S+/);
    assert.doesNotMatch(check.version ?? '', /Copyright/);
  });

  test('names the binary that does not run', async () => {
    const check = await checkWith(undefined, broken);
    assert.equal(check.ok, false);
    assert.match(check.problem ?? '', /^ffprobe \(.*broken\) does not run: .*; reinstall it/);
  });

  test('names ffmpeg first when both fail, whichever answers first', async () => {
    const slowBroken = script('slow-broken', 'sleep 0.3; exit 1');
    const check = await checkWith(slowBroken, broken);
    assert.match(check.problem ?? '', /^ffmpeg \(.*slow-broken\) does not run/);
  });

  test('refuses a version before 5', async () => {
    const check = await checkWith(old, undefined);
    assert.equal(check.ok, false);
    assert.equal(check.version, 'ffmpeg version 4.4.2-0+deb11u1');
    assert.match(check.problem ?? '', /ffmpeg is too old .*needs version 5 or newer/);
  });
});
