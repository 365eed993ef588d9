/**
 * CMX3600 edit decision lists, written and read by our own code.
 *
 * Written: `TITLE:`, `FCM: NON-DROP FRAME` (or `FCM: DROP FRAME` at 29.97 and 59.94, with
 * `;` before the frames, as broadcast practice has it), then one cut event per clip: reel `AX`
 * (a file-based source), channels `V` (or `AA/V` when the media has sound), source in/out
 * from 00:00:00:00 in the media, record in/out from 01:00:00:00. Every line fits 80 columns
 * and is ASCII. Each event carries comment lines:
 *
 *   * FROM CLIP NAME: s01                      the clip's name (ASCII, shortened to fit)
 *   * SOURCE FILE: media/ab12.mp4              when the path fits on the line
 *   * COMMENT: SHOTROUTER SHOT_ID s01          provenance, one field a line
 *   * COMMENT: SHOTROUTER PROMPT "Wide shot…"  JSON-quoted (\uXXXX for non-ASCII) when the
 *   * COMMENT: SHOTROUTER PROMPT+ …            value is not a plain word; `KEY+` continues it
 *   * COMMENT: SHOTROUTER ALT1.TAKE 2          the other takes, field by field
 *
 * so a reader gets every value back exactly, while an editor reads them as comments.
 */

import { ShotrouterError } from '../errors.ts';
import { edlCommentLines } from './comments.ts';
import { type FramedClip, type FramedTimeline, frameTimeline } from './plan.ts';
import { audioRecord, PROVENANCE_FIELDS } from './provenance.ts';
import { fpsOf, frameRateOf, framesToSeconds } from './rate.ts';
import { framesToTimecode, timecodeToFrames } from './timecode.ts';
import type {
  ClipProvenance,
  FrameRate,
  ReadItem,
  ReadTimeline,
  ReadTrack,
  Timeline,
  TimelineMarker,
} from './types.ts';

/** The classic line width of an EDL. */
export const EDL_LINE_WIDTH = 80;
const TITLE_WIDTH = 70;
const MARK = 'SHOTROUTER';
const COMMENT = `* COMMENT: ${MARK} `;

type FieldKey = Uppercase<keyof ClipProvenance>;
const FIELD_KEYS = PROVENANCE_FIELDS.map((f) => f.toUpperCase() as FieldKey);

export function writeEdl(timeline: Timeline): string {
  const framed = frameTimeline(timeline);
  const { rate, dropFrame } = framed;
  const tc = (frames: number) => framesToTimecode(frames, rate, dropFrame);
  const channels = timeline.audio ? 'AA/V' : 'V';
  const lines = [
    `TITLE: ${ascii(timeline.title).slice(0, TITLE_WIDTH)}`.trimEnd(),
    `FCM: ${dropFrame ? 'DROP FRAME' : 'NON-DROP FRAME'}`,
  ];
  const spans = edlSpans(framed.clips);
  framed.clips.forEach((c, index) => {
    // CMX event numbers have three digits; past 999 they wrap (record times keep the order)
    const event = String((index % 999) + 1).padStart(3, '0');
    const span = spans[index]!;
    const recordIn = framed.startFrame + span.recordIn;
    const line = (effect: string, from: number, to: number, recIn: number, recOut: number) =>
      [
        `${event}  ${'AX'.padEnd(8)} ${channels.padEnd(6)}${effect.padEnd(9)}`,
        `${tc(from)} ${tc(to)} ${tc(recIn)} ${tc(recOut)}`,
      ].join('');
    if (c.transition !== undefined) {
      // a dissolve or wipe: the outgoing clip where the transition starts, then the incoming
      const previous = spans[index - 1]!;
      const outgoing = framed.clips[index - 1]!.sourceIn + previous.length;
      lines.push(line('C', outgoing, outgoing, recordIn, recordIn));
      const frames = c.transition.before + c.transition.after;
      const code = c.transition.kind === 'wipe' ? 'W001' : 'D';
      lines.push(
        line(
          `${code.padEnd(5)}${String(frames).padStart(3, '0')}`,
          span.sourceIn,
          span.sourceIn + span.length,
          recordIn,
          recordIn + span.length,
        ),
      );
    } else {
      lines.push(
        line('C', span.sourceIn, span.sourceIn + span.length, recordIn, recordIn + span.length),
      );
    }
    lines.push(...identityLines(c.take));
    lines.push(...edlLocators(framed, span, tc));
    lines.push(...edlCommentLines(c.take.comments, c, rate, tc, EDL_LINE_WIDTH));
    lines.push(...provenanceLines(c.take.metadata, '', undefined));
    if (c.mediaLength !== undefined) lines.push(...field('MEDIA_DURATION', tc(c.mediaLength)));
    // a locator at the record timecode (as Avid writes them), then the note in full as ours
    c.markers.forEach((m, i) => {
      lines.push(
        `* LOC: ${tc(recordIn + m.frame)} RED     ${ascii(m.name)}`.slice(0, EDL_LINE_WIDTH),
      );
      lines.push(...field(`MARKER${i + 1}`, `${m.name}: ${m.note}`));
    });
    c.alternates.forEach((alt, i) => {
      const key = `ALT${i + 1}.`;
      lines.push(...field(`${key}NAME`, alt.take.name));
      lines.push(...field(`${key}FILE`, alt.take.file));
      lines.push(...field(`${key}SRC_IN`, tc(alt.sourceIn)));
      lines.push(...field(`${key}SRC_OUT`, tc(alt.sourceIn + alt.length)));
      if (alt.mediaLength !== undefined) {
        lines.push(...field(`${key}MEDIA_DURATION`, tc(alt.mediaLength)));
      }
      lines.push(...provenanceLines(alt.take.metadata, key, c.take.metadata.prompt));
    });
  });
  // music, narration and voices: cut events on the audio channels after the clips' own (A1, A2
  // when the media has sound), one channel per track
  let event = framed.clips.length;
  framed.audioTracks.forEach((t, i) => {
    const channel = `A${i + (timeline.audio ? 3 : 1)}`;
    for (const c of t.clips) {
      const number = String((event++ % 999) + 1).padStart(3, '0');
      const recordIn = framed.startFrame + c.recordIn;
      lines.push(
        [
          `${number}  ${'AX'.padEnd(8)} ${channel.padEnd(6)}${'C'.padEnd(9)}`,
          `${tc(c.sourceIn)} ${tc(c.sourceIn + c.length)} ${tc(recordIn)} ${tc(recordIn + c.length)}`,
        ].join(''),
      );
      lines.push(...identityLines(c.clip));
      for (const [key, value] of Object.entries(audioRecord(c.clip))) {
        if (value !== null) lines.push(...field(`AUDIO.${key.toUpperCase()}`, String(value)));
      }
    }
  });
  return `${lines.join('\n')}\n`;
}

interface EdlSpan {
  sourceIn: number;
  recordIn: number;
  length: number;
}

/**
 * Each clip's event in frames. An EDL transition starts at its record in: the clip before
 * ends where the transition starts, and the incoming clip's event begins there, `before`
 * frames earlier in its source than the centred cut the other timelines keep.
 */
function edlSpans(clips: readonly FramedClip[]): EdlSpan[] {
  return clips.map((c, i) => {
    const before = c.transition?.before ?? 0;
    const nextBefore = clips[i + 1]?.transition?.before ?? 0;
    return {
      sourceIn: c.sourceIn - before,
      recordIn: c.recordIn - before,
      length: c.length + before - nextBefore,
    };
  });
}

const LOCATOR_COLORS: Record<TimelineMarker['kind'], string> = {
  scene: 'PURPLE',
  title: 'CYAN',
  caption: 'YELLOW',
  fade: 'ORANGE',
  transition: 'GREEN',
};

/** The edit's markers that fall in this event, as locator comments (`* LOC: tc COLOR text`). */
function edlLocators(
  framed: FramedTimeline,
  span: EdlSpan,
  tc: (frames: number) => string,
): string[] {
  return framed.markers
    .filter(({ at }) => at >= span.recordIn && at < span.recordIn + span.length)
    .map(({ marker, at }) =>
      `* LOC: ${tc(framed.startFrame + at)} ${LOCATOR_COLORS[marker.kind].padEnd(7)} ${marker.kind.toUpperCase()}: ${ascii(marker.name)}`
        .slice(0, EDL_LINE_WIDTH)
        .trimEnd(),
    );
}

/** The clip's name and file as the usual comments, and exactly (as ours) when those can't. */
function identityLines({ name, file }: { name: string; file: string }): string[] {
  const lines: string[] = [];
  const nameLine = `* FROM CLIP NAME: ${ascii(name)}`;
  lines.push(nameLine.slice(0, EDL_LINE_WIDTH));
  if (nameLine.length > EDL_LINE_WIDTH || ascii(name) !== name) {
    lines.push(...field('NAME', name));
  }
  const fileLine = `* SOURCE FILE: ${file}`;
  const plain = ascii(file) === file && file.trim() === file;
  if (fileLine.length <= EDL_LINE_WIDTH && plain) {
    lines.push(fileLine);
  } else lines.push(...field('FILE', file));
  return lines;
}

function provenanceLines(p: ClipProvenance, key: string, pickPrompt: string | undefined): string[] {
  return PROVENANCE_FIELDS.flatMap((f) => {
    // an alternate made from the same prompt does not repeat it
    if (f === 'prompt' && pickPrompt !== undefined && p.prompt === pickPrompt) return [];
    const value = p[f];
    return field(`${key}${f.toUpperCase()}`, value === null ? 'null' : String(value));
  });
}

/** `* COMMENT: SHOTROUTER KEY value`, continued on `KEY+` lines when too long. */
function field(key: string, value: string): string[] {
  // pieces break between escape sequences, never inside one
  const atoms = encodeValue(value).match(/\\u[0-9a-f]{4}|\\.|[\s\S]/g) ?? [];
  const lines: string[] = [];
  let prefix = `${COMMENT}${key} `;
  let at = 0;
  do {
    const room = EDL_LINE_WIDTH - prefix.length;
    let end = at;
    let width = 0;
    while (end < atoms.length && width + (atoms[end] as string).length <= room) {
      width += (atoms[end] as string).length;
      end++;
    }
    // trailing spaces do not survive editing programs: never end a piece on one
    while (end < atoms.length && end > at + 1 && atoms[end - 1] === ' ') end--;
    lines.push(`${prefix}${atoms.slice(at, end).join('')}`);
    at = end;
    prefix = `${COMMENT}${key}+ `;
  } while (at < atoms.length);
  return lines;
}

/**
 * A plain word (printable ASCII, no spaces) as itself; anything else as a JSON string with
 * every non-ASCII character escaped and no two spaces in a row (so a line never has to
 * end on a space).
 */
function encodeValue(value: string): string {
  if (/^[!-~]+$/.test(value) && !value.startsWith('"')) return value;
  return JSON.stringify(value)
    .replace(/[^ -~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/ (?= )/g, '\\u0020');
}

function decodeValue(text: string): string {
  if (!text.startsWith('"')) return text;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : text;
  } catch {
    return text;
  }
}

/** ASCII for EDL fields: accents dropped, dashes and quotes plain, others '?', no line breaks. */
function ascii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u2018\u2019\u201a\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^ -~]/gu, '?');
}

// ——— reading ———

interface EdlEvent {
  line: number;
  reel: string;
  channels: string;
  transition: string;
  transitionFrames: number;
  srcIn: number;
  srcOut: number;
  recIn: number;
  recOut: number;
  comments: string[];
}

const TIMECODE_TOKEN = /^\d{1,2}[:;.]\d{2}[:;.]\d{2}[:;.,]\d{2,3}$/;
const CLIP_NAME = /^\*?\s*(FROM|TO) CLIP NAME:\s*(.*)$/i;
/** `COMMENT: SHOTROUTER KEY value` or `KEY+ more` (the value keeps its spaces) */
const OUR_COMMENT = new RegExp(`^COMMENT:\\s*${MARK} (\\S+?)(\\+?) (.*)$`);

function fail(line: number, message: string): never {
  throw new ShotrouterError('invalid_timeline', `EDL line ${line}: ${message}`, {
    details: { line },
  });
}

/**
 * Reads a CMX3600 EDL. An EDL does not say its frame rate: pass `fps` (default 24, or 29.97
 * when the list is drop-frame); a timecode with a frame number the rate does not have is an
 * error rather than a silent misreading. Events go to a video track and one audio track per
 * channel (A1, A2, …) as their channels say; record gaps become gaps; a dissolve or wipe is a
 * transition of its length that starts at the cut (`inOffset` 0, `outOffset` its length),
 * followed by the incoming clip. `globalStart` is the first record timecode.
 */
export function readEdl(text: string, fps?: number): ReadTimeline {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const firstFcm = lines.find((l) => /^\s*FCM:/i.test(l));
  const anyDropFrame = firstFcm !== undefined && /:\s*DROP/i.test(firstFcm);
  const rate = frameRateOf(fps ?? (anyDropFrame ? 30000 / 1001 : 24));
  let title: string | undefined;
  let dropFrame: boolean | undefined;
  let sawDropFrame = false;
  const events: EdlEvent[] = [];

  const frames = (token: string, lineNo: number): number => {
    const df = dropFrame ?? token.includes(';');
    try {
      return timecodeToFrames(token, rate, df);
    } catch (error) {
      return fail(lineNo, (error as Error).message);
    }
  };

  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '') continue;
    if (/^TITLE:/i.test(line)) {
      title = line.slice(6).trim();
      continue;
    }
    if (/^FCM:/i.test(line)) {
      dropFrame = /:\s*DROP/i.test(line);
      sawDropFrame ||= dropFrame;
      continue;
    }
    if (line.startsWith('*') || CLIP_NAME.test(line)) {
      events.at(-1)?.comments.push(line.replace(/^\*\s*/, ''));
      continue;
    }
    const tokens = line.split(/\s+/);
    if (!/^\d{1,4}$/.test(tokens[0] ?? '') || tokens.length < 8) continue; // M2, SPLIT, notes
    const times = tokens.slice(-4);
    if (!times.every((t) => TIMECODE_TOKEN.test(t))) {
      fail(lineNo, 'an event needs source in/out and record in/out timecodes');
    }
    const [reel, channels, transition, ...extra] = tokens.slice(1, -4);
    if (reel === undefined || channels === undefined || transition === undefined) {
      fail(lineNo, 'an event needs a reel, channels and a transition');
    }
    const length = extra.find((t) => /^\d+$/.test(t));
    const [srcIn, srcOut, recIn, recOut] = times.map((t) => frames(t, lineNo)) as [
      number,
      number,
      number,
      number,
    ];
    events.push({
      line: lineNo,
      reel,
      channels: channels.toUpperCase(),
      transition: transition.toUpperCase(),
      transitionFrames: length === undefined ? 0 : Number(length),
      srcIn,
      srcOut,
      recIn,
      recOut,
      comments: [],
    });
  }

  const seconds = (f: number) => framesToSeconds(f, rate);
  const start = Math.min(...events.map((e) => e.recIn));
  const tracks = new Map<string, { track: ReadTrack; cursor: number }>();
  for (const event of events) {
    // the outgoing side of a dissolve is a zero-length cut: the clip before already shows it
    if (event.recOut === event.recIn && event.transition === 'C') continue;
    const clip = clipOf(event, rate);
    for (const key of trackKeys(event.channels)) {
      let entry = tracks.get(key);
      if (!entry) {
        entry = {
          track: { kind: key === 'V' ? 'video' : 'audio', name: key, items: [] },
          cursor: start,
        };
        tracks.set(key, entry);
      }
      const { track } = entry;
      if (event.recIn > entry.cursor) {
        track.items.push({ kind: 'gap', duration: seconds(event.recIn - entry.cursor) });
      }
      if (event.transition !== 'C' && event.transitionFrames > 0) {
        const overlap = seconds(event.transitionFrames);
        track.items.push({
          kind: 'transition',
          duration: overlap,
          inOffset: 0,
          outOffset: overlap,
          transitionType: event.transition.startsWith('W') ? 'SMPTE_Wipe' : 'SMPTE_Dissolve',
          metadata: { cmx_3600: { transition: event.transition } },
        });
      }
      track.items.push(structuredClone(clip));
      entry.cursor = Math.max(entry.cursor, event.recOut);
    }
  }
  const order = (key: string) => (key === 'V' ? 0 : Number(key.slice(1)));
  const result: ReadTimeline = {
    fps: fpsOf(rate),
    tracks: [...tracks.entries()].sort((a, b) => order(a[0]) - order(b[0])).map(([, e]) => e.track),
  };
  if (title !== undefined) result.title = title;
  if (events.length > 0) result.globalStart = seconds(start);
  if (dropFrame !== undefined || sawDropFrame) result.dropFrame = sawDropFrame;
  return result;
}

/** V, A, A2, AA, B (= A1 + V), AA/V, A2/V, NONE … as track names V, A1, A2, … */
function trackKeys(channels: string): string[] {
  const keys = new Set<string>();
  for (const part of channels.split('/')) {
    if (part === 'V') keys.add('V');
    else if (part === 'B') keys.add('V').add('A1');
    else if (part === 'AA') keys.add('A1').add('A2');
    else {
      const m = /^A(\d*)$/.exec(part);
      if (m) keys.add(`A${m[1] || '1'}`);
    }
  }
  return [...keys];
}

function clipOf(event: EdlEvent, rate: FrameRate): ReadItem {
  const seconds = (f: number) => framesToSeconds(f, rate);
  const ours = new Map<string, string>();
  const comments: string[] = [];
  const locators: string[] = [];
  let fromName: string | undefined;
  let toName: string | undefined;
  let sourceFile: string | undefined;
  for (const comment of event.comments) {
    const name = CLIP_NAME.exec(comment);
    const mine = OUR_COMMENT.exec(comment);
    if (name) {
      if (name[1]?.toUpperCase() === 'TO') toName = name[2]?.trim();
      else fromName = name[2]?.trim();
    } else if (mine) {
      const [, key = '', more, value = ''] = mine;
      ours.set(key, more ? (ours.get(key) ?? '') + value : value);
    } else {
      if (/^SOURCE FILE:/i.test(comment)) sourceFile = comment.slice(12).trim();
      else if (/^FROM CLIP:/i.test(comment)) sourceFile ??= comment.slice(10).trim();
      if (/^LOC:/i.test(comment)) locators.push(comment.slice(4).trim());
      else comments.push(comment);
    }
  }
  const value = (key: string) => {
    const v = ours.get(key);
    return v === undefined ? undefined : decodeValue(v);
  };
  const frames = (key: string) => {
    const v = value(key);
    return v === undefined ? undefined : timecodeFrames(v, rate, event.line);
  };

  const isDissolve = event.transition !== 'C';
  const item: ReadItem = {
    kind: 'clip',
    sourceStart: seconds(event.srcIn),
    duration: seconds(event.recOut - event.recIn),
  };
  const name = value('NAME') ?? (isDissolve ? (toName ?? fromName) : fromName);
  if (name !== undefined) item.name = name;
  const file = value('FILE') ?? sourceFile;
  if (file !== undefined) item.file = file;
  const mediaFrames = frames('MEDIA_DURATION');
  if (mediaFrames !== undefined) item.mediaDuration = seconds(mediaFrames);

  const cmx: Record<string, unknown> = { reel: event.reel, comments };
  if (locators.length > 0) cmx.locators = locators;
  const sourceFrames = event.srcOut - event.srcIn;
  const recordFrames = event.recOut - event.recIn;
  // source and record lengths differ when the clip is retimed (the EDL's M2 lines say how)
  if (recordFrames > 0 && sourceFrames !== recordFrames) cmx.speed = sourceFrames / recordFrames;
  item.metadata = { cmx_3600: cmx };
  const provenance = readProvenance(value, '', undefined);
  if (provenance) item.metadata.shotrouter = provenance;

  const alternates: ReadItem[] = [];
  for (let n = 1; ours.has(`ALT${n}.NAME`) || ours.has(`ALT${n}.FILE`); n++) {
    const key = `ALT${n}.`;
    const srcIn = frames(`${key}SRC_IN`) ?? 0;
    const srcOut = frames(`${key}SRC_OUT`) ?? srcIn;
    const alt: ReadItem = {
      kind: 'clip',
      sourceStart: seconds(srcIn),
      duration: seconds(srcOut - srcIn),
    };
    const altName = value(`${key}NAME`);
    if (altName !== undefined) alt.name = altName;
    const altFile = value(`${key}FILE`);
    if (altFile !== undefined) alt.file = altFile;
    const altMedia = frames(`${key}MEDIA_DURATION`);
    if (altMedia !== undefined) alt.mediaDuration = seconds(altMedia);
    const altProvenance = readProvenance(value, key, provenance?.prompt);
    if (altProvenance) alt.metadata = { shotrouter: altProvenance };
    alternates.push(alt);
  }
  if (alternates.length > 0) item.alternates = alternates;
  return item;
}

function timecodeFrames(text: string, rate: FrameRate, line: number): number {
  try {
    return timecodeToFrames(text, rate, text.includes(';'));
  } catch (error) {
    return fail(line, (error as Error).message);
  }
}

/** Our provenance fields back with their types; an alternate without a prompt shares the pick's. */
function readProvenance(
  value: (key: string) => string | undefined,
  key: string,
  pickPrompt: string | undefined,
): ClipProvenance | undefined {
  const raw = Object.fromEntries(FIELD_KEYS.map((k) => [k, value(`${key}${k}`)]));
  if (Object.values(raw).every((v) => v === undefined)) return undefined;
  const num = (v: string | undefined) => (v === undefined || v === 'null' ? null : Number(v));
  return {
    shot_id: raw.SHOT_ID ?? '',
    model: raw.MODEL ?? '',
    provider: raw.PROVIDER ?? '',
    prompt: raw.PROMPT ?? pickPrompt ?? '',
    seed: num(raw.SEED),
    cost_usd: num(raw.COST_USD) ?? 0,
    take: num(raw.TAKE) ?? 0,
    job_id: raw.JOB_ID ?? '',
  };
}
