/**
 * Assembling a run folder's newest run again from what its store keeps, with no provider and no
 * generation: after `shotrouter pick`, or to rebuild a deleted cut. The storyboard is read from
 * where the run found it; when it has changed since, the run's plan no longer describes it, so
 * nothing is assembled and the caller says to run again.
 */

import fs from 'node:fs';
import { parseStoredPlan } from '../contracts/plan.ts';
import { buildJobSpecs, type JobSpec, sha256 } from '../engine/job-spec.ts';
import { ShotrouterError } from '../errors.ts';
import { isDialect, loneShotPrompt } from '../router/prompt.ts';
import type { Plan } from '../router/types.ts';
import type { JobRow, RunRow, Store } from '../store/store.ts';
import { loadStoryboard } from '../storyboard/load.ts';
import type { Shot, Storyboard } from '../storyboard/types.ts';
import { assembleDelivery, type Delivery } from './delivery.ts';
import { recordPick } from './picks.ts';
import type { ShotTake } from './shot-sources.ts';
import { shotSources } from './shot-sources.ts';

export interface KeptRun {
  run: RunRow;
  plan: Plan;
  storyboard: Storyboard;
  specs: JobSpec[];
  /** the storyboard file differs from the one the run was planned from */
  storyboardChanged: boolean;
}

/** The newest run of the store with its plan, storyboard and job specs. */
export async function keptRun(store: Store): Promise<KeptRun> {
  const run = await store.latestRun();
  if (!run) throw new ShotrouterError('usage', 'this folder has no run yet: use shotrouter run');
  const plan = parseStoredPlan(run.plan_json);
  if (!fs.existsSync(run.storyboard_file)) {
    throw new ShotrouterError(
      'usage',
      `the run's storyboard ${run.storyboard_file} is gone: restore it, or run again`,
    );
  }
  const bytes = fs.readFileSync(run.storyboard_file);
  // the run accepted this storyboard's paths already (with --allow-outside-paths if needed)
  const storyboard = loadStoryboard(run.storyboard_file, { allowOutsidePaths: true });
  const specs = await buildJobSpecs(plan, storyboard, run.executor);
  const changed =
    sha256(bytes) !== run.storyboard_sha256 &&
    !describesRun(plan, storyboard, specs, await store.jobs(run.id));
  return { run, plan, storyboard, specs, storyboardChanged: changed };
}

/**
 * Whether a plan still describes the storyboard: the same shots with the same lengths and takes,
 * and jobs that would make the same clips (equal cache keys).
 */
function describesRun(
  plan: Plan,
  storyboard: Storyboard,
  specs: JobSpec[],
  jobs: JobRow[],
): boolean {
  const shots = new Map(storyboard.shots.map((s) => [s.id, s]));
  if (plan.shots.length !== storyboard.shots.length) return false;
  for (const planned of plan.shots) {
    const shot = shots.get(planned.id);
    if (!shot || shot.takes !== planned.takes) return false;
    // footage kept: the slowed length, or the whole shot when the prompt asks for the look
    const kept = planned.slowmo?.path === 'prompt' ? shot.duration : shot.duration / shot.slowmo;
    if (planned.trim && Math.abs(planned.trim.seconds - kept) > 1e-5) {
      return false;
    }
    // the stored plan carries the prompt sent (job specs take it from there): an edited prompt,
    // style or character description makes another one
    if (!samePrompt(planned, shot, storyboard)) return false;
  }
  const cacheKeys = new Map(specs.map((spec) => [spec.key, spec.cacheKey]));
  return jobs.every(
    (job) =>
      job.state === 'superseded' || cacheKeys.get(`${job.shot_id}#${job.take}`) === job.cache_key,
  );
}

/** The prompt the plan sends this shot is still the one its storyboard text makes. */
function samePrompt(planned: Plan['shots'][number], shot: Shot, storyboard: Storyboard): boolean {
  const sent = planned.prompt;
  // plans stored before dialects, and groups (their prompt is the group's), are left to the keys
  if (!sent || planned.group !== null || !planned.generate || !isDialect(sent.dialect)) return true;
  const form = { dialect: sent.dialect, max_chars: sent.max_chars };
  return loneShotPrompt(shot, storyboard.characters, form, planned) === sent.text;
}

/**
 * Assembles the newest run's cut again from its kept clips and the storyboard as it is now (its
 * edit-only fields may have changed: an imported edit). Nothing is generated. Refused when the
 * storyboard no longer describes the run (a changed prompt, length or group: run again).
 */
export async function reassemble(options: {
  dir: string;
  store: Store;
  signal?: AbortSignal;
}): Promise<Delivery> {
  const kept = await keptRun(options.store);
  if (kept.storyboardChanged) {
    throw new ShotrouterError(
      'usage',
      `${kept.run.storyboard_file} no longer describes the run (something that is generated changed): run it again`,
    );
  }
  return deliver(options, kept);
}

function deliver(
  options: { dir: string; store: Store; signal?: AbortSignal | undefined },
  kept: KeptRun,
): Promise<Delivery> {
  return assembleDelivery({
    dir: options.dir,
    store: options.store,
    runId: kept.run.id,
    storyboard: kept.storyboard,
    plan: kept.plan,
    specs: kept.specs,
    preview: kept.run.executor === 'preview',
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export interface PickResult {
  take: ShotTake;
  /** null when the storyboard changed since the run (the next `run` uses the pick) */
  delivery: Delivery | null;
  run: KeptRun;
}

/**
 * Makes take `takeNumber` (1-based) of `shotId` the one the cut uses, and assembles the cut,
 * its timelines and reports again from the kept clips.
 */
export async function pickTake(options: {
  dir: string;
  store: Store;
  shotId: string;
  takeNumber: number;
  signal?: AbortSignal;
  /** who picked it (a named user), recorded with the pick */
  by?: string | null;
}): Promise<PickResult> {
  const { store } = options;
  const kept = await keptRun(store);
  const sources = shotSources(kept.plan, kept.specs, await store.jobs(kept.run.id));
  const take = await recordPick(
    store,
    kept.run.id,
    sources,
    options.shotId,
    options.takeNumber,
    options.by ?? null,
  );
  if (kept.storyboardChanged) return { take, delivery: null, run: kept };
  const delivery = await deliver(options, kept);
  return { take, delivery, run: kept };
}
