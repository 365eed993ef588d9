/**
 * What a run may buy after a paid take failed its checks (or came out unusable). The take itself
 * is always kept with its verdict and cost (engine/attempt.ts); this only decides whether the
 * job spends more now: `keep` (stop: the shot is failed with its kept take, and the next run
 * does not buy it again unless `--retry-failed`), `retake` (the same route again) or
 * `fallback` (the next route). Any purchase still goes through the budget gate.
 *
 * The default keeps: spending more on a shot is the user's decision. The take checks (QC) add
 * their own policies on top of this seam.
 */
import type { ShotrouterError } from '../errors.ts';
import type { JobSpec } from './job-spec.ts';

export type RetakeDecision = 'keep' | 'retake' | 'fallback';

export interface FailedTake {
  spec: JobSpec;
  /** the route the take was made on */
  routeIndex: number;
  /** paid takes of this job that failed so far, this one included */
  failedTakes: number;
  /** `verification_failed` (playable, kept) or `unusable_clip`; `details.checks` is the verdict */
  error: ShotrouterError;
}

export interface RetakePolicy {
  afterFailedTake(take: FailedTake): RetakeDecision;
}

/** Buys nothing more: the paid take is the shot's answer until the user asks again. */
export const keepPaidTakes: RetakePolicy = { afterFailedTake: () => 'keep' };
