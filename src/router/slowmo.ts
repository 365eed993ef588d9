/**
 * Slow motion, honestly: which path a slow-motion shot takes on a model, decided before the
 * model's hard constraints are checked.
 *
 * - `native`: the model generates at fps × slowmo and the clip is retimed frame for frame.
 * - `interpolate`: the model generates at its normal rate; conform synthesises the missing
 *   frames (motion-compensated interpolation, media/conform.ts).
 * - `prompt`: the full duration is generated at the normal rate and the prompt asks for the look;
 *   nothing is retimed.
 *
 * `policy.slowmo: auto` (the default) takes `native` only on a frame rate the catalog confirms;
 * an unconfirmed rate is never relied on. `native` keeps the hard need (no model: exit 2).
 */
import type { Fact } from '../catalog/schema.ts';
import type { SlowmoPlan } from '../contracts/plan.ts';
import type { ShotNeeds, SlowmoPolicy } from '../storyboard/types.ts';
import { round6, trimNumber } from './snap.ts';

export type SlowmoPath = 'native' | 'interpolate' | 'prompt';

/** The plan's record of a slow-motion shot's path on its model (../contracts/plan.ts). */
export type { SlowmoPlan };

export interface SlowmoDecision {
  /** the needs the model is checked against on this path */
  needs: ShotNeeds;
  path: SlowmoPath;
  reason: string;
}

/** Undefined for a shot without slow motion. */
export function decideSlowmo(
  fps: Fact<number[]>,
  needs: ShotNeeds,
  policy: SlowmoPolicy = 'auto',
): SlowmoDecision | undefined {
  const factor = needs.slowmo;
  if (factor === undefined || factor <= 1 || needs.minFps === undefined) return undefined;
  const minFps = needs.minFps;
  const x = `${trimNumber(factor)}x`;
  if (policy === 'native') {
    return {
      needs,
      path: 'native',
      reason: `policy.slowmo native: ${x} from a native ${trimNumber(minFps)} fps or more`,
    };
  }
  const interpolated = (why: string): SlowmoDecision => ({
    needs: withoutMinFps(needs),
    path: 'interpolate',
    reason: `${why}: ${x} by frame interpolation at conform (motion-compensated)`,
  });
  if (policy === 'interpolate') return interpolated('policy.slowmo interpolate');
  if (policy === 'prompt') {
    const { minFps: _, ...rest } = needs;
    return {
      needs: { ...rest, seconds: round6(needs.seconds * factor) },
      path: 'prompt',
      reason: `policy.slowmo prompt: the full ${trimNumber(needs.seconds * factor)} s generated at the normal rate; the prompt asks for the slow-motion look, nothing is retimed`,
    };
  }
  const fast = fps.value.filter((r) => r + 0.01 >= minFps);
  if (fast.length > 0 && fps.unconfirmed === undefined) {
    return {
      needs,
      path: 'native',
      reason: `native ${trimNumber(Math.min(...fast))} fps (confirmed) makes ${x} frame for frame`,
    };
  }
  return interpolated(
    fast.length > 0
      ? `${trimNumber(Math.max(...fast))} fps is not confirmed (${fps.unconfirmed})`
      : `no native rate of ${trimNumber(minFps)} fps (rates: ${fps.value.join(', ')})`,
  );
}

function withoutMinFps(needs: ShotNeeds): ShotNeeds {
  const { minFps: _, ...rest } = needs;
  return rest;
}
