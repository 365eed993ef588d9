/**
 * The first cut: every shot's clip trimmed as the plan says, conformed to the deliverable's size,
 * frame rate and audio layout (silence where a clip has none), joined in storyboard order into
 * `final.mp4`, and `report.json` beside it. A shot without a clip is held by a slate of its
 * length that says why, so the cut keeps its timing.
 *
 * Conformed clips are kept in `conformed/` under a hash of their input and settings: assembling
 * again after a change re-encodes only the shots that changed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JobSpec } from '../engine/job-spec.ts';
import { conformClip, joinClips, renderPreview } from '../media/index.ts';
import type { Plan } from '../router/types.ts';
import type { MediaRow, Store } from '../store/store.ts';
import type { Shot, Storyboard } from '../storyboard/types.ts';
import { buildReport, cutTake, type RunReport } from './report.ts';
import { type ShotTake, shotSources } from './shot-sources.ts';

export const FINAL_FILE = 'final.mp4';
export const REPORT_FILE = 'report.json';
const CONFORMED_DIR = 'conformed';

export interface FirstCutInput {
  /** the run folder */
  dir: string;
  store: Store;
  runId: string;
  storyboard: Storyboard;
  plan: Plan;
  specs: JobSpec[];
  preview: boolean;
  signal?: AbortSignal;
}

export interface FirstCut {
  /** absolute path of final.mp4 */
  final: string;
  report: RunReport;
}

/** Writes report.json without a cut (e.g. after an interrupted run). */
export async function writeReport(
  input: Omit<FirstCutInput, 'storyboard'>,
  final: string | null,
): Promise<RunReport> {
  const jobs = await input.store.jobs(input.runId);
  const sources = shotSources(input.plan, input.specs, jobs);
  const media = await mediaOf(
    input.store,
    jobs.map((j) => j.media_sha256),
  );
  const report = buildReport({ plan: input.plan, sources, media, preview: input.preview, final });
  // written whole, then renamed: a reader never sees half a report
  const file = path.join(input.dir, REPORT_FILE);
  const temporary = `${file}.${process.pid}.partial`;
  await fs.promises.writeFile(temporary, `${JSON.stringify(report, null, 2)}\n`);
  await fs.promises.rename(temporary, file);
  return report;
}

export async function assembleFirstCut(input: FirstCutInput): Promise<FirstCut> {
  const { dir, storyboard, signal } = input;
  const jobs = await input.store.jobs(input.runId);
  const sources = shotSources(input.plan, input.specs, jobs);
  const media = await mediaOf(
    input.store,
    jobs.map((j) => j.media_sha256),
  );
  const shots = new Map(storyboard.shots.map((s) => [s.id, s]));
  fs.mkdirSync(path.join(dir, CONFORMED_DIR), { recursive: true });

  const conformed = await Promise.all(
    sources.map(async ({ planned, takes, jobs: serving }) => {
      const shot = shots.get(planned.id)!;
      const take = cutTake(takes);
      const clip = take ? media.get(take.job.media_sha256!) : undefined;
      if (take && clip) return conformTake(input, shot, take, clip);
      const why =
        serving.find(({ job }) => job.error_message)?.job.error_message ?? 'no clip was made';
      return slate(input, shot, planned.model ?? 'no model', why);
    }),
  );

  const final = path.join(dir, FINAL_FILE);
  await joinClips({ inputs: conformed, output: final, ...(signal ? { signal } : {}) });
  const report = await writeReport(input, FINAL_FILE);
  return { final, report };
}

async function conformTake(
  input: FirstCutInput,
  shot: Shot,
  take: ShotTake,
  clip: MediaRow,
): Promise<string> {
  const { deliver } = input.storyboard;
  const settings = {
    v: 1,
    input: clip.sha256,
    trimFrom: take.trim.from,
    trimSeconds: take.trim.seconds,
    width: deliver.size.width,
    height: deliver.size.height,
    fps: deliver.fps,
    slowmo: shot.slowmo,
    audio: deliver.audio,
  };
  return conformOnce(input, settings, (output) =>
    conformClip({
      input: path.join(input.dir, clip.path),
      output,
      trimFrom: settings.trimFrom,
      trimSeconds: settings.trimSeconds,
      width: settings.width,
      height: settings.height,
      fps: settings.fps,
      slowmo: settings.slowmo,
      audio: settings.audio,
      ...(input.signal ? { signal: input.signal } : {}),
    }),
  );
}

/** A card of the shot's length saying it is missing and why, in the deliverable's format. */
async function slate(
  input: FirstCutInput,
  shot: Shot,
  model: string,
  why: string,
): Promise<string> {
  const { deliver } = input.storyboard;
  const settings = {
    v: 1,
    slate: shot.id,
    model,
    why,
    duration: shot.duration,
    ...deliver.size,
    fps: deliver.fps,
    audio: deliver.audio,
  };
  return conformOnce(input, settings, async (output) => {
    const raw = `${output}.slate.mp4`;
    try {
      await renderPreview({
        output: raw,
        seconds: shot.duration,
        width: deliver.size.width,
        height: deliver.size.height,
        fps: deliver.fps,
        audio: false,
        label: { shotId: `${shot.id} MISSING`, model: `${model} (failed)`, prompt: why },
        ...(input.signal ? { signal: input.signal } : {}),
      });
      // through the same conform as every clip, so the join can copy the picture
      await conformClip({
        input: raw,
        output,
        trimFrom: 0,
        trimSeconds: shot.duration,
        width: deliver.size.width,
        height: deliver.size.height,
        fps: deliver.fps,
        audio: deliver.audio,
        ...(input.signal ? { signal: input.signal } : {}),
      });
    } finally {
      fs.rmSync(raw, { force: true });
    }
  });
}

/** Runs `make` only when no conformed clip with these settings is kept yet. */
async function conformOnce(
  input: FirstCutInput,
  settings: Record<string, unknown>,
  make: (output: string) => Promise<unknown>,
): Promise<string> {
  const key = createHash('sha256').update(JSON.stringify(settings)).digest('hex');
  const output = path.join(input.dir, CONFORMED_DIR, `${key}.mp4`);
  if (!fs.existsSync(output)) await make(output);
  return output;
}

async function mediaOf(store: Store, shas: Array<string | null>): Promise<Map<string, MediaRow>> {
  const out = new Map<string, MediaRow>();
  for (const sha of new Set(shas)) {
    if (!sha) continue;
    const row = await store.media(sha);
    if (row) out.set(sha, row);
  }
  return out;
}
