/** Contract test of the Runway adapter against the sandbox's `/runway` stand-in. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HttpClient } from '../../src/providers/http.ts';
import { createRunwayProvider } from '../../src/providers/runway/index.ts';
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
} from './adapter-harness.ts';

const png = { type: 'file', mediaType: 'image/png', data: PNG_BASE64 } as const;
const dataUri = `data:image/png;base64,${PNG_BASE64}`;
const downloads = mkdtempSync(join(tmpdir(), 'shotrouter-runway-test-'));
after(() => rmSync(downloads, { recursive: true, force: true }));

async function setup(
  options: SandboxOptions = {},
  apiKey = 'key_runway_test_0123',
  timeoutMs?: number,
) {
  return sandboxAdapter(createRunwayProvider, 'runway', {
    sandbox: options,
    values: { apiKey },
    timeoutMs,
  });
}

/** A provider whose every request is answered with `body` (for replies the sandbox never gives). */
async function answering(body: unknown) {
  const t = await sandbox();
  return createRunwayProvider({
    credentials: { ...sandboxCredentials('runway', t), baseUrl: 'http://runway.invalid' },
    fetch: async () => Response.json(body),
  });
}

const features = (warnings: { type: string; feature?: string }[]) =>
  warnings.map((w) => w.feature ?? w.type);

describe('runway adapter', () => {
  test('gen4.5 text-to-video: camelCase request with the API version, a silent 24 fps MP4', async () => {
    const { t, provider, sent } = await setup();
    const model = provider.model('gen4.5');
    const start = await model.doStart!(
      callOptions({ duration: 5, seed: 11, headers: { 'idempotency-key': 'key-1' } }),
    );
    assert.deepEqual(start.warnings, []);
    const create = sent[0]!;
    assert.match(create.url, /\/runway\/v1\/text_to_video$/);
    assert.equal(create.headers['x-runway-version'], '2024-11-06');
    assert.equal(create.headers.authorization, 'Bearer key_runway_test_0123');
    assert.deepEqual(create.json, {
      model: 'gen4.5',
      promptText: 'A lighthouse in fog at dawn',
      ratio: '1280:720',
      duration: 5,
      seed: 11,
    });
    const status = await pollToEnd(model, start.operation, t);
    assertCompleted(status);
    assert.equal(status.videos[0]!.type, 'url');
    const info = await probeVideo(status.videos[0]!, 'runway');
    assert.ok(Math.abs(info.durationSeconds - 5) < 0.1);
    assert.equal(info.fps, 24);
    assert.equal(info.hasAudio, false);
  });

  test('gen4_turbo is image-to-video only: a frame is sent as a data URI, text alone is refused', async () => {
    const { t, provider, sent } = await setup();
    const model = provider.model('gen4_turbo');
    const start = await model.doStart!(
      callOptions({ image: png, duration: 3, resolution: '1080x1080' }),
    );
    assert.deepEqual(features(start.warnings), ['resolution']);
    const body = sent[0]!.json as Record<string, unknown>;
    assert.match(sent[0]!.url, /\/v1\/image_to_video$/);
    assert.equal(body.promptImage, dataUri);
    assert.equal(body.ratio, '960:960');
    assertCompleted(await pollToEnd(model, start.operation, t));
    const error = await expectCode(() => model.doStart!(callOptions()), 'invalid_request');
    assert.match(error.message, /image only/);
    assert.equal(
      sent.filter((r) => r.method === 'POST').length,
      1,
      'the refused start was never sent',
    );
  });

  test('veo3.1 on Runway: first and last frame by position, audio passed through', async () => {
    const { t, provider, sent } = await setup();
    const model = provider.model('veo3.1');
    const start = await model.doStart!(
      callOptions({
        duration: 4,
        generateAudio: false,
        frameImages: [
          { image: png, frameType: 'first_frame' },
          { image: { type: 'url', url: 'https://example.com/end.png' }, frameType: 'last_frame' },
        ],
      }),
    );
    const body = sent[0]!.json as Record<string, unknown>;
    assert.deepEqual(body.promptImage, [
      { uri: dataUri, position: 'first' },
      { uri: 'https://example.com/end.png', position: 'last' },
    ]);
    assert.equal(body.audio, false);
    const status = await pollToEnd(model, start.operation, t);
    assertCompleted(status);
    assert.equal((await probeVideo(status.videos[0]!, 'runway-veo')).hasAudio, false);
  });

  test('a size Runway does not offer is sent as the nearest ratio, with a warning', async () => {
    const { provider, sent } = await setup();
    const start = await provider.model('gen4.5').doStart!(callOptions({ resolution: '1920x1080' }));
    assert.equal((sent[0]!.json as Record<string, unknown>).ratio, '1280:720');
    assert.equal(start.warnings[0]?.type, 'compatibility');
  });

  test('a rejected body is invalid_request listing Runway’s issues', async () => {
    const { provider } = await setup();
    const error = await expectCode(
      () => provider.model('gen4.5').doStart!(callOptions({ duration: 11 })),
      'invalid_request',
    );
    assert.match(error.message, /Validation of body failed: duration: duration must be one of/);
  });

  test('429 is rate_limited with Retry-After; 503 is server_error', async () => {
    const limited = await setup({ faults: { 429: 1 }, retryAfterSeconds: 5 });
    const error = await expectCode(
      () => limited.provider.model('gen4.5').doStart!(callOptions()),
      'rate_limited',
    );
    assert.equal(error.retryAfterSeconds, 5);
    const failing = await setup({ faults: { '5xx': 1 } });
    await expectCode(
      () => failing.provider.model('gen4.5').doStart!(callOptions()),
      'server_error',
    );
  });

  test('a SAFETY failure code is content_refused', async () => {
    const { t, provider } = await setup({ faults: { refuse: 1 } });
    const model = provider.model('gen4.5');
    const start = await model.doStart!(callOptions());
    const status = await pollToEnd(model, start.operation, t);
    assert.equal(status.status, 'error');
    assert.equal(statusCode(status), 'content_refused');
    assert.equal(
      (status.providerMetadata?.runway as { failureCode?: string } | undefined)?.failureCode,
      'SAFETY.INPUT.TEXT',
    );
  });

  test('INTERNAL.BAD_OUTPUT is a retryable server_error; the charged credits are the cost', async () => {
    const bad = await answering({
      id: 't1',
      status: 'FAILED',
      failure: 'bad output',
      failureCode: 'INTERNAL.BAD_OUTPUT.CODE01',
    });
    const failed = await bad.model('gen4.5').doStatus!({ operation: { taskId: 't1' } });
    assert.equal(statusCode(failed), 'server_error');
    const good = await answering({
      id: 't2',
      status: 'SUCCEEDED',
      createdAt: '2026-11-26T12:00:00Z',
      output: ['https://cdn.example/t2.mp4'],
      cost: { credits: 60 },
    });
    const done = await good.model('gen4.5').doStatus!({ operation: { taskId: 't2' } });
    assertCompleted(done);
    assert.equal(good.info.actualCostUsd?.(done), 0.6);
  });

  test('a task waiting for a slot (THROTTLED) is pending', async () => {
    const { t, provider } = await setup({ concurrency: { runway: 1 } });
    const model = provider.model('gen4.5');
    await model.doStart!(callOptions());
    const second = await model.doStart!(callOptions());
    t.clock.advance(500);
    const status = await model.doStatus!({ operation: second.operation });
    assert.equal(status.status, 'pending');
    assert.equal(
      (status.providerMetadata?.runway as { status?: string } | undefined)?.status,
      'THROTTLED',
    );
  });

  test('a wrong key is authentication naming RUNWAYML_API_SECRET', async () => {
    const { provider } = await setup({}, 'bad-key');
    const error = await expectCode(
      () => provider.model('gen4.5').doStart!(callOptions()),
      'authentication',
    );
    assert.match(error.message, /RUNWAYML_API_SECRET/);
    assert.doesNotMatch(error.message, /bad-key/);
  });

  test('a cut-short reply is malformed_response', async () => {
    const { provider } = await setup({ faults: { malformed: 1 } });
    await expectCode(() => provider.model('gen4.5').doStart!(callOptions()), 'malformed_response');
  });

  test('an expired output URL is expired_url; the next poll gives a fresh one', async () => {
    const { t, provider } = await setup({ faults: { expired: 1 } });
    const model = provider.model('gen4.5');
    const start = await model.doStart!(callOptions());
    const stale = await pollToEnd(model, start.operation, t);
    assertCompleted(stale);
    const url = (stale.videos[0] as { url: string }).url;
    const cdn = new HttpClient({ provider: 'runway', baseUrl: new URL(url).origin });
    await expectCode(() => cdn.downloadBytes(url), 'expired_url');
    const fresh = await model.doStatus!({ operation: start.operation });
    assertCompleted(fresh);
    assert.ok((await cdn.downloadBytes((fresh.videos[0] as { url: string }).url)).bytes > 1000);
  });

  test('a dropped start is connection_dropped and cannot be reconciled (unknown)', async () => {
    const { t, provider } = await setup({ faults: { drop: 1 } });
    const model = provider.model('gen4.5');
    await expectCode(() => model.doStart!(callOptions()), 'connection_dropped');
    const result = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'k',
      request: callOptions(),
      sentAt: new Date(t.clock.now()).toISOString(),
    });
    assert.equal(result.status, 'unknown');
  });

  test('timeouts and aborts', async () => {
    const { provider } = await setup({ faults: { timeout: 1 } }, 'key_runway_test_0123', 100);
    await expectCode(() => provider.model('gen4.5').doStart!(callOptions()), 'timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expectCode(
      () => provider.model('gen4.5').doStart!(callOptions({ abortSignal: controller.signal })),
      'aborted',
    );
  });
});
