/**
 * The board's picture of a run as it happens: the project as last read, plus the events that
 * arrived since (job states, spend, stages). Pure functions over plain data, so what a card
 * shows follows from the state alone.
 */
import type { Overview, RunInfo, ShotCard } from './api.ts';

/** What each server-sent event carries (the fields the board reads). */
export interface EventPayloads {
  hello: { seq: number };
  reset: Record<string, never>;
  job: {
    key: string;
    shotIds: string[];
    state: string;
    model: string | null;
    provider: string | null;
    reason?: string;
  };
  spend: { spentUsd: number; reservedUsd: number; budgetUsd: number | null };
  state: RunInfo;
  prepared: { runId: string; jobs: number; done: number };
  assembling: { runId: string };
  assembled: { runId: string };
  ended: RunInfo;
  picked: { shot: string; take: number };
  changed: Record<string, never>;
  review: Record<string, unknown>;
}

/** A job's state as an event or the project read says it. */
export interface JobState {
  /** `<unit>#<take, 0-based>` */
  key: string;
  shotIds: string[];
  state: string;
  model: string | null;
  provider: string | null;
  reason?: string;
}

export interface Spend {
  spentUsd: number;
  reservedUsd: number;
}

const ACTIVE = ['starting', 'running', 'downloading'];
const STEP: Record<string, number> = {
  queued: 0,
  starting: 1,
  running: 2,
  downloading: 3,
  done: 4,
};

/** Every job of the newest run, by key: the project's read, then newer events on top. */
export function mergedJobs(
  overview: Overview,
  live: ReadonlyMap<string, JobState>,
): Map<string, JobState> {
  const jobs = new Map<string, JobState>();
  for (const shot of overview.shots) {
    for (const job of shot.jobs) {
      const key = `${job.unit}#${job.take - 1}`;
      const known = jobs.get(key);
      if (known) known.shotIds.push(shot.id);
      else
        jobs.set(key, {
          key,
          shotIds: [shot.id],
          state: job.state,
          model: job.model,
          provider: job.provider,
          ...(job.error ? { reason: job.error } : {}),
        });
    }
  }
  for (const [key, job] of live)
    jobs.set(key, { ...job, shotIds: jobs.get(key)?.shotIds ?? job.shotIds });
  return jobs;
}

export interface ShotProgress {
  kind: 'planned' | 'queued' | 'active' | 'done' | 'failed';
  /** words for the state, e.g. "Generating on kling-3.0" ("Rendering the preview" for a preview) */
  label: string;
  /** 0..1 through queued → starting → running → downloading → done */
  fraction: number;
  error: string | null;
}

/**
 * Where a shot stands, from the jobs that work for it. `preview`: the jobs are a local rehearsal,
 * never "generating on" a provider.
 */
export function shotProgress(
  shot: ShotCard,
  jobs: ReadonlyMap<string, JobState>,
  preview = false,
): ShotProgress {
  const mine = [...jobs.values()].filter(
    (j) => j.shotIds.includes(shot.id) && j.state !== 'superseded',
  );
  const working = mine.filter((j) => j.state !== 'standby' && j.state !== 'skipped');
  if (mine.length === 0)
    return { kind: 'planned', label: 'Not made yet', fraction: 0, error: null };
  const active = working.filter((j) => ACTIVE.includes(j.state));
  const doneCount = mine.filter((j) => j.state === 'done' || j.state === 'skipped').length;
  const fraction =
    working.length === 0
      ? 1
      : working.reduce((s, j) => s + (STEP[j.state] ?? (j.state === 'failed' ? 4 : 0)), 0) /
        (4 * working.length);
  if (active.length > 0) {
    const lead = active.reduce((a, b) => ((STEP[b.state] ?? 0) > (STEP[a.state] ?? 0) ? b : a));
    const on = lead.model ? ` on ${lead.model}` : '';
    const label = preview
      ? lead.state === 'downloading'
        ? 'Checking the placeholder'
        : 'Rendering the preview'
      : lead.state === 'starting'
        ? `Starting${on}`
        : lead.state === 'running'
          ? `Generating${on}`
          : 'Downloading and checking';
    return { kind: 'active', label, fraction, error: null };
  }
  if (working.some((j) => j.state === 'queued'))
    return { kind: 'queued', label: 'Queued', fraction, error: null };
  const failed = working.find((j) => j.state === 'failed');
  if (failed && shot.takes.length === 0 && doneCount === 0) {
    return {
      kind: 'failed',
      label: 'Failed',
      fraction: 1,
      error: failed.reason ?? 'failed on every allowed model',
    };
  }
  if (doneCount > 0 || working.length === 0)
    return { kind: 'done', label: 'Done', fraction: 1, error: failed?.reason ?? null };
  return { kind: 'planned', label: 'Waiting', fraction, error: null };
}

/** How far the run is, in shots: made, failed, of all. */
export function shotCounts(progress: ShotProgress[]): {
  total: number;
  done: number;
  failed: number;
} {
  return {
    total: progress.length,
    done: progress.filter((p) => p.kind === 'done').length,
    failed: progress.filter((p) => p.kind === 'failed').length,
  };
}
