/**
 * Stale takes: a take made from a frame of another shot's take (`first_frame_from`) whose source
 * is no longer the take the cut uses (another was picked, or the shot was made anew). Such a
 * take is kept and never made again by itself; `status` and report.json say so, with its price.
 */
import type { FirstFrameSource } from '../store/picks.ts';
import type { JobRow } from '../store/store.ts';
import { shownUsd } from '../util/money.ts';

export interface StaleTake {
  shot: string;
  /** 1-based */
  take: number;
  from_shot: string;
  /** 1-based: the take the frame came from, and the one the cut uses now (null: none made) */
  from_take: number;
  picked_take: number | null;
  /** one take at the plan's price */
  estimate_usd: number;
  message: string;
}

/**
 * `job` is stale when it started from a frame of a clip other than `current`'s, the take of the
 * source shot the cut uses now. `estimateUsd`: one take of `job` at the plan's price.
 */
export function staleTake(
  job: JobRow,
  current: Pick<JobRow, 'take' | 'media_sha256'> | undefined,
  estimateUsd: number,
): StaleTake | null {
  if (!job.first_frame_json || job.state !== 'done') return null;
  const source = JSON.parse(job.first_frame_json) as FirstFrameSource;
  if (current?.media_sha256 === source.media_sha256) return null;
  const estimate = Math.round(estimateUsd * 1e6) / 1e6;
  const name = job.take > 0 ? `${job.shot_id} take ${job.take + 1}` : job.shot_id;
  const picked = current ? current.take + 1 : null;
  const now =
    picked === null
      ? `${source.shot} has no take now`
      : picked === source.take + 1
        ? `${source.shot}'s take ${picked} is a new clip`
        : `the cut now uses take ${picked}`;
  return {
    shot: job.shot_id,
    take: job.take + 1,
    from_shot: source.shot,
    from_take: source.take + 1,
    picked_take: picked,
    estimate_usd: estimate,
    message: `stale: ${name} starts from ${source.shot}'s old pick (take ${source.take + 1}; ${now}); regenerate would cost ~${shownUsd(estimate)} (nothing is bought by itself: raise its takes, or edit it, to make one from the new pick)`,
  };
}

/** The shot a stale-able job's frame came from; undefined for other jobs. */
export function firstFrameShot(job: JobRow): string | undefined {
  return job.first_frame_json
    ? (JSON.parse(job.first_frame_json) as FirstFrameSource).shot
    : undefined;
}
