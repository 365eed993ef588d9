import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createBytePlusProvider,
  type SeedanceVideoModel,
  seedanceModel,
} from '../../src/providers/byteplus/index.ts';
import { PNG_BASE64 } from '../sandbox/helpers.ts';
import { callOptions, statusCode, withKey } from './adapter-harness.ts';

const MODEL = 'dreamina-seedance-2-0-fast-260128';

describe('Seedance request mapping', () => {
  const provider = createBytePlusProvider({ credentials: null });
  const model = (id = MODEL) => provider.model(id) as SeedanceVideoModel;

  test('body fields, a text item, first and last frames with their roles, a seed from the key', () => {
    const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };
    const { body, warnings } = model().buildRequest(
      withKey(
        callOptions({
          resolution: '720x1280',
          aspectRatio: '9:16',
          duration: 6,
          generateAudio: false,
          frameImages: [
            { image, frameType: 'first_frame' },
            { image: { type: 'url', url: 'https://example.com/end.png' }, frameType: 'last_frame' },
          ],
        }),
        'key-1',
      ),
    );
    assert.deepEqual(body.content, [
      { type: 'text', text: 'A lighthouse in fog at dawn' },
      {
        type: 'image_url',
        image_url: { url: `data:image/png;base64,${PNG_BASE64}` },
        role: 'first_frame',
      },
      { type: 'image_url', image_url: { url: 'https://example.com/end.png' }, role: 'last_frame' },
    ]);
    assert.equal(body.resolution, '720p');
    assert.equal(body.ratio, '9:16');
    assert.equal(body.duration, 6);
    assert.equal(body.generate_audio, false);
    assert.equal(typeof body.seed, 'number');
    assert.equal(
      model().buildRequest(withKey(callOptions(), 'key-1')).body.seed,
      body.seed,
      'same key, same seed',
    );
    assert.notEqual(model().buildRequest(withKey(callOptions(), 'key-2')).body.seed, body.seed);
    assert.deepEqual(warnings, []);
  });

  test('what cannot be sent as asked is a warning, never a silent change', () => {
    const { body, warnings } = model().buildRequest(
      callOptions({ resolution: '3840x2160', aspectRatio: '2:1', duration: 20, fps: 30, seed: 5 }),
    );
    assert.equal(body.resolution, '720p', '2.0 fast stops at 720p');
    assert.equal(body.duration, 15);
    assert.equal(body.ratio, '16:9', 'nearest on a log scale');
    assert.equal(body.seed, 5);
    assert.deepEqual(warnings.map((w) => ('feature' in w ? w.feature : w.type)).sort(), [
      'aspectRatio',
      'duration',
      'fps',
      'resolution',
    ]);
  });

  test('references only without frames; 1.0 pro fast refuses a last frame; 1.0 has no audio field', () => {
    const ref = { type: 'url' as const, url: 'https://example.com/ref.png' };
    const refs = model().buildRequest(callOptions({ inputReferences: [ref] })).body
      .content as unknown[];
    assert.deepEqual(refs[1], {
      type: 'image_url',
      image_url: { url: ref.url },
      role: 'reference_image',
    });
    const mixed = model().buildRequest(callOptions({ image: ref, inputReferences: [ref] }));
    assert.equal((mixed.body.content as unknown[]).length, 2);
    assert.equal(mixed.warnings[0]?.type, 'unsupported');
    assert.throws(
      () =>
        model('seedance-1-0-pro-fast-251015').buildRequest(
          callOptions({
            frameImages: [
              { image: ref, frameType: 'first_frame' },
              { image: ref, frameType: 'last_frame' },
            ],
          }),
        ),
      /first frame only/,
    );
    const legacy = model('seedance-1-0-pro-250528').buildRequest(
      callOptions({ generateAudio: true }),
    );
    assert.equal(legacy.body.generate_audio, undefined);
    assert.equal(legacy.warnings[0]?.type, 'unsupported');
    assert.equal(seedanceModel('doubao-seedance-1-5-pro-251215')?.maxSeconds, 12);
  });

  test('a failed task is an error status carrying its code', async () => {
    const fetch = async () =>
      Response.json({
        id: 'cgt-1',
        status: 'failed',
        error: { code: 'OutputVideoSensitiveContentDetected', message: 'flagged' },
      });
    const credentials = {
      provider: 'byteplus' as const,
      values: { apiKey: 'test-key' },
      baseUrl: 'http://127.0.0.1:9',
      apiKeyEnv: 'ARK_API_KEY',
      secrets: ['test-key'],
      sandbox: false,
    };
    const status = await createBytePlusProvider({
      credentials,
      fetch: fetch as typeof globalThis.fetch,
    }).model(MODEL).doStatus!({ operation: { taskId: 'cgt-1', model: MODEL } });
    assert.equal(status.status, 'error');
    assert.equal(statusCode(status), 'content_refused');
  });
});
