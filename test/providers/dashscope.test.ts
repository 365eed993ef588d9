/** The Model Studio (DashScope) Wan adapter against the sandbox's `/dashscope` stand-in. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createDashScopeProvider,
  type WanVideoModel,
} from '../../src/providers/dashscope/index.ts';
import { PNG_BASE64 } from '../sandbox/helpers.ts';
import { adapterContract, callOptions } from './adapter-harness.ts';
import { runToVerifiedClip } from './clip-run.ts';

const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };

adapterContract({
  provider: 'dashscope',
  create: (options) => createDashScopeProvider(options),
  modelId: 'wan2.6-t2v',
  request: callOptions({
    resolution: '1280x720',
    aspectRatio: '16:9',
    duration: 5,
    generateAudio: true,
  }),
  expected: { seconds: 5, width: 1280, height: 720, fps: 24, audio: true },
  // a length Wan 2.6 does not make, forced through the pass-through options
  invalid: { request: callOptions({ providerOptions: { dashscope: { duration: 7 } } }) },
  delivery: 'url',
  refusal: 'start',
  reconcile: 'unknown',
});

describe('dashscope: each model ends in a verified clip', () => {
  test('wan2.6: a first frame goes to wan2.6-i2v with img_url and a resolution name', async () => {
    const run = await runToVerifiedClip(
      createDashScopeProvider,
      'dashscope',
      'wan2.6-t2v',
      callOptions({ resolution: '1920x1080', duration: 10, image, generateAudio: false }),
      { seconds: 10, width: 1920, height: 1080, fps: 24, audio: false },
    );
    const create = run.sent[0]!;
    assert.equal(create.headers['x-dashscope-async'], 'enable');
    const body = create.json as {
      model: string;
      input: Record<string, unknown>;
      parameters: Record<string, unknown>;
    };
    assert.equal(body.model, 'wan2.6-i2v');
    assert.equal(typeof body.input.img_url, 'string');
    assert.deepEqual(body.parameters, { resolution: '1080P', duration: 10, audio: false });
  });

  test('wan2.7 text-to-video: resolution and ratio, any whole length from 2 to 15 s', async () => {
    const run = await runToVerifiedClip(
      createDashScopeProvider,
      'dashscope',
      'wan2.7-t2v',
      callOptions({ resolution: '720x1280', aspectRatio: '9:16', duration: 7 }),
      { seconds: 7, width: 720, height: 1280, fps: 24, audio: true },
    );
    const body = run.sent[0]!.json as { parameters: Record<string, unknown> };
    assert.deepEqual(body.parameters, { resolution: '720P', ratio: '9:16', duration: 7 });
  });
});

describe('dashscope request mapping', () => {
  const provider = createDashScopeProvider({ credentials: null });
  const model = (id: string) => provider.model(id) as WanVideoModel;

  test('wan2.6 text-to-video: the nearest size of the offered ones, the nearest length', () => {
    const { body, warnings } = model('wan2.6-t2v').buildRequest(
      callOptions({ resolution: '1024x768', aspectRatio: '4:3', duration: 12 }),
    );
    assert.deepEqual(body.parameters, { size: '1088*832', duration: 10 });
    assert.deepEqual(
      warnings.map((w) => (w as { feature?: string }).feature),
      ['duration'],
    );
  });

  test('wan2.7 first and last frame go as media items', () => {
    const { body } = model('wan2.7-t2v').buildRequest(
      callOptions({
        frameImages: [
          { image, frameType: 'first_frame' },
          { image: { type: 'url', url: 'https://example.com/end.png' }, frameType: 'last_frame' },
        ],
      }),
    );
    assert.equal(body.model, 'wan2.7-i2v');
    const media = (body.input as { media: { type: string }[] }).media;
    assert.deepEqual(
      media.map((m) => m.type),
      ['first_frame', 'last_frame'],
    );
  });
});
