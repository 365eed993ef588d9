/**
 * The edit handed to editing programs, and what our readers give back from a timeline file.
 * Writers take seconds and snap every value to whole frames of the timeline's rate once
 * (see plan.ts), so the three formats describe the same frames.
 */
import type { AudioRole } from './audio-roles.ts';

/** A review comment on a take, shown as a marker (see comments.ts). */
export interface TimelineComment {
  /** seconds into the shot as it plays */
  at: number;
  text: string;
  /** who wrote it; null: the single-user default */
  by: string | null;
}

/** A time as OpenTimelineIO stores it: `value` frames at `rate` frames per second. */
export interface RationalTime {
  value: number;
  rate: number;
}

/** A frame rate as an exact fraction: `num / den` frames per second (24000/1001 for 23.976). */
export interface FrameRate {
  num: number;
  den: number;
}

/** Where a clip came from: the provenance every format carries for every clip. */
export interface ClipProvenance {
  shot_id: string;
  model: string;
  provider: string;
  prompt: string;
  seed: number | null;
  cost_usd: number;
  take: number;
  job_id: string;
}

export interface TimelineClip {
  /** the clip's name in the editor, e.g. the shot id */
  name: string;
  /** media path relative to the timeline file's folder (e.g. `media/ab12….mp4`), or a URL */
  file: string;
  /** seconds into the media where the used part starts */
  sourceStart: number;
  /** seconds on the timeline */
  duration: number;
  /** full length of the media file, seconds */
  mediaDuration?: number;
  /** review comments on this take, shown as markers (see comments.ts) */
  comments?: TimelineComment[];
  /** how an editor sorts the clip's sound (see audio-roles.ts); null: silent; absent: dialogue */
  audioRole?: AudioRole | null;
  metadata: ClipProvenance;
  /** notes pinned to moments of the clip (the failing checks of its take) */
  markers?: ClipMarker[];
  /** the other takes of the same shot, each with its own source range */
  alternates: Array<Omit<TimelineClip, 'alternates' | 'transition'>>;
  /** a dissolve or wipe from the clip before into this one (never on the first clip) */
  transition?: TimelineTransition;
}

export type TimelineTake = Omit<TimelineClip, 'alternates' | 'transition'>;

/**
 * A transition centred on the cut between two clips, as editors keep them: `inOffset` seconds
 * before the cut (the incoming clip's media from before its source start) and `outOffset`
 * after it (the outgoing clip's media past its end). Each must be a whole number of frames.
 */
export interface TimelineTransition {
  kind: 'dissolve' | 'wipe';
  inOffset: number;
  outOffset: number;
}

/** A note at a point or span of the edit: a scene heading, a title, a caption, a fade. */
export interface TimelineMarker {
  kind: 'scene' | 'title' | 'caption' | 'fade' | 'transition';
  name: string;
  /** seconds from the timeline's first frame */
  at: number;
  /** seconds it spans (0: a point) */
  duration: number;
  note?: string;
}

/** A note at one moment of a clip: a failing check of its take, say. */
export interface ClipMarker {
  /** seconds into the clip as it plays on the timeline (0: its first frame) */
  at: number;
  /** short: the check's code, e.g. `black` */
  name: string;
  /** the sentence that explains it */
  note: string;
}

/**
 * A sound on a track of its own under the picture, so an editor can rebalance it: a music bed,
 * a narration line, a line of dialogue spoken by text-to-speech. The clips' own sound stays on
 * the picture's track (A1).
 */
export interface AudioClip {
  name: string;
  /** media path relative to the timeline file's folder, or a URL */
  file: string;
  /** seconds from the timeline's first frame where it starts */
  at: number;
  /** seconds into the media where the used part starts */
  sourceStart: number;
  /** seconds on the timeline (cut at the timeline's end) */
  duration: number;
  /** full length of the media file, seconds */
  mediaDuration?: number;
  /** what it is */
  source: 'music' | 'narration' | 'dialogue';
  /** the gain it was mixed at, dB */
  gainDb: number;
  /** lowered under voices in the mix */
  ducked: boolean;
  /** the shot it belongs to (a voice line); absent for music */
  shotId?: string;
}

export interface AudioTrack {
  /** e.g. `music`, `narration` */
  name: string;
  role: AudioRole;
  /** in time order, none overlapping another */
  clips: AudioClip[];
}

export interface Timeline {
  title: string;
  /** frames per second; 23.976, 29.97 and 59.94 mean 24000/1001, 30000/1001 and 60000/1001 */
  fps: number;
  width: number;
  height: number;
  /** the media carries sound (written as audio tracks / channels) */
  audio: boolean;
  /** in order, end to end from the timeline's start */
  clips: TimelineClip[];
  /** the storyboard's edit as markers: scenes, titles, captions, fades (see TimelineMarker) */
  editMarkers?: TimelineMarker[];
  /** sounds mixed under the clips (music, narration, voices), each kind on tracks of its own */
  audioTracks?: AudioTrack[];
}

/** One item of a track as read from a file. All times are seconds. */
export interface ReadItem {
  kind: 'clip' | 'gap' | 'transition';
  name?: string;
  /** media URL or path as written in the file (relative references are percent-decoded) */
  file?: string;
  /** seconds in the media's own time (its timecode when it has one) where the item starts */
  sourceStart?: number;
  /**
   * seconds the item takes on its track. A transition takes none: its `duration` is the
   * length of the overlap it makes (`inOffset + outOffset`).
   */
  duration: number;
  /** full length of the media, when the file says */
  mediaDuration?: number;
  /** transitions: seconds before the cut (from the outgoing item) and after it (incoming) */
  inOffset?: number;
  outOffset?: number;
  transitionType?: string;
  /**
   * Whatever the file attaches to the item. Our own provenance is always under `shotrouter`
   * (see `provenanceOf`); other keys are format-specific (`cmx_3600`, `fcpxml`, or OTIO's own).
   */
  metadata?: Record<string, unknown>;
  /** other takes of the same clip (OTIO metadata, an FCPXML audition, EDL comments) */
  alternates?: ReadItem[];
}

export interface ReadTrack {
  kind: 'video' | 'audio';
  name?: string;
  items: ReadItem[];
  /** a track trimmed by its own range (OTIO `source_range`), seconds in the track's time */
  sourceRange?: { start: number; duration: number };
}

export interface ReadTimeline {
  title?: string;
  /** frames per second of the timeline (from the file, or the rate the caller gave) */
  fps: number;
  /** timecode of the timeline's first frame, seconds (e.g. 3600 for 01:00:00:00) */
  globalStart?: number;
  /** the file says its timecode is drop-frame */
  dropFrame?: boolean;
  tracks: ReadTrack[];
}

/** One clip of a flattened track; `recordStart` is seconds from the track's start. */
export interface FlatClip {
  name?: string;
  file?: string;
  sourceStart: number;
  duration: number;
  recordStart: number;
  metadata?: Record<string, unknown>;
}
