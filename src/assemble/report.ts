/**
 * report.json: what was made, by which model, at what cost, one entry per shot in storyboard
 * order. The spec's fields (`title`, `shots[].{id, model, provider, attempts, spend_usd, file,
 * sha256, warnings}`, `total.spend_usd`) are a public contract; the rest is added information.
 */
import type { Plan } from '../router/types.ts';
import { cutChoice } from './picks.ts';
import type { RunState } from './run-state.ts';
import type { ShotTake } from './shot-sources.ts';

export interface ShotReport {
  id: string;
  /** the model that made the clip in the cut (the planned one until a clip exists) */
  model: string | null;
  provider: string | null;
  /** logical starts at providers for this shot, every take and fallback included */
  attempts: number;
  /** USD the shot's clips cost (its share of a multi-shot generation) */
  spend_usd: number;
  /** the generated clip in the cut, relative to the run folder */
  file: string | null;
  sha256: string | null;
  warnings: string[];
  state: 'done' | 'failed' | 'pending';
  /** the clip was made by an earlier run in this folder */
  cached: boolean;
  error: string | null;
  /** the take in the cut (1-based): the picked one, else the first made; null without a clip */
  take: number | null;
  /** the take in the cut was chosen with `shotrouter pick` */
  picked: boolean;
  /** every take made */
  takes: Array<{ take: number; model: string | null; file: string; sha256: string }>;
  /** why the router chose the model */
  reasons: string[];
  /** the plan's list-price estimate for every take of the shot, USD */
  estimate_usd: number;
  /** USD held for the shot's starts not settled yet (in flight when the run stopped) */
  reserved_usd: number;
  /** the error's stable code when the shot failed (e.g. `verification_failed`, `over_budget`) */
  error_code: string | null;
  /**
   * Paid takes not in the cut: `rejected` (kept in the run folder, failed a check) or
   * `unusable`, each with what it cost and its verdict (the checks it was held to). They are not
   * bought again unless `run --retry-failed`.
   */
  paid_takes: Array<{
    model: string;
    state: 'rejected' | 'unusable';
    file: string | null;
    spend_usd: number;
    verdict: unknown[];
    error: string | null;
  }>;
  /** wall-clock seconds the shot's generations took at the providers */
  seconds: number;
  /** the conformed clip the cut uses, relative to the run folder; null until assembled */
  clip: string | null;
}

export interface RunReport {
  title: string;
  preview: boolean;
  budget_usd: number | null;
  /** the cut, relative to the run folder; null when it was not assembled */
  final: string | null;
  shots: ShotReport[];
  total: {
    spend_usd: number;
    shots: number;
    done: number;
    failed: number;
    /** the plan's estimate for every take of every shot */
    estimate_usd: number;
  };
  /** the files written beside the cut, relative to the run folder; null when not assembled */
  files: { report_html: string; otio: string; fcpxml: string; edl: string } | null;
  /** how the cut was joined: `copy` (every clip shares its codec parameters) or `encode` */
  join: 'copy' | 'encode' | null;
}

/** What the assembly decided for a shot. */
export interface CutShotReport {
  /** the take in the cut; null: the shot is held by a slate */
  take: ShotTake | null;
  /** the take was the user's pick */
  picked: boolean;
  clip: string;
  warnings: string[];
  /** why the shot has no usable take, when it is held by a slate */
  error: string | null;
}

const usd = (micro: number) => Math.round(micro) / 1e6;

export function buildReport(input: {
  plan: Plan;
  state: RunState;
  preview: boolean;
  final: string | null;
  /** per shot id, when the cut was assembled */
  cut?: ReadonlyMap<string, CutShotReport>;
  files?: RunReport['files'];
  join?: RunReport['join'];
}): RunReport {
  const { state } = input;
  let totalMicro = 0;
  const counted = new Set<string>();
  const shots = state.sources.map(({ planned, takes, jobs }): ShotReport => {
    const made = takes.filter((t): t is ShotTake => t !== null);
    const assembled = input.cut?.get(planned.id);
    const picks = state.picks.get(planned.id);
    const chosen = assembled
      ? assembled.take
      : (cutChoice(
          made.map((take) => ({ take })),
          picks,
        )?.take ?? null);
    const picked = assembled
      ? assembled.picked
      : chosen !== null && (picks ?? []).some((p) => p.cache_key === chosen.job.cache_key);
    const clip = (sha: string | null) => (sha ? state.media.get(sha) : undefined);
    const file = clip(chosen?.job.media_sha256 ?? null);
    const failed = jobs.find(({ job }) => job.state === 'failed');
    const warnings = [...planned.warnings];
    const note = (w: string) => {
      if (!warnings.includes(w)) warnings.push(w);
    };
    for (const { job } of jobs) for (const w of JSON.parse(job.warnings_json) as string[]) note(w);
    for (const w of assembled?.warnings ?? []) note(w);
    let spendMicro = 0;
    let reservedMicro = 0;
    let seconds = 0;
    const paidTakes: ShotReport['paid_takes'] = [];
    for (const { job, share } of jobs) {
      spendMicro += job.spend_micro * share;
      const facts = state.facts.get(job.id);
      seconds += facts?.seconds ?? 0;
      reservedMicro += (facts?.reservedMicro ?? 0) * share;
      for (const take of facts?.paidTakes ?? []) {
        paidTakes.push({
          model: take.model,
          state: take.state,
          file: take.file,
          spend_usd: usd(take.spent_micro * share),
          verdict: take.verdict,
          error: take.error,
        });
      }
      if (!counted.has(job.id)) {
        counted.add(job.id);
        totalMicro += job.spend_micro;
      }
    }
    return {
      id: planned.id,
      model: chosen?.job.model ?? planned.model,
      provider: chosen?.job.provider ?? planned.provider,
      attempts: jobs.reduce((sum, { job }) => sum + job.attempts, 0),
      spend_usd: usd(spendMicro),
      file: file?.path ?? null,
      sha256: file?.sha256 ?? null,
      warnings,
      state: chosen ? 'done' : jobs.every(({ job }) => isOver(job.state)) ? 'failed' : 'pending',
      cached: chosen?.job.cached === 1,
      error: chosen ? null : (assembled?.error ?? failed?.job.error_message ?? null),
      take: chosen ? chosen.take + 1 : null,
      picked,
      takes: made.flatMap((t) => {
        const media = clip(t.job.media_sha256);
        return media
          ? [{ take: t.take + 1, model: t.job.model, file: media.path, sha256: media.sha256 }]
          : [];
      }),
      reasons: planned.reasons,
      estimate_usd: planned.estimate.usd,
      reserved_usd: usd(reservedMicro),
      error_code: chosen ? null : (failed?.job.error_code ?? null),
      paid_takes: paidTakes,
      seconds: Math.round(seconds * 1000) / 1000,
      clip: assembled?.clip ?? null,
    };
  });
  return {
    title: input.plan.title,
    preview: input.preview,
    budget_usd: input.plan.budget_usd,
    final: input.final,
    shots,
    total: {
      spend_usd: usd(totalMicro),
      shots: shots.length,
      done: shots.filter((s) => s.state === 'done').length,
      failed: shots.filter((s) => s.state === 'failed').length,
      estimate_usd: input.plan.total.usd,
    },
    files: input.files ?? null,
    join: input.join ?? null,
  };
}

function isOver(state: string): boolean {
  return state === 'done' || state === 'failed' || state === 'skipped' || state === 'superseded';
}
