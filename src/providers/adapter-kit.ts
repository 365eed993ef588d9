/**
 * How the HTTP video adapters read the AI SDK call options, the same way in every adapter:
 * the frame size and its tier name, the aspect ratio nearest to what an API offers, the frame
 * anchors and reference files, files as URLs, the engine's idempotency key, and the
 * `response` block of every result. Values an API cannot take exactly become warnings
 * (`compatibility` when changed, `unsupported` when dropped), never silent changes.
 */
import { createHash } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import type {
  JSONObject,
  JSONValue,
  SharedV4Warning,
  Experimental_VideoModelV4File as VideoFile,
} from '@ai-sdk/provider';
import type { z } from 'zod';
import type { Tier } from '../catalog/schema.ts';
import { tierOfSize } from '../catalog/tiers.ts';
import { ShotrouterError } from '../errors.ts';
import {
  type CredentialProvider,
  credentialsFor,
  credentialVariables,
  type Env,
  missingCredentialHint,
  type ProviderCredentials,
} from './credentials.ts';
import { providerErrors } from './errors.ts';
import {
  type HeaderSource,
  HttpClient,
  type HttpFailure,
  parseProviderOptions,
  toBase64,
} from './http.ts';
import {
  IDEMPOTENCY_HEADER,
  type ReconcileInput,
  type ReconcileResult,
  type VideoCallOptions,
  type VideoStatus,
} from './types.ts';

export type Warning = SharedV4Warning;

export interface FrameSize {
  width: number;
  height: number;
}

/** `options.resolution` (`1280x720`) as numbers; undefined when the caller left it to the API. */
export function requestedSize(provider: string, options: VideoCallOptions): FrameSize | undefined {
  if (options.resolution === undefined) return undefined;
  const match = /^(\d+)x(\d+)$/.exec(options.resolution);
  if (!match || Number(match[1]) <= 0 || Number(match[2]) <= 0) {
    throw providerErrors.invalidRequest(
      provider,
      `resolution must be WIDTHxHEIGHT, got ${options.resolution}`,
    );
  }
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** The tier name (`720p`, `4k`) APIs use for a frame size, as the catalog prices it. */
export function tierOf(size: FrameSize): Tier {
  return tierOfSize(size);
}

/** The tier among `allowed` nearest to the size's own (ties go to the larger tier). */
export function nearestTier<T extends string>(size: FrameSize, allowed: readonly T[]): T {
  const own = tierOf(size);
  if ((allowed as readonly string[]).includes(own)) return own as T;
  const pixels = Math.log(size.width * size.height);
  let best = allowed[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const tier of allowed) {
    const distance = Math.abs(pixels - Math.log(TIER_PIXELS[tier] ?? 0));
    if (distance <= bestDistance) {
      best = tier;
      bestDistance = distance;
    }
  }
  return best;
}

/** Nominal 16:9 pixel counts of the tier names APIs use. */
const TIER_PIXELS: Record<string, number> = {
  '360p': 640 * 360,
  '480p': 854 * 480,
  '540p': 960 * 540,
  '580p': 1032 * 580,
  '720p': 1280 * 720,
  '1080p': 1920 * 1080,
  '1440p': 2560 * 1440,
  '2160p': 3840 * 2160,
  '4k': 3840 * 2160,
};

/**
 * The tier among `allowed` nearest to the requested size, with a `compatibility` warning when it
 * is another tier than the size's own (`2160p` and `4k` are one tier).
 */
export function pickTier<T extends string>(
  size: FrameSize,
  allowed: readonly T[],
  options: VideoCallOptions,
  warnings: Warning[],
): T {
  const tier = nearestTier(size, allowed);
  const sameTier = (a: string, b: string) =>
    (a === '2160p' ? '4k' : a) === (b === '2160p' ? '4k' : b);
  if (!sameTier(tier, tierOf(size))) {
    warnings.push({
      type: 'compatibility',
      feature: 'resolution',
      details: `${options.resolution} is not offered; sent ${tier}`,
    });
  }
  return tier;
}

/** `16:9` → 1.777…; undefined for `adaptive` or anything else. */
export function ratioValue(text: string | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text ?? '');
  if (!match) return undefined;
  const value = Number(match[1]) / Number(match[2]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The frame's width/height ratio: from `aspectRatio`, else from `resolution`. */
export function requestedRatio(provider: string, options: VideoCallOptions): number | undefined {
  const fromAspect = ratioValue(options.aspectRatio);
  if (fromAspect !== undefined) return fromAspect;
  const size = requestedSize(provider, options);
  return size ? size.width / size.height : undefined;
}

/**
 * The aspect ratio among `allowed` (e.g. `['16:9', '9:16', '1:1']`) nearest to `ratio`, on a
 * log scale so that 2:1 and 1:2 are equally far from 1:1.
 */
export function nearestRatio<T extends string>(ratio: number, allowed: readonly T[]): T {
  let best = allowed[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const value = ratioValue(candidate);
    if (value === undefined) continue;
    const distance = Math.abs(Math.log(value) - Math.log(ratio));
    if (distance < bestDistance - 1e-9) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * The aspect ratio to send: the requested one when allowed, else the nearest allowed one with a
 * `compatibility` warning; undefined when the request names none (the API's default).
 */
export function pickRatio<T extends string>(
  provider: string,
  options: VideoCallOptions,
  allowed: readonly T[],
  warnings: Warning[],
): T | undefined {
  const ratio = requestedRatio(provider, options);
  if (ratio === undefined) return undefined;
  const chosen = nearestRatio(ratio, allowed);
  if (Math.abs(Math.log(ratioValue(chosen)!) - Math.log(ratio)) > 0.01) {
    warnings.push({
      type: 'compatibility',
      feature: 'aspectRatio',
      details: `${options.aspectRatio ?? options.resolution} is not offered; sent ${chosen}`,
    });
  }
  return chosen;
}

/**
 * The duration among `allowed` nearest to `requested` (ties go to the longer one, so a clip is
 * trimmed rather than stretched), with a `compatibility` warning when it differs.
 */
export function pickDuration(
  requested: number,
  allowed: readonly number[],
  warnings: Warning[],
): number {
  let best = allowed[0]!;
  for (const candidate of allowed) {
    const better = Math.abs(candidate - requested) - Math.abs(best - requested);
    if (better < -1e-9 || (Math.abs(better) <= 1e-9 && candidate > best)) best = candidate;
  }
  if (Math.abs(best - requested) > 1e-9) {
    warnings.push({
      type: 'compatibility',
      feature: 'duration',
      details: `${requested} s is not offered; sent ${best} s`,
    });
  }
  return best;
}

/** The first and last frame images: `frameImages` entries, with `image` as the first frame. */
export function frameAnchors(options: VideoCallOptions): { first?: VideoFile; last?: VideoFile } {
  const first =
    options.frameImages?.find((f) => f.frameType === 'first_frame')?.image ?? options.image;
  const last = options.frameImages?.find((f) => f.frameType === 'last_frame')?.image;
  return { ...(first ? { first } : {}), ...(last ? { last } : {}) };
}

/** `inputReferences` split by kind (routed by media type, as the AI SDK spec says). */
export function references(options: VideoCallOptions): {
  images: VideoFile[];
  videos: VideoFile[];
} {
  const images: VideoFile[] = [];
  const videos: VideoFile[] = [];
  for (const file of options.inputReferences ?? []) {
    if (mediaTypeOf(file).startsWith('video/')) videos.push(file);
    else images.push(file);
  }
  return { images, videos };
}

export function mediaTypeOf(file: VideoFile): string {
  if (file.mediaType) return file.mediaType;
  const extension =
    file.type === 'url' ? /\.([a-z0-9]+)(?:[?#]|$)/i.exec(file.url)?.[1] : undefined;
  const byExtension: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    webp: 'image/webp',
    mp4: 'video/mp4',
    mov: 'video/quicktime',
    webm: 'video/webm',
  };
  return byExtension[extension?.toLowerCase() ?? ''] ?? 'image/png';
}

/** A file as a JSON API takes it: its own URL, or a `data:` URI of its bytes. */
export function fileUrl(file: VideoFile): string {
  if (file.type === 'url') return file.url;
  const base64 = typeof file.data === 'string' ? file.data : toBase64(file.data);
  return `data:${file.mediaType};base64,${base64}`;
}

/** The bytes of an inline file (base64 strings decoded); undefined for a URL file. */
export function fileBytes(file: VideoFile): Uint8Array | undefined {
  if (file.type === 'url') return undefined;
  return typeof file.data === 'string' ? Buffer.from(file.data, 'base64') : file.data;
}

/** The engine's idempotency key for this start, if it sent one. */
export function idempotencyKeyOf(options: {
  headers?: Record<string, string | undefined>;
}): string | undefined {
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (name.toLowerCase() === IDEMPOTENCY_HEADER && value) return value;
  }
  return undefined;
}

/**
 * A seed derived from the idempotency key (0 … 2^31-1). Used when the caller gives none: the
 * same logical start always sends the same request, and the seed, which the APIs echo, tells
 * our job apart from look-alikes when a lost start is looked up.
 */
export function seedFromKey(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) & 0x7fffffff;
}

/** The seed to send: the caller's, else one derived from the idempotency key (see seedFromKey). */
export function seedOrKeySeed(options: VideoCallOptions): number | undefined {
  const key = idempotencyKeyOf(options);
  return options.seed ?? (key ? seedFromKey(key) : undefined);
}

/** A lost start's call options as they went out, its idempotency key in the headers again. */
export function requestAsSent(input: ReconcileInput): VideoCallOptions {
  return {
    ...input.request,
    headers: { ...input.request.headers, [IDEMPOTENCY_HEADER]: input.idempotencyKey },
  };
}

/** `providerOptions[name]` as a plain object ({} when absent). */
export function providerOptionsOf(options: VideoCallOptions, name: string): JSONObject {
  const value = options.providerOptions?.[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/**
 * `providerOptions[provider]` checked against the adapter's schema; a mismatch is the caller's
 * `invalid_request`, raised before anything is sent.
 */
export function ownProviderOptions<S extends z.ZodType>(
  options: VideoCallOptions,
  provider: string,
  schema: S,
): z.output<S> {
  return parseProviderOptions(provider, schema, providerOptionsOf(options, provider), provider);
}

export function unsupported(feature: string, details: string): Warning {
  return { type: 'unsupported', feature, details };
}

/** Warnings for the generic options an API has no field for, when the caller set them. */
export function unsupportedOptions(
  options: VideoCallOptions,
  absent: readonly ('seed' | 'fps' | 'generateAudio' | 'inputReferences')[],
  provider: string,
  warnings: Warning[],
  /** the fps the API always delivers, so that asking for exactly that is no change */
  fixedFps?: number,
): void {
  for (const feature of absent) {
    if (feature === 'seed' && options.seed !== undefined) {
      warnings.push(unsupported('seed', `${provider} takes no seed; results are not repeatable`));
    }
    if (feature === 'fps' && options.fps !== undefined && options.fps !== fixedFps) {
      const delivered = fixedFps === undefined ? 'its own rate' : `${fixedFps} fps`;
      warnings.push(unsupported('fps', `${provider} sets no frame rate; it delivers ${delivered}`));
    }
    if (feature === 'generateAudio' && options.generateAudio === true) {
      warnings.push(unsupported('generateAudio', `${provider} makes no audio for this model`));
    }
    if (feature === 'inputReferences' && (options.inputReferences?.length ?? 0) > 0) {
      warnings.push(
        unsupported('inputReferences', `${provider} takes no reference files for this model`),
      );
    }
  }
}

/**
 * Warnings for a model outside an adapter's table: the generic options it might take are not
 * mapped, so each one the caller set is left out with a pointer to `providerOptions.<provider>`.
 */
export function unmappedOptions(
  options: VideoCallOptions,
  model: string,
  provider: string,
  warnings: Warning[],
): void {
  for (const [feature, given] of [
    ['duration', options.duration],
    ['resolution', options.resolution],
    ['aspectRatio', options.aspectRatio],
  ] as const) {
    if (given !== undefined) {
      warnings.push(
        unsupported(feature, `not mapped for ${model}; set it in providerOptions.${provider}`),
      );
    }
  }
  unsupportedOptions(options, ['seed', 'fps', 'generateAudio', 'inputReferences'], model, warnings);
}

/** The `response` block of a result. */
export function responseInfo(
  modelId: string,
  headers?: Record<string, string>,
  now: () => number = Date.now,
): { timestamp: Date; modelId: string; headers: Record<string, string> | undefined } {
  return { timestamp: new Date(now()), modelId, headers };
}

/**
 * A generation the provider reports as failed, with its error code where known so that the
 * engine retries (server trouble) or falls back (refusal) correctly.
 */
export function failedStatus(
  modelId: string,
  message: string,
  code: string | undefined,
  metadata: JSONObject = {},
  now?: () => number,
): VideoStatus {
  return {
    status: 'error',
    error: message,
    providerMetadata: { shotrouter: { ...(code ? { code } : {}), ...metadata } },
    response: responseInfo(modelId, undefined, now),
  };
}

/** Throws the engine's `aborted` error when the caller's signal has fired. */
export function throwIfAborted(provider: string, signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (ShotrouterError.is(reason)) throw reason;
  throw new ShotrouterError('aborted', `${provider}: the request was cancelled`);
}

/** Narrows an operation handle, or throws `malformed_response` naming what was expected. */
export function operationOf<T extends JSONObject>(
  provider: string,
  operation: unknown,
  check: (value: Record<string, unknown>) => boolean,
  what: string,
): T {
  if (typeof operation === 'object' && operation !== null && !Array.isArray(operation)) {
    const record = operation as Record<string, unknown>;
    if (check(record)) return record as T;
  }
  throw providerErrors.malformedResponse(provider, `not ${what} operation handle`);
}

/**
 * The adapter's credentials error: the provider has no credentials configured (thrown at the
 * first request, so that building a registry never fails for an unused provider).
 */
export function missingCredentials(provider: string, hint: string): ShotrouterError {
  return new ShotrouterError('authentication', `${provider}: no credentials; ${hint}`);
}

/** What every adapter factory accepts (all optional; the defaults are the real service's). */
export interface AdapterOptions {
  /** where credentials and base-URL overrides are read (default `process.env`) */
  env?: Env;
  /** credentials given directly (tests, embedding); `null` means "none configured" */
  credentials?: ProviderCredentials | null;
  /** a fetch implementation (default the global one) */
  fetch?: typeof fetch;
  /** per-request timeout of API calls, ms */
  timeoutMs?: number;
  /** clock for timestamps and `Retry-After` dates, epoch ms */
  now?: () => number;
  /** overrides of the engine-facing limits in ProviderInfo */
  concurrency?: number;
  requestsPerMinute?: number | null;
  pollIntervalMs?: number;
  /**
   * How long a lost start's lookup waits before its second look, ms (default 3000): a create
   * request that reached the server just before the connection broke may still be committing.
   */
  reconcileSettleMs?: number;
  /** the wait used by reconciliation (tests pass one that returns at once) */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ClientSetup {
  /**
   * Auth headers from the credential values, made once with the client: fixed headers, or a
   * function the client calls per request (e.g. to sign a short-lived token on `now`'s clock).
   */
  headers(values: Record<string, string>, now: () => number): HeaderSource;
  /** the provider's error replies, told the variable that authentication errors should name */
  mapError?(failure: HttpFailure, apiKeyEnv: string | undefined): ShotrouterError | undefined;
  /** the variable to name when no credentials are configured (default: the first one listed) */
  apiKeyEnv?: string;
  /** the API's base URL when it is not the credentials' host root (a second host, a path) */
  baseUrl?(credentials: ProviderCredentials): string;
}

/** A provider's HTTP client, made on first use so that a missing key fails the request, not the setup. */
export interface Connection {
  client(): HttpClient;
  /** the variable to name in authentication errors */
  apiKeyEnv: string | undefined;
  now: () => number;
}

export function connect(
  provider: CredentialProvider,
  options: AdapterOptions,
  setup: ClientSetup,
): Connection {
  const credentials =
    options.credentials === undefined ? credentialsFor(provider, options.env) : options.credentials;
  const apiKeyEnv =
    credentials?.apiKeyEnv ??
    setup.apiKeyEnv ??
    Object.values(credentialVariables(provider))[0]?.[0];
  const now = options.now ?? Date.now;
  const mapError = setup.mapError;
  let client: HttpClient | undefined;
  return {
    apiKeyEnv,
    now,
    client() {
      if (!credentials) throw missingCredentials(provider, missingCredentialHint(provider));
      client ??= new HttpClient({
        provider,
        baseUrl: setup.baseUrl ? setup.baseUrl(credentials) : credentials.baseUrl,
        headers: setup.headers(credentials.values, now),
        apiKeyEnv,
        secrets: credentials.secrets,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(mapError ? { mapError: (failure: HttpFailure) => mapError(failure, apiKeyEnv) } : {}),
        now,
      });
      return client;
    },
  };
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return ms <= 0 ? Promise.resolve() : wait(ms, undefined, signal ? { signal } : undefined);
}

/**
 * A lost start found by looking at the provider's recent jobs: one match is our job; several
 * cannot be told apart (`unknown`); none, twice with `settleMs` between the looks, means the
 * start never took effect (`not_started`).
 */
export async function lookUpLostStart(
  find: () => Promise<JSONValue[]>,
  settle: {
    ms: number;
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    signal?: AbortSignal;
  },
): Promise<ReconcileResult> {
  for (let look = 0; ; look++) {
    const matches = await find();
    if (matches.length === 1) return { status: 'started', operation: matches[0]! };
    if (matches.length > 1) {
      return { status: 'unknown', reason: `${matches.length} recent jobs match the lost start` };
    }
    if (look === 1) return { status: 'not_started' };
    await settle.sleep(settle.ms, settle.signal);
  }
}

/** Epoch ms of an ISO date or of epoch seconds; undefined when unreadable. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value))
    return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Jobs created this long before the start was recorded still count (clock skew between hosts). */
export const LOOKUP_SKEW_MS = 5 * 60_000;

/** `{ signal }` for request options, or nothing (exactOptionalPropertyTypes-friendly). */
export function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
