/**
 * An adapter's connection to its API: the options every adapter factory takes, the HTTP client
 * made from the provider's credentials on first use, and the caller's abort signal.
 */
import { ShotrouterError } from '../../errors.ts';
import {
  type CredentialProvider,
  credentialsFor,
  credentialVariables,
  type Env,
  missingCredentialHint,
  type ProviderCredentials,
} from '../credentials.ts';
import { type HeaderSource, HttpClient, type HttpFailure } from '../http.ts';

/** Throws the engine's `aborted` error when the caller's signal has fired. */
export function throwIfAborted(provider: string, signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (ShotrouterError.is(reason)) throw reason;
  throw new ShotrouterError('aborted', `${provider}: the request was cancelled`);
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

/** `{ signal }` for request options, or nothing (exactOptionalPropertyTypes-friendly). */
export function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}
