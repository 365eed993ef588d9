/**
 * Which take of a shot is picked (`shotrouter pick`): a pick names its take by index and by the
 * cache key of the job that made it, so it holds as long as that clip does. Shared by the cut
 * (assemble/picks.ts) and by shots that start from a picked take's frame (engine/start-frame.ts).
 */
import type { TakePickRow } from './store.ts';

/** The candidate the newest pick still names; undefined when none does. `picks`: newest first. */
export function pickedCandidate<T>(
  candidates: readonly T[],
  picks: readonly TakePickRow[],
  takeOf: (candidate: T) => { take: number; cache_key: string },
): T | undefined {
  for (const pick of picks) {
    const match = candidates.find((c) => {
      const take = takeOf(c);
      return take.take === pick.take && take.cache_key === pick.cache_key;
    });
    if (match) return match;
  }
  return undefined;
}

/** What a shot with `first_frame_from` started from: kept on its job (job.first_frame_json). */
export interface FirstFrameSource {
  /** the shot whose take gave the frame */
  shot: string;
  frame: 'first' | 'last';
  /** 0-based take of that shot, and the cache key of the job that made it */
  take: number;
  cache_key: string;
  /** that take's clip */
  media_sha256: string;
  /** where in the clip the frame was taken, seconds */
  at_seconds: number;
  /** the frame sent as the first frame (a PNG in the media folder) */
  frame_sha256: string;
}
