/**
 * A small fetch-based HTTP client for provider adapters. It does the parts every adapter needs
 * and must get right the same way:
 *
 * - joins a base URL (which may carry a path prefix, e.g. `http://127.0.0.1:4000/openai`)
 *   with request paths and query parameters;
 * - adds the provider's headers, built per request (so a Kling JWT can be minted per call), and
 *   sends them only to the provider's own origin (never to a CDN download URL);
 * - ends every request at the caller's `AbortSignal` or at its own timeout, whichever is first;
 * - turns every failure into a typed error of ./errors.ts:
 *
 *   | what happened                                  | error code           | retryable |
 *   |------------------------------------------------|----------------------|-----------|
 *   | HTTP 429                                       | `rate_limited` (+ `retryAfterSeconds` from `Retry-After` seconds or date, or `retry-after-ms`) | yes |
 *   | HTTP 408, 504                                  | `timeout` (the server may have acted) | yes |
 *   | other HTTP 5xx                                 | `server_error`       | yes       |
 *   | HTTP 401, 403                                  | `authentication`, naming the env variable | no |
 *   | HTTP 402                                       | `out_of_credit`      | no        |
 *   | other HTTP 4xx (400, 404, 422, …)              | `invalid_request`, with the provider's own message | no |
 *   | no connection could be made (refused, DNS)     | `server_error` (nothing was sent) | yes |
 *   | connection broke after the request went out    | `connection_dropped` (outcome unknown) | yes |
 *   | our per-request timeout fired                  | `timeout` (outcome unknown) | yes |
 *   | the caller's signal fired                      | `aborted` (the signal's reason if it is a ShotrouterError) | no |
 *   | a 2xx body that is not the JSON expected       | `malformed_response` | yes       |
 *
 *   A provider-specific `mapError` hook sees every non-2xx reply first (Kling's body `code`s,
 *   Google's `error.status`, …) and may return its own error; `undefined` falls back to the
 *   table above. Errors from HTTP replies carry the status in `details.httpStatus`
 *   (`httpStatusOf(error)`), e.g. to tell "no such task" (404) from other rejections.
 * - follows redirects itself, dropping credential headers when a redirect leaves the origin;
 * - REDACTION: header values, the `secrets` given in the config, and credential-looking query
 *   parameters never appear in an error message, `details`, `cause`, or stack. Thrown errors
 *   carry a sanitized copy of network causes, never the raw fetch error.
 *
 * Downloads (`downloadToFile`, `downloadBytes`) stream a result to disk or memory; on a
 * download, 403/404/410 mean the link has expired (`expired_url`: a fresh one comes with the
 * next status poll), except where the adapter says otherwise.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import { ShotrouterError } from '../errors.ts';
import { providerError, providerErrors, retryAfterSeconds } from './errors.ts';
import type { VideoCallOptions } from './types.ts';

/** Default per-request timeout of API calls, in ms. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default timeout of a whole download, in ms (video files are large). */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/** Headers as a plain object, or a function that builds them per request (tokens, JWTs). */
export type HeaderSource =
  | Record<string, string | undefined>
  | (() => Record<string, string | undefined> | Promise<Record<string, string | undefined>>);

/** A non-2xx reply, as the `mapError` hook sees it. Texts are already redacted. */
export interface HttpFailure {
  provider: string;
  /** HTTP status */
  status: number;
  /** response headers, lower-cased names */
  headers: Record<string, string>;
  /** the body parsed as JSON, or `undefined` when it is not JSON */
  body: unknown;
  /** the body as text (redacted, at most 2000 characters) */
  text: string;
  /** the provider's own error message found in the body (see `providerMessage`), if any */
  message: string | undefined;
  /** seconds from `Retry-After` / `retry-after-ms`, if present */
  retryAfterSeconds: number | undefined;
  /** `api` for API calls, `download` for result downloads */
  kind: 'api' | 'download';
}

/** Provider-specific error mapping; `undefined` means "use the default mapping". */
export type ErrorMapper = (failure: HttpFailure) => ShotrouterError | undefined;

export interface HttpClientConfig {
  /** provider id, used in every error message (`kling: rate limited …`) */
  provider: string;
  /** base URL; may carry a path (`https://api.openai.com/v1`); a trailing slash is ignored */
  baseUrl: string;
  /** headers sent with every request to the base URL's origin (auth goes here) */
  headers?: HeaderSource;
  /** env variable named in `authentication` errors, e.g. `OPENAI_API_KEY` */
  apiKeyEnv?: string;
  /** per-request timeout in ms (default DEFAULT_TIMEOUT_MS) */
  timeoutMs?: number;
  /** a fetch implementation (default: the global fetch) */
  fetch?: typeof fetch;
  /** provider-specific mapping of error replies, consulted before the default */
  mapError?: ErrorMapper;
  /** more values that must never appear in errors (API keys, secret keys) */
  secrets?: readonly string[];
  /** clock for `Retry-After` dates, epoch ms (default Date.now) */
  now?: () => number;
}

export interface RequestOptions {
  /** default GET, or POST when `json` or `form` is given */
  method?: string;
  /** query parameters; `undefined` values are left out */
  query?: Record<string, string | number | boolean | undefined>;
  /** a JSON body (sets `content-type: application/json`) */
  json?: unknown;
  /** a multipart body (fetch sets the content type with its boundary) */
  form?: FormData;
  /** more headers for this request; `undefined` removes a default one */
  headers?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** overrides the client's timeout for this request, in ms */
  timeoutMs?: number;
}

export interface JsonResponse<T = unknown> {
  status: number;
  /** response headers, lower-cased names */
  headers: Record<string, string>;
  body: T;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** whole-download timeout in ms (default DEFAULT_DOWNLOAD_TIMEOUT_MS) */
  timeoutMs?: number;
  /** extra headers (e.g. `accept`) */
  headers?: Record<string, string | undefined>;
  /**
   * Whether to send the client's headers. Default `same-origin`: only when the URL is on the
   * base URL's origin, so keys never go to a CDN host.
   */
  auth?: 'same-origin' | 'always' | 'never';
  /**
   * Statuses that mean "this link has expired" (default 403, 404, 410). An API download
   * endpoint (OpenAI `/content`) passes its own list.
   */
  expiredStatuses?: readonly number[];
  /** refuse bodies larger than this, in bytes (default 2 GiB) */
  maxBytes?: number;
}

export interface Downloaded {
  /** bytes written */
  bytes: number;
  /** the reply's content type, without parameters (`video/mp4`) */
  mediaType: string;
}

const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
const DEFAULT_EXPIRED = [403, 404, 410] as const;

/** Header names whose values are credentials. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-goog-api-key',
  'x-api-key',
  'api-key',
  'cookie',
  'x-fal-key',
  'xi-api-key',
]);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** Query parameters whose values are credentials or signatures. */
const SECRET_QUERY =
  /([?&](?:key|api_key|apikey|token|access_token|signature|sig|x-amz-signature|x-goog-signature|x-amz-security-token)=)[^&#\s"']*/gi;

/** Node/undici error codes that mean no connection was made: nothing reached the server. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/**
 * Joins a base URL and a path: `joinUrl('http://h/openai/v1/', '/videos')` →
 * `http://h/openai/v1/videos`. An absolute `path` (`https://…`) is returned unchanged.
 */
export function joinUrl(
  baseUrl: string,
  path: string,
  query?: Record<string, string | number | boolean | undefined>,
): string {
  const joined = /^[a-z][a-z0-9+.-]*:/i.test(path)
    ? path
    : `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  if (!query) return joined;
  const url = new URL(joined);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/**
 * Replaces every secret value (and credential-looking query parameters) in `text` with `***`.
 * Longer secrets first, so a secret that contains another is replaced whole.
 */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  const sorted = [...new Set(secrets)]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  for (const secret of sorted) out = out.split(secret).join('***');
  return out.replace(SECRET_QUERY, '$1***');
}

/**
 * The provider's own error message in an error body, from the shapes the supported APIs use:
 * `{error: {message}}` (OpenAI, Google, BytePlus), `{message}` (Kling, Luma), `{error: "…"}`
 * (Runway), `{detail}` (fal, Replicate), `{failure}`; `undefined` when none is found.
 */
export function providerMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string' && error.trim()) return error.trim();
  if (typeof error === 'object' && error !== null) {
    const inner = providerMessage(error);
    if (inner) return inner;
  }
  for (const key of ['message', 'detail', 'failure', 'error_message', 'msg']) {
    const value = record[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
    // FastAPI-style validation details: [{loc, msg}]
    if (Array.isArray(value) && value.length > 0) {
      const first = value[0] as Record<string, unknown>;
      if (typeof first?.msg === 'string') return first.msg;
    }
  }
  return undefined;
}

/**
 * Parses a JSON body; a body that is not JSON (cut short, HTML from a proxy, empty) becomes a
 * `malformed_response` error, never a crash.
 */
export function parseJsonBody(
  provider: string,
  text: string,
  secrets: Iterable<string> = [],
): unknown {
  if (text.trim() === '')
    throw providerErrors.malformedResponse(provider, 'empty body where JSON was expected');
  try {
    return JSON.parse(text);
  } catch {
    throw providerErrors.malformedResponse(
      provider,
      `the body is not JSON (${text.length} characters, starting ${JSON.stringify(redactText(text.slice(0, 40), secrets))})`,
    );
  }
}

/**
 * Checks a parsed body against a zod schema; a mismatch is `malformed_response` naming the
 * first field that is wrong (`what` says which reply, e.g. `task status`).
 */
export function parseShape<S extends z.ZodType>(
  provider: string,
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = firstIssue(result.error, ' at ', 'unexpected shape');
  throw providerErrors.malformedResponse(provider, `${what}${issue}`);
}

/** The first problem zod found, as `<lead><path>: <message>` (no path: just `: <message>`). */
function firstIssue(error: z.ZodError, lead: string, otherwise: string): string {
  const issue = error.issues[0];
  const at = issue && issue.path.length > 0 ? `${lead}${issue.path.join('.')}` : '';
  return `${at}: ${issue?.message ?? otherwise}`;
}

/**
 * Checks `providerOptions.<name>` against a zod schema; a mismatch is the caller's mistake:
 * `invalid_request` naming the option, raised before anything is sent.
 */
export function parseProviderOptions<S extends z.ZodType>(
  provider: string,
  schema: S,
  value: unknown,
  name: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = firstIssue(result.error, '.', 'unexpected value');
  throw providerErrors.invalidRequest(provider, `providerOptions.${name}${issue}`);
}

/** The default mapping of a non-2xx reply (see the table at the top of this file). */
export function defaultHttpError(failure: HttpFailure, apiKeyEnv?: string): ShotrouterError {
  const { provider, status } = failure;
  if (status === 429) return providerErrors.rateLimited(provider, failure.retryAfterSeconds);
  if (status === 401 || status === 403) return providerErrors.authentication(provider, apiKeyEnv);
  if (status === 402) return providerErrors.outOfCredit(provider);
  if (status === 408 || status === 504) return providerErrors.timeout(provider);
  if (status >= 500) return providerErrors.serverError(provider, status);
  const message = failure.message ?? (failure.text.trim() || `HTTP ${status}`);
  return providerErrors.invalidRequest(provider, `${shorten(message)} (HTTP ${status})`);
}

/** An HTTP client bound to one provider's base URL, headers and error mapping. */
export class HttpClient {
  readonly provider: string;
  readonly baseUrl: string;
  private readonly config: HttpClientConfig;
  private readonly fetchImpl: typeof fetch;
  private readonly origin: string;

  constructor(config: HttpClientConfig) {
    this.config = config;
    this.provider = config.provider;
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = config.fetch ?? globalThis.fetch;
    this.origin = new URL(this.baseUrl).origin;
  }

  /** The full URL of a path under the base URL (absolute URLs pass through). */
  url(path: string, query?: RequestOptions['query']): string {
    return joinUrl(this.baseUrl, path, query);
  }

  /**
   * Sends a request and returns the raw 2xx `Response` (its body unread); every failure is
   * thrown as a typed error. Use `json` for JSON APIs.
   */
  async request(path: string, options: RequestOptions = {}): Promise<Response> {
    return (await this.exchange(path, options)).response;
  }

  /** Sends a request and parses the 2xx reply as JSON (`malformed_response` if it is not). */
  async json<T = unknown>(path: string, options: RequestOptions = {}): Promise<JsonResponse<T>> {
    const { response, secrets, signal } = await this.exchange(path, options);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.bodyError(error, secrets, signal, options.signal);
    }
    return {
      status: response.status,
      headers: headersOf(response),
      body: parseJsonBody(this.provider, text, secrets) as T,
    };
  }

  /** `json` with GET. */
  get<T = unknown>(
    path: string,
    options: Omit<RequestOptions, 'method'> = {},
  ): Promise<JsonResponse<T>> {
    return this.json<T>(path, { ...options, method: 'GET' });
  }

  /** `json` with POST and a JSON body. */
  post<T = unknown>(
    path: string,
    json: unknown,
    options: Omit<RequestOptions, 'method' | 'json'> = {},
  ): Promise<JsonResponse<T>> {
    return this.json<T>(path, { ...options, method: 'POST', json });
  }

  /**
   * Streams a result (a path under the base URL, or an absolute URL) into `file`. On any
   * failure the partial file is removed. Returns the byte count and media type.
   */
  async downloadToFile(
    pathOrUrl: string,
    file: string,
    options: DownloadOptions = {},
  ): Promise<Downloaded> {
    const { response, secrets, signal } = await this.openDownload(pathOrUrl, options);
    const limit = options.maxBytes ?? DEFAULT_MAX_BYTES;
    let bytes = 0;
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        bytes += chunk.length;
        if (bytes > limit)
          done(
            providerErrors.malformedResponse(this.provider, `the download exceeds ${limit} bytes`),
          );
        else done(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        counter,
        createWriteStream(file),
      );
    } catch (error) {
      await rm(file, { force: true });
      throw this.bodyError(error, secrets, signal, options.signal);
    }
    if (bytes === 0) {
      await rm(file, { force: true });
      throw providerErrors.malformedResponse(this.provider, 'the download is empty');
    }
    return { bytes, mediaType: mediaTypeOf(response) };
  }

  /** Like `downloadToFile`, into memory (for small files or APIs that hand bytes back). */
  async downloadBytes(
    pathOrUrl: string,
    options: DownloadOptions = {},
  ): Promise<Downloaded & { data: Uint8Array }> {
    const { response, secrets, signal } = await this.openDownload(pathOrUrl, options);
    const limit = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      await response.body?.cancel().catch(() => {});
      throw providerErrors.malformedResponse(this.provider, `the download exceeds ${limit} bytes`);
    }
    let data: Uint8Array;
    try {
      data = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw this.bodyError(error, secrets, signal, options.signal);
    }
    if (data.length === 0)
      throw providerErrors.malformedResponse(this.provider, 'the download is empty');
    if (data.length > limit)
      throw providerErrors.malformedResponse(this.provider, `the download exceeds ${limit} bytes`);
    return { data, bytes: data.length, mediaType: mediaTypeOf(response) };
  }

  private async exchange(
    path: string,
    options: RequestOptions,
  ): Promise<{ response: Response; secrets: string[]; signal: AbortSignal }> {
    const url = this.url(path, options.query);
    const own = await this.ownHeaders();
    const headers = mergeHeaders(this.sameOrigin(url) ? own : {}, options.headers);
    let body: RequestInit['body'];
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.form) {
      body = options.form;
    }
    headers.accept ??= 'application/json';
    const method = options.method ?? (body === undefined ? 'GET' : 'POST');
    const secrets = this.secretsOf(own);
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const signal = withTimeout(options.signal, timeoutMs);
    const response = await this.send(
      url,
      { method, headers, body },
      options.signal,
      signal,
      secrets,
    );
    if (response.ok) return { response, secrets, signal };
    throw await this.failure(response, 'api', secrets, options.signal);
  }

  /** Every value this client must never show: its header credentials and configured secrets. */
  private secretsOf(headers: Record<string, string>): string[] {
    const out = [...(this.config.secrets ?? [])];
    for (const [name, value] of Object.entries(headers)) {
      if (!SECRET_HEADERS.has(name.toLowerCase())) continue;
      out.push(value);
      const token = /^(?:bearer|key|token|basic)\s+(.+)$/i.exec(value)?.[1];
      if (token) out.push(token);
    }
    return out;
  }

  /** The headers sent to the base URL's origin (auth), for a connection made elsewhere (a websocket). */
  async ownHeaders(): Promise<Record<string, string>> {
    const source = this.config.headers;
    const raw = typeof source === 'function' ? await source() : (source ?? {});
    return mergeHeaders({}, raw);
  }

  private sameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  private async openDownload(
    pathOrUrl: string,
    options: DownloadOptions,
  ): Promise<{ response: Response; secrets: string[]; signal: AbortSignal }> {
    const url = this.url(pathOrUrl);
    const own = await this.ownHeaders();
    const auth = options.auth ?? 'same-origin';
    const send = auth === 'always' || (auth === 'same-origin' && this.sameOrigin(url));
    const headers = mergeHeaders(send ? own : {}, options.headers);
    const secrets = this.secretsOf(own);
    const signal = withTimeout(options.signal, options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS);
    const response = await this.send(
      url,
      { method: 'GET', headers },
      options.signal,
      signal,
      secrets,
    );
    if (response.ok && response.body) return { response, secrets, signal };
    if ((options.expiredStatuses ?? DEFAULT_EXPIRED).includes(response.status)) {
      await response.body?.cancel().catch(() => {});
      throw providerErrors.expiredUrl(this.provider);
    }
    throw await this.failure(response, 'download', secrets, options.signal);
  }

  /**
   * One request, with the abort/timeout/network error translation. Redirects are followed
   * here, not by fetch, so that credentials are dropped when one leaves the origin (fetch
   * itself keeps headers such as `x-goog-api-key` across origins).
   */
  private async send(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: RequestInit['body'] },
    caller: AbortSignal | undefined,
    signal: AbortSignal,
    secrets: string[],
  ): Promise<Response> {
    if (caller?.aborted) throw this.abortError(caller);
    let current = { url, ...init };
    for (let hops = 0; ; hops++) {
      let response: Response;
      try {
        response = await this.fetchImpl(current.url, {
          method: current.method,
          headers: current.headers,
          body: current.body,
          signal,
          redirect: 'manual',
        });
      } catch (error) {
        throw this.networkError(error, secrets, signal, caller);
      }
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || !location || hops >= MAX_REDIRECTS) return response;
      await response.body?.cancel().catch(() => {});
      const next = new URL(location, current.url).toString();
      const toGet =
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && current.method === 'POST');
      const headers =
        new URL(next).origin === new URL(current.url).origin
          ? current.headers
          : withoutSecrets(current.headers);
      current = toGet
        ? { url: next, method: 'GET', headers: withoutBodyHeaders(headers) }
        : { url: next, method: current.method, headers, body: current.body };
    }
  }

  private abortError(caller: AbortSignal): ShotrouterError {
    const reason: unknown = caller.reason;
    if (ShotrouterError.is(reason)) return reason;
    return new ShotrouterError('aborted', `${this.provider}: the request was cancelled`);
  }

  /** A fetch that threw: aborted by the caller, timed out, never connected, or dropped. */
  private networkError(
    error: unknown,
    secrets: string[],
    signal: AbortSignal,
    caller: AbortSignal | undefined,
  ): ShotrouterError {
    if (ShotrouterError.is(error)) return error;
    if (caller?.aborted) return this.abortError(caller);
    if (signal.aborted) return providerErrors.timeout(this.provider);
    const cause = sanitizedCause(error, secrets);
    const code = connectCode(error);
    if (code) {
      return providerError(
        'server_error',
        `${this.provider}: could not connect (${code}); nothing was sent`,
        { cause },
      );
    }
    return providerErrors.connectionDropped(this.provider, cause);
  }

  /** Reading a body failed after the reply began: the connection broke (or we were stopped). */
  private bodyError(
    error: unknown,
    secrets: string[],
    signal: AbortSignal,
    caller: AbortSignal | undefined,
  ): ShotrouterError {
    if (ShotrouterError.is(error)) return error;
    if (caller?.aborted) return this.abortError(caller);
    if (signal.aborted) return providerErrors.timeout(this.provider);
    return providerErrors.connectionDropped(this.provider, sanitizedCause(error, secrets));
  }

  /** Turns a non-2xx reply into a typed error (provider hook first, then the default table). */
  private async failure(
    response: Response,
    kind: 'api' | 'download',
    secrets: string[],
    caller: AbortSignal | undefined,
  ): Promise<ShotrouterError> {
    let text = '';
    try {
      text = await response.text();
    } catch {
      if (caller?.aborted) return this.abortError(caller);
      // the body broke off; the status alone still says what happened
    }
    text = redactText(text, secrets).slice(0, 2000);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const headers = headersOf(response);
    const message = providerMessage(body);
    const failure: HttpFailure = {
      provider: this.provider,
      status: response.status,
      headers,
      body,
      text,
      message: message === undefined ? undefined : redactText(message, secrets),
      retryAfterSeconds: retryAfterSeconds(headers, (this.config.now ?? Date.now)()),
      kind,
    };
    const mapped =
      this.config.mapError?.(failure) ?? defaultHttpError(failure, this.config.apiKeyEnv);
    return finalError(mapped, secrets, response.status);
  }
}

/** A client for one provider (see HttpClientConfig). */
export function createHttpClient(config: HttpClientConfig): HttpClient {
  return new HttpClient(config);
}

/** Response headers as a plain object with lower-case names (cookies left out). */
export function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') out[name] = value;
  });
  return out;
}

function mergeHeaders(
  base: Record<string, string>,
  extra: Record<string, string | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) out[name.toLowerCase()] = value;
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete out[name.toLowerCase()];
    else out[name.toLowerCase()] = value;
  }
  return out;
}

function withoutSecrets(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !SECRET_HEADERS.has(name)));
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.startsWith('content-')),
  );
}

/** The caller's signal, ended also by a timeout. */
function withTimeout(caller: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return caller ? AbortSignal.any([caller, timeout]) : timeout;
}

function mediaTypeOf(response: Response): string {
  return (response.headers.get('content-type') ?? 'application/octet-stream')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

/** The first connect-failure code found on an error or its causes. */
function connectCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined;
  const record = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof record.code === 'string' && CONNECT_CODES.has(record.code)) return record.code;
  if (Array.isArray(record.errors)) {
    for (const inner of record.errors) {
      const code = connectCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return connectCode(record.cause, depth + 1);
}

/**
 * A plain Error standing in for a network cause: its name, code and message (redacted), and
 * nothing else (a raw undici error can reference the request and its headers).
 */
function sanitizedCause(error: unknown, secrets: string[], depth = 0): Error | undefined {
  if (depth > 3 || typeof error !== 'object' || error === null) return undefined;
  const record = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
  const message = redactText(
    typeof record.message === 'string' ? record.message : String(error),
    secrets,
  );
  const inner = sanitizedCause(record.cause, secrets, depth + 1);
  const copy = new Error(message, inner ? { cause: inner } : undefined);
  copy.name = typeof record.name === 'string' ? record.name : 'Error';
  if (typeof record.code === 'string') (copy as Error & { code?: string }).code = record.code;
  copy.stack = `${copy.name}: ${message}`;
  return copy;
}

/**
 * The error as thrown: any secret scrubbed from its message (mappers may quote bodies), and the
 * HTTP status in `details.httpStatus` (so that callers can tell a 404 from other rejections).
 */
function finalError(
  error: ShotrouterError,
  secrets: string[],
  httpStatus: number,
): ShotrouterError {
  const details = typeof error.details === 'object' && error.details !== null ? error.details : {};
  return new ShotrouterError(error.code, redactText(error.message, secrets), {
    retryable: error.retryable,
    retryAfterSeconds: error.retryAfterSeconds,
    details: { ...details, httpStatus },
  });
}

/** The HTTP status a typed error came from, when it came from an HTTP reply. */
export function httpStatusOf(error: unknown): number | undefined {
  if (!ShotrouterError.is(error)) return undefined;
  const status = (error.details as { httpStatus?: unknown } | undefined)?.httpStatus;
  return typeof status === 'number' ? status : undefined;
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

// ---------------------------------------------------------------------------------------------
// Input files as bytes, for APIs that take uploads or base64 (see ./adapter-kit.ts for the rest
// of the call-option helpers).

/** An input file's bytes and media type. */
export interface InputFile {
  data: Uint8Array;
  mediaType: string;
}

/** A `VideoModelV4File` (what `image`, `frameImages` and `inputReferences` hold). */
export type VideoFile = NonNullable<VideoCallOptions['image']>;

/**
 * The bytes of an input file: inline data (bytes or base64), a `data:` URL, or an http(s) URL
 * fetched WITHOUT credentials (it is somebody else's host). Failures are typed errors of
 * `provider`.
 */
export async function readInputFile(
  file: VideoFile,
  options: { provider: string; fetch?: typeof fetch; signal?: AbortSignal },
): Promise<InputFile> {
  if (file.type === 'file') {
    const data = typeof file.data === 'string' ? Buffer.from(file.data, 'base64') : file.data;
    return { data: new Uint8Array(data), mediaType: file.mediaType };
  }
  const inline = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(file.url);
  if (inline) {
    const [, type = '', base64, payload = ''] = inline;
    const data = base64 ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload));
    return {
      data: new Uint8Array(data),
      mediaType: type || file.mediaType || 'application/octet-stream',
    };
  }
  let url: URL;
  try {
    url = new URL(file.url);
  } catch {
    throw providerErrors.invalidRequest(
      options.provider,
      `the input file URL is not a URL: ${shorten(file.url)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw providerErrors.invalidRequest(
      options.provider,
      `cannot read an input file from a ${url.protocol} URL`,
    );
  }
  const client = new HttpClient({
    provider: options.provider,
    baseUrl: url.origin,
    fetch: options.fetch,
  });
  const got = await client.downloadBytes(url.toString(), {
    auth: 'never',
    signal: options.signal,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    expiredStatuses: [],
    maxBytes: 200 * 1024 ** 2,
  });
  return { data: got.data, mediaType: file.mediaType ?? got.mediaType };
}

/** Base64 of bytes (no `data:` prefix). */
export function toBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** A `data:<type>;base64,…` URI of a file. */
export function toDataUri(file: InputFile): string {
  return `data:${file.mediaType};base64,${toBase64(file.data)}`;
}
