/**
 * Which take of each shot the cut uses: the one picked with `shotrouter pick` when that take
 * is still the same clip (a pick names its take's cache key, so it carries over to a new run
 * that reuses the clip and lapses when the shot was made anew), otherwise the first take made.
 */
import { ShotrouterError } from '../errors.ts';
import { pickedCandidate } from '../store/picks.ts';
import type { Store, TakePickRow } from '../store/store.ts';
import type { ShotSources, ShotTake } from './shot-sources.ts';

/**
 * The picked take of a shot among `candidates` (takes that can be used), by the newest pick
 * that still names one of them; undefined when none does.
 */
export function pickedTake<T extends { take: ShotTake }>(
  candidates: T[],
  picks: readonly TakePickRow[],
): T | undefined {
  return pickedCandidate(candidates, picks, (c) => ({
    take: c.take.take,
    cache_key: c.take.job.cache_key,
  }));
}

/** The picks of every shot of a run, newest first per shot. */
export async function picksByShot(
  store: Store,
  sources: readonly ShotSources[],
): Promise<Map<string, TakePickRow[]>> {
  const rows = await store.picks(sources.map((s) => s.planned.id));
  const byShot = new Map<string, TakePickRow[]>();
  for (const row of rows) byShot.set(row.shot_id, [...(byShot.get(row.shot_id) ?? []), row]);
  return byShot;
}

/**
 * The take in the cut: the picked one when it is among `candidates`, else the first that passed
 * its checks, else the first (the best of a shot's failing takes, marked).
 */
export function cutChoice<T extends { take: ShotTake }>(
  candidates: T[],
  picks: readonly TakePickRow[] | undefined,
): T | undefined {
  return (
    pickedTake(candidates, picks ?? []) ??
    candidates.find((c) => c.take.failedChecks !== true) ??
    candidates[0]
  );
}

/**
 * Records that the cut uses take `takeNumber` (1-based) of `shotId`. Refuses a shot the run
 * does not have and a take that has no clip, saying which takes there are.
 */
export async function recordPick(
  store: Store,
  runId: string,
  sources: readonly ShotSources[],
  shotId: string,
  takeNumber: number,
  /** who picked it (a named user); null or absent: the single-user default or the CLI */
  author: string | null = null,
): Promise<ShotTake> {
  const source = sources.find((s) => s.planned.id === shotId);
  if (!source) {
    throw new ShotrouterError(
      'usage',
      `no shot '${shotId}' in this run; its shots are ${sources.map((s) => s.planned.id).join(', ')}`,
    );
  }
  const made = source.takes.filter((t): t is ShotTake => t !== null);
  const listed =
    made.length === 0
      ? `${shotId} has no take with a clip yet`
      : `${shotId} has ${made.length === 1 ? 'take' : 'takes'} ${made.map((t) => t.take + 1).join(', ')}`;
  if (!Number.isInteger(takeNumber) || takeNumber < 1 || takeNumber > source.planned.takes) {
    throw new ShotrouterError(
      'usage',
      `take must be a whole number from 1 to ${source.planned.takes} (${listed})`,
    );
  }
  const take = made.find((t) => t.take === takeNumber - 1);
  if (!take) {
    throw new ShotrouterError('usage', `take ${takeNumber} of ${shotId} has no clip (${listed})`);
  }
  await store.setPick({
    run_id: runId,
    shot_id: shotId,
    take: take.take,
    cache_key: take.job.cache_key,
    author,
  });
  return take;
}
