/**
 * Takes, as a team sees them: for each shot of the newest run in a run folder, the jobs that
 * work for it and every take made, with the one the cut uses (the pick, else the first made);
 * and picking another take, which assembles the cut again from the kept clips (no generation).
 */

import { pickTake as assemblePick, cutChoice, type RunReport } from '../assemble/index.ts';
import { shotSources } from '../assemble/shot-sources.ts';
import { parseStoredPlan } from '../contracts/plan.ts';
import { buildJobSpecs } from '../engine/job-spec.ts';
import { openStore, type RunRow, type Store, type TakePickRow } from '../store/store.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { type JobStatus, jobStatusWithChecks, verdictOf } from './status.ts';

/** A job serving the shot: its status, with `unit` naming the shot or its multi-shot group. */
export type ShotJob = Omit<JobStatus, 'shot'> & {
  /** the shot, or the multi-shot group whose one generation serves it */
  unit: string;
};

export interface MadeTake {
  /** 1-based */
  take: number;
  model: string | null;
  /** the clip, relative to the run folder (`media/<sha256>.mp4`) */
  file: string;
  sha256: string;
  /** this take is the one in the cut */
  inCut: boolean;
  /** chosen with a pick (rather than by being the first made) */
  picked: boolean;
  /** who picked it, when it was picked by a named user */
  pickedBy: string | null;
  /** the take's failing checks (`code: message`); empty when it passed them all */
  failedChecks: string[];
}

export interface ShotTakes {
  id: string;
  jobs: ShotJob[];
  takes: MadeTake[];
}

/**
 * Per shot of `storyboard` (in order), its jobs and takes in the newest run of `store`; shots
 * that run did not plan have none. `run` is undefined when the folder has no run yet.
 */
export async function shotTakes(
  store: Store,
  storyboard: Storyboard,
): Promise<{ run: RunRow | undefined; shots: ShotTakes[] }> {
  const run = await store.latestRun();
  const empty = storyboard.shots.map((s) => ({ id: s.id, jobs: [], takes: [] }));
  if (!run) return { run, shots: empty };
  const plan = parseStoredPlan(run.plan_json);
  const jobs = (await store.jobs(run.id)).filter((j) => j.state !== 'superseded');
  const specs = await buildJobSpecs(plan, storyboard, run.executor);
  const sources = new Map(shotSources(plan, specs, jobs).map((s) => [s.planned.id, s]));
  const picks = new Map<string, TakePickRow[]>();
  for (const pick of await store.picks(storyboard.shots.map((s) => s.id))) {
    picks.set(pick.shot_id, [...(picks.get(pick.shot_id) ?? []), pick]);
  }

  const shots: ShotTakes[] = [];
  for (const shot of storyboard.shots) {
    const source = sources.get(shot.id);
    if (!source) {
      shots.push({ id: shot.id, jobs: [], takes: [] });
      continue;
    }
    const made = [];
    for (const take of source.takes) {
      const media = take?.job.media_sha256 ? await store.media(take.job.media_sha256) : undefined;
      if (take && media) {
        const verdict = verdictOf(await store.attempts(take.job.id), take.job.media_sha256);
        const failing = (verdict ?? []).filter((c) => !c.ok).map((c) => `${c.code}: ${c.message}`);
        made.push({ take, media, failing });
      }
    }
    const inCut = cutChoice(made, picks.get(shot.id));
    const pickedKey = picks
      .get(shot.id)
      ?.find(
        (p) => inCut && p.take === inCut.take.take && p.cache_key === inCut.take.job.cache_key,
      );
    shots.push({
      id: shot.id,
      jobs: await Promise.all(
        source.jobs.map(async ({ job }) => {
          const { shot, ...status } = await jobStatusWithChecks(store, job);
          return { unit: shot, ...status };
        }),
      ),
      takes: made.map(({ take, media, failing }) => ({
        take: take.take + 1,
        model: take.job.model,
        file: media.path,
        sha256: media.sha256,
        inCut: take === inCut?.take,
        picked: take === inCut?.take && pickedKey !== undefined,
        pickedBy: take === inCut?.take ? (pickedKey?.author ?? null) : null,
        failedChecks: failing,
      })),
    });
  }
  return { run, shots };
}

/**
 * Makes take `take` (1-based) of `shotId` the one the cut uses in the newest run of `dir`, and
 * assembles the cut, timelines and reports again. `report` is null when the storyboard changed
 * since the run (the next run uses the pick).
 */
export async function pickTake(
  dir: string,
  shotId: string,
  take: number,
  options: {
    signal?: AbortSignal;
    openStore?: (dir: string) => Promise<Store>;
    /** who picked it (a named user), recorded with the pick */
    by?: string | null;
  } = {},
): Promise<{
  report: RunReport | null;
  final: string | null;
  /** who made the picked take */
  model: string | null;
  provider: string | null;
}> {
  const store = await (options.openStore ?? ((d: string) => openStore({ dir: d })))(dir);
  try {
    const result = await assemblePick({
      dir,
      store,
      shotId,
      takeNumber: take,
      by: options.by ?? null,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      report: result.delivery?.report ?? null,
      final: result.delivery?.final ?? null,
      model: result.take.job.model,
      provider: result.take.job.provider,
    };
  } finally {
    await store.close();
  }
}
