/** Contract test of the Kling adapter against the sandbox's `/kling` stand-in. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HttpClient } from '../../src/providers/http.ts';
import {
  createKlingProvider,
  klingCodeError,
  signKlingJwt,
} from '../../src/providers/kling/index.ts';
import { signKlingToken } from '../../src/sandbox/index.ts';
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

const png = { type: 'file', mediaType: 'image/png', data: PNG_BASE64 } as const;
const downloads = mkdtempSync(join(tmpdir(), 'shotrouter-kling-test-'));
after(() => rmSync(downloads, { recursive: true, force: true }));

interface Setup {
  options?: SandboxOptions;
  values?: Record<string, string>;
  timeoutMs?: number;
  /** the adapter's clock, when it should differ from the sandbox's */
  skewMs?: number;
}

async function setup({ options = {}, values = {}, timeoutMs, skewMs = 0 }: Setup = {}) {
  return sandboxAdapter(createKlingProvider, 'kling', {
    sandbox: options,
    values,
    timeoutMs,
    clockSkewMs: skewMs,
    adapter: { sleep: async () => {} },
  });
}

const keyed = (key: string, overrides = {}) =>
  callOptions({ headers: { 'idempotency-key': key }, ...overrides });

function sentAt(t: TestSandbox): string {
  return new Date(t.clock.now()).toISOString();
}

describe('kling adapter', () => {
  test('signs the same HS256 token as Kling’s documented recipe', () => {
    const now = Date.UTC(2026, 10, 26);
    assert.equal(signKlingJwt('ak', 'sk', now), signKlingToken('ak', 'sk', now));
    const payload = JSON.parse(
      Buffer.from(signKlingJwt('ak', 'sk', now).split('.')[1]!, 'base64url').toString(),
    );
    assert.deepEqual(payload, { iss: 'ak', exp: now / 1000 + 1800, nbf: now / 1000 - 5 });
  });

  test('text-to-video on kling-v3: request fields, a real MP4 with sound, and the units it cost', async () => {
    const { t, provider, sent } = await setup();
    const model = provider.model('kling-v3');
    const start = await model.doStart!(
      keyed('key-t2v', { duration: 5, generateAudio: true, fps: 30 }),
    );
    assert.deepEqual(
      start.warnings.map((w) => (w.type === 'unsupported' ? w.feature : w.type)),
      ['fps'],
    );
    const create = sent[0]!;
    assert.match(create.url, /\/kling\/v1\/videos\/text2video$/);
    assert.match(create.headers.authorization ?? '', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    assert.deepEqual(create.json, {
      model_name: 'kling-v3',
      prompt: 'A lighthouse in fog at dawn',
      mode: 'std',
      duration: '5',
      aspect_ratio: '16:9',
      sound: 'on',
      external_task_id: 'key-t2v',
    });
    const status = await pollToEnd(model, start.operation, t);
    assertCompleted(status);
    const video = status.videos[0]!;
    assert.equal(video.type, 'url');
    const info = await probeVideo(video, 'kling');
    assert.ok(Math.abs(info.durationSeconds - 5) < 0.1);
    assert.equal(info.hasAudio, true);
    // kling-v3 std with sound: 0.9 units a second
    assert.equal(provider.info.actualCostUsd?.(status), 5 * 0.9 * 0.14);
  });

  test('image-to-video takes first and last frame as raw base64, in pro mode for 1080p', async () => {
    const { t, provider, sent } = await setup();
    const model = provider.model('kling-v2-6');
    const start = await model.doStart!(
      callOptions({
        resolution: '1920x1080',
        duration: 5,
        generateAudio: false,
        frameImages: [
          { image: png, frameType: 'first_frame' },
          {
            image: { type: 'url', url: `data:image/png;base64,${PNG_BASE64}` },
            frameType: 'last_frame',
          },
        ],
      }),
    );
    const body = sent[0]!.json as Record<string, unknown>;
    assert.match(sent[0]!.url, /\/v1\/videos\/image2video$/);
    assert.equal(body.image, PNG_BASE64);
    assert.equal(body.image_tail, PNG_BASE64);
    assert.equal(body.mode, 'pro');
    assert.equal(body.sound, 'off');
    assert.equal(body.aspect_ratio, undefined, 'image-to-video follows the image');
    assertCompleted(await pollToEnd(model, start.operation, t));
  });

  test('multi-shot: providerOptions.kling.multiPrompt becomes multi_prompt; the shots fill the clip', async () => {
    const { t, provider, sent } = await setup();
    const model = provider.model('kling-v3');
    const start = await model.doStart!(
      callOptions({
        duration: 5,
        providerOptions: {
          kling: {
            multiPrompt: [
              { prompt: 'Wide: the harbour at dawn', duration: 2 },
              { prompt: 'Close: her hands on the rope', duration: 3 },
            ],
          },
        },
      }),
    );
    const body = sent[0]!.json as Record<string, unknown>;
    assert.equal(body.multi_shot, true);
    assert.equal(body.shot_type, 'customize');
    assert.deepEqual(body.multi_prompt, [
      { index: 1, prompt: 'Wide: the harbour at dawn', duration: '2' },
      { index: 2, prompt: 'Close: her hands on the rope', duration: '3' },
    ]);
    const status = await pollToEnd(model, start.operation, t);
    assertCompleted(status);
    assert.ok(
      Math.abs((await probeVideo(status.videos[0]!, 'kling-multi')).durationSeconds - 5) < 0.1,
    );
  });

  test('multi-shot durations that do not fill the clip are refused before anything is sent', async () => {
    const { provider, sent } = await setup();
    const error = await expectCode(
      () =>
        provider.model('kling-v3').doStart!(
          callOptions({
            duration: 6,
            providerOptions: { kling: { multiPrompt: [{ prompt: 'a', duration: 5 }] } },
          }),
        ),
      'invalid_request',
    );
    assert.match(error.message, /5 s, not the clip's 6 s/);
    assert.equal(sent.length, 0);
  });

  test('a duration the model does not take is invalid_request with Kling’s words (code 1201)', async () => {
    const { provider } = await setup();
    const error = await expectCode(
      () => provider.model('kling-v2-6').doStart!(callOptions({ duration: 7 })),
      'invalid_request',
    );
    assert.match(error.message, /duration value '7' is invalid for kling-v2-6/);
    assert.match(error.message, /code 1201/);
  });

  test('code 1302 is rate_limited with Retry-After; 5000 is server_error; 1301 content_refused', async () => {
    const limited = await setup({ options: { faults: { 429: 1 }, retryAfterSeconds: 3 } });
    const error = await expectCode(
      () => limited.provider.model('kling-v3').doStart!(callOptions()),
      'rate_limited',
    );
    assert.equal(error.retryAfterSeconds, 3);
    const failing = await setup({ options: { faults: { '5xx': 1 } } });
    await expectCode(
      () => failing.provider.model('kling-v3').doStart!(callOptions()),
      'server_error',
    );
    const refusing = await setup({ options: { faults: { refuse: 1 } } });
    await expectCode(
      () => refusing.provider.model('kling-v3').doStart!(callOptions()),
      'content_refused',
    );
  });

  test('a wrong secret key is authentication naming the variables, never the keys', async () => {
    const { provider } = await setup({ values: { secretKey: 'wrong-secret-value' } });
    const error = await expectCode(
      () => provider.model('kling-v3').doStart!(callOptions()),
      'authentication',
    );
    assert.match(error.message, /KLING_SECRET_KEY/);
    assert.doesNotMatch(`${error.message} ${error.stack}`, /wrong-secret-value|sandbox-ak/);
  });

  test('tokens are renewed before they expire; a clock far behind gets Kling’s 1004', async () => {
    const { t, provider } = await setup();
    const model = provider.model('kling-v3');
    const start = await model.doStart!(callOptions());
    t.clock.advance(29 * 60_000);
    assertCompleted(await model.doStatus!({ operation: start.operation }));
    const behind = await setup({ skewMs: -31 * 60_000 });
    const error = await expectCode(
      () => behind.provider.model('kling-v3').doStart!(callOptions()),
      'authentication',
    );
    assert.match(error.message, /code 1004/);
  });

  test('a cut-short reply is malformed_response', async () => {
    const { provider } = await setup({ options: { faults: { malformed: 1 } } });
    await expectCode(
      () => provider.model('kling-v3').doStart!(callOptions()),
      'malformed_response',
    );
  });

  test('an expired CDN link is expired_url on download; the next poll hands out a fresh one', async () => {
    const { t, provider } = await setup({ options: { faults: { expired: 1 } } });
    const model = provider.model('kling-v3');
    const start = await model.doStart!(callOptions());
    const stale = await pollToEnd(model, start.operation, t);
    assertCompleted(stale);
    const video = stale.videos[0]!;
    assert.ok(video.type === 'url');
    const cdn = new HttpClient({ provider: 'kling', baseUrl: new URL(video.url).origin });
    await expectCode(
      () => cdn.downloadToFile(video.url, join(downloads, 'stale.mp4')),
      'expired_url',
    );
    const fresh = await model.doStatus!({ operation: start.operation });
    assertCompleted(fresh);
    assert.ok(fresh.videos[0]!.type === 'url');
    const got = await cdn.downloadToFile(fresh.videos[0]!.url, join(downloads, 'fresh.mp4'));
    assert.equal(got.mediaType, 'video/mp4');
    assert.ok(got.bytes > 1000);
  });

  test('a dropped start is connection_dropped; its external_task_id finds the task', async () => {
    const { t, provider } = await setup({ options: { faults: { drop: 1 } } });
    const model = provider.model('kling-v3');
    const request = keyed('key-dropped');
    await expectCode(() => model.doStart!(request), 'connection_dropped');
    const found = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'key-dropped',
      request,
      sentAt: sentAt(t),
    });
    assert.equal(found.status, 'started');
    assert.ok(found.status === 'started');
    assertCompleted(await pollToEnd(model, found.operation, t));
    const missing = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'key-never-sent',
      request: keyed('key-never-sent'),
      sentAt: sentAt(t),
    });
    assert.deepEqual(missing, { status: 'not_started' });
    assert.equal(t.sb.stats().providers.kling.created, 1);
  });

  test('timeouts and aborts, and no credentials', async () => {
    const { provider } = await setup({ options: { faults: { timeout: 1 } }, timeoutMs: 100 });
    await expectCode(() => provider.model('kling-v3').doStart!(callOptions()), 'timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expectCode(
      () => provider.model('kling-v3').doStart!(callOptions({ abortSignal: controller.signal })),
      'aborted',
    );
    const none = createKlingProvider({ credentials: null });
    const error = await expectCode(
      () => none.model('kling-v3').doStart!(callOptions()),
      'authentication',
    );
    assert.match(error.message, /KLING_ACCESS_KEY and KLING_SECRET_KEY/);
  });

  test('Kling’s body codes map to typed errors', () => {
    assert.equal(klingCodeError(1101, 'arrears', 'KLING_SECRET_KEY')?.code, 'out_of_credit');
    assert.equal(klingCodeError(1102, 'pack used up', undefined)?.code, 'out_of_credit');
    assert.equal(klingCodeError(1000, 'bad token', undefined)?.code, 'authentication');
    assert.equal(klingCodeError(1203, 'no such model', undefined)?.code, 'invalid_request');
    assert.equal(klingCodeError(1300, 'platform policy', undefined)?.code, 'content_refused');
    const busy = klingCodeError(1303, 'parallel task over resource pack limit', undefined, 2);
    assert.equal(busy?.code, 'rate_limited');
    assert.equal(busy?.retryAfterSeconds, 2);
    assert.equal(klingCodeError(5002, 'timeout', undefined)?.retryable, true);
    assert.equal(klingCodeError(4242, 'unknown', undefined), undefined);
  });

  test('a task that fails risk control is an error status with content_refused', async () => {
    // the sandbox refuses Kling content at create; a task failing later is served here
    const failed = {
      code: 0,
      message: 'SUCCEED',
      request_id: 'r1',
      data: {
        task_id: '123',
        task_status: 'failed',
        task_status_msg: 'Failure to pass the risk control system',
      },
    };
    const provider = createKlingProvider({
      credentials: {
        ...sandboxCredentials('kling', await sandbox()),
        baseUrl: 'http://kling.invalid',
      },
      fetch: async () => Response.json(failed),
    });
    const status = await provider.model('kling-v3').doStatus!({
      operation: { taskId: '123', action: 'text2video' },
    });
    assert.equal(status.status, 'error');
    assert.equal(statusCode(status), 'content_refused');
    assert.match(status.status === 'error' ? status.error : '', /risk control/);
  });

  test('a 200 envelope with a non-zero code is that code’s error', async () => {
    const provider = createKlingProvider({
      credentials: {
        ...sandboxCredentials('kling', await sandbox()),
        baseUrl: 'http://kling.invalid',
      },
      fetch: async () =>
        Response.json({ code: 1102, message: 'resource pack exhausted', request_id: 'r' }),
    });
    await expectCode(() => provider.model('kling-v3').doStart!(callOptions()), 'out_of_credit');
  });
});
