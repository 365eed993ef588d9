/**
 * The December 2026 models on the adapters that existed before them (Kling, fal, BytePlus):
 * each one's sandbox run through its adapter ends in a verified clip.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBytePlusProvider } from '../../src/providers/byteplus/index.ts';
import { createFalProvider } from '../../src/providers/fal/index.ts';
import { createKlingProvider } from '../../src/providers/kling/index.ts';
import { PNG_BASE64 } from '../sandbox/helpers.ts';
import { callOptions } from './adapter-harness.ts';
import { runToVerifiedClip } from './clip-run.ts';

const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };

describe('kling: Kling 3.0 Omni, Kling 4.0 and 4.0 Flash', () => {
  test('kling-v3-omni in 4K with sound, no multi-shot fields', async () => {
    const run = await runToVerifiedClip(
      createKlingProvider,
      'kling',
      'kling-v3-omni',
      callOptions({ resolution: '3840x2160', duration: 5, generateAudio: true }),
      { seconds: 5, width: 3840, height: 2160, fps: 24, audio: true },
    );
    const body = run.sent[0]!.json as Record<string, unknown>;
    assert.equal(body.model_name, 'kling-v3-omni');
    assert.equal(body.mode, '4k');
    assert.equal(body.multi_shot, undefined);
  });

  test('kling-v4: 20 s at 1080p (pro) with sound', async () => {
    await runToVerifiedClip(
      createKlingProvider,
      'kling',
      'kling-v4',
      callOptions({ resolution: '1920x1080', duration: 20, generateAudio: true }),
      { seconds: 20, width: 1920, height: 1080, fps: 24, audio: true },
    );
  });

  test('kling-v4-flash: 720p (std) from a first frame, in the shape of the (square) image', async () => {
    await runToVerifiedClip(
      createKlingProvider,
      'kling',
      'kling-v4-flash',
      callOptions({ resolution: '1280x720', duration: 8, generateAudio: true, image }),
      { seconds: 8, width: 720, height: 720, fps: 24, audio: true },
    );
  });
});

describe('fal: Kling 4.0 and LTX-2.3 Fast', () => {
  test('fal-ai/kling-video/v4: text-to-video at 1080p, string duration, sound without a field', async () => {
    const run = await runToVerifiedClip(
      createFalProvider,
      'fal',
      'fal-ai/kling-video/v4',
      callOptions({ resolution: '1920x1080', duration: 12, generateAudio: true }),
      { seconds: 12, width: 1920, height: 1080, fps: 24, audio: true },
    );
    assert.deepEqual(run.warnings, []);
    const body = run.sent[0]!.json as Record<string, unknown>;
    assert.match(run.sent[0]!.url, /fal-ai\/kling-video\/v4\/text-to-video$/);
    assert.equal(body.duration, '12');
    assert.equal(body.resolution, '1080p');
    assert.equal(body.generate_audio, undefined);
  });

  test('fal-ai/ltx-2.3/fast: 16 s at 1080p and 25 fps', async () => {
    await runToVerifiedClip(
      createFalProvider,
      'fal',
      'fal-ai/ltx-2.3/fast',
      callOptions({ resolution: '1920x1080', duration: 16, fps: 25, generateAudio: true }),
      { seconds: 16, width: 1920, height: 1080, fps: 25, audio: true },
    );
  });
});

describe('byteplus: Seedance 2.5 and 2.5 Flash', () => {
  test('dreamina-seedance-2-5-260628: 20 s at 1080p', async () => {
    await runToVerifiedClip(
      createBytePlusProvider,
      'byteplus',
      'dreamina-seedance-2-5-260628',
      callOptions({ resolution: '1920x1080', duration: 20, generateAudio: true }),
      { seconds: 20, width: 1920, height: 1080, fps: 24, audio: true },
    );
  });

  test('dreamina-seedance-2-5-flash-261115: 720p, 1080p is not offered', async () => {
    const run = await runToVerifiedClip(
      createBytePlusProvider,
      'byteplus',
      'dreamina-seedance-2-5-flash-261115',
      callOptions({ resolution: '1280x720', duration: 6, generateAudio: false }),
      { seconds: 6, width: 1280, height: 720, fps: 24, audio: false },
    );
    assert.equal((run.sent[0]!.json as { resolution?: string }).resolution, '720p');
  });
});
