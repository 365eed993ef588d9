/**
 * Which kept clip each shot's takes come from, and which part of it: the shot's own job, or the
 * multi-shot group generation it belongs to (then the plan's trim picks the shot out of the
 * group's clip). Pure.
 */
import type { JobSpec, RouteSpec } from '../engine/job-spec.ts';
import type { Plan, PlannedShot, Trim } from '../router/types.ts';
import type { JobRow } from '../store/store.ts';

export interface ShotTake {
  take: number;
  job: JobRow;
  route: RouteSpec;
  /** the part of the job's clip that is this shot (for a group: where the plan expects it) */
  trim: Trim;
  /** the multi-shot group whose one clip holds this shot and its neighbours; null otherwise */
  group: string | null;
  /** the share of the job's cost this take bears (0..1) */
  share: number;
  /**
   * the job failed: every paid take failed its checks, and this is the best of them (the
   * engine's bestTake), in the cut so the shot is seen, marked as failing
   */
  failedChecks?: true;
}

export interface ShotSources {
  planned: PlannedShot;
  /** per take index: the done job that made it, or null */
  takes: Array<ShotTake | null>;
  /** every job that works for the shot, with the share of its cost the shot bears (0..1) */
  jobs: Array<{ job: JobRow; share: number }>;
}

export function shotSources(plan: Plan, specs: JobSpec[], jobs: JobRow[]): ShotSources[] {
  const jobByKey = new Map(jobs.map((job) => [`${job.shot_id}#${job.take}`, job]));
  const specByKey = new Map(specs.map((spec) => [spec.key, spec]));
  const groupSeconds = new Map<string, number>();
  for (const shot of plan.shots) {
    if (shot.group && shot.trim) {
      groupSeconds.set(shot.group, (groupSeconds.get(shot.group) ?? 0) + shot.trim.seconds);
    }
  }

  return plan.shots.map((planned) => {
    const takes: Array<ShotTake | null> = [];
    const serving: Array<{ job: JobRow; share: number }> = [];
    for (let take = 0; take < planned.takes; take++) {
      const own = lookup(`${planned.id}#${take}`);
      const group = planned.group ? lookup(`${planned.group}#${take}`) : undefined;
      if (own) serving.push({ job: own.job, share: 1 });
      if (group) serving.push({ job: group.job, share: shareOf(planned, groupSeconds) });
      if (group?.job.state === 'done' && planned.trim) {
        takes.push({
          take,
          job: group.job,
          route: group.route,
          trim: planned.trim,
          group: planned.group,
          share: shareOf(planned, groupSeconds),
        });
      } else if (own?.job.state === 'done') {
        takes.push({
          take,
          job: own.job,
          route: own.route,
          trim: own.route.trim,
          group: null,
          share: 1,
        });
      } else if (keptFailure(group?.job) && planned.trim) {
        takes.push({
          take,
          job: group!.job,
          route: group!.route,
          trim: planned.trim,
          group: planned.group,
          share: shareOf(planned, groupSeconds),
          failedChecks: true,
        });
      } else if (keptFailure(own?.job)) {
        takes.push({
          take,
          job: own!.job,
          route: own!.route,
          trim: own!.route.trim,
          group: null,
          share: 1,
          failedChecks: true,
        });
      } else {
        takes.push(null);
      }
    }
    return { planned, takes, jobs: serving };
  });

  function lookup(key: string): { job: JobRow; route: RouteSpec } | undefined {
    const job = jobByKey.get(key);
    const spec = specByKey.get(key);
    const route = spec?.routes[job?.route_index ?? 0];
    return job && route ? { job, route } : undefined;
  }
}

/** A failed job that holds the best of its kept takes (every one failed its checks). */
function keptFailure(job: JobRow | undefined): boolean {
  return job?.state === 'failed' && job.media_sha256 !== null;
}

function shareOf(planned: PlannedShot, groupSeconds: Map<string, number>): number {
  const total = groupSeconds.get(planned.group!) ?? 0;
  return total > 0 && planned.trim ? planned.trim.seconds / total : 0;
}
