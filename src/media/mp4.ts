/**
 * A minimal reader of ISO-BMFF (MP4/MOV) headers: per track, the handler, timescale,
 * duration, frame timing, display matrix and codec sample description. It reads only the
 * `moov` box, in-process, in about a millisecond: deciding whether a hundred clips can be
 * joined by stream copy with ffprobe would cost a process start per clip, several times the
 * join itself.
 */
import { open } from 'node:fs/promises';

export interface IsoTrack {
  /** 'vide', 'soun', … */
  handler: string;
  timescale: number;
  /** media duration in `timescale` units */
  duration: number;
  sampleCount: number;
  /** the usual sample duration (the one most samples have), in `timescale` units */
  sampleDelta: number;
  /** every sample but possibly the last has `sampleDelta` */
  constantRate: boolean;
  /** no edit list, or a single edit that only skips a lead-in (encoder delay) */
  simpleEdit: boolean;
  /** a single edit's length in `timescale` units (converted from the movie's timescale) */
  editSpan?: number;
  /** where a single edit starts in the media (the lead-in it skips), in `timescale` units */
  editStart: number;
  /**
   * the 1-based numbers of the samples a decoder can start from (`stss`), ascending; undefined
   * when the track has no such list, which means every sample is one
   */
  syncSamples?: readonly number[];
  /** samples are shown in another order than stored (a `ctts` box: B-frames) */
  reordered: boolean;
  /** the 36-byte display matrix of `tkhd` (rotation, flips) */
  matrix: Buffer;
  /** the first sample description, e.g. 'avc1' */
  sampleEntryType: string;
  /** that sample description, less what differs between encodes of the same stream format */
  sampleEntry: Buffer;
  /** the coded picture size, for video tracks */
  width?: number;
  height?: number;
  /**
   * the first sample description's own boxes by type (avcC, pasp, colr, esds, …); for sound,
   * of ISO and QuickTime version 0 and 1 entries only
   */
  entryBoxes: ReadonlyMap<string, Buffer>;
}

const TOP_LEVEL = new Set([
  'ftyp',
  'styp',
  'moov',
  'mdat',
  'free',
  'skip',
  'wide',
  'pdin',
  'uuid',
  'meta',
  'sidx',
  'moof',
  'mfra',
]);
const MAX_MOOV_BYTES = 256 * 1024 * 1024;
/** size of the fields of a VisualSampleEntry before its child boxes (ISO 14496-12 §12.1.3) */
const VISUAL_ENTRY_FIELDS = 8 + 78;
/** offset of the 32-byte compressorname within those fields, after the box header */
const COMPRESSOR_NAME = 42;
/** where an AudioSampleEntry's child boxes start, after its header, by QuickTime version */
const SOUND_ENTRY_FIELDS: Readonly<Record<number, number>> = { 0: 28, 1: 44 };

/** The tracks of an MP4/MOV file, or undefined when the file is not one (or is fragmented). */
export async function readIsoTracks(file: string): Promise<IsoTrack[] | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const header = Buffer.alloc(16);
    let position = 0;
    for (let boxes = 0; position + 8 <= fileSize && boxes < 10_000; boxes++) {
      await handle.read(header, 0, 16, position);
      let size = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (!TOP_LEVEL.has(type)) return undefined;
      let headerSize = 8;
      if (size === 1) {
        size = Number(header.readBigUInt64BE(8));
        headerSize = 16;
      } else if (size === 0) {
        size = fileSize - position;
      }
      if (size < headerSize) return undefined;
      if (type === 'moov') {
        if (size > MAX_MOOV_BYTES) return undefined;
        const moov = Buffer.alloc(size - headerSize);
        const { bytesRead } = await handle.read(moov, 0, moov.length, position + headerSize);
        return bytesRead === moov.length ? parseMoov(moov) : undefined;
      }
      position += size;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

interface Box {
  type: string;
  /** the box's payload, after its header */
  body: Buffer;
  /** where the whole box (header included) lies in the parent buffer */
  start: number;
  end: number;
}

function* childBoxes(buffer: Buffer): Generator<Box> {
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    let size = buffer.readUInt32BE(offset);
    let headerSize = 8;
    if (size === 1) {
      if (offset + 16 > buffer.length) return;
      size = Number(buffer.readBigUInt64BE(offset + 8));
      headerSize = 16;
    } else if (size === 0) {
      size = buffer.length - offset;
    }
    if (size < headerSize || offset + size > buffer.length) return;
    yield {
      type: buffer.toString('latin1', offset + 4, offset + 8),
      body: buffer.subarray(offset + headerSize, offset + size),
      start: offset,
      end: offset + size,
    };
    offset += size;
  }
}

function child(buffer: Buffer | undefined, path: string): Buffer | undefined {
  let current = buffer;
  for (const type of path.split('.')) {
    if (current === undefined) return undefined;
    let next: Buffer | undefined;
    for (const box of childBoxes(current)) {
      if (box.type === type) {
        next = box.body;
        break;
      }
    }
    current = next;
  }
  return current;
}

function parseMoov(moov: Buffer): IsoTrack[] | undefined {
  if (child(moov, 'mvex') !== undefined) return undefined; // fragmented: samples live elsewhere
  const tracks: IsoTrack[] = [];
  try {
    const mvhd = child(moov, 'mvhd');
    const movieTimescale = mvhd && (mvhd[0] === 1 ? mvhd.readUInt32BE(20) : mvhd.readUInt32BE(12));
    for (const box of childBoxes(moov)) {
      if (box.type !== 'trak') continue;
      const track = parseTrack(box.body, movieTimescale);
      if (track === undefined) return undefined;
      tracks.push(track);
    }
  } catch (error) {
    if (error instanceof RangeError) return undefined; // a truncated or corrupt header
    throw error;
  }
  return tracks;
}

function parseTrack(trak: Buffer, movieTimescale: number | undefined): IsoTrack | undefined {
  const tkhd = child(trak, 'tkhd');
  const mdhd = child(trak, 'mdia.mdhd');
  const hdlr = child(trak, 'mdia.hdlr');
  const stbl = child(trak, 'mdia.minf.stbl');
  const stsd = child(stbl, 'stsd');
  const stts = child(stbl, 'stts');
  if (!tkhd || !mdhd || !hdlr || !stsd || !stts) return undefined;

  const matrixOffset = tkhd[0] === 1 ? 52 : 40;
  const matrix = Buffer.from(tkhd.subarray(matrixOffset, matrixOffset + 36));
  const timescale = mdhd[0] === 1 ? mdhd.readUInt32BE(20) : mdhd.readUInt32BE(12);
  const duration = mdhd[0] === 1 ? Number(mdhd.readBigUInt64BE(24)) : mdhd.readUInt32BE(16);
  const handler = hdlr.toString('latin1', 8, 12);

  const timing = sampleTiming(stts);
  const edits = editsOf(child(trak, 'edts.elst'));
  const edit = edits.only;
  const entries = [...childBoxes(stsd.subarray(8))];
  const first = entries[0];
  if (first === undefined) return undefined;
  const sampleEntry =
    handler === 'vide' ? decodingDescription(first.type, first.body) : Buffer.from(first.body);
  const childrenAt =
    handler === 'vide'
      ? VISUAL_ENTRY_FIELDS - 8
      : handler === 'soun'
        ? soundEntryBoxesAt(first.body)
        : undefined;

  return {
    handler,
    timescale,
    duration,
    ...timing,
    // at most one edit, starting anywhere in the media (a lead-in skip), at normal speed
    simpleEdit: edits.count === 0 || (edit !== undefined && edit.mediaTime >= 0 && edit.rate === 1),
    editStart: Math.max(0, edit?.mediaTime ?? 0),
    ...syncSamplesOf(child(stbl, 'stss')),
    ...(edit === undefined || !movieTimescale
      ? {}
      : { editSpan: (edit.span * timescale) / movieTimescale }),
    reordered: child(stbl, 'ctts') !== undefined,
    matrix,
    sampleEntryType: first.type,
    sampleEntry,
    ...(handler === 'vide' && first.body.length >= 28
      ? { width: first.body.readUInt16BE(24), height: first.body.readUInt16BE(26) }
      : {}),
    entryBoxes: childrenAt === undefined ? new Map() : boxesByType(first.body.subarray(childrenAt)),
  };
}

/** Where an AudioSampleEntry's boxes start; undefined for versions other than 0 and 1. */
function soundEntryBoxesAt(body: Buffer): number | undefined {
  return body.length < 28 ? undefined : SOUND_ENTRY_FIELDS[body.readUInt16BE(8)];
}

/** Boxes by type, the first of each; a QuickTime `wave` box's own are looked into too. */
function boxesByType(buffer: Buffer): Map<string, Buffer> {
  const boxes = new Map<string, Buffer>();
  for (const box of childBoxes(buffer)) {
    if (!boxes.has(box.type)) boxes.set(box.type, box.body);
    if (box.type === 'wave') {
      for (const inner of childBoxes(box.body)) {
        if (!boxes.has(inner.type)) boxes.set(inner.type, inner.body);
      }
    }
  }
  return boxes;
}

/**
 * What an `esds` box (ISO 14496-1 §7.2.6.5, after its version and flags) says of the stream:
 * its objectTypeIndication (0x40: MPEG-4 audio) and its decoder-specific info. Undefined when
 * it is not laid out as expected.
 */
export function esdsDecoderConfig(
  esds: Buffer,
): { objectTypeIndication: number; specificInfo?: Buffer } | undefined {
  let at = 4;
  const descriptor = (tag: number): number | undefined => {
    if (esds[at] !== tag) return undefined;
    at++;
    let size = 0;
    for (let i = 0; i < 4; i++) {
      const byte = esds[at++];
      if (byte === undefined) return undefined;
      size = size * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) break;
    }
    return at + size <= esds.length ? size : undefined;
  };
  if (descriptor(0x03) === undefined) return undefined;
  const flags = esds[at + 2];
  if (flags === undefined) return undefined;
  at += 3; // ES_ID, flags
  if (flags & 0x80) at += 2; // dependsOn_ES_ID
  if (flags & 0x40) at += 1 + (esds[at] ?? 0); // URL
  if (flags & 0x20) at += 2; // OCR_ES_Id
  if (descriptor(0x04) === undefined) return undefined;
  const objectTypeIndication = esds[at];
  if (objectTypeIndication === undefined) return undefined;
  at += 13; // objectTypeIndication, streamType, bufferSizeDB, maxBitrate, avgBitrate
  const size = descriptor(0x05);
  return size === undefined
    ? { objectTypeIndication }
    : { objectTypeIndication, specificInfo: esds.subarray(at, at + size) };
}

function sampleTiming(
  stts: Buffer,
): Pick<IsoTrack, 'sampleCount' | 'sampleDelta' | 'constantRate'> {
  const entryCount = stts.readUInt32BE(4);
  let sampleCount = 0;
  let sampleDelta = 0;
  let most = 0;
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < entryCount; i++) {
    const count = stts.readUInt32BE(8 + i * 8);
    const delta = stts.readUInt32BE(12 + i * 8);
    runs.push([count, delta]);
    sampleCount += count;
    if (count > most) {
      most = count;
      sampleDelta = delta;
    }
  }
  const constantRate = runs.every(
    ([count, delta], i) => delta === sampleDelta || (i === runs.length - 1 && count === 1),
  );
  return { sampleCount, sampleDelta, constantRate };
}

/** How many edits an edit list holds, and the only one when there is exactly one. */
function editsOf(elst: Buffer | undefined): {
  count: number;
  /** span in the movie's timescale; media time (where it starts) in the track's */
  only?: { span: number; mediaTime: number; rate: number };
} {
  if (elst === undefined) return { count: 0 };
  const count = elst.readUInt32BE(4);
  if (count !== 1) return { count };
  const v1 = elst[0] === 1;
  return {
    count,
    only: {
      span: v1 ? Number(elst.readBigUInt64BE(8)) : elst.readUInt32BE(8),
      mediaTime: v1 ? Number(elst.readBigInt64BE(16)) : elst.readInt32BE(12),
      rate: v1 ? elst.readInt16BE(24) : elst.readInt16BE(16),
    },
  };
}

function syncSamplesOf(stss: Buffer | undefined): Pick<IsoTrack, 'syncSamples'> {
  if (stss === undefined) return {};
  const count = stss.readUInt32BE(4);
  // a count the box cannot hold is a corrupt header (read as such by readIsoTracks)
  if (8 + count * 4 > stss.length) throw new RangeError('stss entry count past its box');
  const numbers = new Array<number>(count);
  for (let i = 0; i < count; i++) numbers[i] = stss.readUInt32BE(8 + i * 4);
  return { syncSamples: numbers };
}

/** Whether a decoder can start at sample `index` (0-based) of `track`. */
export function isSyncSample(track: IsoTrack, index: number): boolean {
  const numbers = track.syncSamples;
  if (numbers === undefined) return true;
  // a binary search: the list is ascending (ISO 14496-12 §8.6.2)
  let low = 0;
  let high = numbers.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const number = numbers[middle]!;
    if (number === index + 1) return true;
    if (number < index + 1) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/**
 * The sample entry as far as decoding is concerned: without its `btrt` child (per-file
 * bitrates) and with the compressor name blanked (it names the encoder's version).
 */
function decodingDescription(type: string, body: Buffer): Buffer {
  const fields = VISUAL_ENTRY_FIELDS - 8;
  if (body.length < fields) return Buffer.from(body);
  const children = body.subarray(fields);
  const head = Buffer.from(body.subarray(0, fields));
  head.fill(0, COMPRESSOR_NAME, COMPRESSOR_NAME + 32);
  const kept: Buffer[] = [Buffer.from(type, 'latin1'), head];
  for (const box of childBoxes(children)) {
    if (box.type !== 'btrt') kept.push(children.subarray(box.start, box.end));
  }
  return Buffer.concat(kept);
}
