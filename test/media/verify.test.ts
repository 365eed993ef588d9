import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ShotrouterError } from '../../src/errors.ts';
import type { ProbeInfo } from '../../src/media/probe.ts';
import { CONTAINER_TOLERANCE_SECONDS, clipMismatches, verifyClip } from '../../src/media/verify.ts';
import { makeClip, scratchDir } from './fixtures.ts';

const dir = scratchDir();
const withSound = path.join(dir, 'sound.mp4');
const silent = path.join(dir, 'silent.mp4');

before(async () => {
  await Promise.all([
    makeClip(withSound, { seconds: 1, width: 320, height: 180, fps: 24, audio: {} }),
    makeClip(silent, { seconds: 1, width: 320, height: 180, fps: 24 }),
  ]);
});

describe('verifyClip', () => {
  it('passes a clip that is what was asked and returns its probe', async () => {
    const info = await verifyClip(withSound, {
      seconds: 1,
      width: 320,
      height: 180,
      fps: 24,
      audio: true,
    });
    assert.equal(info.width, 320);
    assert.equal(info.hasAudio, true);
  });

  it('accepts an audio track nobody asked for', async () => {
    await verifyClip(withSound, { seconds: 1, width: 320, height: 180, fps: 24, audio: false });
  });

  it('lists every mismatch in one error', async () => {
    const error = await verifyClip(silent, {
      seconds: 2,
      width: 640,
      height: 360,
      fps: 30,
      audio: true,
    }).then(
      () => assert.fail('should not pass'),
      (e: unknown) => e,
    );
    assert.ok(ShotrouterError.is(error));
    assert.equal(error.code, 'verification_failed');
    assert.match(error.message, /4 mismatches/);
    assert.match(error.message, /duration is 1\.000 s, expected 2\.000 s/);
    assert.match(error.message, /size is 320x180, expected 640x360/);
    assert.match(error.message, /frame rate is 24 fps, expected 30 fps/);
    assert.match(error.message, /no audio track/);
    assert.equal((error.details as { mismatches: string[] }).mismatches.length, 4);
  });

  it('turns an unreadable file into a verification failure', async () => {
    const junk = path.join(dir, 'junk.mp4');
    writeFileSync(junk, 'this is not a video');
    await assert.rejects(
      verifyClip(junk, { seconds: 1, width: 320, height: 180, fps: 24, audio: false }),
      {
        code: 'verification_failed',
        message: /not a readable video/,
      },
    );
  });
});

describe('clipMismatches', () => {
  const info: ProbeInfo = {
    durationSeconds: 5,
    width: 1920,
    height: 1080,
    fps: 24,
    hasAudio: true,
    videoCodec: 'h264',
    pixelFormat: 'yuv420p',
    sizeBytes: 1,
  };
  const expect = { seconds: 5, width: 1920, height: 1080, fps: 24, audio: true };

  it('allows one frame plus the container tolerance of duration, no more', () => {
    const slack = 1 / 24 + CONTAINER_TOLERANCE_SECONDS;
    assert.deepEqual(clipMismatches({ ...info, durationSeconds: 5 - slack + 1e-6 }, expect), []);
    assert.deepEqual(clipMismatches({ ...info, durationSeconds: 5 + slack - 1e-6 }, expect), []);
    assert.equal(clipMismatches({ ...info, durationSeconds: 5 - 2 / 24 }, expect).length, 1);
  });

  it('allows 0.01 fps of frame rate difference', () => {
    assert.deepEqual(
      clipMismatches({ ...info, fps: 24000 / 1001 }, { ...expect, fps: 23.976 }),
      [],
    );
    assert.equal(clipMismatches({ ...info, fps: 24000 / 1001 }, expect).length, 1);
  });

  it('accepts another frame rate when told the assembly converts it (no slow motion)', () => {
    const thirty = { ...info, fps: 30 };
    assert.equal(clipMismatches(thirty, expect).length, 1);
    assert.deepEqual(clipMismatches(thirty, { ...expect, fpsMustMatch: false }), []);
    // the duration still has to hold, within one frame of the rate delivered
    assert.equal(
      clipMismatches({ ...thirty, durationSeconds: 4.8 }, { ...expect, fpsMustMatch: false })
        .length,
      1,
    );
  });

  it('wants the size exactly', () => {
    assert.deepEqual(clipMismatches({ ...info, width: 1918 }, expect), [
      'size is 1918x1080, expected 1920x1080',
    ]);
  });
});
