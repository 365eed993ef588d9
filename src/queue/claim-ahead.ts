/**
 * Claim-ahead on a GPU box. A served local provider's GPU makes one job at a time (its slots), but
 * a job holds its consumer after the GPU is done with it: download, probe, keep, the store's
 * writes, the queue's completion. Claiming the next job only after all that leaves the GPU idle
 * as long on every job. So while a job of the queue is in hand, the queue gets a consumer more
 * than it has slots, and a consumer that ends a job takes its next one only when a slot frees:
 * the next job starts on the GPU as soon as the previous one leaves it, and is kept while the one
 * after it runs. (When keeping takes longer than the GPU, a slot that frees while every consumer
 * is busy adds another, up to MAX_EXTRA.)
 *
 * No job waits here for this GPU while another machine's GPU could make it: a freed slot lets one
 * consumer claim, and the extra consumers go when the queue has no job in hand (idle consumers
 * would all claim when jobs arrive).
 */
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

  #watched(release: Release): Release {
    return () => {
      const wasFree = this.free;
      release();
      if (wasFree || !this.free) return;
      for (const listener of [...this.#onFree]) listener();
    };
  }
}

/** Most extra consumers of one local queue: keeping clips that take longer than the GPU. */
const MAX_EXTRA = 3;

/** The extra consumers of one local queue: when to add them, and when a consumer may claim again. */
export class ClaimAhead {
  readonly #consumers: number;
  readonly #add: () => Promise<string>;
  readonly #remove: (id: string) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  /** made by the first job that takes the GPU (the provider says how many jobs it runs at once) */
  #slots: LocalSlots | undefined;
  /** jobs of the queue in their consumers' hands */
  #inHand = 0;
  /** consumers whose job ended, waiting for a free slot to claim the next, first come first */
  readonly #waiting: Array<() => void> = [];
  /** the extra consumers' ids (promises while they are being added) */
  readonly #extra: Array<Promise<string>> = [];
  #stopped = false;

  constructor(options: {
    /** the queue's own consumers */
    consumers: number;
    /** adds a consumer of the queue; resolves with its id */
    add: () => Promise<string>;
    /** takes a consumer away without waiting for the job it may have in hand */
    remove: (id: string) => Promise<void>;
    onError: (error: unknown) => void;
  }) {
    this.#consumers = options.consumers;
    this.#add = options.add;
    this.#remove = options.remove;
    this.#onError = options.onError;
  }

  /** The provider's slots on this machine, shared by every job that uses it here. */
  slots(capacity: number): LocalSlots {
    if (this.#slots === undefined) {
      const slots = new LocalSlots(capacity);
      slots.onFree(() => this.#slotFreed());
      this.#slots = slots;
    }
    return this.#slots;
  }

  /** A job of the queue was taken. */
  taken(): void {
    this.#inHand++;
  }

  /**
   * A job of the queue ended: its consumer returns (and claims again) once a slot is free, or at
   * once when no other job of the queue is in hand (then the extra consumers go) or `signal`
   * aborts (the worker is stopping).
   */
  async ended(signal: AbortSignal): Promise<void> {
    this.#inHand--;
    if (this.#inHand === 0) {
      this.#removeExtra();
      for (const admit of this.#waiting.splice(0)) admit();
      return;
    }
    if (signal.aborted || (this.#waiting.length === 0 && (this.#slots?.free ?? true))) return;
    await new Promise<void>((resolve) => {
      const admit = () => {
        signal.removeEventListener('abort', admit);
        const i = this.#waiting.indexOf(admit);
        if (i >= 0) this.#waiting.splice(i, 1);
        resolve();
      };
      signal.addEventListener('abort', admit, { once: true });
      this.#waiting.push(admit);
    });
  }

  /** The worker stops: no extra consumer any more. */
  stop(): void {
    this.#stopped = true;
    this.#removeExtra();
  }

  /** One claim per freed slot: a consumer waiting for it, else a new one if every one is busy. */
  #slotFreed(): void {
    const next = this.#waiting[0];
    if (next) {
      next();
      return;
    }
    const busy = this.#inHand >= this.#consumers + this.#extra.length;
    if (this.#inHand === 0 || !busy || this.#extra.length >= MAX_EXTRA || this.#stopped) return;
    const extra = this.#add();
    this.#extra.push(extra);
    extra.catch((error: unknown) => {
      const i = this.#extra.indexOf(extra);
      if (i >= 0) this.#extra.splice(i, 1);
      this.#onError(error);
    });
  }

  #removeExtra(): void {
    for (const extra of this.#extra.splice(0)) {
      extra
        .then(
          (id) => this.#remove(id),
          () => {},
        )
        .catch(this.#onError);
    }
  }
}
