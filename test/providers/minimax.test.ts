/** The MiniMax adapter against the sandbox's `/minimax` stand-in (v1 Hailuo and v2 H3). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createMiniMaxProvider,
  type MiniMaxVideoModel,
} from '../../src/providers/minimax/index.ts';
import { PNG_BASE64 } from '../sandbox/helpers.ts';
import { adapterContract, callOptions, rejectsWith } from './adapter-harness.ts';
import { runToVerifiedClip } from './clip-run.ts';

const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };

adapterContract({
  provider: 'minimax',
  create: (options) => createMiniMaxProvider(options),
  modelId: 'MiniMax-H3',
  request: callOptions({ resolution: '1366x768', aspectRatio: '16:9', duration: 4 }),
  expected: { seconds: 4, width: 1366, height: 768, fps: 24, audio: true },
  // a length H3 does not make, forced through the pass-through options
  invalid: { request: callOptions({ providerOptions: { minimax: { duration: 16 } } }) },
  delivery: 'url',
  refusal: 'start',
  reconcile: 'unknown',
});

describe('minimax: each model ends in a verified clip', () => {
  test('MiniMax-Hailuo-2.3 (v1): create, query, file retrieve, a silent 1080P clip', async () => {
    const run = await runToVerifiedClip(
      createMiniMaxProvider,
      'minimax',
      'MiniMax-Hailuo-2.3',
      callOptions({ resolution: '1920x1080', duration: 6 }),
      { seconds: 6, width: 1920, height: 1080, fps: 24, audio: false },
    );
    assert.deepEqual(run.warnings, []);
    const paths = run.sent.map((r) => new URL(r.url).pathname.replace(/^\/minimax/, ''));
    assert.equal(paths[0], '/v1/video_generation');
    assert.ok(paths.includes('/v1/query/video_generation'));
    assert.ok(paths.includes('/v1/files/retrieve'), 'the URL comes from the file API');
    assert.deepEqual(run.sent[0]!.json, {
      model: 'MiniMax-Hailuo-2.3',
      prompt: 'A lighthouse in fog at dawn',
      resolution: '1080P',
      duration: 6,
    });
  });

  test('MiniMax-H3 (v2) from a first frame in 2K: content items with roles', async () => {
    const run = await runToVerifiedClip(
      createMiniMaxProvider,
      'minimax',
      'MiniMax-H3',
      callOptions({ resolution: '2560x1440', duration: 10, image }),
      { seconds: 10, width: 2560, height: 1440, fps: 24, audio: true },
    );
    const body = run.sent[0]!.json as Record<string, unknown>;
    assert.equal(body.resolution, '2K');
    assert.deepEqual(
      (body.content as { role?: string }[]).map((c) => c.role),
      [undefined, 'first_frame'],
    );
  });
});

describe('minimax request mapping', () => {
  const provider = createMiniMaxProvider({ credentials: null });
  const model = (id: string) => provider.model(id) as MiniMaxVideoModel;

  test('Hailuo: nearest duration, no references, no seed; text-to-video is 16:9 only', () => {
    const { path, body, warnings } = model('MiniMax-Hailuo-2.3').buildRequest(
      callOptions({
        resolution: '720x1280',
        aspectRatio: '9:16',
        duration: 9,
        seed: 3,
        inputReferences: [image],
      }),
    );
    assert.equal(path, '/v1/video_generation');
    assert.equal(body.resolution, '768P');
    assert.equal(body.duration, 10);
    assert.deepEqual(
      warnings.map((w) => (w as { feature?: string }).feature),
      ['inputReferences', 'aspectRatio', 'duration', 'seed'],
    );
  });

  test('Hailuo 2.3 Fast needs a first frame; H3 references exclude frames', async () => {
    await rejectsWith(
      Promise.resolve().then(() => model('MiniMax-Hailuo-2.3-Fast').buildRequest(callOptions())),
      'invalid_request',
    );
    const { body, warnings } = model('MiniMax-H3').buildRequest(
      callOptions({ image, inputReferences: [image] }),
    );
    assert.equal((body.content as unknown[]).length, 2);
    assert.equal((warnings[0] as { feature?: string }).feature, 'inputReferences');
  });
});
