/**
 * The delivery: every take of every shot conformed to the deliverable (size by fit or fill,
 * frame rate, slow motion by retiming, 48 kHz stereo with silence where a clip has none,
 * loudness to the target), multi-shot generations cut back into their shots, the picked take
 * of each shot joined in storyboard order into the cut (stream copy when the clips share their
 * codec parameters, which conformed clips do), and beside it the three timelines, report.json
 * and report.html. A shot without a usable clip is held by a slate of its length that says why,
 * so the cut keeps its timing.
 *
 * Nothing here generates anything: assembling again (e.g. after `shotrouter pick`) reads the
 * kept clips, and re-encodes only what a changed setting or pick needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobSpec } from '../engine/job-spec.ts';
import { ShotrouterError } from '../errors.ts';
import { conformClip, joinClips, renderPreview } from '../media/index.ts';
import { writeReportHtml } from '../report/index.ts';
import type { Plan, PlannedShot } from '../router/types.ts';
import type { MediaRow, Store } from '../store/store.ts';
import type { Shot, Storyboard } from '../storyboard/types.ts';
import type { ClipProvenance } from '../timeline/index.ts';
import { writeTextAtomically } from '../util/write-text.ts';
import { ConformedFolder } from './conformed.ts';
import { type GroupMember, splitGroupClip } from './group-split.ts';
import { cutChoice, pickedTake } from './picks.ts';
import { aiGeneratedTags, PROVENANCE_FILE, writeProvenance } from './provenance.ts';
import { buildReport, type CutShotReport, type RunReport } from './report.ts';
import { type RunState, readRunState } from './run-state.ts';
import { type DeliverySettings, deliverySettings, FINAL_BASENAME } from './settings.ts';
import type { ShotSources, ShotTake } from './shot-sources.ts';
import {
  commentsByTake,
  deliveryTimeline,
  shotAudioRole,
  TIMELINE_FILES,
  type TimelineEntry,
  writeTimelines,
} from './timelines.ts';

export const REPORT_FILE = 'report.json';
export const REPORT_HTML_FILE = 'report.html';

export interface DeliveryInput {
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

export interface Delivery {
  /** absolute path of the cut (final.mp4; final.mov for ProRes) */
  final: string;
  report: RunReport;
}

/** One shot as it stands in the cut. */
interface CutShot {
  shot: Shot;
  planned: PlannedShot;
  /** the clip in the cut, relative to the run folder */
  clip: string;
  provenance: ClipProvenance;
  take: ShotTake | null;
  picked: boolean;
  alternates: TimelineEntry[];
  warnings: string[];
  error: string | null;
}

/** Container tags for a clip made by these models (none for a preview's placeholders). */
type Labeller = (models: string[]) => Record<string, string>;

/** How this delivery treats takes: labelled and slowed by interpolation, or (a preview) neither. */
interface Treatment {
  label: Labeller;
  interpolate: boolean;
}

interface ConformedTake {
  take: ShotTake;
  clip: string;
}

/** A shot's piece of a multi-shot clip, by `<shot>#<take>`. */
type Pieces = Map<string, { file: string; warnings: string[] }>;

export async function assembleDelivery(input: DeliveryInput): Promise<Delivery> {
  const { dir, storyboard, plan, signal } = input;
  const settings = deliverySettings(storyboard.deliver);
  const state = await readRunState(input.store, input.runId, plan, input.specs);
  const folder = new ConformedFolder(dir, settings, signal);
  const shots = new Map(storyboard.shots.map((s) => [s.id, s]));

  // preview clips of a group are one labelled card with no scene changes: cut where planned
  const { pieces, groupWarnings } = input.preview
    ? { pieces: new Map() as Pieces, groupWarnings: new Map<string, string[]>() }
    : await splitGroups(folder, state);
  // generated material is labelled and slowed by interpolation; a preview's placeholders are
  // neither (interpolating a placeholder would cost minutes and show nothing)
  const label: Labeller = (models) => (input.preview ? {} : aiGeneratedTags(models, plan.title));
  const treatment: Treatment = { label, interpolate: !input.preview };
  const cut = await Promise.all(
    state.sources.map((source) =>
      cutShot(
        folder,
        state,
        source,
        shots.get(source.planned.id)!,
        pieces,
        groupWarnings,
        treatment,
      ),
    ),
  );
  const generated = cut.filter((c): c is CutShot & { take: ShotTake } => c.take !== null);

  const final = path.join(dir, settings.finalFile);
  for (const stale of ['.mp4', '.mov']) {
    if (`${FINAL_BASENAME}${stale}` !== settings.finalFile) {
      fs.rmSync(path.join(dir, `${FINAL_BASENAME}${stale}`), { force: true });
    }
  }
  const cutModels = generated.map((c) => c.provenance.model);
  const { method } = await joinClips({
    inputs: cut.map((c) => path.join(dir, c.clip)),
    output: final,
    codec: settings.codec,
    tags: cutModels.length > 0 ? label(cutModels) : {},
    ...(signal ? { signal } : {}),
  });
  if (input.preview) {
    // placeholders are not generated material: no provenance, and none left from a real run
    fs.rmSync(path.join(dir, PROVENANCE_FILE), { force: true });
  } else {
    await writeProvenance({
      dir,
      project: plan.title,
      final: settings.finalFile,
      clips: generated.flatMap((c) => {
        const media = state.media.get(c.take.job.media_sha256 ?? '');
        return media
          ? [{ provenance: c.provenance, job: c.take.job, media, conformed: c.clip }]
          : [];
      }),
    });
  }

  const comments = await commentsByTake(input.store);
  const commentsOf = (provenance: ClipProvenance) =>
    comments.get(`${provenance.shot_id}#${provenance.take}`);
  const timeline = deliveryTimeline(
    plan.title,
    settings,
    cut.map((c) => ({
      name: clipName(c.shot, c.take),
      file: c.clip,
      seconds: c.shot.duration,
      provenance: c.provenance,
      audioRole: shotAudioRole(c.shot),
      comments: commentsOf(c.provenance),
      alternates: c.alternates.map((a) => ({ ...a, comments: commentsOf(a.provenance) })),
    })),
  );
  await writeTimelines(dir, timeline);

  const report = buildReport({
    plan,
    state,
    preview: input.preview,
    final: settings.finalFile,
    cut: new Map(
      cut.map((c): [string, CutShotReport] => [
        c.shot.id,
        { take: c.take, picked: c.picked, clip: c.clip, warnings: c.warnings, error: c.error },
      ]),
    ),
    files: { report_html: REPORT_HTML_FILE, ...TIMELINE_FILES },
    join: method,
  });
  await addReview(report, input.store);
  await writeReportJson(dir, report);
  await writeReportHtml({
    file: path.join(dir, REPORT_HTML_FILE),
    report,
    deliver: settings,
    shots: cut.map((c) => ({
      id: c.shot.id,
      prompt: c.shot.prompt,
      seconds: c.shot.duration,
      clip: path.join(dir, c.clip),
    })),
    ...(signal ? { signal } : {}),
  });
  await folder.prune();
  return { final, report };
}

/** Writes report.json for a run without assembling it (e.g. after an interrupted run). */
export async function writeReport(
  input: Omit<DeliveryInput, 'storyboard'>,
  final: string | null,
): Promise<RunReport> {
  const state = await readRunState(input.store, input.runId, input.plan, input.specs);
  const report = buildReport({ plan: input.plan, state, preview: input.preview, final });
  await writeReportJson(input.dir, report);
  return report;
}

/** Each shot's review verdict and the comments on its takes, as the report shows them. */
async function addReview(report: RunReport, store: Store): Promise<void> {
  const verdicts = new Map((await store.reviews()).map((r) => [r.shot_id, r]));
  const comments = await store.comments();
  for (const shot of report.shots) {
    const verdict = verdicts.get(shot.id);
    shot.review = verdict
      ? { verdict: verdict.verdict, note: verdict.note, by: verdict.author }
      : null;
    shot.comments = comments
      .filter((c) => c.shot_id === shot.id)
      .map((c) => ({ take: c.take, at_seconds: c.at_seconds, text: c.text, by: c.author }));
  }
}

async function writeReportJson(dir: string, report: RunReport): Promise<void> {
  await writeTextAtomically(path.join(dir, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
}

/** Splits every made take of every multi-shot group into its shots' pieces. */
async function splitGroups(
  folder: ConformedFolder,
  state: RunState,
): Promise<{ pieces: Pieces; groupWarnings: Map<string, string[]> }> {
  const pieces: Pieces = new Map();
  const groupWarnings = new Map<string, string[]>();
  // one entry per group and take: its clip and its members in storyboard order
  const units = new Map<string, { take: ShotTake; media: MediaRow; members: GroupMember[] }>();
  for (const { planned, takes } of state.sources) {
    for (const take of takes) {
      if (!take?.group || !planned.trim) continue;
      const media = state.media.get(take.job.media_sha256 ?? '');
      if (!media) continue;
      const key = `${take.group}#${take.take}`;
      const unit = units.get(key) ?? { take, media, members: [] };
      unit.members.push({ id: planned.id, seconds: planned.trim.seconds });
      units.set(key, unit);
    }
  }
  await Promise.all(
    [...units.values()].map(async ({ take, media, members }) => {
      try {
        const split = await splitGroupClip(
          folder,
          {
            file: path.join(folder.runFolder, media.path),
            sha256: media.sha256,
            durationSeconds: media.duration,
          },
          take.group!,
          take.take,
          members,
        );
        members.forEach((m, i) => {
          pieces.set(`${m.id}#${take.take}`, {
            file: split.pieces[i]!,
            warnings: split.warnings[i]!,
          });
        });
      } catch (error) {
        if (isAbort(error, folder.signal)) throw error;
        // the plan's boundaries are still a fair cut: use them, and say why
        for (const m of members) {
          const note = `multi-shot ${take.group} (take ${take.take + 1}) could not be split at its scene changes (${messageOf(error)}); cut where planned`;
          groupWarnings.set(`${m.id}#${take.take}`, [note]);
        }
      }
    }),
  );
  return { pieces, groupWarnings };
}

async function cutShot(
  folder: ConformedFolder,
  state: RunState,
  source: ShotSources,
  shot: Shot,
  pieces: Pieces,
  groupWarnings: Map<string, string[]>,
  treatment: Treatment,
): Promise<CutShot> {
  const { planned } = source;
  const warnings: string[] = [];
  const made = source.takes.filter((t): t is ShotTake => t !== null);
  const conformed = (
    await Promise.all(
      made.map(async (take): Promise<ConformedTake | null> => {
        const media = state.media.get(take.job.media_sha256 ?? '');
        if (!media) {
          warnings.push(`take ${take.take + 1}: its clip is missing from the store`);
          return null;
        }
        try {
          const piece = pieces.get(`${shot.id}#${take.take}`);
          const model = take.job.model ?? take.route.model;
          const tags = treatment.label([model]);
          // `prompt` slow motion was generated at full length: nothing to retime.
          const retime = planned.slowmo?.path === 'prompt' ? 1 : shot.slowmo;
          return {
            take,
            clip: await conformTake(folder, shot, take, media, piece?.file, {
              tags,
              retime,
              interpolate: treatment.interpolate,
            }),
          };
        } catch (error) {
          if (isAbort(error, folder.signal)) throw error;
          warnings.push(`take ${take.take + 1} could not be conformed: ${messageOf(error)}`);
          return null;
        }
      }),
    )
  ).filter((c): c is ConformedTake => c !== null);

  const picks = state.picks.get(shot.id);
  const chosen = cutChoice(conformed, picks);
  const alternates = conformed
    .filter((c) => c !== chosen)
    .map((c) => ({
      name: clipName(shot, c.take),
      file: c.clip,
      seconds: shot.duration,
      provenance: takeProvenance(state, shot, c.take),
      audioRole: shotAudioRole(shot),
    }));
  if (chosen) {
    const key = `${shot.id}#${chosen.take.take}`;
    warnings.push(...(pieces.get(key)?.warnings ?? []), ...(groupWarnings.get(key) ?? []));
    return {
      shot,
      planned,
      clip: chosen.clip,
      provenance: takeProvenance(state, shot, chosen.take),
      take: chosen.take,
      picked: pickedTake(conformed, picks ?? []) === chosen,
      alternates,
      warnings,
      error: null,
    };
  }

  const why =
    warnings.at(-1) ??
    source.jobs.find(({ job }) => job.error_message)?.job.error_message ??
    'no clip was made';
  const model = planned.model ?? 'no model';
  const clip = await slate(folder, shot, model, why);
  const failedJob = source.jobs[0]?.job;
  return {
    shot,
    planned,
    clip,
    provenance: {
      shot_id: shot.id,
      model,
      provider: planned.provider ?? 'none',
      prompt: shot.prompt,
      seed: null,
      cost_usd: round6(source.jobs.reduce((sum, j) => sum + j.job.spend_micro * j.share, 0) / 1e6),
      take: 1,
      job_id: failedJob?.id ?? 'none',
    },
    take: null,
    picked: false,
    alternates,
    warnings,
    error: why,
  };
}

/** The take's clip (or its piece of a multi-shot clip) in the deliverable's format. */
async function conformTake(
  folder: ConformedFolder,
  shot: Shot,
  take: ShotTake,
  media: MediaRow,
  piece: string | undefined,
  {
    tags,
    retime,
    interpolate,
  }: { tags: Record<string, string>; retime: number; interpolate: boolean },
): Promise<string> {
  const { settings } = folder;
  const input = piece ?? path.join(folder.runFolder, media.path);
  const trimFrom = piece ? 0 : take.trim.from;
  const key = {
    v: 1,
    input: piece ? path.basename(piece) : media.sha256,
    trimFrom,
    trimSeconds: take.trim.seconds,
    slowmo: retime,
    // v1 clips were retimed by repeating frames; interpolated ones differ
    ...(retime > 1 && interpolate ? { interpolate: true } : {}),
    ...formatKey(settings),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
  };
  const file = `${folder.stem(`${shot.id}-take${take.take + 1}`, key)}${settings.ext}`;
  const made = await folder.once(file, (output) =>
    conformClip({
      input,
      output,
      trimFrom,
      trimSeconds: take.trim.seconds,
      slowmo: retime,
      interpolate,
      tags,
      ...conformFormat(settings),
      ...(folder.signal ? { signal: folder.signal } : {}),
    }),
  );
  return made.relative;
}

/** A card of the shot's length saying it is missing and why, in the deliverable's format. */
async function slate(
  folder: ConformedFolder,
  shot: Shot,
  model: string,
  why: string,
): Promise<string> {
  const { settings } = folder;
  const key = { v: 1, slate: shot.id, model, why, seconds: shot.duration, ...formatKey(settings) };
  const file = `${folder.stem(`${shot.id}-missing`, key)}${settings.ext}`;
  const made = await folder.once(file, async (output) => {
    const raw = `${output}.slate.mp4`;
    try {
      await renderPreview({
        output: raw,
        seconds: shot.duration,
        width: settings.width,
        height: settings.height,
        fps: settings.fps,
        audio: false,
        label: { shotId: `${shot.id} MISSING`, model: `${model} (failed)`, prompt: why },
        ...(folder.signal ? { signal: folder.signal } : {}),
      });
      // through the same conform as every clip, so the join can copy the picture
      await conformClip({
        input: raw,
        output,
        trimFrom: 0,
        trimSeconds: shot.duration,
        ...conformFormat(settings),
        ...(folder.signal ? { signal: folder.signal } : {}),
      });
    } finally {
      fs.rmSync(raw, { force: true });
    }
  });
  return made.relative;
}

/** The settings a conformed clip depends on, for its cache key. */
function formatKey(settings: DeliverySettings) {
  const { width, height, fps, audio, codec, fit, loudness } = settings;
  return { width, height, fps, audio, codec, fit, loudness: audio ? loudness : null };
}

export function conformFormat(settings: DeliverySettings) {
  return {
    width: settings.width,
    height: settings.height,
    fps: settings.fps,
    audio: settings.audio,
    codec: settings.codec,
    fit: settings.fit,
    loudnessLufs: settings.loudness,
  };
}

function takeProvenance(state: RunState, shot: Shot, take: ShotTake): ClipProvenance {
  const { job } = take;
  return {
    shot_id: shot.id,
    model: job.model ?? take.route.model,
    provider: job.provider ?? take.route.provider,
    prompt: state.prompts.get(job.id) ?? shot.prompt,
    seed: state.facts.get(job.id)?.seed ?? null,
    cost_usd: round6((job.spend_micro * take.share) / 1e6),
    take: take.take + 1,
    job_id: job.id,
  };
}

/** The clip's name in an editor: the shot id, and the take when there are several. */
function clipName(shot: Shot, take: ShotTake | null): string {
  if (take === null) return `${shot.id} MISSING`;
  return shot.takes > 1 ? `${shot.id} take ${take.take + 1}` : shot.id;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (ShotrouterError.is(error) && error.code === 'aborted');
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!;
}
