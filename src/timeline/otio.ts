/**
 * OpenTimelineIO JSON (.otio), written and read by our own code.
 *
 * Written: Timeline.1 › Stack.1 › Track.1 "V1" (and "A1" when the media has sound) › Clip.2,
 * each with an ExternalReference.1 under DEFAULT_MEDIA. Times are whole frames at the
 * timeline's rate (a double for NTSC: 24000/1001 = 23.976023976023978, as OTIO stores it).
 * Provenance is `metadata.shotrouter`; the other takes of a shot are Clip.2 objects listed in
 * `metadata.shotrouter.alternates` (OTIO metadata may hold OTIO objects): every program opens
 * the file, the cut shows the picks, and OTIO's own API hands the alternates back as clips.
 * The timeline starts at 01:00:00:00 (`global_start_time`).
 */

import { ShotrouterError } from '../errors.ts';
import { otioCommentMarkers } from './comments.ts';
import { mediaBaseName, mediaFileFromUrl, mediaUrl } from './media-ref.ts';
import {
  type FramedTake,
  type FramedTimeline,
  type FramedTransition,
  frameTimeline,
} from './plan.ts';
import { audioRecord, provenanceRecord } from './provenance.ts';
import { fpsOf } from './rate.ts';
import type { ReadItem, ReadTimeline, ReadTrack, Timeline, TimelineMarker } from './types.ts';

export interface OtioWriteOptions {
  /** resolve relative media paths against this folder or URL (default: keep them relative) */
  mediaBaseUrl?: string;
}

type Json = Record<string, unknown>;

export function writeOtio(timeline: Timeline, options: OtioWriteOptions = {}): string {
  const framed = frameTimeline(timeline);
  const rate = fpsOf(framed.rate);
  const time = (value: number) => ({ OTIO_SCHEMA: 'RationalTime.1', rate, value });
  const range = (start: number, duration: number) => ({
    OTIO_SCHEMA: 'TimeRange.1',
    duration: time(duration),
    start_time: time(start),
  });

  const clipObject = (t: FramedTake, alternates?: FramedTake[]): Json => ({
    OTIO_SCHEMA: 'Clip.2',
    metadata: {
      shotrouter: {
        ...provenanceRecord(t.take.metadata),
        ...(alternates && alternates.length > 0
          ? { alternates: alternates.map((alt) => clipObject(alt)) }
          : {}),
      },
    },
    name: t.take.name,
    source_range: range(t.sourceIn, t.length),
    effects: [],
    // a marker's range is in the clip's media time, as OTIO has it
    markers: [
      ...t.markers.map((m) => ({
        OTIO_SCHEMA: 'Marker.2',
        metadata: { shotrouter: { check: m.name } },
        name: m.name,
        color: 'RED',
        marked_range: range(t.sourceIn + m.frame, 0),
        comment: m.note,
      })),
      ...otioCommentMarkers(t.take.comments, t, framed.rate, time),
    ],
    enabled: true,
    media_references: {
      DEFAULT_MEDIA: {
        OTIO_SCHEMA: 'ExternalReference.1',
        metadata: {},
        name: mediaBaseName(t.take.file),
        available_range: t.mediaLength === undefined ? null : range(0, t.mediaLength),
        available_image_bounds: null,
        target_url: mediaUrl(t.take.file, options.mediaBaseUrl),
      },
    },
    active_media_reference_key: 'DEFAULT_MEDIA',
  });

  const track = (name: string, kind: 'Video' | 'Audio', withAlternates: boolean): Json => ({
    OTIO_SCHEMA: 'Track.1',
    metadata: {},
    name,
    source_range: null,
    effects: [],
    // the edit's markers (scenes, titles, captions, fades) on the picture track
    markers: kind === 'Video' ? otioMarkers(framed, range) : [],
    enabled: true,
    children: framed.clips.flatMap((c) => [
      ...(c.transition && kind === 'Video' ? [otioTransition(c.transition, time)] : []),
      clipObject(c, withAlternates ? c.alternates : undefined),
    ]),
    kind,
  });

  const tracks = [track('V1', 'Video', true)];
  if (timeline.audio) tracks.push(track('A1', 'Audio', false));
  // music, narration and voices: one track each, placed by gaps, named A2, A3, … and their kind
  framed.audioTracks.forEach((t, i) => {
    let cursor = 0;
    const children: Json[] = [];
    for (const c of t.clips) {
      if (c.recordIn > cursor) children.push(otioGap(c.recordIn - cursor, range));
      children.push({
        OTIO_SCHEMA: 'Clip.2',
        metadata: { shotrouter: { audio: audioRecord(c.clip) } },
        name: c.clip.name,
        source_range: range(c.sourceIn, c.length),
        effects: [],
        markers: [],
        enabled: true,
        media_references: {
          DEFAULT_MEDIA: {
            OTIO_SCHEMA: 'ExternalReference.1',
            metadata: {},
            name: mediaBaseName(c.clip.file),
            available_range: c.mediaLength === undefined ? null : range(0, c.mediaLength),
            available_image_bounds: null,
            target_url: mediaUrl(c.clip.file, options.mediaBaseUrl),
          },
        },
        active_media_reference_key: 'DEFAULT_MEDIA',
      });
      cursor = c.recordIn + c.length;
    }
    tracks.push({
      OTIO_SCHEMA: 'Track.1',
      metadata: { shotrouter: { role: t.track.role } },
      name: `A${i + 2} ${t.track.name}`,
      source_range: null,
      effects: [],
      markers: [],
      enabled: true,
      children,
      kind: 'Audio',
    });
  });

  const document = {
    OTIO_SCHEMA: 'Timeline.1',
    metadata: {
      shotrouter: {
        fps: timeline.fps,
        rate: `${framed.rate.num}/${framed.rate.den}`,
        width: timeline.width,
        height: timeline.height,
        audio: timeline.audio,
      },
    },
    name: timeline.title,
    global_start_time: time(framed.startFrame),
    tracks: {
      OTIO_SCHEMA: 'Stack.1',
      metadata: {},
      name: 'tracks',
      source_range: null,
      effects: [],
      markers: [],
      enabled: true,
      children: tracks,
    },
  };
  return `${JSON.stringify(document, null, 4)}\n`;
}

function otioGap(frames: number, range: (start: number, duration: number) => Json): Json {
  return {
    OTIO_SCHEMA: 'Gap.1',
    metadata: {},
    name: '',
    source_range: range(0, frames),
    effects: [],
    markers: [],
    enabled: true,
  };
}

const MARKER_COLORS: Record<TimelineMarker['kind'], string> = {
  scene: 'PURPLE',
  title: 'CYAN',
  caption: 'YELLOW',
  fade: 'ORANGE',
  transition: 'GREEN',
};

/** A dissolve is OTIO's SMPTE_Dissolve; a wipe has no schema type of its own. */
function otioTransition(t: FramedTransition, time: (frames: number) => Json): Json {
  return {
    OTIO_SCHEMA: 'Transition.1',
    metadata: { shotrouter: { kind: t.kind } },
    name: t.kind === 'wipe' ? 'Wipe' : 'Cross Dissolve',
    transition_type: t.kind === 'wipe' ? 'Custom_Transition' : 'SMPTE_Dissolve',
    in_offset: time(t.before),
    out_offset: time(t.after),
  };
}

function otioMarkers(
  framed: FramedTimeline,
  range: (start: number, duration: number) => Json,
): Json[] {
  return framed.markers.map(({ marker, at, length }) => ({
    OTIO_SCHEMA: 'Marker.2',
    metadata: {
      shotrouter: {
        kind: marker.kind,
        ...(marker.note === undefined ? {} : { note: marker.note }),
      },
    },
    name: marker.name,
    color: MARKER_COLORS[marker.kind],
    marked_range: range(at, length),
    comment: marker.note ?? '',
  }));
}

// ——— reading ———

function fail(message: string): never {
  throw new ShotrouterError('invalid_timeline', `OTIO: ${message}`);
}

/**
 * JSON plus the non-finite numbers OTIO allows (NaN, Inf, Infinity, -Inf, -Infinity).
 * NaN becomes null; the infinities become ±1e999, which JSON.parse reads as ±Infinity.
 */
export function parseOtioJson(text: string): unknown {
  const out: string[] = [];
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c !== 'N' && c !== 'I' && c !== '-') continue;
    const m = /^(-?)(NaN|Infinity|Inf)\b/.exec(text.slice(i, i + 10));
    if (!m) continue;
    out.push(text.slice(last, i), m[2] === 'NaN' ? 'null' : `${m[1]}1e999`);
    i += m[0].length - 1;
    last = i + 1;
  }
  out.push(text.slice(last));
  try {
    return JSON.parse(out.join(''));
  } catch (error) {
    return fail(`not valid JSON: ${(error as Error).message}`);
  }
}

const schemaName = (o: unknown): string =>
  isObject(o) && typeof o.OTIO_SCHEMA === 'string' ? (o.OTIO_SCHEMA.split('.')[0] ?? '') : '';

function isObject(o: unknown): o is Json {
  return typeof o === 'object' && o !== null && !Array.isArray(o);
}

function seconds(t: unknown): number | undefined {
  if (!isObject(t)) return undefined;
  const { value, rate } = t;
  if (typeof value !== 'number' || typeof rate !== 'number' || rate <= 0) return undefined;
  return value / rate;
}

function timeRange(r: unknown): { start: number; duration: number } | undefined {
  if (!isObject(r)) return undefined;
  const start = seconds(r.start_time);
  const duration = seconds(r.duration);
  return start === undefined || duration === undefined ? undefined : { start, duration };
}

function children(o: Json): unknown[] {
  return Array.isArray(o.children) ? o.children : [];
}

function activeMediaReference(clip: Json): Json | undefined {
  if (isObject(clip.media_references)) {
    const key =
      typeof clip.active_media_reference_key === 'string'
        ? clip.active_media_reference_key
        : 'DEFAULT_MEDIA';
    const ref = clip.media_references[key];
    return isObject(ref) ? ref : undefined;
  }
  return isObject(clip.media_reference) ? clip.media_reference : undefined;
}

function mediaFile(ref: Json | undefined): string | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref.target_url === 'string') return mediaFileFromUrl(ref.target_url);
  if (typeof ref.target_url_base === 'string') return mediaFileFromUrl(ref.target_url_base);
  return undefined;
}

/** The range an item occupies in its parent, in its own time (OTIO's trimmed_range). */
function trimmedRange(item: Json): { start: number; duration: number } {
  const own = timeRange(item.source_range);
  if (own) return own;
  const kind = schemaName(item);
  if (kind === 'Clip') {
    const available = timeRange(activeMediaReference(item)?.available_range);
    if (available) return available;
    return fail(`clip "${String(item.name)}" has neither a source_range nor an available_range`);
  }
  if (kind === 'Track') {
    let total = 0;
    for (const c of children(item)) if (schemaName(c) !== 'Transition') total += durationOf(c);
    return { start: 0, duration: total };
  }
  if (kind === 'Stack') {
    return { start: 0, duration: Math.max(0, ...children(item).map(durationOf)) };
  }
  return { start: 0, duration: 0 };
}

function durationOf(item: unknown): number {
  return isObject(item) ? trimmedRange(item).duration : 0;
}

function metadataOf(o: Json): Record<string, unknown> {
  return isObject(o.metadata) ? { ...o.metadata } : {};
}

function readClip(clip: Json): ReadItem {
  const range = trimmedRange(clip);
  const ref = activeMediaReference(clip);
  const file = mediaFile(ref);
  const mediaDuration = timeRange(ref?.available_range)?.duration;
  const item: ReadItem = {
    kind: 'clip',
    name: typeof clip.name === 'string' ? clip.name : undefined,
    sourceStart: range.start,
    duration: range.duration,
    metadata: metadataOf(clip),
  };
  if (file !== undefined) item.file = file;
  if (mediaDuration !== undefined) item.mediaDuration = mediaDuration;
  const ours = item.metadata?.shotrouter;
  if (isObject(ours) && Array.isArray(ours.alternates)) {
    item.alternates = ours.alternates.filter((a) => schemaName(a) === 'Clip').map(readClipJson);
  }
  return item;
}

const readClipJson = (o: unknown): ReadItem => readClip(o as Json);

function readItem(o: unknown): ReadItem | undefined {
  if (!isObject(o)) return undefined;
  const name = typeof o.name === 'string' ? o.name : undefined;
  switch (schemaName(o)) {
    case 'Clip':
      return readClip(o);
    case 'Gap':
      return { kind: 'gap', name, duration: trimmedRange(o).duration, metadata: metadataOf(o) };
    case 'Transition': {
      const inOffset = seconds(o.in_offset) ?? 0;
      const outOffset = seconds(o.out_offset) ?? 0;
      return {
        kind: 'transition',
        name,
        duration: inOffset + outOffset,
        inOffset,
        outOffset,
        transitionType: typeof o.transition_type === 'string' ? o.transition_type : undefined,
        metadata: metadataOf(o),
      };
    }
    case 'Stack':
    case 'Track': {
      // a nested composition takes its place in the track like a clip without media
      const range = trimmedRange(o);
      return {
        kind: 'clip',
        name,
        sourceStart: range.start,
        duration: range.duration,
        metadata: { ...metadataOf(o), otio_composition: o.OTIO_SCHEMA },
      };
    }
    default:
      return undefined;
  }
}

function readTrack(track: Json): ReadTrack {
  const kind = track.kind === 'Audio' ? 'audio' : 'video';
  const items = children(track)
    .map(readItem)
    .filter((i): i is ReadItem => i !== undefined);
  const result: ReadTrack = { kind, items };
  if (typeof track.name === 'string' && track.name !== '') result.name = track.name;
  const trim = timeRange(track.source_range);
  if (trim) result.sourceRange = trim;
  return result;
}

/** The first rate found in a track's items, for a file without a global start time. */
function firstRate(o: unknown): number | undefined {
  if (Array.isArray(o)) {
    for (const x of o) {
      const r = firstRate(x);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (!isObject(o)) return undefined;
  if (schemaName(o) === 'RationalTime' && typeof o.rate === 'number' && o.rate > 0) return o.rate;
  for (const key of ['source_range', 'children', 'start_time', 'duration']) {
    const r = firstRate(o[key]);
    if (r !== undefined) return r;
  }
  return undefined;
}

function findTimeline(root: unknown): Json | undefined {
  if (schemaName(root) === 'Timeline') return root as Json;
  if (schemaName(root) === 'SerializableCollection') {
    for (const c of children(root as Json)) {
      const t = findTimeline(c);
      if (t) return t;
    }
  }
  return undefined;
}

/**
 * Reads an .otio file: the first Timeline (at the top or in a SerializableCollection), or a
 * lone Track or Stack. Every item of every track is kept in order with its time in seconds;
 * a nested Stack or Track is one clip-like item (its trimmed range), marked with
 * `metadata.otio_composition`.
 */
export function readOtio(text: string): ReadTimeline {
  const root = parseOtioJson(text);
  const timeline = findTimeline(root);
  let stack: Json | undefined;
  if (timeline) stack = isObject(timeline.tracks) ? timeline.tracks : undefined;
  else if (schemaName(root) === 'Stack') stack = root as Json;
  else if (schemaName(root) === 'Track') stack = { children: [root] };
  if (stack === undefined) {
    return fail(`expected a Timeline, Stack or Track, found ${schemaName(root) || typeof root}`);
  }
  const tracks: ReadTrack[] = [];
  for (const child of children(stack)) {
    if (schemaName(child) === 'Track') tracks.push(readTrack(child as Json));
    else {
      const item = readItem(child);
      if (item) tracks.push({ kind: 'video', items: [item] });
    }
  }
  const globalTime = isObject(timeline?.global_start_time) ? timeline.global_start_time : undefined;
  const fps = (globalTime && firstRate(globalTime)) ?? firstRate(stack.children) ?? 24;
  const result: ReadTimeline = { fps, tracks };
  if (typeof timeline?.name === 'string') result.title = timeline.name;
  const globalStart = seconds(globalTime);
  if (globalStart !== undefined) result.globalStart = globalStart;
  return result;
}
