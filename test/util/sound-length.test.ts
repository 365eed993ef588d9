/** A sound file's length from its headers, for the formats read, and undefined for others. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { soundSeconds } from '../../src/util/sound-length.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-sound-length-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function tone(name: string, seconds: number, extra: string[] = []): string {
  const file = path.join(dir, name);
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=d=${seconds}:r=44100`],
    ...extra,
    file,
  ]);
  return file;
}

describe('soundSeconds', () => {
  for (const [name, extra, tolerance] of [
    ['a.m4a', [], 0.03],
    ['a.wav', [], 1e-6],
    ['a.flac', [], 1e-6],
    // an MP3 counts whole frames of 1152 samples, plus the encoder's delay
    ['a.mp3', [], 0.08],
    ['cbr.mp3', ['-write_xing', '0', '-b:a', '128k'], 0.08],
    ['a.mov', [], 0.03],
  ] as const) {
    test(name, () => {
      const seconds = soundSeconds(tone(name, 7.5, [...extra]));
      assert.ok(seconds !== undefined && Math.abs(seconds - 7.5) <= tolerance, `${seconds}`);
    });
  }

  test('a file of no format read here, or none at all', () => {
    const ogg = tone('a.ogg', 2, ['-c:a', 'libvorbis']);
    assert.equal(soundSeconds(ogg), undefined);
    fs.writeFileSync(path.join(dir, 'text.m4a'), 'not sound');
    assert.equal(soundSeconds(path.join(dir, 'text.m4a')), undefined);
    assert.equal(soundSeconds(path.join(dir, 'missing.wav')), undefined);
  });
});
