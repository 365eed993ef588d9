/**
 * The wait between polls, which a provider's push (WatchesStatus) can cut short: the push calls
 * `nudge`, the poll loop `sleep`s. A nudge that comes while nobody sleeps (a poll is in flight)
 * ends the next sleep at once, so news that arrives during a poll is not lost.
 */
import type { Clock } from './clock.ts';

export class PollWait {
  #nudged = false;
  #wake: (() => void) | undefined;

  readonly nudge = (): void => {
    this.#nudged = true;
    this.#wake?.();
  };

  /** Waits `ms` on the clock, or less when nudged; true when a nudge ended the wait. */
  async sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.#nudged) {
      this.#nudged = false;
      return true;
    }
    const early = new AbortController();
    const nudged = new Promise<boolean>((resolve) => {
      this.#wake = () => resolve(true);
    });
    const slept = clock.sleep(ms, AbortSignal.any([signal, early.signal])).then(
      () => false,
      (error: unknown) => {
        // ended by the nudge (which has won the race already): not an error
        if (early.signal.aborted && !signal.aborted) return true;
        throw error;
      },
    );
    try {
      return await Promise.race([slept, nudged]);
    } finally {
      this.#wake = undefined;
      this.#nudged = false;
      // stops the clock's timer, so that nothing outlives the wait
      early.abort();
    }
  }
}
