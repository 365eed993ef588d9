/**
 * The delivery: every take of every shot conformed to the deliverable (size by fit or fill,
 * frame rate, slow motion by retiming, 48 kHz stereo with silence where a clip has none;
 * during the run, as each clip lands: landing.ts), multi-shot generations cut back into their
 * shots, the picked take of each shot joined in storyboard order into the cut (the picture by
 * stream copy, which conformed clips allow; the sound set to the loudness target over the whole
 * cut), and beside it the three timelines, report.json and report.html. A shot without a usable clip is held by a slate of its length that says why,
 * so the cut keeps its timing. When the storyboard edits the cut (omit, reuse, trim, transitions,
 * titles, captions: edit-cut.ts), the join takes the edited pieces instead, the timelines show
 * the edit, and the captions are written beside the cut.
 *
 * Nothing here generates anything: assembling again (e.g. after `shotrouter pick`) reads the
 * kept clips, and re-encodes only what a changed setting or pick needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobSpec } from '../engine/job-spec.ts';
import { type ConformOrder, conformKey } from '../engine/landing-conform.ts';
import { ShotrouterError } from '../errors.ts';
import {
  conformClip,
  joinClips,
  mixSoundtrack,
  renderPreview,
  type SoundInPlace,
} from '../media/index.ts';
import { writeReportHtml } from '../report/index.ts';
import type { Plan, PlannedShot, Trim } from '../router/types.ts';
import type { MediaRow, Store } from '../store/store.ts';
import { cutEntries, hasEdits } from '../storyboard/edit.ts';
import { hasNarration } from '../storyboard/narration.ts';
import type { Shot, Storyboard } from '../storyboard/types.ts';
import type { AudioTrack, ClipMarker, ClipProvenance, TimelineMarker } from '../timeline/index.ts';
import { writeTextAtomically } from '../util/write-text.ts';
import { writeCaptions } from './captions.ts';
import { ConformedFolder } from './conformed.ts';
import { type EditedCut, editCut } from './edit-cut.ts';
import { editedTimelineShots, editMarkers } from './edit-timeline.ts';
import { type GroupMember, splitGroupClip } from './group-split.ts';
import {
  audioReport,
  bedTracks,
  checkSoundFiles,
  keepSoundFiles,
  musicBeds,
  placeOnTracks,
} from './music.ts';
import {
  type NarrationTake,
  narrationVoices,
  readNarrationTakes,
  startsInOrder,
} from './narration.ts';
import { cutChoice, pickedTake } from './picks.ts';
import { aiGeneratedTags, PROVENANCE_FILE, writeProvenance } from './provenance.ts';
import { takeMarkers } from './qc-markers.ts';
import { buildReport, type CutShotReport, editReport, type RunReport } from './report.ts';
import { type RunState, readRunState } from './run-state.ts';
import { type DeliverySettings, deliverySettings, FINAL_BASENAME } from './settings.ts';
import type { ShotSources, ShotTake } from './shot-sources.ts';
import {
  commentsByTake,
  deliveryTimeline,
  shotAudioRole,
  TIMELINE_FILES,
  type TimelineEntry,
  type TimelineShot,
  writeTimelines,
} from './timelines.ts';

export const REPORT_FILE = 'report.json';
/** the conformed folder's sub-folder where the join keeps the cut's sound (media/sound-grid.ts) */
export const SOUND_CACHE = 'sound';
/**
 * How far the cut's loudness may sit from its target when its sound was encoded ahead, as the
 * clips landed, at the gain the sound then called for (landing.ts): within it the join keeps
 * that sound instead of encoding it all again. Well inside EBU R128's ±0.5 LU.
 */
export const LOUDNESS_TOLERANCE_DB = 0.3;
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
  /** the run's conformed folder, holding the clips conformed as they landed (see landing.ts) */
  folder?: ConformedFolder;
  /** told what the assembly is doing, step by step (the clip being conformed, the join, …) */
  onStep?: (step: AssemblyStep) => void;
}

/** What the assembly is doing now. */
export type AssemblyStep =
  | { step: 'conform'; shotId: string; take: number }
  | { step: 'join'; clips: number }
  | { step: 'timelines' }
  | { step: 'report' };

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
  /** the take's failing checks, as timeline markers */
  markers: ClipMarker[];
  take: ShotTake | null;
  picked: boolean;
  alternates: TimelineEntry[];
  warnings: string[];
  error: string | null;
}

/** Container tags for a clip made by these models (none for a preview's placeholders). */
type Labeller = (models: string[]) => Record<string, string>;

/** How this delivery treats takes: labelled and slowed by interpolation, or (a preview) neither. */
export interface Treatment {
  label: Labeller;
  interpolate: boolean;
  /** encode with the fastest preset (a preview: its placeholders only rehearse timing) */
  draft: boolean;
  /** told when a clip starts to be conformed (not when it was conformed before) */
  onConform?: (shotId: string, take: number) => void;
}

/**
 * Generated material is labelled and slowed by interpolation; a preview's placeholders are
 * neither (interpolating a placeholder would cost minutes and show nothing), and are encoded
 * as drafts: the cut keeps the deliverable's size, rate and sound, not its picture quality.
 */
export function treatmentFor(
  preview: boolean,
  title: string,
  onConform?: (shotId: string, take: number) => void,
): Treatment {
  return {
    label: (models) => (preview ? {} : aiGeneratedTags(models, title)),
    interpolate: !preview,
    draft: preview,
    ...(onConform ? { onConform } : {}),
  };
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
  const folder = input.folder ?? new ConformedFolder(dir, settings, signal);
  const shots = new Map(storyboard.shots.map((s) => [s.id, s]));
  const step = input.onStep ?? (() => {});

  const { pieces, groupWarnings } = await splitGroups(
    folder,
    state.sources,
    state.media,
    input.preview,
  );
  const treatment = treatmentFor(input.preview, plan.title, (shotId, take) =>
    step({ step: 'conform', shotId, take }),
  );
  const { label } = treatment;
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
  // the storyboard's edit (omit, reuse, trims, transitions, text) when it has one
  const edit = await editedDelivery(folder, storyboard, cut, label);
  step({ step: 'join', clips: cut.length });
  const tags = cutModels.length > 0 ? label(cutModels) : {};
  // with music or voices the join leaves the level alone: the mix sets the whole programme's
  const beds = settings.audio ? musicBeds(storyboard, settings.fps) : [];
  const fileSeconds = beds.length > 0 ? await checkSoundFiles(storyboard, signal) : new Map();
  const narration = settings.audio && hasNarration(storyboard) ? readNarrationTakes(dir) : [];
  const starts = edit
    ? new Map(edit.cut.placed.map((p) => [p.entry.id, p.start]))
    : startsInOrder(cut.map((c) => ({ id: c.shot.id, seconds: c.shot.duration })));
  const voices = narrationVoices(dir, narration, starts);
  const mixed = beds.length > 0 || voices.length > 0;
  const joined = mixed ? path.join(dir, `.${FINAL_BASENAME}.unmixed${settings.ext}`) : final;
  folder.keep(SOUND_CACHE);
  const { method } = await joinClips({
    inputs: (edit?.cut.files ?? cut.map((c) => c.clip)).map((clip) => path.join(dir, clip)),
    output: joined,
    codec: settings.codec,
    ...(settings.audio && !mixed
      ? { loudnessLufs: settings.loudness, loudnessToleranceDb: LOUDNESS_TOLERANCE_DB }
      : {}),
    soundCache: path.join(folder.dir, SOUND_CACHE),
    tags,
    ...(signal ? { signal } : {}),
  });
  if (mixed) {
    try {
      await mixSoundtrack({
        input: joined,
        output: final,
        voices,
        music: beds,
        loudnessLufs: settings.loudness,
        tags,
        ...(signal ? { signal } : {}),
      });
    } finally {
      fs.rmSync(joined, { force: true });
    }
  }
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

  step({ step: 'timelines' });
  const comments = await commentsByTake(input.store);
  const commentsOf = (provenance: ClipProvenance) =>
    comments.get(`${provenance.shot_id}#${provenance.take}`);
  const timeline = edit
    ? deliveryTimeline(
        plan.title,
        settings,
        edit.shots.map((s) => ({ ...s, comments: commentsOf(s.provenance) })),
        edit.markers,
      )
    : deliveryTimeline(
        plan.title,
        settings,
        cut.map((c) => timelineShot(c, commentsOf)),
      );
  // the sounds under the clips on tracks of their own, from copies in the run folder
  const audioTracks = bedTracks(beds, keepSoundFiles(dir, beds), fileSeconds);
  voiceTracks(audioTracks, narration, starts);
  if (audioTracks.length > 0) timeline.audioTracks = audioTracks;
  await writeTimelines(dir, timeline);
  const captions = await writeCaptions(dir, edit?.cut.placed ?? []);
  step({ step: 'report' });

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
    files: {
      report_html: REPORT_HTML_FILE,
      ...TIMELINE_FILES,
      ...(captions ? { captions_srt: captions.srt, captions_vtt: captions.vtt } : {}),
    },
    join: method,
    edit: editReport(storyboard, edit?.cut.placed),
    narration: readNarrationTakes(dir),
  });
  if (audioTracks.length > 0) {
    report.audio = audioReport(storyboard, settings.fps, audioTracks, settings.loudness);
  }
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

/** Puts the narration and voiced dialogue laid over the cut on tracks of their own. */
function voiceTracks(
  tracks: AudioTrack[],
  takes: readonly NarrationTake[],
  starts: ReadonlyMap<string, number>,
): void {
  for (const take of takes) {
    const start = starts.get(take.shot);
    if (start === undefined) continue;
    const kind = take.kind ?? 'narration';
    placeOnTracks(tracks, kind, 'dialogue', {
      name: `${take.shot} ${take.speaker}`,
      file: take.file,
      at: start + (take.offset ?? 0),
      sourceStart: 0,
      duration: take.seconds,
      mediaDuration: take.seconds,
      source: kind,
      gainDb: 0,
      ducked: false,
      shotId: take.shot,
    });
  }
}

/** A shot as the timelines show it when the storyboard does not edit the cut. */
function timelineShot(
  c: CutShot,
  commentsOf: (provenance: ClipProvenance) => TimelineShot['comments'],
): TimelineShot {
  return {
    name: clipName(c.shot, c.take),
    file: c.clip,
    seconds: c.shot.duration,
    provenance: c.provenance,
    markers: c.markers,
    audioRole: shotAudioRole(c.shot),
    comments: commentsOf(c.provenance),
    alternates: c.alternates.map((a) => ({ ...a, comments: commentsOf(a.provenance) })),
  };
}

/** The edited cut, its timeline shots and markers; undefined when nothing is edited. */
async function editedDelivery(
  folder: ConformedFolder,
  storyboard: Storyboard,
  cut: readonly CutShot[],
  label: Labeller,
): Promise<{ cut: EditedCut; shots: TimelineShot[]; markers: TimelineMarker[] } | undefined> {
  if (!hasEdits(storyboard)) return undefined;
  const byId = new Map(cut.map((c) => [c.shot.id, c]));
  const edited = await editCut(folder, cutEntries(storyboard), (id) => {
    const c = byId.get(id)!;
    return {
      clip: c.clip,
      seconds: c.shot.duration,
      tags: c.take ? label([c.provenance.model]) : {},
    };
  });
  const shots = editedTimelineShots(
    edited.placed,
    (id) => timelineShot(byId.get(id)!, () => undefined),
    folder.settings.fps,
  );
  return {
    cut: edited,
    shots,
    markers: editMarkers(edited.placed, shots, storyboard.scenes ?? []),
  };
}

/** Writes report.json for a run without assembling it (e.g. after an interrupted run). */
export async function writeReport(
  input: Omit<DeliveryInput, 'storyboard'>,
  final: string | null,
): Promise<RunReport> {
  const state = await readRunState(input.store, input.runId, input.plan, input.specs);
  const report = buildReport({
    plan: input.plan,
    state,
    preview: input.preview,
    final,
    narration: readNarrationTakes(input.dir),
  });
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

/**
 * Splits every made take of every multi-shot group among `sources` into its shots' pieces.
 * A preview's group clip is one labelled card with no scene changes: it is cut where planned.
 */
export async function splitGroups(
  folder: ConformedFolder,
  sources: ShotSources[],
  mediaRows: Map<string, MediaRow>,
  preview: boolean,
): Promise<{ pieces: Pieces; groupWarnings: Map<string, string[]> }> {
  const pieces: Pieces = new Map();
  const groupWarnings = new Map<string, string[]>();
  if (preview) return { pieces, groupWarnings };
  // one entry per group and take: its clip and its members in storyboard order
  const units = new Map<string, { take: ShotTake; media: MediaRow; members: GroupMember[] }>();
  for (const { planned, takes } of sources) {
    for (const take of takes) {
      if (!take?.group || !planned.trim) continue;
      const media = mediaRows.get(take.job.media_sha256 ?? '');
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
          return {
            take,
            clip: await conformMadeTake(folder, planned, shot, take, media, piece?.file, treatment),
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
      markers: takeMarkers(state, shot, c.take),
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
      markers: takeMarkers(state, shot, chosen.take),
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
  const clip = await slate(folder, shot, model, why, treatment.draft);
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
    markers: [],
    take: null,
    picked: false,
    alternates,
    warnings,
    error: why,
  };
}

/**
 * A made take of a shot (or its piece of a multi-shot clip) in the deliverable's format, labelled
 * and retimed as the treatment and the plan say; returns the clip relative to the run folder.
 * With `soundInPlace`, a conform made now also encodes the cut's sound around it (landing.ts).
 */
export async function conformMadeTake(
  folder: ConformedFolder,
  planned: PlannedShot,
  shot: Shot,
  take: ShotTake,
  media: MediaRow,
  piece: string | undefined,
  treatment: Treatment,
  soundInPlace?: SoundInPlace,
): Promise<string> {
  const order = takeConform(
    folder.settings,
    planned,
    shot,
    take.trim,
    take.job.model ?? take.route.model,
    treatment,
    piece !== undefined,
  );
  const key = conformKey(piece ? path.basename(piece) : media.sha256, order.key);
  const file = `${folder.stem(`${shot.id}-take${take.take + 1}`, key)}${order.ext}`;
  const made = await folder.once(file, (output) => {
    treatment.onConform?.(shot.id, take.take);
    return conformClip({
      ...order.options,
      input: piece ?? path.join(folder.runFolder, media.path),
      output,
      soundSidecar: true,
      ...(soundInPlace ? { soundInPlace } : {}),
      ...(folder.signal ? { signal: folder.signal } : {}),
    });
  });
  return made.relative;
}

/**
 * How a take made by `model` is conformed: its clip's cache key but the input, and conformClip's
 * options. A distributed run's workers are given the same for each clip they keep (landing.ts),
 * so the clip they make is exactly the one the run would.
 */
export function takeConform(
  settings: DeliverySettings,
  planned: PlannedShot,
  shot: Shot,
  trim: Trim,
  model: string,
  treatment: Treatment,
  piece: boolean,
): ConformOrder {
  // `prompt` slow motion was generated at full length: nothing to retime.
  const slowmo = planned.slowmo?.path === 'prompt' ? 1 : shot.slowmo;
  const tags = treatment.label([model]);
  const { interpolate, draft } = treatment;
  // a piece of a multi-shot clip is cut already
  const trimFrom = piece ? 0 : trim.from;
  return {
    key: JSON.stringify({
      trimFrom,
      trimSeconds: trim.seconds,
      slowmo,
      // v1 clips were retimed by repeating frames; interpolated ones differ
      ...(slowmo > 1 && interpolate ? { interpolate: true } : {}),
      ...(draft ? { draft: true } : {}),
      ...formatKey(settings),
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
    }),
    ext: settings.ext,
    options: {
      trimFrom,
      trimSeconds: trim.seconds,
      slowmo,
      interpolate,
      draft,
      tags,
      ...conformFormat(settings),
    },
  };
}

/** A card of the shot's length saying it is missing and why, in the deliverable's format. */
async function slate(
  folder: ConformedFolder,
  shot: Shot,
  model: string,
  why: string,
  draft: boolean,
): Promise<string> {
  const { settings } = folder;
  const key = {
    v: 1,
    slate: shot.id,
    model,
    why,
    seconds: shot.duration,
    ...(draft ? { draft: true } : {}),
    ...formatKey(settings),
  };
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
        draft,
        soundSidecar: true,
        ...conformFormat(settings),
        ...(folder.signal ? { signal: folder.signal } : {}),
      });
    } finally {
      fs.rmSync(raw, { force: true });
    }
  });
  return made.relative;
}

/**
 * The settings a conformed clip depends on, for its cache key. Not the loudness: it is set on
 * the whole cut at the join, so a clip keeps its level and a new target re-encodes no clip.
 */
function formatKey(settings: DeliverySettings) {
  const { width, height, fps, audio, codec, fit } = settings;
  return { width, height, fps, audio, codec, fit };
}

export function conformFormat(settings: DeliverySettings) {
  return {
    width: settings.width,
    height: settings.height,
    fps: settings.fps,
    audio: settings.audio,
    codec: settings.codec,
    fit: settings.fit,
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
