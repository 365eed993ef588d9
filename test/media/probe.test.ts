import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { copyFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { probe, probeDetails } from '../../src/media/probe.ts';
import { ffmpeg, makeClip, rotatedCopy, scratchDir } from './fixtures.ts';

const dir = scratchDir();
const at = (name: string) => path.join(dir, name);

before(async () => {
  await Promise.all([
    makeClip(at('clip.mp4'), {
      seconds: 1,
      width: 320,
      height: 180,
      fps: '30000/1001',
      audio: { rate: 44100, channels: 1 },
    }),
    makeClip(at('upright.mp4'), { seconds: 0.5, width: 320, height: 180, fps: 24 }).then((file) =>
      rotatedCopy(file, at('rotated.mp4'), 90),
    ),
    ffmpeg([
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=160x90:r=25:d=2',
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      at('clip.webm'),
    ]),
    ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=1', at('sound.m4a')]),
  ]);
});

describe('probe', () => {
  it('reads picture and sound of an MP4', async () => {
    const info = await probe(at('clip.mp4'));
    assert.deepEqual(info, {
      durationSeconds: 1.001,
      width: 320,
      height: 180,
      fps: 30000 / 1001,
      frames: 30,
      hasAudio: true,
      videoCodec: 'h264',
      pixelFormat: 'yuv420p',
      audioCodec: 'aac',
      sampleRate: 44100,
      channels: 1,
      sizeBytes: statSync(at('clip.mp4')).size,
    });
  });

  it('reports the displayed size of a rotated clip', async () => {
    const details = await probeDetails(at('rotated.mp4'));
    assert.deepEqual([details.info.width, details.info.height], [180, 320]);
    assert.ok(Math.abs(details.displayAspect - 9 / 16) < 1e-9);
  });

  it('reads the duration of a WebM, which keeps it as a tag', async () => {
    const info = await probe(at('clip.webm'));
    assert.deepEqual(
      [info.videoCodec, info.durationSeconds, info.fps, info.hasAudio],
      ['vp9', 2, 25, false],
    );
  });

  it('answers again for a file renamed, and afresh for a file written again', async () => {
    const file = at('moved.mp4');
    await copyFile(at('clip.mp4'), file);
    const first = await probe(file);
    await rename(file, at('moved-again.mp4'));
    assert.deepEqual(await probe(at('moved-again.mp4')), first);
    await copyFile(at('upright.mp4'), at('moved-again.mp4'));
    const rewritten = await probe(at('moved-again.mp4'));
    assert.equal(rewritten.durationSeconds, 0.5);
    assert.equal(rewritten.hasAudio, false);
  });

  it('fails clearly on files without a picture, or missing', async () => {
    await assert.rejects(probe(at('sound.m4a')), {
      code: 'media_failed',
      message: /no video stream/,
    });
    await assert.rejects(probe(at('nope.mp4')), {
      code: 'media_failed',
      message: /does not exist/,
    });
  });
});
