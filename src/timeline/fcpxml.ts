/**
 * Final Cut Pro XML (FCPXML 1.10), written and read by our own code (XML by ./xml.ts).
 *
 * Written: one `format` (the timeline's frame duration and size), one `asset` per media file
 * (its file in a `media-rep`, as 1.9+ requires), and library › event › project › sequence ›
 * spine of `asset-clip`s. Every time is a whole number of frames written as a rational over
 * the frame's timescale ("5005/24000s"). The sequence starts at 01:00:00:00 (`tcStart`);
 * 29.97 and 59.94 use drop-frame timecode (`tcFormat="DF"`), where 01:00:00;00 is frame
 * 107892, so tcStart is "107999892/30000s", not 3600s. A shot with other takes is an
 * `audition` whose first child is the pick. Provenance is in each clip's `metadata`
 * (`md` keys `com.shotrouter.*`, read back exactly), in a human-readable `note`, and in a
 * keyword (model, provider) that Final Cut Pro shows as a keyword collection.
 */
import { ShotrouterError } from '../errors.ts';
import { fcpxmlAudioRole } from './audio-roles.ts';
import { fcpxmlCommentMarkers } from './comments.ts';
import { mediaBaseName, mediaFileFromUrl, mediaUrl } from './media-ref.ts';
import { type FramedClip, type FramedTake, type FramedTimeline, frameTimeline } from './plan.ts';
import { audioRecord, PROVENANCE_FIELDS } from './provenance.ts';
import type {
  ClipProvenance,
  FrameRate,
  ReadItem,
  ReadTimeline,
  ReadTrack,
  Timeline,
} from './types.ts';
import {
  childElements,
  descendants,
  firstChild,
  parseXml,
  serializeXml,
  textOf,
  type XmlElement,
  type XmlOut,
  xml,
} from './xml.ts';

export const FCPXML_VERSION = '1.10';
const MD_PREFIX = 'com.shotrouter.';

export interface FcpxmlWriteOptions {
  /**
   * Resolve relative media paths against this folder or URL. Final Cut Pro wants absolute
   * file URLs to find media; by default paths stay relative to the timeline's folder.
   */
  mediaBaseUrl?: string;
}

/** A frame's duration as FCPXML writes it: 1001/24000s for 23.976, 100/2500s for 25. */
function frameDuration(rate: FrameRate): { num: number; den: number } {
  if (rate.den === 1) return { num: 100, den: rate.num * 100 };
  return { num: rate.den, den: rate.num };
}

function fcpTime(numerator: number, denominator: number): string {
  if (numerator % denominator === 0) return `${numerator / denominator}s`;
  return `${numerator}/${denominator}s`;
}

export function writeFcpxml(timeline: Timeline, options: FcpxmlWriteOptions = {}): string {
  const framed = frameTimeline(timeline);
  const frame = frameDuration(framed.rate);
  const time = (frames: number) => fcpTime(frames * frame.num, frame.den);
  const tcFormat = framed.dropFrame ? 'DF' : 'NDF';

  // one asset per media file, long enough for every use of it
  const assets = new Map<string, { id: string; take: FramedTake; frames: number }>();
  const allTakes = framed.clips.flatMap((c) => [c as FramedTake, ...c.alternates]);
  for (const t of allTakes) {
    const url = mediaUrl(t.take.file, options.mediaBaseUrl);
    const frames = Math.max(t.mediaLength ?? 0, t.sourceIn + t.length);
    const known = assets.get(url);
    if (known) known.frames = Math.max(known.frames, frames);
    else assets.set(url, { id: `r${assets.size + 2}`, take: t, frames });
  }

  const resources: XmlOut[] = [
    xml('format', {
      id: 'r1',
      frameDuration: fcpTime(frame.num, frame.den),
      width: timeline.width,
      height: timeline.height,
      colorSpace: '1-1-1 (Rec. 709)',
    }),
  ];
  for (const [url, a] of assets) {
    resources.push(
      xml(
        'asset',
        {
          id: a.id,
          name: mediaBaseName(a.take.take.file).replace(/\.[^.]+$/, ''),
          start: '0s',
          duration: time(a.frames),
          hasVideo: '1',
          format: 'r1',
          videoSources: '1',
          hasAudio: timeline.audio ? '1' : '0',
          audioSources: timeline.audio ? '1' : undefined,
          audioChannels: timeline.audio ? '2' : undefined,
          audioRate: timeline.audio ? '48000' : undefined,
        },
        [xml('media-rep', { kind: 'original-media', src: url })],
      ),
    );
  }

  // sounds under the clips: audio-only assets, connected below the storyline (lanes -1, -2, …)
  const audioAssets = new Map<string, { id: string; file: string; frames: number }>();
  for (const c of framed.audioTracks.flatMap((t) => t.clips)) {
    const url = mediaUrl(c.clip.file, options.mediaBaseUrl);
    const frames = Math.max(c.mediaLength ?? 0, c.sourceIn + c.length);
    const known = audioAssets.get(url);
    if (known) known.frames = Math.max(known.frames, frames);
    else audioAssets.set(url, { id: `ra${audioAssets.size + 1}`, file: c.clip.file, frames });
  }
  for (const [url, a] of audioAssets) {
    resources.push(
      xml(
        'asset',
        {
          id: a.id,
          name: mediaBaseName(a.file).replace(/\.[^.]+$/, ''),
          start: '0s',
          duration: time(a.frames),
          hasVideo: '0',
          hasAudio: '1',
          audioSources: '1',
          audioChannels: '2',
          audioRate: '48000',
        },
        [xml('media-rep', { kind: 'original-media', src: url })],
      ),
    );
  }
  const connected = connectedSounds(
    framed,
    time,
    (file) => audioAssets.get(mediaUrl(file, options.mediaBaseUrl))!.id,
  );

  const assetClip = (
    t: FramedTake,
    offset: string,
    markers: XmlOut[] = [],
    sounds: XmlOut[] = [],
  ): XmlOut => {
    const url = mediaUrl(t.take.file, options.mediaBaseUrl);
    const p = t.take.metadata;
    return xml(
      'asset-clip',
      {
        ref: assets.get(url)?.id,
        offset,
        name: t.take.name,
        start: time(t.sourceIn),
        duration: time(t.length),
        tcFormat,
        audioRole: fcpxmlAudioRole(timeline.audio, t.take.audioRole),
      },
      [
        xml('note', {}, [provenanceNote(p)]),
        ...sounds,
        ...fcpxmlCommentMarkers(t.take.comments, t, framed.rate, time),
        xml('keyword', {
          start: time(t.sourceIn),
          duration: time(t.length),
          value: ['shotrouter', p.model, p.provider]
            .map((k) => k.replace(/,/g, ' ').trim())
            .filter((k) => k !== '')
            .join(', '),
        }),
        // a marker's start is in the clip's own (media) time, one frame long
        ...t.markers.map((m) =>
          xml('marker', {
            start: time(t.sourceIn + m.frame),
            duration: time(1),
            value: m.name,
            note: m.note,
          }),
        ),
        ...markers,
        xml(
          'metadata',
          {},
          PROVENANCE_FIELDS.filter((k) => p[k] !== null).map((k) =>
            xml('md', { key: MD_PREFIX + k, value: String(p[k]) }),
          ),
        ),
      ],
    );
  };

  const dissolve = framed.clips.some((c) => c.transition?.kind === 'dissolve');
  if (dissolve) resources.push(xml('effect', CROSS_DISSOLVE));
  const spine = framed.clips.flatMap((c, index) => {
    const offset = time(framed.startFrame + c.recordIn);
    const markers = fcpxmlMarkers(framed, c, time);
    const sounds = connected.get(index) ?? [];
    const transition = fcpxmlTransition(c, framed.startFrame, time);
    const clip =
      c.alternates.length === 0
        ? assetClip(c, offset, markers, sounds)
        : // every take stands in the same place; the first child is the one playing
          xml(
            'audition',
            { offset },
            [c, ...c.alternates].map((t, i) =>
              assetClip(t, offset, i === 0 ? markers : [], i === 0 ? sounds : []),
            ),
          );
    return transition ? [transition, clip] : [clip];
  });

  const sequence = xml(
    'sequence',
    {
      format: 'r1',
      duration: time(framed.totalFrames),
      tcStart: time(framed.startFrame),
      tcFormat,
      audioLayout: timeline.audio ? 'stereo' : undefined,
      audioRate: timeline.audio ? '48k' : undefined,
    },
    [xml('spine', {}, spine)],
  );
  const document = xml('fcpxml', { version: FCPXML_VERSION }, [
    xml('resources', {}, resources),
    xml('library', {}, [
      xml('event', { name: timeline.title }, [
        xml('project', { name: timeline.title }, [sequence]),
      ]),
    ]),
  ]);
  return serializeXml(document, ['<?xml version="1.0" encoding="UTF-8"?>', '<!DOCTYPE fcpxml>']);
}

/**
 * Each sound under the clips as an audio-only clip connected to the storyline clip playing
 * where it starts (its offset in that clip's own time), one lane per track below the
 * storyline, with its role; by index of the storyline clip.
 */
function connectedSounds(
  framed: FramedTimeline,
  time: (frames: number) => string,
  assetId: (file: string) => string,
): Map<number, XmlOut[]> {
  const byClip = new Map<number, XmlOut[]>();
  framed.audioTracks.forEach((t, lane) => {
    for (const c of t.clips) {
      const index = Math.max(
        0,
        framed.clips.findLastIndex((clip) => clip.recordIn <= c.recordIn),
      );
      const parent = framed.clips[index];
      if (parent === undefined) continue;
      const a = c.clip;
      const how = `${a.source}, mixed at ${a.gainDb} dB${a.ducked ? ', ducked under voices' : ''}`;
      const list = byClip.get(index) ?? [];
      list.push(
        xml(
          'asset-clip',
          {
            ref: assetId(a.file),
            lane: -(lane + 1),
            offset: time(parent.sourceIn + c.recordIn - parent.recordIn),
            name: a.name,
            start: time(c.sourceIn),
            duration: time(c.length),
            audioRole: t.track.role,
          },
          [
            xml('note', {}, [a.shotId ? `${how} (shot ${a.shotId})` : how]),
            xml(
              'metadata',
              {},
              Object.entries(audioRecord(a))
                .filter(([, v]) => v !== null)
                .map(([k, v]) => xml('md', { key: `${MD_PREFIX}audio.${k}`, value: String(v) })),
            ),
          ],
        ),
      );
      byClip.set(index, list);
    }
  });
  return byClip;
}

/** Final Cut Pro's own Cross Dissolve, as its exported FCPXML names it. */
const CROSS_DISSOLVE = {
  id: 'r-dissolve',
  name: 'Cross Dissolve',
  uid: 'FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265',
};

/**
 * A dissolve into the clip as a spine `transition` across its cut. FCPXML has no wipe that
 * every program reads the same, so a wipe stays a cut with a marker that says so.
 */
function fcpxmlTransition(
  c: FramedClip,
  startFrame: number,
  time: (frames: number) => string,
): XmlOut | undefined {
  if (c.transition?.kind !== 'dissolve') return undefined;
  const { before, after } = c.transition;
  return xml(
    'transition',
    {
      name: CROSS_DISSOLVE.name,
      offset: time(startFrame + c.recordIn - before),
      duration: time(before + after),
    },
    [xml('filter-video', { ref: CROSS_DISSOLVE.id, name: CROSS_DISSOLVE.name })],
  );
}

/** The edit's markers that fall in the clip, at their place in its own (source) time. */
function fcpxmlMarkers(
  framed: FramedTimeline,
  c: FramedClip,
  time: (frames: number) => string,
): XmlOut[] {
  const inClip = framed.markers.filter(({ at }) => at >= c.recordIn && at < c.recordIn + c.length);
  const notes = inClip.map(({ marker, at, length }) => ({
    at,
    length: Math.max(1, Math.min(length, c.recordIn + c.length - at)),
    value: marker.kind === 'scene' ? marker.name : `${marker.kind}: ${marker.name}`,
    note: marker.note,
  }));
  if (c.transition?.kind === 'wipe') {
    const frames = c.transition.before + c.transition.after;
    notes.push({ at: c.recordIn, length: 1, value: `wipe (${frames} frames)`, note: undefined });
  }
  return notes.map((n) =>
    xml('marker', {
      start: time(c.sourceIn + (n.at - c.recordIn)),
      duration: time(n.length),
      value: n.value,
      note: n.note,
    }),
  );
}

/** What an editor reads in Final Cut Pro's Notes column. */
function provenanceNote(p: ClipProvenance): string {
  const parts = [
    `shot ${p.shot_id}`,
    `take ${p.take}`,
    `${p.model} via ${p.provider}`,
    p.seed === null ? undefined : `seed ${p.seed}`,
    `$${p.cost_usd.toFixed(2)}`,
    `job ${p.job_id}`,
  ].filter((s) => s !== undefined);
  return `${parts.join(' · ')}\nprompt: ${p.prompt}`;
}

// ——— reading ———

function fail(message: string): never {
  throw new ShotrouterError('invalid_timeline', `FCPXML: ${message}`);
}

/** An exact rational number of seconds. */
interface Rat {
  n: bigint;
  d: bigint;
}

const ZERO: Rat = { n: 0n, d: 1n };

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

function norm(n: bigint, d: bigint): Rat {
  const g = gcd(n, d);
  return d < 0n ? { n: -n / g, d: -d / g } : { n: n / g, d: d / g };
}

const add = (a: Rat, b: Rat): Rat => norm(a.n * b.d + b.n * a.d, a.d * b.d);
const sub = (a: Rat, b: Rat): Rat => norm(a.n * b.d - b.n * a.d, a.d * b.d);
const half = (a: Rat): Rat => norm(a.n, a.d * 2n);
const secondsOf = (a: Rat): number => Number(a.n) / Number(a.d);
const isNegative = (a: Rat): boolean => a.n < 0n;

/** "1001/24000s", "5s", "0s" or "2.5s" as an exact rational; undefined when absent. */
function parseTime(value: string | undefined, element?: XmlElement): Rat | undefined {
  if (value === undefined) return undefined;
  const m = /^(-?\d+)(?:\/(\d+))?s$/.exec(value.trim());
  if (m) {
    const d = BigInt(m[2] ?? '1');
    if (d === 0n) fail(`time "${value}" divides by zero`);
    return norm(BigInt(m[1] as string), d);
  }
  const dec = /^(-?\d*)\.(\d+)s$/.exec(value.trim());
  if (dec) return norm(BigInt(`${dec[1]}${dec[2]}`), 10n ** BigInt(dec[2]?.length ?? 0));
  const where = element ? ` (<${element.name}> line ${element.line})` : '';
  return fail(`"${value}" is not a time${where}`);
}

const STORY_ELEMENTS = new Set([
  'asset-clip',
  'clip',
  'ref-clip',
  'sync-clip',
  'mc-clip',
  'audition',
  'gap',
  'title',
  'video',
  'audio',
]);

interface LaneEntry {
  at: Rat;
  length: Rat;
  items: ReadItem[];
  order: number;
}

/** `lane="0"` (or none) is the storyline itself; other lanes are connected to it. */
const isAnchored = (e: XmlElement): boolean =>
  e.attrs.lane !== undefined && Number(e.attrs.lane) !== 0;

class FcpxmlReader {
  private readonly resources = new Map<string, XmlElement>();
  private readonly lanes = new Map<number, LaneEntry[]>();
  private laneOrder = 0;
  /** storyline items whose media carries sound (an asset-clip of an asset with audio) */
  private readonly withSound = new Set<ReadItem>();

  constructor(root: XmlElement) {
    for (const r of childElements(firstChild(root, 'resources') ?? root)) {
      if (r.attrs.id !== undefined) this.resources.set(r.attrs.id, r);
    }
  }

  read(sequence: XmlElement, title: string | undefined): ReadTimeline {
    const format = this.resources.get(sequence.attrs.format ?? '');
    const frame = parseTime(format?.attrs.frameDuration, format);
    const fps = frame && frame.n > 0n ? Number(frame.d) / Number(frame.n) : 24;
    const spine = firstChild(sequence, 'spine');
    if (!spine) fail(`the sequence (line ${sequence.line}) has no spine`);
    const primary: ReadTrack = { kind: 'video', name: 'primary storyline', items: [] };
    primary.items = this.spineItems(spine, ZERO, true);
    const lanes = this.laneTracks();
    const tracks = [primary, ...lanes.filter((t) => t.kind === 'video')];
    // the sound of the storyline's own clips, as the audio track other formats have
    if (primary.items.some((i) => this.withSound.has(i))) {
      tracks.push({
        kind: 'audio',
        name: 'primary storyline audio',
        items: primary.items.map((i) =>
          this.withSound.has(i) || i.kind === 'transition'
            ? i
            : { kind: 'gap', duration: i.duration },
        ),
      });
    }
    tracks.push(...lanes.filter((t) => t.kind === 'audio'));
    const result: ReadTimeline = { fps, tracks };
    if (title !== undefined) result.title = title;
    const tcStart = parseTime(sequence.attrs.tcStart, sequence);
    if (tcStart) result.globalStart = secondsOf(tcStart);
    if (sequence.attrs.tcFormat) result.dropFrame = sequence.attrs.tcFormat === 'DF';
    return result;
  }

  /**
   * The items of a storyline in order. `origin` is where the storyline starts on the
   * timeline; items anchored to its clips (connected clips, other storylines) are collected
   * into lanes when `collectLanes`.
   */
  private spineItems(spine: XmlElement, origin: Rat, collectLanes: boolean): ReadItem[] {
    const elements = childElements(spine);
    const firstStory = elements.find((e) => STORY_ELEMENTS.has(e.name));
    // the storyline's own clock: its first item's offset (the sequence's tcStart on the primary)
    const clockStart = parseTime(firstStory?.attrs.offset, firstStory) ?? ZERO;
    const items: ReadItem[] = [];
    let cursor = ZERO;
    for (const e of elements) {
      if (e.name === 'transition') {
        items.push(this.transition(e, cursor, clockStart));
        continue;
      }
      if (!STORY_ELEMENTS.has(e.name) || isAnchored(e)) continue;
      const item = this.storyItem(e);
      items.push(item);
      if (collectLanes) this.collectAnchored(e, add(origin, cursor));
      cursor = add(cursor, this.durationOf(e));
    }
    return items;
  }

  private transition(e: XmlElement, cut: Rat, clockStart: Rat): ReadItem {
    const duration = parseTime(e.attrs.duration, e) ?? ZERO;
    const offset = parseTime(e.attrs.offset, e);
    // the transition overlaps the cut: `inOffset` before it, `outOffset` after it
    let before = offset === undefined ? half(duration) : sub(cut, sub(offset, clockStart));
    if (isNegative(before)) before = ZERO;
    let after = sub(duration, before);
    if (isNegative(after)) after = ZERO;
    const item: ReadItem = {
      kind: 'transition',
      duration: secondsOf(duration),
      inOffset: secondsOf(before),
      outOffset: secondsOf(after),
      transitionType: 'SMPTE_Dissolve',
    };
    if (e.attrs.name !== undefined) item.name = e.attrs.name;
    return item;
  }

  private durationOf(e: XmlElement): Rat {
    if (e.name === 'audition') {
      const pick = childElements(e).find((c) => STORY_ELEMENTS.has(c.name));
      return pick ? this.durationOf(pick) : ZERO;
    }
    return parseTime(e.attrs.duration, e) ?? this.assetOf(e)?.duration ?? ZERO;
  }

  private assetOf(e: XmlElement): { element: XmlElement; duration: Rat | undefined } | undefined {
    const r = this.resources.get(e.attrs.ref ?? '');
    if (r?.name !== 'asset') return undefined;
    return { element: r, duration: parseTime(r.attrs.duration, r) };
  }

  /** The first time of an element's own clock: its `start`, else its asset's start, else 0. */
  private localStart(e: XmlElement): Rat {
    const start = parseTime(e.attrs.start, e);
    if (start) return start;
    const asset = this.assetOf(e);
    return (asset && parseTime(asset.element.attrs.start, asset.element)) ?? ZERO;
  }

  /** The media an element shows at time `t` of its own clock, through nested containers. */
  private mediaAt(e: XmlElement, t: Rat): { asset?: XmlElement; time: Rat } {
    const asset = this.assetOf(e);
    if (asset) return { asset: asset.element, time: t };
    if (e.name !== 'clip' && e.name !== 'sync-clip') return { time: t };
    const inner = childElements(e).find(
      (c) => STORY_ELEMENTS.has(c.name) && c.name !== 'gap' && !isAnchored(c),
    );
    if (!inner) return { time: t };
    const innerOffset = parseTime(inner.attrs.offset, inner) ?? ZERO;
    return this.mediaAt(inner, add(sub(t, innerOffset), this.localStart(inner)));
  }

  private storyItem(e: XmlElement): ReadItem {
    if (e.name === 'audition') {
      const takes = childElements(e).filter((c) => STORY_ELEMENTS.has(c.name));
      const [pick, ...others] = takes;
      if (!pick) return { kind: 'gap', duration: 0 };
      const item = this.storyItem(pick);
      if (others.length > 0) item.alternates = others.map((o) => this.storyItem(o));
      return item;
    }
    const duration = secondsOf(this.durationOf(e));
    if (e.name === 'gap') {
      const gap: ReadItem = { kind: 'gap', duration };
      if (e.attrs.name !== undefined) gap.name = e.attrs.name;
      return gap;
    }
    const media = this.mediaAt(e, this.localStart(e));
    const item: ReadItem = { kind: 'clip', duration, sourceStart: secondsOf(media.time) };
    const name = e.attrs.name ?? media.asset?.attrs.name;
    if (name !== undefined) item.name = name;
    if (media.asset) {
      const reps = childElements(media.asset, 'media-rep');
      const rep = reps.find((r) => r.attrs.kind !== 'proxy-media') ?? reps[0];
      const src = rep?.attrs.src ?? media.asset.attrs.src;
      if (src !== undefined) item.file = mediaFileFromUrl(src);
      const length = parseTime(media.asset.attrs.duration, media.asset);
      if (length) item.mediaDuration = secondsOf(length);
    }
    item.metadata = this.clipMetadata(e);
    if (
      e.name === 'asset-clip' &&
      media.asset?.attrs.hasAudio === '1' &&
      e.attrs.srcEnable !== 'video'
    ) {
      this.withSound.add(item);
    }
    return item;
  }

  private clipMetadata(e: XmlElement): Record<string, unknown> {
    const ours: Record<string, unknown> = {};
    const other: Record<string, string> = {};
    for (const md of childElements(firstChild(e, 'metadata') ?? e, 'md')) {
      const key = md.attrs.key ?? '';
      const value =
        md.attrs.value ??
        childElements(md)
          .flatMap((a) => descendants(a, 'string').map(textOf))
          .join(', ');
      if (key.startsWith(MD_PREFIX)) ours[key.slice(MD_PREFIX.length)] = value;
      else other[key] = value;
    }
    const fcpxml: Record<string, unknown> = {};
    const note = firstChild(e, 'note');
    if (note) fcpxml.note = textOf(note);
    const keywords = childElements(e, 'keyword').map((k) => k.attrs.value ?? '');
    if (keywords.length > 0) fcpxml.keywords = keywords;
    const markers = childElements(e, 'marker').map((m) => m.attrs.value ?? '');
    if (markers.length > 0) fcpxml.markers = markers;
    if (Object.keys(other).length > 0) fcpxml.md = other;
    const ref = this.resources.get(e.attrs.ref ?? '');
    if (ref && ref.name !== 'asset') fcpxml.ref = ref.attrs.name ?? ref.attrs.id;
    const metadata: Record<string, unknown> = {};
    if (Object.keys(ours).length > 0) metadata.shotrouter = typedProvenance(ours);
    if (Object.keys(fcpxml).length > 0) metadata.fcpxml = fcpxml;
    return metadata;
  }

  /** Clips and storylines anchored to `parent` (which starts at `at` on the timeline). */
  private collectAnchored(parent: XmlElement, at: Rat): void {
    if (parent.name === 'audition') {
      // what is connected to an audition hangs from its pick
      const pick = childElements(parent).find((c) => STORY_ELEMENTS.has(c.name));
      if (pick) this.collectAnchored(pick, at);
      return;
    }
    const parentStart = this.localStart(parent);
    for (const child of childElements(parent)) {
      if (!isAnchored(child) || !(STORY_ELEMENTS.has(child.name) || child.name === 'spine')) {
        continue;
      }
      const lane = Number(child.attrs.lane);
      if (!Number.isInteger(lane)) fail(`lane "${child.attrs.lane}" (line ${child.line})`);
      const offset = parseTime(child.attrs.offset, child) ?? ZERO;
      const where = add(at, sub(offset, parentStart));
      let items: ReadItem[];
      let length: Rat;
      if (child.name === 'spine') {
        items = this.spineItems(child, where, false);
        length = childElements(child)
          .filter((c) => STORY_ELEMENTS.has(c.name) && !isAnchored(c))
          .reduce((sum, c) => add(sum, this.durationOf(c)), ZERO);
      } else {
        items = [this.storyItem(child)];
        length = this.durationOf(child);
      }
      const list = this.lanes.get(lane) ?? [];
      list.push({ at: where, length, items, order: this.laneOrder++ });
      this.lanes.set(lane, list);
    }
  }

  /** One track per lane: video lanes upward from 1, then audio lanes downward from -1. */
  private laneTracks(): ReadTrack[] {
    const rank = (lane: number) => (lane > 0 ? lane : 1_000_000 - lane);
    const lanes = [...this.lanes.keys()].sort((a, b) => rank(a) - rank(b));
    return lanes.map((lane) => {
      const entries = (this.lanes.get(lane) ?? []).sort((a, b) =>
        a.at.n * b.at.d === b.at.n * a.at.d
          ? a.order - b.order
          : a.at.n * b.at.d < b.at.n * a.at.d
            ? -1
            : 1,
      );
      const items: ReadItem[] = [];
      let cursor = ZERO;
      for (const entry of entries) {
        const gap = sub(entry.at, cursor);
        if (gap.n > 0n) items.push({ kind: 'gap', duration: secondsOf(gap) });
        items.push(...entry.items);
        cursor = add(entry.at, entry.length);
      }
      return { kind: lane > 0 ? 'video' : 'audio', name: `lane ${lane}`, items };
    });
  }
}

function typedProvenance(raw: Record<string, unknown>): Record<string, unknown> {
  const typed: Record<string, unknown> = { ...raw };
  for (const k of ['cost_usd', 'take'] as const) {
    if (typeof raw[k] === 'string') typed[k] = Number(raw[k]);
  }
  typed.seed = typeof raw.seed === 'string' ? Number(raw.seed) : null;
  return Object.fromEntries(
    [...PROVENANCE_FIELDS, ...Object.keys(typed)]
      .filter((k, i, all) => all.indexOf(k) === i && k in typed)
      .map((k) => [k, typed[k]]),
  );
}

/**
 * Reads an FCPXML document (any version with the 1.x structure): the first project's
 * sequence, or, when there is no project, the first compound clip's. The primary storyline
 * is the first video track; connected clips and secondary storylines become one track per
 * lane (positive lanes video, negative lanes audio). An audition reads as its pick, with the
 * other takes as `alternates`. A `clip` or `sync-clip` container reads as the media of its
 * first storyline element, mapped through the containers' timing.
 */
export function readFcpxml(text: string): ReadTimeline {
  const root = parseXml(text);
  if (root.name !== 'fcpxml') fail(`the root element is <${root.name}>, not <fcpxml>`);
  const reader = new FcpxmlReader(root);
  const project = descendants(root, 'project')[0];
  const projectSequence = project && firstChild(project, 'sequence');
  if (project && projectSequence) return reader.read(projectSequence, project.attrs.name);
  for (const media of descendants(root, 'media')) {
    const sequence = firstChild(media, 'sequence');
    if (sequence) return reader.read(sequence, media.attrs.name);
  }
  return fail('the document has no project and no compound clip with a sequence');
}
