/**
 * Retry timing: exponential backoff with full jitter (a uniformly random wait between zero and
 * the exponential ceiling, so many clients that failed together do not retry together), never
 * shorter than what the provider asked for in Retry-After.
 */

export interface RetryPolicy {
  /** sends of one start request (same idempotency key) before giving up on the route */
  maxSends: number;
  /** logical starts per segment of a route (new key each) after retryable generation failures */
  maxStarts: number;
  /** consecutive failed polls or downloads of one operation before giving up on it */
  maxPollFailures: number;
  /** ceiling of the first retry, in ms */
  baseDelayMs: number;
  /** the ceiling never grows past this, in ms */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxSends: 5,
  maxStarts: 3,
  maxPollFailures: 8,
  baseDelayMs: 2_000,
  maxDelayMs: 120_000,
};

/**
 * The wait before retry number `retry` (0 for the first retry), in ms.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
  retryAfterSeconds?: number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const jittered = Math.floor(random() * ceiling);
  const asked = retryAfterSeconds === undefined ? 0 : Math.ceil(retryAfterSeconds * 1000);
  return Math.max(jittered, asked);
}
