/**
 * The one harness of the real-provider adapter tests: a sandbox on an injected clock (from the
 * sandbox's own test helpers), an adapter pointed at it with a fetch that records what was sent,
 * call options, polling to the end by moving the clock, probing the delivered clip, and the
 * adapter contract that every hosted adapter's test file runs (`adapterContract`): a clip of the
 * requested length end to end, every failure kind as its typed error, a lost start reconciled,
 * and cancellation through the AbortSignal.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { JSONValue, Experimental_VideoModelV4VideoData as VideoData } from '@ai-sdk/provider';
import { ShotrouterError } from '../../src/errors.ts';
import { type ProbeInfo, probe } from '../../src/media/probe.ts';
import type { AdapterOptions } from '../../src/providers/adapter-kit.ts';
import {
  type CredentialProvider,
  credentialsFor,
  type ProviderCredentials,
} from '../../src/providers/credentials.ts';
import { HttpClient } from '../../src/providers/http.ts';
import { PREVIEW_PROVIDER } from '../../src/providers/preview/index.ts';
import type {
  CompletedStatus,
  Provider,
  VideoCallOptions,
  VideoModel,
  VideoStatus,
} from '../../src/providers/types.ts';
import type { SandboxOptions } from '../../src/sandbox/types.ts';
import { renderedOf, sandbox, type TestSandbox, workDir } from '../sandbox/helpers.ts';
import { waitFor } from '../wait.ts';

export { MAX_SIZE, PNG_BASE64, sandbox, type TestSandbox } from '../sandbox/helpers.ts';

/** The credentials pointing `provider` at the test sandbox, with some values replaced. */
export function sandboxCredentials(
  provider: CredentialProvider,
  t: TestSandbox,
  values: Record<string, string> = {},
): ProviderCredentials {
  const credentials = credentialsFor(provider, { SHOTROUTER_SANDBOX_URL: t.sb.url });
  assert.ok(credentials, `sandbox credentials for ${provider}`);
  return { ...credentials, values: { ...credentials.values, ...values } };
}

/**
 * An adapter made by `create`, pointed at a fresh sandbox (credentials with `values` replaced)
 * on the sandbox's clock, with a fetch that records every request; `adapter` adds or overrides
 * options.
 */
export async function sandboxAdapter(
  create: (options: AdapterOptions) => Provider,
  provider: CredentialProvider,
  setup: {
    sandbox?: SandboxOptions;
    values?: Record<string, string>;
    timeoutMs?: number | undefined;
    /** how far the adapter's clock runs ahead of the sandbox's, ms */
    clockSkewMs?: number;
    adapter?: AdapterOptions;
  } = {},
) {
  const t = await sandbox(setup.sandbox ?? {});
  const recorder = recordingFetch();
  const adapter = create({
    credentials: sandboxCredentials(provider, t, setup.values),
    now: setup.clockSkewMs ? () => t.clock.now() + setup.clockSkewMs! : t.clock.now,
    fetch: recorder.fetch,
    ...(setup.timeoutMs ? { timeoutMs: setup.timeoutMs } : {}),
    ...setup.adapter,
  });
  return { t, provider: adapter, sent: recorder.sent };
}

export function callOptions(overrides: Partial<VideoCallOptions> = {}): VideoCallOptions {
  return {
    prompt: 'A lighthouse in fog at dawn',
    n: 1,
    aspectRatio: '16:9',
    resolution: '1280x720',
    duration: 4,
    fps: undefined,
    seed: undefined,
    image: undefined,
    frameImages: undefined,
    inputReferences: undefined,
    generateAudio: undefined,
    providerOptions: { shotrouter: { shotId: 's01', take: 0, model: 'test' } },
    ...overrides,
  };
}

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** the body when it was JSON (parsed) */
  json?: unknown;
}

/** A fetch that records every request (method, URL, headers) before sending it. */
export function recordingFetch(): { fetch: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const json = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    sent.push({ method: init?.method ?? 'GET', url: String(input), headers, json });
    return fetch(input, init);
  };
  return { fetch: wrapped, sent };
}

/** Polls `doStatus`, moving the sandbox clock between polls, until the job is not pending. */
export async function pollToEnd(
  model: VideoModel,
  operation: JSONValue,
  t: TestSandbox,
  stepMs = 1100,
): Promise<Exclude<VideoStatus, { status: 'pending' }>> {
  for (let i = 0; i < 30; i++) {
    const status = await model.doStatus!({ operation });
    if (status.status !== 'pending') return status;
    t.clock.advance(stepMs);
  }
  throw new Error(`${model.provider} operation did not end`);
}

export function assertCompleted(status: VideoStatus): asserts status is CompletedStatus {
  if (status.status !== 'completed') {
    assert.fail(
      `expected completed, got ${status.status}${status.status === 'error' ? `: ${status.error}` : ''}`,
    );
  }
}

/** Writes the clip (bytes, base64 or a URL fetched without credentials) and probes it. */
export async function probeVideo(video: VideoData, name: string): Promise<ProbeInfo> {
  let bytes: Uint8Array;
  if (video.type === 'binary') bytes = video.data;
  else if (video.type === 'base64') bytes = Buffer.from(video.data, 'base64');
  else if (video.type === 'url') {
    const res = await fetch(video.url);
    assert.equal(res.status, 200, `download of ${video.url}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } else throw new Error('uploaded videos cannot be probed');
  const file = join(workDir, `${name}-${Math.random().toString(36).slice(2)}.mp4`);
  writeFileSync(file, bytes);
  return probe(file);
}

/** Runs `fn`, expecting a ShotrouterError with `code`; returns it for more checks. */
export async function expectCode(
  fn: () => PromiseLike<unknown>,
  code: string,
): Promise<ShotrouterError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(ShotrouterError.is(error), `expected a ShotrouterError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a ${code} error`);
}

/** The shotrouter error code a failed status carries. */
export function statusCode(status: VideoStatus): unknown {
  return (status.providerMetadata?.shotrouter as { code?: unknown } | undefined)?.code;
}

/** The completed status, failing the test with the error otherwise. */
export function completed(status: VideoStatus): CompletedStatus {
  assertCompleted(status);
  return status;
}

/** Rejects with a ShotrouterError of this code (`expectCode` for a promise already made). */
export function rejectsWith(promise: PromiseLike<unknown>, code: string) {
  return expectCode(() => promise, code);
}

/** The options with the engine's idempotency key. */
export function withKey(options: VideoCallOptions, key: string): VideoCallOptions {
  return { ...options, headers: { ...options.headers, 'idempotency-key': key } };
}

/**
 * Downloads the first video of a completed status through the typed client (so an expired link
 * is `expired_url`, as the engine sees it) and probes it.
 */
export async function downloadAndProbe(provider: string, status: CompletedStatus) {
  const video = status.videos[0];
  assert.ok(video && video.type === 'url', 'a URL video');
  const file = join(workDir, `${provider}-${Math.random().toString(36).slice(2)}.mp4`);
  await new HttpClient({ provider, baseUrl: new URL(video.url).origin }).downloadToFile(
    video.url,
    file,
  );
  return probe(file);
}

export interface Expected {
  seconds: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
}

export interface AdapterSpec {
  /** provider id, the sandbox prefix and credentials name */
  provider: CredentialProvider | typeof PREVIEW_PROVIDER;
  /**
   * an adapter that makes clips on this machine with no service behind it (the preview): only
   * the contract's local part applies (the clip, a refused request, reconciling, cancelling)
   */
  local?: boolean;
  /** the adapter under test, pointed at the sandbox through `credentials` */
  create(options: AdapterOptions): Provider;
  modelId: string;
  /** the default request */
  request: VideoCallOptions;
  /** the clip the request makes (before the sandbox scales it down) */
  expected: Expected;
  /** a request the API itself rejects (`adapter`: options the adapter needs for it) */
  invalid: {
    modelId?: string;
    request?: VideoCallOptions;
    /** adapter options of its own (ComfyUI's workflow folders) */
    adapter?: () => AdapterOptions & Record<string, unknown>;
  };
  /** how moderation shows: refused at start, a failed job, or never (a server of one's own) */
  refusal: 'start' | 'status' | 'never';
  /**
   * how the clip comes: a link the engine downloads, or bytes the adapter downloaded while
   * polling (an expired link then fails that poll)
   */
  delivery: 'url' | 'bytes';
  /** false for a server with no rate limit (a ComfyUI server) */
  rateLimited?: boolean;
  /** what reconciling a dropped start gives: the job itself, or `unknown` (no way to look it up) */
  reconcile: 'started' | 'unknown';
  /**
   * credential values the service refuses (default: a wrong `apiKey`); null when the service
   * takes no secret (a ComfyUI server)
   */
  badCredentials?: Record<string, string> | null;
  /** checks on the completed status of the default request (metadata, cost) */
  onCompleted?(status: CompletedStatus, provider: Provider): void;
}

async function setUp(
  spec: AdapterSpec,
  options: SandboxOptions = {},
  adapter: AdapterOptions = {},
) {
  const t = await sandbox(options);
  const provider = spec.create({
    credentials: sandboxCredentials(hosted(spec), t),
    now: t.clock.now,
    sleep: async () => {},
    reconcileSettleMs: 0,
    ...adapter,
  });
  return { t, provider, model: provider.info && provider.model(spec.modelId) };
}

/** Probes the clip of a completed status: downloaded as the engine does, or the bytes it holds. */
function clipOf(spec: AdapterSpec, status: CompletedStatus): Promise<ProbeInfo> {
  const video = status.videos[0];
  assert.ok(video, 'a video');
  assert.equal(video.type === 'url' ? 'url' : 'bytes', spec.delivery, 'how the clip comes');
  return video.type === 'url'
    ? downloadAndProbe(spec.provider, status)
    : probeVideo(video, spec.provider);
}

/** The provider of a hosted adapter's spec (the credentials and sandbox name). */
function hosted(spec: AdapterSpec): CredentialProvider {
  assert.ok(spec.provider !== PREVIEW_PROVIDER && !spec.local, `${spec.provider} is not hosted`);
  return spec.provider;
}

/** The contract of every adapter: the hosted ones against the sandbox, a local one on its own. */
export function adapterContract(spec: AdapterSpec): void {
  if (spec.local) localContract(spec);
  else hostedContract(spec);
}

function hostedContract(spec: AdapterSpec): void {
  describe(`${spec.provider} adapter contract (sandbox)`, () => {
    test('start, poll, download an MP4 of the requested length, size, fps and audio', async () => {
      const { t, provider, model } = await setUp(spec);
      const started = await model.doStart!(withKey(spec.request, 'key-success'));
      assert.equal(
        JSON.parse(JSON.stringify(started.operation)) !== null,
        true,
        'the handle is JSON',
      );
      const first = await model.doStatus!({ operation: started.operation });
      assert.equal(first.status, 'pending');
      const done = completed(await pollToEnd(model, started.operation, t, 250));
      const info = await clipOf(spec, done);
      const size = renderedOf(spec.expected);
      assert.ok(
        Math.abs(info.durationSeconds - spec.expected.seconds) < 0.1,
        `duration ${info.durationSeconds}`,
      );
      assert.equal(info.width, size.width);
      assert.equal(info.height, size.height);
      assert.ok(Math.abs(info.fps - spec.expected.fps) < 0.01, `fps ${info.fps}`);
      assert.equal(info.hasAudio, spec.expected.audio);
      spec.onCompleted?.(done, provider);
      assert.equal(t.sb.stats().providers[hosted(spec)].created, 1);
    });

    if (spec.rateLimited === false) {
      test('a server without rate limits has no 429 to give', async () => {
        const { t, model } = await setUp(spec, { faults: { '429': 1 } });
        await model.doStart!(spec.request);
        assert.equal(t.sb.stats().providers[hosted(spec)].created, 1);
      });
    } else {
      test('429 is rate_limited with the Retry-After seconds', async () => {
        const { model } = await setUp(spec, { faults: { '429': 1 }, retryAfterSeconds: 7 });
        const error = await rejectsWith(model.doStart!(spec.request), 'rate_limited');
        assert.equal(error.retryable, true);
        assert.equal(error.retryAfterSeconds, 7);
      });
    }

    test('5xx is a retryable server_error', async () => {
      const { model } = await setUp(spec, { faults: { '5xx': 1 } });
      const error = await rejectsWith(model.doStart!(spec.request), 'server_error');
      assert.equal(error.retryable, true);
    });

    const badCredentials =
      spec.badCredentials === undefined ? { apiKey: 'bad-key' } : spec.badCredentials;
    if (badCredentials) {
      test('a wrong key is an authentication error that names the variable', async () => {
        const t = await sandbox();
        const provider = spec.create({
          credentials: sandboxCredentials(hosted(spec), t, badCredentials),
        });
        const error = await rejectsWith(
          provider.model(spec.modelId).doStart!(spec.request),
          'authentication',
        );
        assert.equal(error.retryable, false);
        assert.ok(
          provider.info.apiKeyEnv && error.message.includes(provider.info.apiKeyEnv),
          error.message,
        );
        assert.ok(!error.message.includes('bad-key'), 'the key never shows');
      });
    }

    test('no credentials at all fail the request, not the setup, with a hint', async () => {
      const provider = spec.create({ credentials: null });
      const error = await rejectsWith(
        provider.model(spec.modelId).doStart!(spec.request),
        'authentication',
      );
      assert.match(error.message, /set /);
    });

    test('a request the API rejects is a non-retryable invalid_request with its words', async () => {
      const { t, provider } = await setUp(spec, {}, spec.invalid.adapter?.());
      const model = provider.model(spec.invalid.modelId ?? spec.modelId);
      const error = await rejectsWith(
        model.doStart!(spec.invalid.request ?? spec.request),
        'invalid_request',
      );
      assert.equal(error.retryable, false);
      assert.equal(t.sb.stats().providers[hosted(spec)].created, 0);
    });

    test('moderation is content_refused (where the service moderates)', async () => {
      const { t, model } = await setUp(spec, { faults: { refuse: 1 } });
      if (spec.refusal === 'start') {
        await rejectsWith(model.doStart!(spec.request), 'content_refused');
        return;
      }
      const started = await model.doStart!(spec.request);
      const end = await pollToEnd(model, started.operation, t, 250);
      if (spec.refusal === 'never') {
        // the sandbox fails such a job its own way (ComfyUI: out of GPU memory), never as moderation
        assert.notEqual(statusCode(end), 'content_refused');
        return;
      }
      assert.equal(end.status, 'error');
      assert.equal(statusCode(end), 'content_refused');
    });

    test('a cut-short JSON reply is a retryable malformed_response', async () => {
      const { model } = await setUp(spec, { faults: { malformed: 1 } });
      const error = await rejectsWith(model.doStart!(spec.request), 'malformed_response');
      assert.equal(error.retryable, true);
    });

    test('an expired download URL is expired_url, and the next poll hands out a fresh one', async () => {
      const { t, model } = await setUp(spec, { faults: { expired: 1 } });
      const started = await model.doStart!(spec.request);
      if (spec.delivery === 'url') {
        const stale = completed(await pollToEnd(model, started.operation, t, 250));
        await rejectsWith(clipOf(spec, stale), 'expired_url');
      } else {
        await rejectsWith(pollToEnd(model, started.operation, t, 250), 'expired_url');
      }
      const fresh = completed(await model.doStatus!({ operation: started.operation }));
      const info = await clipOf(spec, fresh);
      assert.ok(info.durationSeconds > 0);
    });

    test('a dropped connection is connection_dropped; reconciling finds what became of the start', async () => {
      const { t, provider, model } = await setUp(spec, { faults: { drop: 1 } });
      const request = withKey(spec.request, 'key-dropped');
      await rejectsWith(model.doStart!(request), 'connection_dropped');
      assert.equal(
        t.sb.stats().providers[hosted(spec)].created,
        1,
        'the job exists at the provider',
      );
      const result = await provider.info.reconcileStart({
        model,
        idempotencyKey: 'key-dropped',
        request: spec.request,
        sentAt: new Date(t.clock.now()).toISOString(),
      });
      if (spec.reconcile === 'unknown') {
        assert.equal(result.status, 'unknown');
        return;
      }
      assert.equal(result.status, 'started');
      const done = completed(
        await pollToEnd(model, (result as { operation: JSONValue }).operation, t, 250),
      );
      assert.ok((await clipOf(spec, done)).durationSeconds > 0);
    });

    if (spec.reconcile === 'started') {
      test('reconciling a start that never reached the provider says not_started', async () => {
        const { t, provider, model } = await setUp(spec);
        // another job, of another request, started just before
        await model.doStart!(
          withKey({ ...spec.request, prompt: 'another shot entirely' }, 'key-other'),
        );
        const result = await provider.info.reconcileStart({
          model,
          idempotencyKey: 'key-never-sent',
          request: spec.request,
          sentAt: new Date(t.clock.now()).toISOString(),
        });
        assert.deepEqual(result, { status: 'not_started' });
      });
    }

    test('our own timeout is a retryable timeout (outcome unknown)', async () => {
      const { model } = await setUp(spec, { faults: { timeout: 1 } }, { timeoutMs: 100 });
      const error = await rejectsWith(model.doStart!(spec.request), 'timeout');
      assert.equal(error.retryable, true);
    });

    test('the AbortSignal cancels a poll at once, before and during the request', async () => {
      const { model } = await setUp(spec);
      const started = await model.doStart!(spec.request);
      const before = new AbortController();
      before.abort();
      await rejectsWith(
        model.doStatus!({ operation: started.operation, abortSignal: before.signal }),
        'aborted',
      );
      const { t: holding, model: held } = await setUp(spec, { faults: { timeout: 1 } });
      const during = new AbortController();
      const polling = Promise.resolve(
        held.doStatus!({ operation: started.operation, abortSignal: during.signal }),
      );
      polling.catch(() => {});
      // abort once the sandbox holds the poll
      await waitFor('the sandbox to hold the poll', () => {
        const faults = holding.sb.stats().providers[hosted(spec)].faults;
        return (faults.timeout ?? 0) >= 1;
      });
      during.abort();
      await rejectsWith(polling, 'aborted');
    });
  });
}

/** The contract's part that applies to an adapter that renders on this machine. */
function localContract(spec: AdapterSpec): void {
  describe(`${spec.provider} adapter contract (local)`, () => {
    const provider = spec.create({});

    test('start, then the status is the MP4 of exactly the requested length, size, fps and audio', async () => {
      const model = provider.model(spec.modelId);
      const started = await model.doStart!(withKey(spec.request, 'key-success'));
      assert.deepEqual(
        JSON.parse(JSON.stringify(started.operation)),
        started.operation,
        'the handle is JSON',
      );
      const done = completed(await model.doStatus!({ operation: started.operation }));
      const video = done.videos[0];
      assert.ok(video, 'a video');
      const info = await probeVideo(video, spec.provider);
      assert.ok(
        Math.abs(info.durationSeconds - spec.expected.seconds) < 0.05,
        `duration ${info.durationSeconds}`,
      );
      assert.equal(info.width, spec.expected.width);
      assert.equal(info.height, spec.expected.height);
      assert.ok(Math.abs(info.fps - spec.expected.fps) < 0.01, `fps ${info.fps}`);
      assert.equal(info.hasAudio, spec.expected.audio);
      spec.onCompleted?.(done, provider);
    });

    test('a request it cannot make is a non-retryable invalid_request', async () => {
      const model = provider.model(spec.invalid.modelId ?? spec.modelId);
      const error = await rejectsWith(
        model.doStart!(spec.invalid.request ?? spec.request),
        'invalid_request',
      );
      assert.equal(error.retryable, false);
    });

    test('a lost start is reconciled to the operation the start gave', async () => {
      const model = provider.model(spec.modelId);
      const started = await model.doStart!(spec.request);
      const result = await provider.info.reconcileStart({
        model,
        idempotencyKey: 'key-lost',
        request: spec.request,
        sentAt: new Date().toISOString(),
      });
      assert.deepEqual(result, { status: 'started', operation: started.operation });
    });

    test('the AbortSignal cancels the status before and while it renders', async () => {
      const model = provider.model(spec.modelId);
      const started = await model.doStart!(spec.request);
      await rejectsWith(
        model.doStatus!({ operation: started.operation, abortSignal: AbortSignal.abort() }),
        'aborted',
      );
      const during = new AbortController();
      const rendering = model.doStatus!({
        operation: started.operation,
        abortSignal: during.signal,
      });
      during.abort();
      await rejectsWith(rendering, 'aborted');
    });
  });
}
