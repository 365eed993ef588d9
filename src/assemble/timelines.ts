/**
 * The cut as OpenTimelineIO, FCPXML and CMX3600 EDL beside `final.mp4`: one Timeline, written
 * three ways by src/timeline, so the three open the same edit frame for frame. Clips are the
 * conformed files (paths relative to the run folder, where the timelines are), each with its
 * provenance, and a shot's other takes ride along as alternates.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Store } from '../store/store.ts';
import type { Shot } from '../storyboard/types.ts';
import {
  type AudioRole,
  audioRoleFor,
  type ClipMarker,
  type ClipProvenance,
  type Timeline,
  type TimelineComment,
  type TimelineMarker,
  type TimelineTake,
  type TimelineTransition,
  writeEdl,
  writeFcpxml,
  writeOtio,
} from '../timeline/index.ts';
import { writeTextAtomically } from '../util/write-text.ts';
import type { DeliverySettings } from './settings.ts';

export const TIMELINE_FILES = {
  otio: 'timeline.otio',
  fcpxml: 'timeline.fcpxml',
  edl: 'timeline.edl',
} as const;

export interface TimelineEntry {
  name: string;
  /** relative to the run folder */
  file: string;
  /** seconds on the timeline, which is the whole conformed clip unless the edit trims it */
  seconds: number;
  provenance: ClipProvenance;
  /** the take's failing checks, where they show */
  markers?: ClipMarker[];
  /** seconds into the clip where the used part starts (an edit's trim or reuse); default 0 */
  sourceStart?: number;
  /** the clip's whole length when the timeline uses only part of it */
  mediaSeconds?: number;
  /** the shot's sound as an editor sorts it; null: silent */
  audioRole?: AudioRole | null;
  /** review comments on this take, as markers */
  comments?: TimelineComment[];
}

export interface TimelineShot extends TimelineEntry {
  alternates: TimelineEntry[];
  /** a dissolve or wipe into this shot (the storyboard's edit) */
  transition?: TimelineTransition;
}

export function deliveryTimeline(
  title: string,
  settings: DeliverySettings,
  shots: readonly TimelineShot[],
  markers: readonly TimelineMarker[] = [],
): Timeline {
  const take = (entry: TimelineEntry): TimelineTake => ({
    name: entry.name,
    file: entry.file,
    sourceStart: entry.sourceStart ?? 0,
    duration: entry.seconds,
    mediaDuration: entry.mediaSeconds ?? entry.seconds,
    ...(entry.audioRole !== undefined ? { audioRole: entry.audioRole } : {}),
    ...(entry.comments && entry.comments.length > 0 ? { comments: entry.comments } : {}),
    metadata: entry.provenance,
    ...(entry.markers && entry.markers.length > 0 ? { markers: entry.markers } : {}),
  });
  return {
    title,
    fps: settings.fps,
    width: settings.width,
    height: settings.height,
    audio: settings.audio,
    clips: shots.map((shot) => ({
      ...take(shot),
      alternates: shot.alternates.map(take),
      ...(shot.transition ? { transition: shot.transition } : {}),
    })),
    ...(markers.length > 0 ? { editMarkers: [...markers] } : {}),
  };
}

/** Writes the three timeline files into `dir`. */
export async function writeTimelines(dir: string, timeline: Timeline): Promise<void> {
  // Final Cut Pro finds media only by absolute URL; OTIO and EDL stay relative (portable)
  const mediaBaseUrl = pathToFileURL(`${path.resolve(dir)}${path.sep}`).href;
  await Promise.all([
    writeTextAtomically(path.join(dir, TIMELINE_FILES.otio), writeOtio(timeline)),
    writeTextAtomically(
      path.join(dir, TIMELINE_FILES.fcpxml),
      writeFcpxml(timeline, { mediaBaseUrl }),
    ),
    writeTextAtomically(path.join(dir, TIMELINE_FILES.edl), writeEdl(timeline)),
  ]);
}

/** The audio role of a shot, from what its storyboard says it sounds like. */
export function shotAudioRole(shot: Pick<Shot, 'audio'>): AudioRole | null {
  const { audio } = shot;
  return audioRoleFor({
    dialogue: audio.dialogue.length > 0,
    effects: audio.ambient !== undefined || audio.sfx !== undefined,
    music: audio.music !== undefined,
    silent: audio.silent,
  });
}

/** Review comments by `<shot>#<take>` (1-based take), as timeline markers. */
export async function commentsByTake(store: Store): Promise<Map<string, TimelineComment[]>> {
  const out = new Map<string, TimelineComment[]>();
  for (const c of await store.comments()) {
    const key = `${c.shot_id}#${c.take}`;
    out.set(key, [...(out.get(key) ?? []), { at: c.at_seconds, text: c.text, by: c.author }]);
  }
  return out;
}
