/** The LTX API adapter against the sandbox's `/ltx` stand-in (the async V2 endpoints). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLtxProvider, type LtxVideoModel } from '../../src/providers/ltx/index.ts';
import { PNG_BASE64 } from '../sandbox/helpers.ts';
import { adapterContract, callOptions } from './adapter-harness.ts';
import { runToVerifiedClip } from './clip-run.ts';

const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };

adapterContract({
  provider: 'ltx',
  create: (options) => createLtxProvider(options),
  modelId: 'ltx-2-3-fast',
  request: callOptions({ resolution: '1920x1080', aspectRatio: '16:9', duration: 6, fps: 25 }),
  expected: { seconds: 6, width: 1920, height: 1080, fps: 25, audio: true },
  // a length the API does not make, forced through the pass-through options
  invalid: {
    request: callOptions({ resolution: '1920x1080', providerOptions: { ltx: { duration: 7 } } }),
  },
  delivery: 'url',
  refusal: 'status',
  reconcile: 'unknown',
});

describe('ltx: each model ends in a verified clip', () => {
  test('ltx-2-5-fast: 16 s from text at 1080p and 25 fps (the fast models only)', async () => {
    const run = await runToVerifiedClip(
      createLtxProvider,
      'ltx',
      'ltx-2-5-fast',
      callOptions({ resolution: '1920x1080', duration: 16, fps: 25, generateAudio: false }),
      { seconds: 16, width: 1920, height: 1080, fps: 25, audio: false },
    );
    assert.deepEqual(run.warnings, []);
    assert.match(run.sent[0]!.url, /\/ltx\/v2\/text-to-video$/);
  });

  test('ltx-2-5-pro from a first frame: image-to-video, portrait 1080p at 24 fps', async () => {
    const run = await runToVerifiedClip(
      createLtxProvider,
      'ltx',
      'ltx-2-5-pro',
      callOptions({ resolution: '1080x1920', aspectRatio: '9:16', duration: 8, fps: 24, image }),
      { seconds: 8, width: 1080, height: 1920, fps: 24, audio: true },
    );
    assert.match(run.sent[0]!.url, /\/ltx\/v2\/image-to-video$/);
    assert.equal(typeof (run.sent[0]!.json as { image_uri?: unknown }).image_uri, 'string');
  });

  test('ltx-2-3-pro: 4K at 50 fps', async () => {
    await runToVerifiedClip(
      createLtxProvider,
      'ltx',
      'ltx-2-3-pro',
      callOptions({ resolution: '3840x2160', duration: 6, fps: 50 }),
      { seconds: 6, width: 3840, height: 2160, fps: 50, audio: true },
    );
  });
});

describe('ltx request mapping', () => {
  const model = (id: string) => createLtxProvider({ credentials: null }).model(id) as LtxVideoModel;

  test('720p is not offered: 1080p with a warning; long clips need 1080p and 25 fps', () => {
    const { body, warnings } = model('ltx-2-3-fast').buildRequest(
      callOptions({ resolution: '2560x1440', duration: 16, fps: 30 }),
    );
    assert.equal(body.resolution, '2560x1440');
    assert.equal(body.fps, 25);
    assert.equal(body.duration, 10);
    assert.deepEqual(
      warnings.map((w) => (w as { feature?: string }).feature),
      ['fps', 'duration'],
    );
    const small = model('ltx-2-3-pro').buildRequest(callOptions({ resolution: '1280x720' }));
    assert.equal(small.body.resolution, '1920x1080');
    assert.equal((small.warnings[0] as { feature?: string }).feature, 'resolution');
  });
});
