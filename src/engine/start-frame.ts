/**
 * `first_frame_from` (docs/storyboard.md "Continuity"): a job that starts from a frame of another
 * shot's picked take waits for that shot's jobs, takes the frame from the part of the clip the
 * cut uses, keeps it in the media folder (content-addressed) and sends it as its first frame.
 *
 * The frame is fixed once per job: it is written to the job's row (first_frame_json) before any
 * attempt, and a job that resumes or starts again uses the same frame. A later pick of the source
 * shot does not change it; `status` then calls the job stale (lib/status.ts), and nothing is
 * bought by itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { extractFrame } from '../media/index.ts';
import { MEDIA_DIR } from '../store/media-folder.ts';
import { type FirstFrameSource, pickedCandidate } from '../store/picks.ts';
import type { JobRow } from '../store/store.ts';
import type { EngineContext, LiveJob } from './context.ts';
import { type ReferenceInput, sha256 } from './job-spec.ts';

/**
 * Gives `job` its first frame. `outcomeOf` waits for another job of the run to end (`aborted`
 * when the run was). `ready`: the frame is among the job's references; `failed`: the job was
 * failed with the reason (the source shot has no take); `aborted`: the run is stopping.
 */
export async function startFromFrame(
  ctx: EngineContext,
  job: LiveJob,
  jobs: readonly LiveJob[],
  outcomeOf: (key: string) => Promise<string>,
): Promise<'ready' | 'failed' | 'aborted'> {
  const from = job.spec.firstFrameFrom!;
  const kept = keptFrame(ctx, job.row);
  if (kept) {
    useFrame(job, kept.source, kept.data);
    return 'ready';
  }
  const sources = jobs.filter((j) => j.spec.shotIds.includes(from.shot));
  const outcomes = await Promise.all(sources.map((s) => outcomeOf(s.spec.key)));
  if (outcomes.includes('aborted')) return 'aborted';

  const rows = new Map((await ctx.store.jobs(ctx.runId)).map((row) => [row.id, row]));
  const made = sources
    .map((live) => ({ live, row: rows.get(live.row.id)! }))
    .filter((c) => c.row.state === 'done' && c.row.media_sha256 !== null)
    .sort((a, b) => a.row.take - b.row.take);
  const picks = await ctx.store.picks([from.shot]);
  const chosen = pickedCandidate(made, picks, (c) => c.row) ?? made[0];
  const media = chosen && (await ctx.store.media(chosen.row.media_sha256!));
  if (!chosen || !media) {
    const message = `starts from ${from.shot}'s ${from.frame} frame, but ${from.shot} has no take (${sources.length === 0 ? 'this run does not make it' : 'it failed'})`;
    await ctx.setJob(
      job,
      'failed',
      { error_code: 'unsatisfiable', error_message: message },
      message,
    );
    return 'failed';
  }

  const span = spanOfShot(chosen.live, chosen.row, from.shot, media.duration);
  const frameSeconds = 1 / (media.fps > 0 ? media.fps : 24);
  const end = Math.min(span.from + span.seconds, media.duration) - frameSeconds;
  const at = round6(Math.max(0, from.frame === 'first' ? span.from : Math.max(span.from, end)));
  const temp = ctx.media.tempPath('png');
  let data: Uint8Array;
  try {
    const frame = ctx.tools.frame ?? defaultFrame;
    await frame(ctx.media.absolute(media.path), at, temp, ctx.signal);
    data = new Uint8Array(fs.readFileSync(temp));
  } catch (error) {
    fs.rmSync(temp, { force: true });
    if (ctx.signal.aborted) return 'aborted';
    const why = ShotrouterError.is(error) || error instanceof Error ? error.message : String(error);
    const message = `could not take ${from.shot}'s ${from.frame} frame: ${why}`;
    await ctx.setJob(
      job,
      'failed',
      { error_code: 'media_failed', error_message: message },
      message,
    );
    return 'failed';
  }
  const frameSha = sha256(data);
  ctx.media.keep(temp, frameSha, 'png');
  const source: FirstFrameSource = {
    shot: from.shot,
    frame: from.frame,
    take: chosen.row.take,
    cache_key: chosen.row.cache_key,
    media_sha256: media.sha256,
    at_seconds: at,
    frame_sha256: frameSha,
  };
  const first_frame_json = JSON.stringify(source);
  await ctx.commit((tx) => tx.updateJob(job.row.id, { first_frame_json }), []);
  job.row.first_frame_json = first_frame_json;
  useFrame(job, source, data);
  return 'ready';
}

async function defaultFrame(
  input: string,
  atSeconds: number,
  output: string,
  signal?: AbortSignal,
): Promise<void> {
  await extractFrame({ input, atSeconds, output, ...(signal ? { signal } : {}) });
}

/** The frame this job already started from, when its row names one still in the media folder. */
function keptFrame(
  ctx: EngineContext,
  row: JobRow,
): { source: FirstFrameSource; data: Uint8Array } | undefined {
  if (!row.first_frame_json) return undefined;
  const source = JSON.parse(row.first_frame_json) as FirstFrameSource;
  const file = ctx.media.absolute(path.join(MEDIA_DIR, `${source.frame_sha256}.png`));
  if (!fs.existsSync(file)) return undefined;
  return { source, data: new Uint8Array(fs.readFileSync(file)) };
}

/** The frame becomes the job's first-frame reference (its digest goes into the request). */
function useFrame(job: LiveJob, source: FirstFrameSource, data: Uint8Array): void {
  const frame: ReferenceInput = {
    role: 'first_frame',
    id: source.frame_sha256,
    spec: `${source.shot} take ${source.take + 1}, ${source.frame} frame`,
    file: { data, mediaType: 'image/png' },
  };
  job.spec = {
    ...job.spec,
    references: [frame, ...job.spec.references.filter((r) => r.role !== 'first_frame')],
  };
}

/** Where `shot` lies in the clip of `source`: its cut of a multi-shot clip, or the route's trim. */
function spanOfShot(
  source: LiveJob,
  row: JobRow,
  shot: string,
  duration: number,
): { from: number; seconds: number } {
  const cuts = source.spec.cuts;
  if (cuts) {
    let from = 0;
    for (const cut of cuts) {
      if (cut.shotId === shot) return { from, seconds: cut.seconds };
      from += cut.seconds;
    }
  }
  return source.spec.routes[row.route_index]?.trim ?? { from: 0, seconds: duration };
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
