/**
 * report.json built from a run's state (its shape is the report's: report/types.ts), one entry
 * per shot in storyboard order, with what the assembly decided for each shot.
 */
import type {
  EditReport,
  NarrationReport,
  RunReport,
  ShotReport,
  StillReport,
} from '../report/types.ts';
import type { Plan } from '../router/types.ts';
import { cutEntries, cutStarts, hasEdits } from '../storyboard/edit.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { toMicro } from '../util/money.ts';
import type { PlacedEntry } from './edit-cut.ts';
import { cutChoice } from './picks.ts';
import type { RunState } from './run-state.ts';
import type { ShotSources, ShotTake } from './shot-sources.ts';
import { firstFrameShot, staleTake } from './stale.ts';

export type {
  AudioReport,
  EditReport,
  RunReport,
  ShotReport,
  StillReport,
} from '../report/types.ts';

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
  edit?: EditReport | undefined;
  /** the run's narration as made (assemble/narration.ts) */
  narration?: readonly NarrationReport[];
}): RunReport {
  const { state } = input;
  const narration = (input.narration ?? []).map((n) => ({ ...n }));
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
    // the best of failing takes is in the cut, but the shot is not done
    const good = chosen !== null && chosen.failedChecks !== true;
    // report.json keeps warnings as text: the plan's in its words, then the run's own
    const warnings = planned.warnings.map((w) => w.message);
    const note = (w: string) => {
      if (!warnings.includes(w)) warnings.push(w);
    };
    for (const { job } of jobs) for (const w of JSON.parse(job.warnings_json) as string[]) note(w);
    for (const stale of staleNotes(jobs, state, planned.estimate.usd / planned.takes)) note(stale);
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
          in_cut: false,
        });
      }
      // the take in the cut: the job's clip, the latest take that made it (the engine's bestTake)
      if (chosen?.failedChecks && chosen.job.id === job.id) {
        const inCut = paidTakes.findLastIndex((t) => t.file !== null && t.file === file?.path);
        if (inCut >= 0) paidTakes[inCut]!.in_cut = true;
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
      state: good ? 'done' : jobs.every(({ job }) => isOver(job.state)) ? 'failed' : 'pending',
      cached: chosen?.job.cached === 1,
      error: good
        ? null
        : chosen
          ? (chosen.job.error_message ?? null)
          : (assembled?.error ?? failed?.job.error_message ?? null),
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
      error_code: good ? null : ((chosen ?? failed)?.job.error_code ?? null),
      paid_takes: paidTakes,
      seconds: Math.round(seconds * 1000) / 1000,
      clip: assembled?.clip ?? null,
      verdict: chosen ? (state.facts.get(chosen.job.id)?.verdict ?? null) : null,
    };
  });
  const stills = (input.plan.images ?? []).map((image): StillReport => {
    const found = state.stills.find((s) => s.name === image.name);
    const row = found?.row;
    const spent = found?.boughtHere ? Number(row?.spent_micro ?? 0) : 0;
    totalMicro += spent;
    return {
      name: image.name,
      prompt: image.prompt,
      model: row?.model ?? image.model,
      provider: row?.provider ?? image.provider,
      state:
        row?.state === 'done' && found?.media
          ? 'done'
          : row?.state === 'failed' || row?.state === 'lost'
            ? row.state
            : 'pending',
      file: found?.media?.path ?? null,
      sha256: found?.media?.sha256 ?? null,
      width: found?.media?.width ?? null,
      height: found?.media?.height ?? null,
      spend_usd: usd(spent),
      cached: row !== undefined && !found?.boughtHere,
      error: row?.error_message ?? null,
      used_by: image.used_by,
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
      ...(narration.length > 0
        ? { narration_usd: usd(narration.reduce((sum, n) => sum + toMicro(n.cost_usd), 0)) }
        : {}),
    },
    files: input.files ?? null,
    join: input.join ?? null,
    catalog: input.plan.catalog ?? null,
    ...(input.edit ? { edit: input.edit } : {}),
    ...(narration.length > 0 ? { narration } : {}),
    ...(stills.length > 0 ? { stills } : {}),
  };
}

/** A take made from a frame of another shot's take that the cut no longer uses (assemble/stale.ts). */
function staleNotes(jobs: ShotSources['jobs'], state: RunState, perTakeUsd: number): string[] {
  const notes: string[] = [];
  for (const { job } of jobs) {
    const from = firstFrameShot(job);
    if (from === undefined) continue;
    const source = state.sources.find((s) => s.planned.id === from);
    const made = (source?.takes ?? []).filter((t): t is ShotTake => t !== null);
    const now = cutChoice(
      made.map((take) => ({ take })),
      state.picks.get(from),
    )?.take;
    const stale = staleTake(
      job,
      now && { take: now.take, media_sha256: now.job.media_sha256 },
      perTakeUsd,
    );
    if (stale) notes.push(stale.message);
  }
  return notes;
}

/**
 * The report's account of the edit: scenes with where they start, the cut in playing order,
 * and the omitted shots. Undefined for a storyboard with no scenes and no edit-only fields.
 * `placed` are the assembled entries (frame-exact); without them the times are the
 * storyboard's own.
 */
export function editReport(
  storyboard: Pick<Storyboard, 'shots' | 'reuses' | 'scenes'>,
  placed?: readonly PlacedEntry[],
): EditReport | undefined {
  const scenes = storyboard.scenes ?? [];
  if (scenes.length === 0 && !hasEdits(storyboard)) return undefined;
  const entries = placed?.map((p) => p.entry) ?? cutEntries(storyboard);
  const starts = placed?.map((p) => p.start) ?? cutStarts(entries);
  const seconds = entries.length === 0 ? 0 : starts.at(-1)! + entries.at(-1)!.seconds;
  const startOf = new Map(entries.map((e, k) => [e.id, starts[k]!]));
  const round = (n: number) => Math.round(n * 1e6) / 1e6;
  return {
    seconds: round(seconds),
    scenes: scenes.map((scene) => ({
      heading: scene.heading,
      shots: scene.shots,
      start: sceneStart(scene.shots, startOf),
    })),
    cut: entries.map((e, k) => ({
      id: e.id,
      source: e.source,
      in: e.in,
      seconds: e.seconds,
      start: round(starts[k]!),
      transition: e.edit.transition ?? null,
      title: e.edit.title ?? null,
      caption: e.edit.caption ?? null,
    })),
    omitted: storyboard.shots.filter((s) => s.edit?.omit === true).map((s) => s.id),
  };
}

function sceneStart(ids: readonly string[], startOf: ReadonlyMap<string, number>): number | null {
  const starts = ids.flatMap((id) => {
    const start = startOf.get(id);
    return start === undefined ? [] : [start];
  });
  return starts.length === 0 ? null : Math.round(Math.min(...starts) * 1e6) / 1e6;
}

function isOver(state: string): boolean {
  return state === 'done' || state === 'failed' || state === 'skipped' || state === 'superseded';
}
