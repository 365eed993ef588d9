/**
 * report.json: what was made, by which model, at what cost, one entry per shot in storyboard
 * order. The spec's fields (`title`, `shots[].{id, model, provider, attempts, spend_usd, file,
 * sha256, warnings}`, `total.spend_usd`) are a public contract; the rest is added information.
 */
import type { Plan } from '../router/types.ts';
import type { MediaRow } from '../store/store.ts';
import type { ShotSources } from './shot-sources.ts';

export interface ShotReport {
  id: string;
  /** the model that made the clip in the cut (the planned one until a clip exists) */
  model: string | null;
  provider: string | null;
  /** logical starts at providers for this shot, every take and fallback included */
  attempts: number;
  /** USD the shot's clips cost (its share of a multi-shot generation) */
  spend_usd: number;
  /** the generated clip in the cut (the first take made), relative to the run folder */
  file: string | null;
  sha256: string | null;
  warnings: string[];
  state: 'done' | 'failed' | 'pending';
  /** the clip was made by an earlier run in this folder */
  cached: boolean;
  error: string | null;
  takes: Array<{ take: number; model: string | null; file: string; sha256: string }>;
}

export interface RunReport {
  title: string;
  preview: boolean;
  budget_usd: number | null;
  /** the cut, relative to the run folder; null when it was not assembled */
  final: string | null;
  shots: ShotReport[];
  total: { spend_usd: number; shots: number; done: number; failed: number };
}

const usd = (micro: number) => Math.round(micro) / 1e6;

export function buildReport(input: {
  plan: Plan;
  sources: ShotSources[];
  media: ReadonlyMap<string, MediaRow>;
  preview: boolean;
  final: string | null;
}): RunReport {
  let totalMicro = 0;
  const counted = new Set<string>();
  const shots = input.sources.map(({ planned, takes, jobs }): ShotReport => {
    const cut = cutTake(takes);
    const clip = (sha: string | null) => (sha ? input.media.get(sha) : undefined);
    const file = clip(cut?.job.media_sha256 ?? null);
    const failed = jobs.find(({ job }) => job.state === 'failed');
    const warnings = [...planned.warnings];
    for (const { job } of jobs) {
      for (const w of JSON.parse(job.warnings_json) as string[])
        if (!warnings.includes(w)) warnings.push(w);
    }
    let spendMicro = 0;
    for (const { job, share } of jobs) {
      spendMicro += job.spend_micro * share;
      if (!counted.has(job.id)) {
        counted.add(job.id);
        totalMicro += job.spend_micro;
      }
    }
    return {
      id: planned.id,
      model: cut?.job.model ?? planned.model,
      provider: cut?.job.provider ?? planned.provider,
      attempts: jobs.reduce((sum, { job }) => sum + job.attempts, 0),
      spend_usd: usd(spendMicro),
      file: file?.path ?? null,
      sha256: file?.sha256 ?? null,
      warnings,
      state: cut ? 'done' : jobs.every(({ job }) => isOver(job.state)) ? 'failed' : 'pending',
      cached: cut?.job.cached === 1,
      error: cut ? null : (failed?.job.error_message ?? null),
      takes: takes.flatMap((t) => {
        const media = t ? clip(t.job.media_sha256) : undefined;
        return t && media
          ? [{ take: t.take + 1, model: t.job.model, file: media.path, sha256: media.sha256 }]
          : [];
      }),
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
    },
  };
}

/** The take the first cut uses: the first one made. */
export function cutTake<T>(takes: Array<T | null>): T | null {
  return takes.find((t) => t !== null) ?? null;
}

function isOver(state: string): boolean {
  return state === 'done' || state === 'failed' || state === 'skipped' || state === 'superseded';
}
