/**
 * The edit handed over: a folder an editor opens anywhere, holding the media, the three
 * timelines pointing at that media inside the folder, the cut and the report.
 *
 * Editors need handles: each take's media is the whole generated clip, conformed to the
 * deliverable's format, and the timelines' in and out points select the shot's trim, so a clip
 * can be slipped or extended in the editor. A shot whose clip cannot have handles (retimed for
 * slow motion, or cut out of a multi-shot generation) keeps its conformed clip as it is in the
 * cut, and the README says which.
 *
 * OTIO and EDL refer to the media by relative path. FCPXML refers to media by file URL (Apple's
 * reference documents `src` as the URL of the media file; a relative URL is not described
 * outside a `.fcpxmld` bundle), so the package's FCPXML holds absolute URLs written for the
 * package's own folder, and its README says how to relink when the folder moves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ShotrouterError } from '../errors.ts';
import { conformClip } from '../media/conform.ts';
import { probe } from '../media/probe.ts';
import type { Store } from '../store/store.ts';
import type { Shot } from '../storyboard/types.ts';
import {
  audioTracksOf,
  type ClipProvenance,
  provenanceOf,
  type ReadItem,
  readOtio,
  type Timeline,
  type TimelineTake,
  writeEdl,
  writeFcpxml,
  writeOtio,
} from '../timeline/index.ts';
import { writeTextAtomically } from '../util/write-text.ts';
import { conformFormat, REPORT_FILE, REPORT_HTML_FILE } from './delivery.ts';
import { keptRun } from './reassemble.ts';
import { type DeliverySettings, deliverySettings } from './settings.ts';
import { type ShotTake, shotSources } from './shot-sources.ts';
import { commentsByTake, shotAudioRole, TIMELINE_FILES } from './timelines.ts';

export const PACKAGE_MEDIA_DIR = 'media';
export const PACKAGE_README = 'README.md';

export interface PackageOptions {
  /** the run folder (assembled: it has its timelines and report) */
  dir: string;
  store: Store;
  /** the package folder to write; must not exist, or be empty */
  out: string;
  signal?: AbortSignal;
}

export interface PackagedClip {
  shot: string;
  /** 1-based */
  take: number;
  /** relative to the package */
  file: string;
  /** seconds of media before and after the shot's trim, for the editor */
  handles: { before: number; after: number };
  /** why the clip has no handles, when it has none by necessity */
  note: string | null;
}

export interface PackageResult {
  out: string;
  clips: PackagedClip[];
  /** every file written, relative to the package */
  files: string[];
}

/** Writes the package for the newest run of `dir` into `out`. */
export async function packageRun(options: PackageOptions): Promise<PackageResult> {
  const { dir, store, signal } = options;
  const out = path.resolve(options.out);
  const timelineFile = path.join(dir, TIMELINE_FILES.otio);
  if (!fs.existsSync(timelineFile) || !fs.existsSync(path.join(dir, REPORT_FILE))) {
    throw new ShotrouterError(
      'usage',
      `${dir} has no assembled cut (no ${TIMELINE_FILES.otio} or ${REPORT_FILE}): run it (or pick a take) first`,
    );
  }
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
    throw new ShotrouterError('usage', `${out} is not empty: give a new folder for the package`);
  }
  const kept = await keptRun(store);
  const settings = deliverySettings(kept.storyboard.deliver);
  const jobs = (await store.jobs(kept.run.id)).filter((j) => j.state !== 'superseded');
  const sources = new Map(
    shotSources(kept.plan, kept.specs, jobs).map((s) => [s.planned.id, s] as const),
  );
  const shots = new Map(kept.storyboard.shots.map((s) => [s.id, s]));
  const cut = readOtio(fs.readFileSync(timelineFile, 'utf8'));
  const comments = await commentsByTake(store);
  const items = cut.tracks.find((t) => t.kind === 'video')?.items ?? [];

  // written beside the final place, moved there whole at the end
  const staging = `${out}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, PACKAGE_MEDIA_DIR), { recursive: true });
  try {
    const clips: PackagedClip[] = [];
    const packTake = async (item: ReadItem): Promise<TimelineTake | null> => {
      const provenance = provenanceOf(item);
      if (item.kind !== 'clip' || !provenance || !item.file) return null;
      const shot = shots.get(provenance.shot_id);
      const take = sources.get(provenance.shot_id)?.takes[provenance.take - 1] ?? null;
      if (!shot) return null;
      const packed = await packClip({
        dir,
        staging,
        shot,
        take,
        item,
        provenance,
        store,
        settings,
        signal,
      });
      clips.push(packed.clip);
      return {
        name: item.name ?? shot.id,
        file: packed.clip.file,
        sourceStart: packed.sourceStart,
        duration: item.duration,
        mediaDuration: packed.mediaSeconds,
        audioRole: shotAudioRole(shot),
        comments: comments.get(`${provenance.shot_id}#${provenance.take}`) ?? [],
        metadata: provenance,
      };
    };
    const timeline: Timeline = {
      title: cut.title ?? kept.plan.title,
      fps: settings.fps,
      width: settings.width,
      height: settings.height,
      audio: settings.audio,
      clips: [],
    };
    // music and voices under the clips: their files copied beside the clips
    const sounds = audioTracksOf(cut);
    for (const track of sounds) {
      for (const sound of track.clips) {
        const name = path.posix.basename(sound.file);
        fs.copyFileSync(path.join(dir, sound.file), path.join(staging, PACKAGE_MEDIA_DIR, name));
        sound.file = path.posix.join(PACKAGE_MEDIA_DIR, name);
      }
    }
    if (sounds.length > 0) timeline.audioTracks = sounds;
    for (const item of items) {
      const main = await packTake(item);
      if (!main) continue;
      const alternates: TimelineTake[] = [];
      for (const alternate of item.alternates ?? []) {
        const packed = await packTake(alternate);
        if (packed) alternates.push(packed);
      }
      timeline.clips.push({ ...main, alternates });
    }

    const finalUrl = pathToFileURL(`${out}${path.sep}`).href;
    await Promise.all([
      writeTextAtomically(path.join(staging, TIMELINE_FILES.otio), writeOtio(timeline)),
      writeTextAtomically(
        path.join(staging, TIMELINE_FILES.fcpxml),
        writeFcpxml(timeline, { mediaBaseUrl: finalUrl }),
      ),
      writeTextAtomically(path.join(staging, TIMELINE_FILES.edl), writeEdl(timeline)),
      writeTextAtomically(
        path.join(staging, PACKAGE_README),
        readme(timeline.title, out, clips, sounds.length > 0),
      ),
    ]);
    for (const name of [REPORT_FILE, REPORT_HTML_FILE, settings.finalFile]) {
      const from = path.join(dir, name);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(staging, name));
    }
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(staging, out);
    return { out, clips, files: listFiles(out) };
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * One take's media in the package: the whole generated clip conformed (with handles), or the
 * cut's conformed clip as it is when the shot was retimed or cut out of a multi-shot clip.
 */
async function packClip(input: {
  dir: string;
  staging: string;
  shot: Shot;
  take: ShotTake | null;
  item: ReadItem;
  provenance: ClipProvenance;
  store: Store;
  settings: DeliverySettings;
  signal: AbortSignal | undefined;
}): Promise<{ clip: PackagedClip; sourceStart: number; mediaSeconds: number }> {
  const { dir, staging, shot, take, item, provenance, store, settings, signal } = input;
  const name = `${shot.id}-take${provenance.take}${settings.ext}`;
  const relative = `${PACKAGE_MEDIA_DIR}/${name}`;
  const output = path.join(staging, PACKAGE_MEDIA_DIR, name);
  const media = take?.job.media_sha256 ? await store.media(take.job.media_sha256) : undefined;
  const why = !take
    ? 'its generated clip is not in the store'
    : take.group
      ? `it was cut out of the multi-shot clip ${take.group}`
      : shot.slowmo !== 1
        ? 'it is retimed for slow motion'
        : !media
          ? 'its generated clip is not in the store'
          : null;
  if (why !== null || !take || !media) {
    fs.copyFileSync(path.join(dir, item.file!), output);
    const seconds = (await probe(output, signal)).durationSeconds;
    return {
      clip: {
        shot: shot.id,
        take: provenance.take,
        file: relative,
        handles: { before: 0, after: 0 },
        note: `no handles: ${why}`,
      },
      sourceStart: item.sourceStart ?? 0,
      mediaSeconds: seconds,
    };
  }
  const source = path.join(dir, media.path);
  const whole = (await probe(source, signal)).durationSeconds;
  await conformClip({
    input: source,
    output,
    trimFrom: 0,
    trimSeconds: whole,
    ...conformFormat(settings),
    ...(signal ? { signal } : {}),
  });
  const seconds = (await probe(output, signal)).durationSeconds;
  const from = Math.min(take.trim.from, Math.max(0, seconds - item.duration));
  return {
    clip: {
      shot: shot.id,
      take: provenance.take,
      file: relative,
      handles: {
        before: round3(from),
        after: round3(Math.max(0, seconds - from - item.duration)),
      },
      note: null,
    },
    sourceStart: from,
    mediaSeconds: seconds,
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function listFiles(dir: string, under = ''): string[] {
  const out: string[] = [];
  for (const item of fs.readdirSync(path.join(dir, under), { withFileTypes: true })) {
    const relative = under ? `${under}/${item.name}` : item.name;
    if (item.isDirectory()) out.push(...listFiles(dir, relative));
    else out.push(relative);
  }
  return out.sort();
}

/** The package's README: what is inside, and how to open each timeline. */
function readme(title: string, out: string, clips: PackagedClip[], sounds: boolean): string {
  const noHandles = clips.filter((c) => c.note !== null);
  return [
    `# ${title}: the edit`,
    '',
    'Made by shotrouter. Open one of the timelines in your editor; the media are in `media/`.',
    '',
    '- `timeline.otio` (OpenTimelineIO) and `timeline.edl` (CMX 3600) refer to `media/` by',
    '  relative path: they open wherever this folder is.',
    '- `timeline.fcpxml` (Final Cut Pro) refers to media by absolute file URL, written for this',
    `  folder where it was made (\`${out}\`). If you moved or copied the folder, import the`,
    '  FCPXML, select the project’s clips, choose File › Relink Files…, and point Final Cut Pro',
    '  at this folder’s `media/` folder (the file names are unchanged).',
    '- Each clip is the whole generated take, conformed to the deliverable’s format; the',
    '  timelines’ in and out points select the part the cut uses, so you can slip or extend it.',
    ...(sounds
      ? [
          '- The music and voices mixed under the clips are on audio tracks of their own (A2, …),',
          '  their files in `media/` too, so you can rebalance the mix.',
        ]
      : []),
    '- `final.*` is the cut as assembled; `report.html` and `report.json` say who made each shot',
    '  and what it cost.',
    ...(noHandles.length > 0
      ? [
          '',
          'Clips without handles (the clip is exactly the shot):',
          '',
          ...noHandles.map((c) => `- ${c.shot} take ${c.take}: ${c.note}`),
        ]
      : []),
    '',
  ].join('\n');
}
