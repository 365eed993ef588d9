/**
 * Finds or creates the run for a set of jobs. The same jobs as the newest run (same plan, same
 * cache keys, same executor) resume that run: done is kept, failed is queued again, in flight is
 * polled by the engine. Different jobs start a new run that supersedes the old one, and each
 * new job takes over the work of an older job with the same cache key: a kept clip is reused
 * (no spend), and a generation still in flight on the same route is adopted and polled (its
 * money is already committed), never started again. A paid take that failed its checks is
 * carried over as it is (not bought again) unless `retryFailed`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { NewJob, RunRow, Store } from '../store/store.ts';
import type { JobSpec } from './job-spec.ts';
import { sha256 } from './job-spec.ts';

export interface RunIdentity {
  title: string;
  storyboardFile: string;
  storyboardSha256: string;
  planJson: string;
  budgetMicro: number | null;
  executor: string;
}

export interface PreparedRun {
  run: RunRow;
  resumed: boolean;
  /** jobs whose clip came from an earlier run */
  reused: number;
  /** jobs that adopted a generation in flight from an earlier run */
  adopted: number;
}

export interface PrepareOptions {
  /**
   * Buy again the shots whose paid take failed its checks or was unusable (`run
   * --retry-failed`); by default such a shot keeps its take and is not started again.
   */
  retryFailed?: boolean;
}

export async function prepareRun(
  store: Store,
  identity: RunIdentity,
  specs: JobSpec[],
  runFolder: string,
  options: PrepareOptions = {},
): Promise<PreparedRun> {
  const retryFailed = options.retryFailed === true;
  const planSha = sha256(
    JSON.stringify([identity.executor, identity.planJson, specs.map((s) => [s.key, s.cacheKey])]),
  );
  return store.transaction(async (tx) => {
    const existing = await tx.latestRun(planSha);
    if (existing) {
      await tx.requeueFailedJobs(existing.id, retryFailed);
      if (existing.state !== 'active') await tx.setRunState(existing.id, 'active');
      await tx.supersedeOtherRuns(existing.id);
      await tx.appendEvent({ run_id: existing.id, type: 'run_resumed', data: {} });
      return { run: (await tx.run(existing.id))!, resumed: true, reused: 0, adopted: 0 };
    }

    const at = tx.now();
    const runId = randomUUID();
    await tx.insertRun({
      id: runId,
      created_at: at,
      updated_at: at,
      title: identity.title,
      storyboard_file: identity.storyboardFile,
      storyboard_sha256: identity.storyboardSha256,
      plan_sha256: planSha,
      plan_json: identity.planJson,
      budget_micro: identity.budgetMicro,
      executor: identity.executor,
      state: 'active',
    });
    const jobs: NewJob[] = specs.map((spec) => ({
      id: randomUUID(),
      run_id: runId,
      shot_id: spec.unit,
      shot_index: spec.shotIndex,
      take: spec.take,
      cache_key: spec.cacheKey,
      state: spec.standbyFor ? 'standby' : 'queued',
      route_index: 0,
      model: spec.routes[0]?.model ?? null,
      provider: spec.routes[0]?.provider ?? null,
      attempts: 0,
      spend_micro: 0,
      media_sha256: null,
      cached: 0,
      warnings_json: '[]',
      error_code: null,
      error_message: null,
      created_at: at,
      updated_at: at,
      first_frame_json: null,
    }));
    await tx.insertJobs(jobs);

    let reused = 0;
    let adopted = 0;
    for (const job of jobs) {
      for (const old of await tx.reusableJobs(job.cache_key, runId)) {
        if (old.state === 'done' && old.media_sha256) {
          const media = await tx.media(old.media_sha256);
          if (!media || !fs.existsSync(path.join(runFolder, media.path))) continue;
          await tx.updateJob(job.id, {
            state: 'done',
            cached: 1,
            media_sha256: old.media_sha256,
            model: old.model,
            provider: old.provider,
            route_index: old.route_index,
            attempts: old.attempts,
            spend_micro: old.spend_micro,
            warnings_json: old.warnings_json,
            first_frame_json: old.first_frame_json,
          });
          reused++;
          break;
        }
        // A paid take that failed its checks: this shot is not bought again unless asked.
        if (old.state === 'failed') {
          if (retryFailed) continue;
          await tx.moveAttempts(old.id, { id: job.id, run_id: runId });
          await tx.updateJob(job.id, {
            state: 'failed',
            model: old.model,
            provider: old.provider,
            route_index: old.route_index,
            attempts: old.attempts,
            spend_micro: old.spend_micro,
            warnings_json: old.warnings_json,
            error_code: old.error_code,
            error_message: old.error_message,
            // the best of its failing takes, which the cut shows (marked)
            media_sha256: old.media_sha256,
            first_frame_json: old.first_frame_json,
          });
          await tx.updateJob(old.id, { state: 'superseded' });
          adopted++;
          break;
        }
        // In flight: adopt only work on the primary route, the one the cache key describes.
        if (old.route_index === 0 && old.state !== 'done') {
          await tx.moveAttempts(old.id, { id: job.id, run_id: runId });
          await tx.updateJob(job.id, {
            state: old.state,
            model: old.model,
            provider: old.provider,
            attempts: old.attempts,
            spend_micro: old.spend_micro,
            warnings_json: old.warnings_json,
            first_frame_json: old.first_frame_json,
          });
          await tx.updateJob(old.id, { state: 'superseded' });
          adopted++;
          break;
        }
      }
    }
    await tx.supersedeOtherRuns(runId);
    await tx.appendEvent({
      run_id: runId,
      type: 'run_created',
      data: { jobs: jobs.length, reused, adopted },
    });
    return { run: (await tx.run(runId))!, resumed: false, reused, adopted };
  });
}
