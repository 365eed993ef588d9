/**
 * What a run may buy after a paid take failed its checks (or came out unusable). The take itself
 * is always kept with its verdict and cost (engine/attempt.ts); this only decides whether the
 * job spends more now: `keep` (stop: the shot is failed with its kept take, and the next run
 * does not buy it again unless `--retry-failed`), `retake` (the same route again) or
 * `fallback` (the next route). Any purchase still goes through the budget gate, and the engine
 * buys nothing the budget cannot cover (run-engine.ts).
 *
 * The default, `qcRetakes`, follows the storyboard's `policy.qc` carried on each job spec; a
 * spec without one (built by hand) keeps.
 */
import type { ShotrouterError } from '../errors.ts';
import { QC_CHECK_CODES, type QcCheckCode, type QcPolicy } from '../storyboard/types.ts';
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

/**
 * Checks that fail the same way again on the same model (it makes that size, length, frame rate
 * or sound): another model is worth more than another try. The others (black, frozen, silent,
 * clipped, an unwanted cut, the wrong opening or closing picture) are chance: try again.
 */
const MODEL_TRAITS: ReadonlySet<QcCheckCode> = new Set(['duration', 'size', 'fps', 'audio']);

/** The codes of a failed take's failing checks; `null` for a take with nothing usable. */
export function failingCodes(error: ShotrouterError): string[] {
  const checks = (error.details as { checks?: Array<{ code: string; ok: boolean }> } | undefined)
    ?.checks;
  return (checks ?? []).filter((c) => !c.ok).map((c) => c.code);
}

const isCheckCode = (code: string): code is QcCheckCode =>
  (QC_CHECK_CODES as readonly string[]).includes(code);

/**
 * The retake policy `policy.qc` describes: a take failing a check listed in `on` is bought again
 * up to `retake` times (a take that could not be read at all, `playable`/`downloaded`, always
 * counts), on the next usable route when the failure is the model's trait and there is one,
 * else on the same route. Failing checks not in `on` are recorded only.
 */
export function retakePolicyOf(qc: QcPolicy): RetakePolicy {
  const on = new Set<string>(qc.on);
  return {
    afterFailedTake({ spec, routeIndex, failedTakes, error }) {
      if (failedTakes > qc.retake) return 'keep';
      const codes = failingCodes(error);
      const triggers = codes.filter((code) => on.has(code) || !isCheckCode(code));
      if (triggers.length === 0 && codes.length > 0) return 'keep';
      const next = spec.routes.slice(routeIndex + 1).some((r) => r.unusable === undefined);
      const trait =
        triggers.length > 0 && triggers.every((c) => isCheckCode(c) && MODEL_TRAITS.has(c));
      return trait && next ? 'fallback' : 'retake';
    },
  };
}

/** Follows each job's own `policy.qc` (JobSpec.qc); keeps when the job has none. */
export const qcRetakes: RetakePolicy = {
  afterFailedTake(take) {
    return take.spec.qc ? retakePolicyOf(take.spec.qc).afterFailedTake(take) : 'keep';
  },
};
