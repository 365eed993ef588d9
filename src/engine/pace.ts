/**
 * How long generations take, learnt as they run, so a job's first poll waits until it could be
 * nearly done instead of asking every poll interval from the start. A local GPU makes the same
 * kind of job in about the same time: polled every 100 ms, a one-second job costs ten requests
 * (each a round of HTTP, JSON and the provider's work) where three see it done as soon.
 *
 * What is learnt is a lower bound, not a guess: the time from the start to the last poll that
 * still found the job pending (it was certainly not done then). It is used only once the last two
 * jobs of the kind (provider, model, length, size) agree within a fifth (a first job that loaded
 * the model, or a provider's queue, teaches nothing), with a tenth to spare; a job found done at
 * its first poll shows the kind got faster, and its next jobs poll every interval again.
 */
export class GenerationPace {
  /** per kind: the last two lower bounds, ms, the latest last */
  readonly #seen = new Map<string, number[]>();

  /** How long to wait before the first poll of a job of this kind (at least `intervalMs`). */
  firstPollMs(kind: string, intervalMs: number): number {
    const seen = this.#seen.get(kind) ?? [];
    if (seen.length < 2) return intervalMs;
    const low = Math.min(...seen);
    if (low < 0.8 * Math.max(...seen)) return intervalMs;
    return Math.max(intervalMs, 0.9 * low);
  }

  /** A job of this kind was still pending `ms` after its start, when its polls ended. */
  sawPending(kind: string, ms: number): void {
    this.#seen.set(kind, [...(this.#seen.get(kind) ?? []), ms].slice(-2));
  }

  /** A job of this kind was done at its first poll: it may have been done long before. */
  doneAtFirstPoll(kind: string): void {
    this.#seen.delete(kind);
  }
}
