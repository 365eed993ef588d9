/** Contract test of the OpenAI (Sora 2) adapter against the sandbox's `/openai` stand-in. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createOpenAIProvider } from '../../src/providers/openai/index.ts';
import type { SandboxOptions } from '../../src/sandbox/types.ts';
import {
  assertCompleted,
  callOptions,
  expectCode,
  PNG_BASE64,
  pollToEnd,
  probeVideo,
  sandbox,
  sandboxAdapter,
  sandboxCredentials,
  statusCode,
  type TestSandbox,
} from './adapter-harness.ts';

const KEY = 'sk-test-openai-0123456789';

async function setup(options: SandboxOptions = {}, apiKey = KEY, timeoutMs?: number) {
  const { t, provider, sent } = await sandboxAdapter(createOpenAIProvider, 'openai', {
    sandbox: options,
    values: { apiKey },
    timeoutMs,
    adapter: { sleep: async () => {} },
  });
  return { t, provider, model: provider.model('sora-2'), sent };
}

const withKey = (key: string) => ({ headers: { 'idempotency-key': key } });

function sentAt(t: TestSandbox): string {
  return new Date(t.clock.now()).toISOString();
}

describe('openai adapter', () => {
  test('creates, polls and downloads a real MP4 with audio, forwarding the idempotency key', async () => {
    const { t, model, sent } = await setup();
    const start = await model.doStart!(callOptions({ ...withKey('key-1'), fps: 24, seed: 3 }));
    assert.match(JSON.stringify(start.operation), /"videoId":"video_/);
    assert.deepEqual(
      start.warnings.map((w) => (w.type === 'unsupported' ? w.feature : w.type)),
      ['seed', 'fps'],
    );
    const create = sent[0]!;
    assert.equal(create.method, 'POST');
    assert.match(create.url, /\/openai\/v1\/videos$/);
    assert.equal(create.headers['idempotency-key'], 'key-1');
    assert.equal(create.headers.authorization, `Bearer ${KEY}`);

    const status = await pollToEnd(model, start.operation, t);
    assertCompleted(status);
    const video = status.videos[0]!;
    assert.equal(video.type, 'binary');
    const info = await probeVideo(video, 'openai');
    assert.ok(Math.abs(info.durationSeconds - 4) < 0.1, `duration ${info.durationSeconds}`);
    assert.equal(info.width / info.height, 16 / 9);
    assert.equal(info.hasAudio, true);
    const stats = t.sb.stats().providers.openai;
    assert.equal(stats.created, 1);
    assert.equal(stats.idempotency_keys, 1);
  });

  test('sends the multipart fields the Videos API takes (seconds as a string, size)', async () => {
    const t = await sandbox();
    let body: FormData | undefined;
    const provider = createOpenAIProvider({
      credentials: sandboxCredentials('openai', t),
      now: t.clock.now,
      fetch: async (input, init) => {
        if (init?.body instanceof FormData) body = init.body;
        return fetch(input, init);
      },
    });
    await provider.model('sora-2-pro').doStart!(
      callOptions({
        duration: 8,
        resolution: '1792x1024',
        aspectRatio: '7:4' as `${number}:${number}`,
      }),
    );
    assert.ok(body);
    assert.equal(body.get('seconds'), '8');
    assert.equal(body.get('size'), '1792x1024');
    assert.equal(body.get('model'), 'sora-2-pro');
    assert.equal(body.get('prompt'), 'A lighthouse in fog at dawn');
  });

  test('an input image of the wrong size is an invalid request carrying OpenAI’s message', async () => {
    const { model } = await setup();
    const error = await expectCode(
      () =>
        model.doStart!(
          callOptions({ image: { type: 'file', mediaType: 'image/png', data: PNG_BASE64 } }),
        ),
      'invalid_request',
    );
    assert.match(error.message, /Inpaint image must match the requested width and height/);
    assert.equal(error.retryable, false);
  });

  test('429 is rate_limited with the Retry-After seconds', async () => {
    const { model } = await setup({ faults: { 429: 1 }, retryAfterSeconds: 7 });
    const error = await expectCode(() => model.doStart!(callOptions()), 'rate_limited');
    assert.equal(error.retryAfterSeconds, 7);
    assert.equal(error.retryable, true);
  });

  test('5xx is a retryable server_error', async () => {
    const { model } = await setup({ faults: { '5xx': 1 } });
    const error = await expectCode(() => model.doStart!(callOptions()), 'server_error');
    assert.equal(error.retryable, true);
  });

  test('a moderation refusal ends the job as content_refused', async () => {
    const { t, model } = await setup({ faults: { refuse: 1 } });
    const start = await model.doStart!(callOptions());
    const status = await pollToEnd(model, start.operation, t);
    assert.equal(status.status, 'error');
    assert.equal(statusCode(status), 'content_refused');
  });

  test('a refused key is an authentication error naming OPENAI_API_KEY, never the key', async () => {
    const { model } = await setup({}, 'bad-key');
    const error = await expectCode(() => model.doStart!(callOptions()), 'authentication');
    assert.match(error.message, /OPENAI_API_KEY/);
    assert.doesNotMatch(`${error.message} ${error.stack} ${JSON.stringify(error)}`, /bad-key/);
  });

  test('a malformed body is malformed_response, not a crash', async () => {
    const { model } = await setup({ faults: { malformed: 1 } });
    const error = await expectCode(() => model.doStart!(callOptions()), 'malformed_response');
    assert.equal(error.retryable, true);
  });

  test('an expired download is expired_url; the next poll downloads the clip', async () => {
    const { t, model } = await setup({ faults: { expired: 1 } });
    const start = await model.doStart!(callOptions());
    t.clock.advance(1500);
    await expectCode(() => model.doStatus!({ operation: start.operation }), 'expired_url');
    const status = await model.doStatus!({ operation: start.operation });
    assertCompleted(status);
  });

  test('a dropped create is connection_dropped; reconcile finds the job by listing', async () => {
    const { t, provider, model } = await setup({ faults: { drop: 1 } });
    const sent = sentAt(t);
    const request = callOptions(withKey('key-drop'));
    await expectCode(() => model.doStart!(request), 'connection_dropped');
    assert.equal(provider.info.reconcileMethod, 'lookup');
    const found = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'key-drop',
      request,
      sentAt: sent,
    });
    assert.equal(found.status, 'started');
    const created = t.sb.stats().providers.openai.created;
    assert.equal(created, 1);
    assert.ok(found.status === 'started');
    const status = await pollToEnd(model, found.operation, t);
    assertCompleted(status);
    // a different prompt matches nothing: that start certainly made no job
    const other = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'key-other',
      request: callOptions({ prompt: 'Something else entirely' }),
      sentAt: sent,
    });
    assert.deepEqual(other, { status: 'not_started' });
  });

  test('two identical recent jobs make a lost start unknown', async () => {
    const { t, provider, model } = await setup();
    const sent = sentAt(t);
    await model.doStart!(callOptions(withKey('a')));
    await model.doStart!(callOptions(withKey('b')));
    const result = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'c',
      request: callOptions(),
      sentAt: sent,
    });
    assert.equal(result.status, 'unknown');
  });

  test('honours openai-poll-after-ms: no request before the server asks for one', async () => {
    const { t, model, sent } = await setup();
    const start = await model.doStart!(callOptions());
    const before = sent.length;
    const early = await model.doStatus!({ operation: start.operation });
    assert.equal(early.status, 'pending');
    assert.equal(sent.length, before, 'no poll within the 1000 ms the server asked for');
    t.clock.advance(1000);
    await model.doStatus!({ operation: start.operation });
    assert.match(sent[before]?.url ?? '', /\/v1\/videos\/video_\w+$/);
  });

  test('a held request ends at the adapter timeout; an abort ends it as aborted', async () => {
    const { model } = await setup({ faults: { timeout: 1 } }, KEY, 150);
    await expectCode(() => model.doStart!(callOptions()), 'timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expectCode(
      () => model.doStart!(callOptions({ abortSignal: controller.signal })),
      'aborted',
    );
  });

  test('an already aborted signal stops a poll before it is sent', async () => {
    const { t, model, sent } = await setup();
    const start = await model.doStart!(callOptions());
    t.clock.advance(2000);
    const before = sent.length;
    await expectCode(
      () => model.doStatus!({ operation: start.operation, abortSignal: AbortSignal.abort() }),
      'aborted',
    );
    assert.equal(sent.length, before);
  });

  test('no credentials: the request fails with a hint, not the setup', async () => {
    const provider = createOpenAIProvider({ credentials: null });
    const error = await expectCode(
      () => provider.model('sora-2').doStart!(callOptions()),
      'authentication',
    );
    assert.match(error.message, /set OPENAI_API_KEY/);
  });
});
