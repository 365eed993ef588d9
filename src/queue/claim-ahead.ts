/**
 * Claim-ahead on a GPU box. A served local provider's GPU makes one job at a time (its slots), but
 * a job holds its consumer after the GPU is done with it: download, probe, keep, the store's
 * writes, the queue's completion. Claiming the next job only after all that leaves the GPU idle
 * as long on every job. So while a job of the queue is in hand, the queue gets one consumer more
 * than it has slots, and a consumer that ends a job takes its next one only when a slot is free:
 * the next job starts on the GPU as soon as the previous one leaves it, and is kept while the one
 * after it runs.
 *
 * No job waits here for this GPU while another machine's GPU could make it: the extra consumer is
 * added when a slot frees with a job still in hand (it claims at once, for the free GPU), and taken
 * away when the queue has no job in hand (two idle consumers would both claim when jobs arrive).
 */
import { abortReason } from '../engine/clock.ts';
import { type Release, Semaphore } from '../engine/limits.ts';

/** A local provider's slots (its GPU on this machine), telling when one is free. */
export class LocalSlots extends Semaphore {
  readonly #onFree = new Set<() => void>();

  /** no slot taken or waited for beyond the capacity: a job sent now starts on the GPU at once */
  get free(): boolean {
    return this.inUse < this.capacity && this.waiting === 0;
  }

  override async acquire(signal?: AbortSignal): Promise<Release> {
    return this.#watched(await super.acquire(signal));
  }

  override async acquireForResume(signal?: AbortSignal): Promise<Release> {
    return this.#watched(await super.acquireForResume(signal));
  }

  /** Calls `listener` each time a slot frees; returns its removal. */
  onFree(listener: () => void): () => void {
    this.#onFree.add(listener);
    return () => this.#onFree.delete(listener);
  }

  /** Resolves when a slot is free (at once if one is); rejects when `signal` aborts. */
  whenFree(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.free) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        off();
        signal?.removeEventListener('abort', onAbort);
      };
      const off = this.onFree(() => {
        if (!this.free) return;
        done();
        resolve();
      });
      const onAbort = () => {
        done();
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #watched(release: Release): Release {
    return () => {
      const wasFree = this.free;
      release();
      if (wasFree || !this.free) return;
      for (const listener of [...this.#onFree]) listener();
    };
  }
}

/** The extra consumer of one local queue: when to add it, and when a consumer may claim again. */
export class ClaimAhead {
  readonly #add: () => Promise<string>;
  readonly #remove: (id: string) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  /** made by the first job that takes the GPU (the provider says how many jobs it runs at once) */
  #slots: LocalSlots | undefined;
  #inHand = 0;
  /** the extra consumer's id (a promise while it is being added) */
  #extra: Promise<string> | undefined;
  #stopped = false;

  constructor(options: {
    /** adds a consumer of the queue; resolves with its id */
    add: () => Promise<string>;
    /** takes a consumer away without waiting for the job it may have in hand */
    remove: (id: string) => Promise<void>;
    onError: (error: unknown) => void;
  }) {
    this.#add = options.add;
    this.#remove = options.remove;
    this.#onError = options.onError;
  }

  /** The provider's slots on this machine, shared by every job that uses it here. */
  slots(capacity: number): LocalSlots {
    if (this.#slots === undefined) {
      this.#slots = new LocalSlots(capacity);
      this.#slots.onFree(() => this.#addExtra());
    }
    return this.#slots;
  }

  /** A job of the queue was taken. */
  taken(): void {
    this.#inHand++;
  }

  /**
   * A job of the queue ended: its consumer returns (and claims again) once a slot is free, or at
   * once when no other job of the queue is in hand (then the extra consumer goes) or `signal`
   * aborts (the worker is stopping).
   */
  async ended(signal: AbortSignal): Promise<void> {
    this.#inHand--;
    if (this.#inHand === 0) {
      this.#removeExtra();
      return;
    }
    await this.#slots?.whenFree(signal).catch(() => {});
  }

  /** The worker stops: no extra consumer any more. */
  stop(): void {
    this.#stopped = true;
    this.#removeExtra();
  }

  #addExtra(): void {
    if (this.#inHand === 0 || this.#extra !== undefined || this.#stopped) return;
    const extra = this.#add();
    this.#extra = extra;
    extra.catch((error: unknown) => {
      if (this.#extra === extra) this.#extra = undefined;
      this.#onError(error);
    });
  }

  #removeExtra(): void {
    const extra = this.#extra;
    if (extra === undefined) return;
    this.#extra = undefined;
    extra
      .then(
        (id) => this.#remove(id),
        () => {},
      )
      .catch(this.#onError);
  }
}
