/**
 * Provider failures as `ShotrouterError`s with stable codes. `retryable` tells the engine whether
 * the same request may succeed later (it retries with backoff) or not (it falls back to the next
 * route of the plan); which codes are retryable is said once, in contracts/errors.ts
 * (`isRetryable`). Adapters throw these; `toProviderError` turns anything else an adapter or
 * the AI SDK throws into one of them.
 */
import {
  type ErrorCode,
  isRetryable,
  ShotrouterError,
  type ShotrouterErrorOptions,
} from '../errors.ts';

/** The codes a provider call can fail with (a subset of the contract's error codes). */
export const PROVIDER_ERROR_CODES = [
  'rate_limited',
  'server_error',
  'timeout',
  'connection_dropped',
  'malformed_response',
  'expired_url',
  'content_refused',
  'invalid_request',
  'authentication',
  'out_of_credit',
] as const satisfies readonly ErrorCode[];

export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number];

const providerCodes: ReadonlySet<string> = new Set(PROVIDER_ERROR_CODES);

export function isProviderErrorCode(code: string): code is ProviderErrorCode {
  return providerCodes.has(code);
}

/** A provider error whose `retryable` is the contract's answer for its code. */
export function providerError(
  code: ProviderErrorCode,
  message: string,
  options: Omit<ShotrouterErrorOptions, 'retryable'> = {},
): ShotrouterError {
  return new ShotrouterError(code, message, { ...options, retryable: isRetryable(code) });
}

export const providerErrors = {
  rateLimited(provider: string, retryAfterSeconds?: number): ShotrouterError {
    const wait = retryAfterSeconds === undefined ? '' : ` (retry after ${retryAfterSeconds} s)`;
    return providerError('rate_limited', `${provider}: rate limited${wait}`, { retryAfterSeconds });
  },
  serverError(provider: string, status?: number): ShotrouterError {
    const code = status === undefined ? '' : ` (HTTP ${status})`;
    return providerError('server_error', `${provider}: server error${code}`);
  },
  timeout(provider: string): ShotrouterError {
    return providerError('timeout', `${provider}: the request timed out`);
  },
  contentRefused(provider: string, reason: string): ShotrouterError {
    return providerError('content_refused', `${provider} refused the content: ${reason}`);
  },
  /** `message` is the provider's own words, so the user sees what to change */
  invalidRequest(provider: string, message: string): ShotrouterError {
    return providerError('invalid_request', `${provider} rejected the request: ${message}`);
  },
  authentication(provider: string, envVar: string | undefined): ShotrouterError {
    const hint = envVar ? `; check ${envVar}` : '';
    return providerError(
      'authentication',
      `${provider}: the API key was refused or is missing${hint}`,
    );
  },
  outOfCredit(provider: string): ShotrouterError {
    return providerError(
      'out_of_credit',
      `${provider}: the account has no credit left; top it up at the provider`,
    );
  },
  malformedResponse(provider: string, what: string): ShotrouterError {
    return providerError('malformed_response', `${provider}: unexpected response: ${what}`);
  },
  expiredUrl(provider: string): ShotrouterError {
    return providerError('expired_url', `${provider}: the download URL has expired`);
  },
  /** the request went out and no reply came back: whether it took effect is unknown */
  connectionDropped(provider: string, cause?: unknown): ShotrouterError {
    return providerError(
      'connection_dropped',
      `${provider}: the connection dropped before a reply; outcome unknown`,
      { cause },
    );
  },
};

/** Reads an HTTP `Retry-After` (seconds or a date) or `retry-after-ms` header, in seconds. */
export function retryAfterSeconds(
  headers: Record<string, string | undefined> | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const ms = Number(lower['retry-after-ms']);
  if (lower['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms / 1000;
  const value = lower['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - nowMs) / 1000);
}

interface HttpErrorLike {
  statusCode?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
  message?: string;
}

/**
 * Turns whatever a provider call threw into a ShotrouterError with a provider code. Knows the
 * AI SDK's `APICallError` shape (statusCode, responseHeaders, responseBody) and Node's network
 * errors; anything else is an outcome-unknown connection problem.
 */
export function toProviderError(
  error: unknown,
  context: { provider: string; apiKeyEnv?: string },
): ShotrouterError {
  if (ShotrouterError.is(error)) return error;
  const { provider } = context;
  const http = (typeof error === 'object' && error !== null ? error : {}) as HttpErrorLike;
  const status = http.statusCode;
  if (typeof status === 'number') {
    if (status === 429)
      return providerErrors.rateLimited(provider, retryAfterSeconds(http.responseHeaders));
    if (status === 401 || status === 403)
      return providerErrors.authentication(provider, context.apiKeyEnv);
    if (status === 402) return providerErrors.outOfCredit(provider);
    if (status === 408 || status === 504) return providerErrors.timeout(provider);
    if (status >= 500) return providerErrors.serverError(provider, status);
    if (status >= 400) {
      return providerErrors.invalidRequest(provider, shortText(http.responseBody ?? http.message));
    }
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return providerErrors.timeout(provider);
  }
  return providerErrors.connectionDropped(provider, error);
}

function shortText(text: string | undefined): string {
  const line = (text ?? 'no details').replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
