/**
 * Per-provider limits: a concurrency semaphore (operations in flight) and a request-rate limiter.
 * Both are first come, first served, so shots start in storyboard order as slots free up.
 */
import { abortReason, type Clock } from './clock.ts';

export type Release = () => void;

export class Semaphore {
  readonly capacity: number;
  #inUse = 0;
  readonly #waiters: Array<{ grant: () => void; fail: (error: unknown) => void }> = [];

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`concurrency must be at least 1, got ${capacity}`);
    this.capacity = capacity;
  }

  get inUse(): number {
    return this.#inUse;
  }
  get waiting(): number {
    return this.#waiters.length;
  }

  async acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) throw abortReason(signal);
    if (this.#inUse < this.capacity && this.#waiters.length === 0) {
      this.#inUse++;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: reject,
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
    return this.#releaser();
  }

  /**
   * A slot for an operation the provider is already running (an attempt resumed after a stop or
   * crash): taken at once, even past the capacity, since the provider counts that job whatever
   * we do; new starts then wait until the count is back under the capacity.
   */
  async acquireForResume(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) throw abortReason(signal);
    this.#inUse++;
    return this.#releaser();
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // the slot passes straight to the next waiter, unless resumed operations hold more slots
      // than the capacity: then it frees up
      const next = this.#inUse <= this.capacity ? this.#waiters.shift() : undefined;
      if (next) next.grant();
      else this.#inUse--;
    };
  }
}

/**
 * Requests per minute with a small burst, as a generic cell rate algorithm: each request books
 * the next theoretical send time, so callers are served in order without a queue.
 */
export class RateLimiter {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  #theoreticalArrival = 0;

  constructor(requestsPerMinute: number, clock: Clock, burst = Math.ceil(requestsPerMinute / 10)) {
    if (!(requestsPerMinute > 0)) throw new RangeError('requestsPerMinute must be positive');
    this.#clock = clock;
    this.#intervalMs = 60_000 / requestsPerMinute;
    this.#toleranceMs = Math.max(0, burst - 1) * this.#intervalMs;
  }

  async take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortReason(signal);
    const now = this.#clock.now();
    const arrival = Math.max(this.#theoreticalArrival, now);
    this.#theoreticalArrival = arrival + this.#intervalMs;
    const wait = arrival - this.#toleranceMs - now;
    if (wait > 0) await this.#clock.sleep(wait, signal);
  }
}
