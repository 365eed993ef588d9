/**
 * Time, injected. The engine never reads `Date.now()` or calls `setTimeout` itself: it asks a
 * Clock, so tests and benchmarks can run hours of provider latency in milliseconds.
 */
import { ShotrouterError } from '../errors.ts';

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  /** resolves after `ms`; rejects with the signal's reason when aborted first */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function abortReason(signal: AbortSignal): ShotrouterError {
  const reason: unknown = signal.reason;
  return ShotrouterError.is(reason) ? reason : new ShotrouterError('aborted', 'interrupted');
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Virtual time for tests and benchmarks. Sleepers wait in a heap; whenever the process has
 * nothing else to do (every promise chain has settled and a macrotask turn has passed), time
 * jumps to the earliest sleeper and wakes it. Real I/O that takes wall time (ffmpeg, fetch)
 * does not hold virtual time back, so use it with fast or faked I/O.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap: Timer[] = [];
  #pumping = false;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** pending sleepers (for tests) */
  get sleepers(): number {
    return this.#heap.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.#heap.indexOf(timer);
        if (i >= 0) this.#remove(i);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#push(timer);
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const step = () => {
      const next = this.#heap[0];
      if (!next) {
        this.#pumping = false;
        return;
      }
      this.#remove(0);
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      setImmediate(step);
    };
    setImmediate(step);
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #remove(index: number): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (index === heap.length) return;
    heap[index] = last;
    // the moved element may need to go either way
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
