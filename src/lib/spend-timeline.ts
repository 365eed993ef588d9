/** Spend over time: the newest run's settled money, added up in the order it was spent. */
import type { Store } from '../store/store.ts';

export interface SpendPoint {
  /** ISO 8601 */
  at: string;
  /** USD spent by then, in all */
  usd: number;
}

/**
 * The newest run's cumulative spend: a point at its start (nothing spent) and one per settled
 * attempt that cost money. Empty when there is no run.
 */
export async function spendTimeline(store: Store): Promise<SpendPoint[]> {
  const run = await store.latestRun();
  if (!run) return [];
  const points: SpendPoint[] = [{ at: run.created_at, usd: 0 }];
  let micro = 0;
  for (const { at, spentMicro } of await store.spendTimeline(run.id)) {
    micro += spentMicro;
    points.push({ at, usd: micro / 1e6 });
  }
  return points;
}
