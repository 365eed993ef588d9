/**
 * Money in one unit everywhere: integer micro-USD (1 USD = 1,000,000), so that the plan, the
 * budget gate and the ledger add up exactly and agree with each other. Dollars are shown
 * rounded up to the cent, so a budget equal to a shown total always covers it.
 */
export const MICRO = 1_000_000;

export const toMicro = (usd: number): number => Math.round(usd * MICRO);
export const toUsd = (micro: number): number => micro / MICRO;

/** Micro-USD rounded up to the cent, in dollars: what a total is shown as. */
export function ceilToCent(micro: number): number {
  return Math.ceil(micro / 10_000) / 100;
}

/** `$12.34`, rounded up to the cent. */
export function shownUsd(usd: number): string {
  return `$${ceilToCent(toMicro(usd)).toFixed(2)}`;
}

/**
 * Splits `micro` into parts proportional to `weights` that add up to exactly `micro` (largest
 * remainder), so that shares of a generation never cost more in total than the generation.
 */
export function splitMicro(micro: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? micro : 0));
  const exact = weights.map((w) => (micro * w) / sum);
  const parts = exact.map(Math.floor);
  let left = micro - parts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, rest: x - Math.floor(x) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]!++;
    left--;
  }
  return parts;
}
