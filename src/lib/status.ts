/**
 * Where the newest run in a run folder stands, read from its database (safe while the run is
 * going: SQLite's WAL lets readers in). Per job (one per shot and take, or per multi-shot
 * group): state, model, attempts, spend; then the money and what is left.
 */

import fs from 'node:fs';
import path from 'node:path';
import { firstFrameShot, type StaleTake, staleTake } from '../assemble/stale.ts';
import { parseStoredPlan } from '../contracts/plan.ts';
import type { JobStatus, RunActivity, RunStatus, VerdictCheck } from '../contracts/status.ts';
import { ShotrouterError } from '../errors.ts';
import type { Plan } from '../router/types.ts';
import { pickedCandidate } from '../store/picks.ts';
import {
  type AttemptRow,
  DATABASE_FILE,
  type JobRow,
  openStore,
  type Store,
} from '../store/store.ts';

export type { JobStatus, RunStatus } from '../contracts/status.ts';

/** Job states of a clip being made: shown as `interrupted` when their run is not running. */
const IN_FLIGHT = new Set(['starting', 'running', 'downloading']);

export interface StatusOptions {
  /**
   * Whether a process is carrying the run out now, when the caller knows (the server knows its
   * own runs). Unknown: the run's event log says (its last `run` event: started, or aborted).
   */
  running?: boolean;
}

const FINISHED = new Set(['done', 'skipped', 'superseded']);

/**
 * The newest run's status in `dir`, or null when the folder has a database but no run yet.
 * Throws a `usage` error when `dir` is not a run folder.
 */
export async function runStatus(
  dir: string,
  options: { openStore?: (dir: string) => Promise<Store> } & StatusOptions = {},
): Promise<RunStatus | null> {
  const folder = path.resolve(dir);
  if (!options.openStore && !fs.existsSync(path.join(folder, DATABASE_FILE))) {
    throw new ShotrouterError(
      'usage',
      `no run in ${folder} (no ${DATABASE_FILE}): give the run folder (run --out DIR; by default runs/<storyboard name>)`,
    );
  }
  const store = await (options.openStore ?? ((d: string) => openStore({ dir: d })))(folder);
  try {
    return await statusFromStore(store, options);
  } finally {
    await store.close();
  }
}

/** The newest run's status in an open store, or null when there is no run. */
export async function statusFromStore(
  store: Store,
  options: StatusOptions = {},
): Promise<RunStatus | null> {
  const run = await store.latestRun();
  if (!run) return null;
  const activity = await runActivity(store, run, options.running);
  const plan = parseStoredPlan(run.plan_json);
  const jobs = (await store.jobs(run.id)).filter((j) => j.state !== 'superseded');
  // every job's attempts in one query (one per job was a query per job with attempts)
  const attempts = jobs.some((j) => j.attempts > 0)
    ? await store.attemptsOfRun(run.id)
    : new Map<string, AttemptRow[]>();
  const ledger = await store.ledgerTotals(run.id);
  const cachedMicro = jobs.filter((j) => j.cached === 1).reduce((sum, j) => sum + j.spend_micro, 0);
  const folderLedger = await store.ledgerTotals();
  const perTake = perTakeEstimates(plan);
  const left = jobs.filter((j) => !FINISHED.has(j.state) && j.state !== 'standby');
  const leftUsd =
    run.executor === 'preview'
      ? 0
      : left.reduce((sum, j) => sum + (perTake.get(j.shot_id) ?? 0), 0);
  return {
    run: {
      id: run.id,
      title: run.title,
      state: run.state,
      activity,
      executor: run.executor,
      created_at: run.created_at,
      updated_at: run.updated_at,
    },
    jobs: jobs.map((j) => {
      const job = jobStatusOf(j, attempts.get(j.id));
      return activity !== 'running' && IN_FLIGHT.has(job.state)
        ? { ...job, state: 'interrupted' as const }
        : job;
    }),
    spend: {
      spent_usd: (ledger.spentMicro + cachedMicro) / 1e6,
      reserved_usd: ledger.reservedMicro / 1e6,
      budget_usd: run.budget_micro === null ? null : run.budget_micro / 1e6,
      folder_spent_usd: folderLedger.spentMicro / 1e6,
    },
    left: { jobs: left.length, estimate_usd: Math.round(leftUsd * 1e4) / 1e4 },
    stale: await staleTakes(store, plan, jobs, perTake),
  };
}

/**
 * Takes made from a frame of another shot's take (`first_frame_from`) when the cut now uses
 * another take of that shot, or a new clip of it. They are kept, never made again by themselves.
 */
async function staleTakes(
  store: Store,
  plan: Plan,
  jobs: readonly JobRow[],
  perTake: ReadonlyMap<string, number>,
): Promise<StaleTake[]> {
  const linked = jobs.filter((j) => j.first_frame_json && j.state === 'done');
  if (linked.length === 0) return [];
  // the jobs making each shot: its own, or its multi-shot group's
  const unitOf = new Map((plan.shots ?? []).map((s) => [s.id, s.group ?? s.id]));
  const stale: StaleTake[] = [];
  for (const job of linked) {
    const from = firstFrameShot(job)!;
    const unit = unitOf.get(from) ?? from;
    const made = jobs
      .filter((j) => j.shot_id === unit && j.state === 'done' && j.media_sha256)
      .sort((a, b) => a.take - b.take);
    const now = pickedCandidate(made, await store.picks([from]), (j) => j) ?? made[0];
    const note = staleTake(job, now, perTake.get(job.shot_id) ?? 0);
    if (note) stale.push(note);
  }
  return stale;
}

/** What the run is doing: its stored state, and whether anything carries it out now. */
async function runActivity(
  store: Store,
  run: { id: string; state: string },
  running: boolean | undefined,
): Promise<RunActivity> {
  if (run.state === 'finished' || run.state === 'superseded') return run.state;
  if (running !== undefined) return running ? 'running' : 'stopped';
  const last = await store.lastRunEvent(run.id);
  return last === 'started' ? 'running' : 'stopped';
}

/** USD per take of each job unit (a shot, or a multi-shot group) at the plan's prices. */
function perTakeEstimates(plan: Plan): Map<string, number> {
  const out = new Map<string, number>();
  // a run stored without a plan (made by another program through the library) has no estimates
  for (const shot of plan.shots ?? []) {
    const unit = shot.group ?? shot.id;
    out.set(unit, (out.get(unit) ?? 0) + shot.estimate.usd / shot.takes);
  }
  return out;
}

/** A job's status with the checks of its takes, read from its attempts. */
export async function jobStatusWithChecks(store: Store, job: JobRow): Promise<JobStatus> {
  return jobStatusOf(job, job.attempts === 0 ? undefined : await store.attempts(job.id));
}

/** The checks of the take that made `sha256` among `attempts`, or null. */
export function verdictOf(
  attempts: readonly AttemptRow[],
  sha256: string | null,
): VerdictCheck[] | null {
  const made = sha256 === null ? undefined : attempts.find((a) => a.media_sha256 === sha256);
  if (!made?.verdict_json) return null;
  try {
    const list = JSON.parse(made.verdict_json) as unknown;
    return Array.isArray(list) ? (list as VerdictCheck[]) : null;
  } catch {
    return null;
  }
}

/** A stored job as the library reports it (USD, 1-based take), with its attempts' checks. */
export function jobStatusOf(j: JobRow, attempts: readonly AttemptRow[] = []): JobStatus {
  return {
    shot: j.shot_id,
    take: j.take + 1,
    state: j.state,
    model: j.model,
    provider: j.provider,
    attempts: j.attempts,
    spend_usd: j.spend_micro / 1e6,
    cached: j.cached === 1,
    error: j.error_message,
    verdict: verdictOf(attempts, j.media_sha256),
    failed_takes: attempts.filter((a) => a.state === 'rejected' || a.state === 'unusable').length,
  };
}
