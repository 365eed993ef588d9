import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildReplicateRequest,
  createReplicateProvider,
  videoUrlOf,
} from '../../src/providers/replicate/index.ts';
import { replicateVersionOf } from '../../src/sandbox/index.ts';
import {
  callOptions,
  completed,
  downloadAndProbe,
  PNG_BASE64,
  pollToEnd,
  sandbox,
  sandboxCredentials,
  statusCode,
  withKey,
} from './adapter-harness.ts';

const request = callOptions({ resolution: '864x480', duration: 4, generateAudio: true });

describe('Replicate inputs', () => {
  const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };
  const end = { type: 'url' as const, url: 'https://example.com/end.png' };

  test('an official model posts {input} to its models path; first/last frames under its own names', () => {
    const { path, body, warnings } = buildReplicateRequest(
      'bytedance/seedance-2.0',
      withKey(
        callOptions({
          resolution: '1920x1080',
          duration: 6,
          frameImages: [
            { image, frameType: 'first_frame' },
            { image: end, frameType: 'last_frame' },
          ],
        }),
        'k1',
      ),
    );
    assert.equal(path, '/v1/models/bytedance/seedance-2.0/predictions');
    assert.equal(body.version, undefined);
    assert.equal(body.input.image, `data:image/png;base64,${PNG_BASE64}`);
    assert.equal(body.input.last_frame_image, end.url);
    assert.equal(body.input.duration, 6);
    assert.equal(body.input.resolution, '1080p');
    assert.equal(typeof body.input.seed, 'number', 'a seed derived from the key');
    assert.deepEqual(warnings, []);
  });

  test('Kling takes start_image and no seed; a pinned version posts to /v1/predictions', () => {
    const kling = buildReplicateRequest(
      'kwaivgi/kling-v2.6',
      callOptions({ image, duration: 7, seed: 3 }),
    );
    assert.equal(kling.body.input.start_image, `data:image/png;base64,${PNG_BASE64}`);
    assert.equal(kling.body.input.duration, 5);
    assert.equal(kling.body.input.seed, undefined);
    assert.deepEqual(kling.warnings.map((w) => ('feature' in w ? w.feature : '')).sort(), [
      'duration',
      'seed',
    ]);
    const pinned = buildReplicateRequest('google/veo-3:abc123', callOptions());
    assert.equal(pinned.path, '/v1/predictions');
    assert.equal(pinned.body.version, 'abc123');
    assert.throws(
      () =>
        buildReplicateRequest(
          'kwaivgi/kling-v2.6',
          callOptions({ frameImages: [{ image: end, frameType: 'last_frame' }] }),
        ),
      /no last frame/,
    );
  });

  test('the video URL is found in any output shape', () => {
    assert.equal(
      videoUrlOf('https://replicate.delivery/a.mp4'),
      'https://replicate.delivery/a.mp4',
    );
    assert.equal(videoUrlOf(['https://x/cover.jpg', 'https://x/b.mp4']), 'https://x/b.mp4');
    assert.equal(videoUrlOf({ video: 'https://x/c.webm' }), 'https://x/c.webm');
    assert.equal(videoUrlOf(null), undefined);
  });

  test('a pinned version runs end to end on the sandbox', async () => {
    const t = await sandbox();
    const id = `bytedance/seedance-2.0:${replicateVersionOf('bytedance/seedance-2.0')}`;
    const model = createReplicateProvider({
      credentials: sandboxCredentials('replicate', t),
    }).model(id);
    const started = await model.doStart!(request);
    const info = await downloadAndProbe(
      'replicate',
      completed(await pollToEnd(model, started.operation, t, 250)),
    );
    assert.ok(Math.abs(info.durationSeconds - 4) < 0.1);
  });

  test('deleted outputs, aborted and canceled predictions are error statuses with their codes', async () => {
    const replies: Record<string, unknown> = {
      removed: { id: 'removed', status: 'succeeded', output: null, data_removed: true },
      aborted: { id: 'aborted', status: 'aborted', output: null },
      canceled: { id: 'canceled', status: 'canceled', output: null },
    };
    const fetch = (async (url: string | URL) =>
      Response.json(replies[String(url).split('/').at(-1)!])) as typeof globalThis.fetch;
    const model = createReplicateProvider({
      fetch,
      credentials: {
        provider: 'replicate',
        values: { apiKey: 'r8_test' },
        baseUrl: 'http://127.0.0.1:9',
        apiKeyEnv: 'REPLICATE_API_TOKEN',
        secrets: ['r8_test'],
        sandbox: false,
      },
    }).model('bytedance/seedance-2.0');
    const status = async (predictionId: string) => model.doStatus!({ operation: { predictionId } });
    assert.equal(statusCode(await status('removed')), 'expired_url');
    assert.equal(statusCode(await status('aborted')), 'timeout');
    const canceled = await status('canceled');
    assert.equal(canceled.status, 'error');
    assert.equal(statusCode(canceled), undefined);
  });
});
