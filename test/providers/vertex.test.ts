/** Contract test of the Veo adapter on Vertex AI against the sandbox's `/vertex` stand-in. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createVertexProvider } from '../../src/providers/google/index.ts';
import type { SandboxOptions } from '../../src/sandbox/types.ts';
import {
  assertCompleted,
  callOptions,
  expectCode,
  pollToEnd,
  probeVideo,
  sandboxAdapter,
  statusCode,
} from './adapter-harness.ts';

const MODEL = 'veo-3.1-generate-001';

async function setup(
  options: SandboxOptions = {},
  accessToken = 'ya29.test-token',
  timeoutMs?: number,
) {
  const { t, provider, sent } = await sandboxAdapter(createVertexProvider, 'vertex', {
    sandbox: options,
    values: { accessToken, project: 'film-co', location: 'us-central1' },
    timeoutMs,
  });
  return { t, provider, model: provider.model(MODEL), sent };
}

describe('vertex adapter', () => {
  test('inline bytes: generateAudio and seed go through; polls are POSTs of fetchPredictOperation', async () => {
    const { t, model, sent } = await setup();
    const start = await model.doStart!(callOptions({ generateAudio: false, seed: 42, fps: 24 }));
    assert.deepEqual(start.warnings, []);
    const create = sent[0]!;
    assert.match(
      create.url,
      /\/vertex\/v1\/projects\/film-co\/locations\/us-central1\/publishers\/google\/models\/veo-3\.1-generate-001:predictLongRunning$/,
    );
    assert.equal(create.headers.authorization, 'Bearer ya29.test-token');
    assert.deepEqual((create.json as { parameters: unknown }).parameters, {
      sampleCount: 1,
      durationSeconds: 4,
      aspectRatio: '16:9',
      resolution: '720p',
      generateAudio: false,
      seed: 42,
    });
    const status = await pollToEnd(model, start.operation, t);
    const poll = sent[1]!;
    assert.equal(poll.method, 'POST');
    assert.match(poll.url, /veo-3\.1-generate-001:fetchPredictOperation$/);
    assert.match(String((poll.json as { operationName: string }).operationName), /\/operations\//);
    assertCompleted(status);
    assert.equal(status.videos[0]!.type, 'base64');
    const info = await probeVideo(status.videos[0]!, 'vertex');
    assert.ok(Math.abs(info.durationSeconds - 4) < 0.1);
    assert.equal(info.hasAudio, false, 'generateAudio: false is honoured on Vertex');
  });

  test('storageUri output is read from Cloud Storage with the token; an expired object is expired_url', async () => {
    const { t, model, sent } = await setup({ faults: { expired: 1 } });
    const start = await model.doStart!(
      callOptions({ providerOptions: { vertex: { storageUri: 'gs://film-co-renders/shots' } } }),
    );
    t.clock.advance(1500);
    await expectCode(() => model.doStatus!({ operation: start.operation }), 'expired_url');
    const status = await model.doStatus!({ operation: start.operation });
    assertCompleted(status);
    assert.equal(status.videos[0]!.type, 'binary');
    const download = sent.find((r) => r.url.includes('/storage/v1/b/film-co-renders/o/'));
    assert.ok(download, 'downloaded through the GCS JSON API');
    assert.equal(download.headers.authorization, 'Bearer ya29.test-token');
    assert.ok((await probeVideo(status.videos[0]!, 'vertex-gcs')).durationSeconds > 0);
  });

  test('unknown provider options are an invalid request before anything is sent', async () => {
    const { model, sent } = await setup();
    const error = await expectCode(
      () => model.doStart!(callOptions({ providerOptions: { vertex: { storageUrl: 'gs://x' } } })),
      'invalid_request',
    );
    assert.match(error.message, /providerOptions\.vertex/);
    assert.equal(sent.length, 0);
  });

  test('a refused token is authentication naming GOOGLE_VERTEX_ACCESS_TOKEN', async () => {
    const { model } = await setup({}, 'bad-key');
    const error = await expectCode(() => model.doStart!(callOptions()), 'authentication');
    assert.match(error.message, /GOOGLE_VERTEX_ACCESS_TOKEN/);
    assert.doesNotMatch(error.message, /bad-key/);
  });

  test('429 and 5xx are retryable with the server’s wait', async () => {
    const limited = await setup({ faults: { 429: 1 }, retryAfterSeconds: 4 });
    const error = await expectCode(() => limited.model.doStart!(callOptions()), 'rate_limited');
    assert.equal(error.retryAfterSeconds, 4);
    const failing = await setup({ faults: { '5xx': 1 } });
    await expectCode(() => failing.model.doStart!(callOptions()), 'server_error');
  });

  test('safety filtering ends the job as content_refused', async () => {
    const { t, model } = await setup({ faults: { refuse: 1 } });
    const start = await model.doStart!(callOptions());
    const status = await pollToEnd(model, start.operation, t);
    assert.equal(statusCode(status), 'content_refused');
  });

  test('a cut-short reply is malformed_response', async () => {
    const { model } = await setup({ faults: { malformed: 1 } });
    await expectCode(() => model.doStart!(callOptions()), 'malformed_response');
  });

  test('a dropped start is connection_dropped; Vertex cannot reconcile it (unknown)', async () => {
    const { t, provider, model } = await setup({ faults: { drop: 1 } });
    await expectCode(() => model.doStart!(callOptions()), 'connection_dropped');
    const result = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'k',
      request: callOptions(),
      sentAt: new Date(t.clock.now()).toISOString(),
    });
    assert.equal(result.status, 'unknown');
  });

  test('a poll in flight ends at once when aborted', async () => {
    const good = await setup();
    const start = await good.model.doStart!(callOptions());
    const held = await setup({ faults: { timeout: 1 } });
    const controller = new AbortController();
    const polling = held.model.doStatus!({
      operation: start.operation,
      abortSignal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expectCode(() => polling, 'aborted');
  });
});
