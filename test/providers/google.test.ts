/** Contract test of the Veo adapter on the Gemini API against the sandbox's `/google` stand-in. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGoogleProvider } from '../../src/providers/google/index.ts';
import type { SandboxOptions } from '../../src/sandbox/types.ts';
import {
  assertCompleted,
  callOptions,
  expectCode,
  PNG_BASE64,
  pollToEnd,
  probeVideo,
  sandboxAdapter,
  statusCode,
} from './adapter-harness.ts';

const MODEL = 'veo-3.1-generate-preview';
const png = { type: 'file', mediaType: 'image/png', data: PNG_BASE64 } as const;

async function setup(
  options: SandboxOptions = {},
  apiKey = 'AIza-test-google-key',
  timeoutMs?: number,
) {
  const { t, provider, sent } = await sandboxAdapter(createGoogleProvider, 'google', {
    sandbox: options,
    values: { apiKey },
    timeoutMs,
  });
  return { t, provider, model: provider.model(MODEL), sent };
}

describe('google (Gemini API) adapter', () => {
  test('starts, polls and downloads the clip with the key in a header, never in a URL', async () => {
    const { t, model, sent } = await setup();
    const start = await model.doStart!(callOptions({ seed: 5, generateAudio: false }));
    assert.deepEqual(
      start.warnings.map((w) => (w.type === 'unsupported' ? w.feature : w.type)),
      ['generateAudio', 'seed'],
    );
    const create = sent[0]!;
    assert.match(
      create.url,
      /\/google\/v1beta\/models\/veo-3\.1-generate-preview:predictLongRunning$/,
    );
    assert.equal(create.headers['x-goog-api-key'], 'AIza-test-google-key');
    assert.deepEqual(create.json, {
      instances: [{ prompt: 'A lighthouse in fog at dawn' }],
      parameters: { sampleCount: 1, durationSeconds: 4, aspectRatio: '16:9', resolution: '720p' },
    });
    const first = await model.doStatus!({ operation: start.operation });
    assert.equal(first.status, 'pending');
    const status = await pollToEnd(model, start.operation, t);
    assertCompleted(status);
    assert.equal(status.videos[0]!.type, 'binary');
    const info = await probeVideo(status.videos[0]!, 'google');
    assert.ok(Math.abs(info.durationSeconds - 4) < 0.1);
    assert.equal(info.fps, 24);
    assert.equal(info.hasAudio, true, 'the Gemini API always makes sound');
    for (const request of sent) assert.doesNotMatch(request.url, /AIza/);
  });

  test('first and last frames become image and lastFrame; 1080p portrait maps to tier and ratio', async () => {
    const { model, sent } = await setup();
    await model.doStart!(
      callOptions({
        resolution: '1080x1920',
        aspectRatio: '9:16',
        duration: 8,
        frameImages: [
          { image: png, frameType: 'first_frame' },
          { image: png, frameType: 'last_frame' },
        ],
      }),
    );
    const body = sent[0]!.json as {
      instances: Record<string, unknown>[];
      parameters: Record<string, unknown>;
    };
    assert.deepEqual(body.instances[0]!.image, {
      bytesBase64Encoded: PNG_BASE64,
      mimeType: 'image/png',
    });
    assert.deepEqual(body.instances[0]!.lastFrame, {
      bytesBase64Encoded: PNG_BASE64,
      mimeType: 'image/png',
    });
    assert.equal(body.parameters.resolution, '1080p');
    assert.equal(body.parameters.aspectRatio, '9:16');
  });

  test('a duration Veo does not offer is an invalid request with Google’s message', async () => {
    const { model } = await setup();
    const error = await expectCode(
      () => model.doStart!(callOptions({ duration: 5 })),
      'invalid_request',
    );
    assert.match(error.message, /durationSeconds/);
  });

  test('429 RESOURCE_EXHAUSTED is rate_limited with the Retry-After seconds', async () => {
    const { model } = await setup({ faults: { 429: 1 }, retryAfterSeconds: 9 });
    const error = await expectCode(() => model.doStart!(callOptions()), 'rate_limited');
    assert.equal(error.retryAfterSeconds, 9);
  });

  test('503 is a retryable server_error', async () => {
    const { model } = await setup({ faults: { '5xx': 1 } });
    assert.equal(
      (await expectCode(() => model.doStart!(callOptions()), 'server_error')).retryable,
      true,
    );
  });

  test('an invalid key (400 API_KEY_INVALID) is authentication naming the variable', async () => {
    const { model } = await setup({}, 'bad-key');
    const error = await expectCode(() => model.doStart!(callOptions()), 'authentication');
    assert.match(error.message, /GEMINI_API_KEY/);
    assert.doesNotMatch(error.message, /bad-key/);
  });

  test('a safety-filtered result ends the job as content_refused', async () => {
    const { t, model } = await setup({ faults: { refuse: 1 } });
    const start = await model.doStart!(callOptions());
    const status = await pollToEnd(model, start.operation, t);
    assert.equal(status.status, 'error');
    assert.equal(statusCode(status), 'content_refused');
    assert.match(status.status === 'error' ? status.error : '', /Responsible AI/);
  });

  test('a cut-short reply is malformed_response', async () => {
    const { model } = await setup({ faults: { malformed: 1 } });
    await expectCode(() => model.doStart!(callOptions()), 'malformed_response');
  });

  test('an expired file link is expired_url; the next poll downloads it', async () => {
    const { t, model } = await setup({ faults: { expired: 1 } });
    const start = await model.doStart!(callOptions());
    t.clock.advance(1500);
    await expectCode(() => model.doStatus!({ operation: start.operation }), 'expired_url');
    assertCompleted(await model.doStatus!({ operation: start.operation }));
  });

  test('a dropped start is connection_dropped and cannot be reconciled (unknown)', async () => {
    const { t, provider, model } = await setup({ faults: { drop: 1 } });
    const request = callOptions({ headers: { 'idempotency-key': 'k1' } });
    await expectCode(() => model.doStart!(request), 'connection_dropped');
    assert.equal(provider.info.reconcileMethod, 'none');
    const result = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'k1',
      request,
      sentAt: new Date(t.clock.now()).toISOString(),
    });
    assert.equal(result.status, 'unknown');
  });

  test('timeouts and aborts', async () => {
    const { model } = await setup({ faults: { timeout: 1 } }, 'AIza-test-google-key', 100);
    await expectCode(() => model.doStart!(callOptions()), 'timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expectCode(
      () => model.doStart!(callOptions({ abortSignal: controller.signal })),
      'aborted',
    );
  });

  test('no credentials: the request fails with a hint, not the setup', async () => {
    const provider = createGoogleProvider({ credentials: null });
    const error = await expectCode(
      () => provider.model(MODEL).doStart!(callOptions()),
      'authentication',
    );
    assert.match(error.message, /GEMINI_API_KEY, GOOGLE_API_KEY or GOOGLE_GENERATIVE_AI_API_KEY/);
  });
});
