/**
 * A Timeline checked and snapped to whole frames, once, for every writer. Record positions
 * are sums of integer frame counts, so there is no drift however long the timeline is, and
 * the OTIO, FCPXML and EDL written from one Timeline describe exactly the same frames.
 */
import { ShotrouterError } from '../errors.ts';
import { frameRateOf, hasDropFrame, secondsToFrames } from './rate.ts';
import { timecodeToFrames } from './timecode.ts';
import type {
  AudioClip,
  AudioTrack,
  FrameRate,
  Timeline,
  TimelineClip,
  TimelineMarker,
  TimelineTake,
  TimelineTransition,
} from './types.ts';

export interface FramedTake {
  take: TimelineTake;
  /** frames into the media */
  sourceIn: number;
  /** frames on the timeline */
  length: number;
  /** frames of the whole media, when known */
  mediaLength: number | undefined;
  /** the take's markers, each at a frame of the clip (0 … length − 1) */
  markers: Array<{ frame: number; name: string; note: string }>;
}

export interface FramedClip extends FramedTake {
  clip: TimelineClip;
  /** frames from the timeline's first frame */
  recordIn: number;
  alternates: FramedTake[];
  /** a transition into this clip, centred on its cut, in frames */
  transition?: FramedTransition;
}

export interface FramedTransition {
  kind: TimelineTransition['kind'];
  /** frames before the cut (the incoming clip's media before its source start) */
  before: number;
  /** frames after the cut (the outgoing clip's media past its end) */
  after: number;
}

export interface FramedMarker {
  marker: TimelineMarker;
  /** frames from the timeline's first frame */
  at: number;
  length: number;
}

export interface FramedAudioClip {
  clip: AudioClip;
  /** frames from the timeline's first frame */
  recordIn: number;
  /** frames into the media */
  sourceIn: number;
  /** frames on the timeline (never past its end) */
  length: number;
  mediaLength: number | undefined;
}

export interface FramedAudioTrack {
  track: AudioTrack;
  clips: FramedAudioClip[];
}

export interface FramedTimeline {
  timeline: Timeline;
  rate: FrameRate;
  /** timecode is drop-frame: our choice for 29.97 and 59.94, as broadcast practice */
  dropFrame: boolean;
  /** the frame number of the first frame: 01:00:00:00 in the timeline's timecode */
  startFrame: number;
  totalFrames: number;
  clips: FramedClip[];
  markers: FramedMarker[];
  /** the sounds under the clips, on tracks after the picture's own (A1) */
  audioTracks: FramedAudioTrack[];
}

/** Timelines start at 01:00:00:00, as editing programs do by default. */
export const RECORD_START_TIMECODE = '01:00:00:00';

export function frameTimeline(timeline: Timeline): FramedTimeline {
  const rate = frameRateOf(timeline.fps);
  for (const side of ['width', 'height'] as const) {
    if (!Number.isInteger(timeline[side]) || timeline[side] <= 0) {
      throw new ShotrouterError('internal', `timeline ${side} must be a positive integer`);
    }
  }
  const dropFrame = hasDropFrame(rate);
  let recordIn = 0;
  const clips = timeline.clips.map((clip, index): FramedClip => {
    const framed = frameTake(clip, rate, `clips[${index}]`);
    const alternates = clip.alternates.map((alt, altIndex) =>
      frameTake(alt, rate, `clips[${index}].alternates[${altIndex}]`),
    );
    const placed: FramedClip = { ...framed, clip, recordIn, alternates };
    if (clip.transition !== undefined) {
      placed.transition = frameTransition(clip.transition, rate, index, `clips[${index}]`);
    }
    recordIn += framed.length;
    return placed;
  });
  const markers = (timeline.editMarkers ?? []).map(
    (marker): FramedMarker => ({
      marker,
      at: Math.max(0, secondsToFrames(marker.at, rate)),
      length: Math.max(0, secondsToFrames(marker.duration, rate)),
    }),
  );
  return {
    timeline,
    rate,
    dropFrame,
    startFrame: timecodeToFrames(RECORD_START_TIMECODE, rate, dropFrame),
    totalFrames: recordIn,
    clips,
    markers,
    audioTracks: frameAudioTracks(timeline.audioTracks ?? [], rate, recordIn),
  };
}

/** Each sound in whole frames, cut at the timeline's end; a sound left with no frame is dropped. */
function frameAudioTracks(
  tracks: readonly AudioTrack[],
  rate: FrameRate,
  totalFrames: number,
): FramedAudioTrack[] {
  return tracks.map((track, t) => {
    let cursor = 0;
    const clips = track.clips.flatMap((clip, i): FramedAudioClip[] => {
      const where = `audioTracks[${t}].clips[${i}] ("${clip.name}")`;
      if (![clip.at, clip.duration, clip.sourceStart].every(Number.isFinite) || clip.file === '') {
        throw new ShotrouterError('internal', `timeline ${where}: needs a file and finite times`);
      }
      const recordIn = Math.max(0, secondsToFrames(clip.at, rate));
      if (recordIn < cursor) {
        throw new ShotrouterError('internal', `timeline ${where}: overlaps the clip before it`);
      }
      const length = Math.min(secondsToFrames(clip.duration, rate), totalFrames - recordIn);
      if (length < 1) return [];
      cursor = recordIn + length;
      return [
        {
          clip,
          recordIn,
          sourceIn: Math.max(0, secondsToFrames(clip.sourceStart, rate)),
          length,
          mediaLength:
            clip.mediaDuration === undefined
              ? undefined
              : secondsToFrames(clip.mediaDuration, rate),
        },
      ];
    });
    return { track, clips };
  });
}

function frameTransition(
  transition: TimelineTransition,
  rate: FrameRate,
  index: number,
  where: string,
): FramedTransition {
  const before = secondsToFrames(transition.inOffset, rate);
  const after = secondsToFrames(transition.outOffset, rate);
  if (index === 0 || before < 0 || after < 0 || before + after < 1) {
    throw new ShotrouterError(
      'internal',
      `timeline ${where}: a transition needs a clip before it and at least one frame`,
    );
  }
  return { kind: transition.kind, before, after };
}

function frameTake(take: TimelineTake, rate: FrameRate, where: string): FramedTake {
  const fail = (what: string) =>
    new ShotrouterError('internal', `timeline ${where} ("${take.name}"): ${what}`);
  if (!Number.isFinite(take.duration) || !Number.isFinite(take.sourceStart)) {
    throw fail('duration and sourceStart must be finite numbers');
  }
  const length = secondsToFrames(take.duration, rate);
  if (length < 1) throw fail(`duration ${take.duration}s is shorter than one frame`);
  const sourceIn = secondsToFrames(take.sourceStart, rate);
  if (sourceIn < 0) throw fail(`sourceStart ${take.sourceStart}s is negative`);
  if (take.file.length === 0) throw fail('file is empty');
  const mediaLength =
    take.mediaDuration === undefined ? undefined : secondsToFrames(take.mediaDuration, rate);
  // a marker past either end of the clip stands on its nearest frame: it is still seen
  const markers = (take.markers ?? []).map((m) => ({
    frame: Math.min(
      length - 1,
      Math.max(0, secondsToFrames(Number.isFinite(m.at) ? m.at : 0, rate)),
    ),
    name: m.name,
    note: m.note,
  }));
  return { take, sourceIn, length, mediaLength, markers };
}
