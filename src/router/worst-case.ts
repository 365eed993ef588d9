/**
 * What a run may spend at worst when every take fails its checks and every retake `policy.qc`
 * allows is bought (`total.worst_case_usd`). A retake moves at most one model down the shot's
 * list, so each is counted at the dearest of its model and its first `retakes` fallbacks; a shot
 * of a multi-shot group may also be made on its own when the group's takes all fail (its
 * stand-by, on its own fallbacks), and that is counted with its retakes too. The budget still
 * bounds every run.
 */
import { toMicro, toUsd } from '../util/money.ts';
import type { PlannedShot } from './types.ts';

export function worstCaseUsd(shots: readonly PlannedShot[], retakes: number): number {
  let micro = 0;
  for (const shot of shots) {
    if (shot.model === null) continue;
    const own = toMicro(shot.estimate.usd);
    const fallbacks = shot.fallback_routes.slice(0, retakes).map((f) => toMicro(f.estimate.usd));
    const dearestFallback = Math.max(0, ...fallbacks);
    micro += own + retakes * Math.max(own, dearestFallback);
    if (shot.group !== null && shot.fallback_routes.length > 0) {
      const standBy = shot.fallback_routes
        .slice(0, retakes + 1)
        .map((f) => toMicro(f.estimate.usd));
      micro += toMicro(shot.fallback_routes[0]!.estimate.usd) + retakes * Math.max(...standBy);
    }
  }
  return toUsd(micro);
}
