/** Seeded randomness: the same seed gives the same faults and latencies, request by request. */
import type { FaultKind } from './types.ts';

/** mulberry32: tiny, fast, and good enough for test dice. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Decides which requests fail. Faults and latencies draw from separate streams so that
 * changing the latency range does not change which requests fail.
 */
export class Dice {
  private readonly seed: number;
  private readonly probabilities: Partial<Record<FaultKind, number>>;
  private faultStream: () => number;
  private latencyStream: () => number;

  constructor(seed: number, probabilities: Partial<Record<FaultKind, number>>) {
    this.seed = seed;
    this.probabilities = probabilities;
    this.faultStream = seededRandom(seed);
    this.latencyStream = seededRandom(seed ^ 0x9e3779b9);
  }

  /** Start both sequences over, as after a restart with the same seed. */
  restart(): void {
    this.faultStream = seededRandom(this.seed);
    this.latencyStream = seededRandom(this.seed ^ 0x9e3779b9);
  }

  /** True when this request gets the fault. Kinds at 0 or 1 draw nothing. */
  roll(kind: FaultKind): boolean {
    const p = this.probabilities[kind] ?? 0;
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.faultStream() < p;
  }

  /** A whole number of milliseconds in [min, max]. */
  latency([min, max]: readonly [number, number]): number {
    if (max <= min) return min;
    return Math.round(min + this.latencyStream() * (max - min));
  }
}
