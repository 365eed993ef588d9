/**
 * The cut's AAC sound, encoded in pieces that join by copying packets, on one grid of
 * 1024-sample frames counted from the cut's first sample.
 *
 * AAC cannot be cut at a clip's own boundaries: every packet is 1024 samples, its transform
 * overlaps its neighbours', and each encode starts with a packet of priming. So the grid is
 * the cut's, not the clip's: clip i owns the frames that start inside it, and its segment is
 * encoded from the cut's sound around it, from PRE_ROLL frames before its first frame to
 * POST_ROLL frames after its last, keeping only its own packets. Segments encoded apart and
 * copied end to end then decode like one continuous encode (measured: the same error against
 * the source, to the hundredth of a dB, at every join; with one frame of context or none the
 * joins click). Only the cut's first segment keeps its priming packet, and the cut's mux says
 * so (an edit list skipping 1024 samples), so sound and picture start together.
 *
 * Each segment is kept in a cache folder under a name derived from what it was made of: the
 * identities and ranges of the sound around it, its place on the grid, the gain and the
 * encoder's settings. A cut joined again after one shot changed encodes only the segments
 * whose sound changed (that shot's and, through their context, its neighbours'). Segments that
 * are missing are encoded in runs, one ffmpeg per run, spread over the media processes.
 *
 * The gain (the cut's loudness) is part of a segment's name, not its key: segments can be
 * made ahead, as clips land, at the gain the sound so far calls for (prepareGridSound), and a
 * join whose exact gain is within a tolerance of theirs uses that gain for the whole cut
 * rather than encoding everything again (gainToleranceDb).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ShotrouterError } from '../errors.ts';
import { allOrAbort, localFile, mediaConcurrency, runFfmpeg } from './ffmpeg.ts';
import { writeAtomically } from './files.ts';
import { BUCKET, combinedLoudness, type LoudnessMeasure, meterOf } from './r128.ts';
import { AUDIO_RATE } from './rate.ts';
import { SIDECAR_FORMAT, SIDECAR_FRAME_BYTES } from './sound-sidecar.ts';

/** samples per AAC frame */
const FRAME = 1024;
/** frames of the cut's sound encoded before and after a segment's own (see the header) */
const PRE_ROLL = 2;
const POST_ROLL = 2;
/** segments read at once while the cut's sound is streamed */
const SEGMENTS_READ_AHEAD = 16;
/** bumped when what a cached segment holds changes meaning */
const SEGMENT_FORMAT = 1;

/** One clip's sound in the cut: a raw PCM file (the sidecar format) or silence. */
export interface SoundPiece {
  /** raw PCM holding exactly `samples` sample frames; undefined: silence */
  file: string | undefined;
  samples: number;
  /** what the sound is, for the cache: changes whenever its samples could */
  identity: string;
}

/** A place in a cut being made whose sound is not known yet (prepareGridSound). */
export interface MissingPiece {
  missing: true;
  samples: number;
}

export interface GridSoundOptions {
  pieces: readonly SoundPiece[];
  /** the encoder's arguments (AAC) */
  audioArgs: readonly string[];
  /** a gain in dB applied to every sample before encoding (the cut's loudness) */
  gainDb?: number;
  /**
   * Take the gain of segments already made when it is within this many dB of `gainDb` (the
   * one most of them share), and encode what is missing at it too: the whole cut keeps one
   * gain. Default 0: exactly `gainDb` (to a tenth of a dB).
   */
  gainToleranceDb?: number;
  /** at most this many ffmpeg runs at once (default: the media processes) */
  processes?: number;
  /** where segments are kept between joins */
  cacheDir: string;
  /** the ADTS stream written: every segment in order */
  output: string;
  /** where temporary files may go */
  workDir: string;
  signal?: AbortSignal;
}

interface Segment {
  /** its frames on the cut's grid, [first, end) */
  first: number;
  end: number;
  /** its name in the cache without the gain (see segmentFile) */
  key: string;
  /** whether its sound or its context includes a missing piece */
  incomplete: boolean;
}

/** A segment's file: its key and its gain in tenths of a dB. */
function segmentFile(cacheDir: string, key: string, gainDb: number): string {
  return path.join(cacheDir, `${key}.${Math.round(gainDb * 10)}.aac`);
}

/**
 * The cut's sound as one ADTS stream whose first packet is encoder priming (1024 samples a
 * player skips: see primingSeconds) and whose last is padded to a whole frame. The stream
 * flows at once: segments in the cache are read as they are, and the stream waits at a missing
 * one until it is encoded (they are, meanwhile, in runs over the media processes). Returns it with how
 * many segments are encoded, the gain used (see gainToleranceDb), and the bitstream filter
 * that gives the last packet its true length, so the mux ends the sound on the cut's last
 * sample. What the cache holds that this cut does not use is removed once the stream ends.
 */
async function streamGridSound(
  opts: Omit<GridSoundOptions, 'output'>,
): Promise<{ stream: AsyncIterable<Buffer>; encoded: number; gainDb: number; trimEnd: string }> {
  const total = opts.pieces.reduce((sum, piece) => sum + piece.samples, 0);
  if (total === 0) throw new ShotrouterError('media_failed', 'the cut has no sound to encode');
  const { segments, gainDb, missing } = await plan(opts.pieces, opts);
  const encoding = encodeMissing(missing, opts.pieces, gainDb, opts);
  // a failure is the stream's to report; until it is read, it must not go unhandled
  for (const done of encoding.values()) done.catch(() => {});
  const { cacheDir, signal } = opts;
  const read = async (segment: Segment) => {
    await encoding.get(segment);
    return readFile(segmentFile(cacheDir, segment.key, gainDb), { signal });
  };
  async function* stream(): AsyncGenerator<Buffer> {
    // segments are small (a second of sound is 24 KB): a few read ahead, in order
    const ahead: Array<Promise<Buffer>> = [];
    for (const segment of segments) {
      ahead.push(read(segment));
      // a failure is the stream's to report, in its turn
      ahead.at(-1)!.catch(() => {});
      if (ahead.length >= SEGMENTS_READ_AHEAD) yield await ahead.shift()!;
    }
    for (const next of ahead) yield await next;
    await pruneGridCache(cacheDir, opts.pieces, segments, gainDb);
  }
  const packets = Math.ceil(total / FRAME) + 1;
  const lastSamples = total - (packets - 2) * FRAME;
  return {
    stream: stream(),
    encoded: missing.length,
    gainDb,
    trimEnd: `setts=duration=if(eq(N\\,${packets - 1})\\,DURATION*${lastSamples}/${FRAME}\\,DURATION)`,
  };
}

/** streamGridSound, written to `opts.output`. */
export async function writeGridSound(
  opts: GridSoundOptions,
): Promise<{ encoded: number; gainDb: number; trimEnd: string }> {
  const { stream, ...made } = await streamGridSound(opts);
  await pipeline(stream, createWriteStream(opts.output));
  return made;
}

/**
 * Encodes ahead what can be of a cut still being made: every segment whose sound and context
 * are all known, at `gainDb` or at the gain of the segments already made when that is within
 * the tolerance. Returns how many it encoded.
 */
export async function prepareGridSound(
  opts: Omit<GridSoundOptions, 'pieces' | 'output'> & {
    pieces: ReadonlyArray<SoundPiece | MissingPiece>;
  },
): Promise<{ encoded: number; gainDb: number }> {
  const { gainDb, missing } = await plan(opts.pieces, opts);
  const known = missing.filter((segment) => !segment.incomplete);
  await Promise.all(encodeMissing(known, opts.pieces, gainDb, opts).values());
  return { encoded: known.length, gainDb };
}

/** Seconds of priming at the start of a stream written by writeGridSound. */
export const primingSeconds = FRAME / AUDIO_RATE;

/** The cut's segments, the gain they take, and those not in the cache at that gain. */
async function plan(
  pieces: ReadonlyArray<SoundPiece | MissingPiece>,
  opts: Pick<GridSoundOptions, 'audioArgs' | 'gainDb' | 'gainToleranceDb' | 'cacheDir'>,
): Promise<{ segments: Segment[]; gainDb: number; missing: Segment[] }> {
  await mkdir(opts.cacheDir, { recursive: true });
  const segments = planSegments(pieces, opts.audioArgs);
  const cached = new Set(await readdir(opts.cacheDir));
  const wanted = opts.gainDb ?? 0;
  const gainDb = sharedGain(segments, cached, wanted, opts.gainToleranceDb ?? 0);
  const missing = segments.filter(
    (segment) => !cached.has(path.basename(segmentFile('', segment.key, gainDb))),
  );
  return { segments, gainDb, missing };
}

/**
 * `wanted` to a tenth of a dB, or, within `tolerance` of it, the gain the most of `segments`
 * are cached at (the nearer on a tie).
 */
function sharedGain(
  segments: Segment[],
  cached: ReadonlySet<string>,
  wanted: number,
  tolerance: number,
): number {
  const exact = Math.round(wanted * 10) / 10;
  if (tolerance <= 0) return exact;
  const counts = new Map<number, number>();
  const keys = new Set(segments.map((segment) => segment.key));
  for (const name of cached) {
    const match = /^([0-9a-f]{32})\.(-?\d+)\.aac$/.exec(name);
    if (match === null || !keys.has(match[1]!)) continue;
    const gain = Number(match[2]) / 10;
    if (Math.abs(gain - wanted) <= tolerance) counts.set(gain, (counts.get(gain) ?? 0) + 1);
  }
  let best = exact;
  let bestCount = counts.get(exact) ?? 0;
  for (const [gain, count] of counts) {
    const nearer = Math.abs(gain - wanted) < Math.abs(best - wanted);
    if (count > bestCount || (count === bestCount && nearer)) {
      best = gain;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Removes what the cache holds that this cut does not use: segments from an earlier cut or
 * made ahead at a gain the cut did not take, and measures of sound no longer in it.
 */
async function pruneGridCache(
  cacheDir: string,
  pieces: readonly SoundPiece[],
  used: Segment[],
  gainDb: number,
): Promise<void> {
  const keep = new Set([
    ...used.map((segment) => path.basename(segmentFile('', segment.key, gainDb))),
    ...pieces.map((piece) => measuresName(piece.identity)),
  ]);
  const names = await readdir(cacheDir);
  await Promise.all(
    names
      .filter((name) => /\.(?:aac|energy)$/.test(name) && !keep.has(name))
      .map((name) => rm(path.join(cacheDir, name), { force: true })),
  );
}

/**
 * The loudness of the cut's sound (of what is known of it, with missing pieces). Each piece
 * is measured once and its measures kept in the cache, so a cut joined again, or measured as
 * its clips land, measures only its new sound.
 */
export async function measureCutSound(
  pieces: ReadonlyArray<SoundPiece | MissingPiece>,
  cacheDir: string,
  signal?: AbortSignal,
): Promise<LoudnessMeasure> {
  const known = pieces.filter((piece): piece is SoundPiece => !('missing' in piece));
  if (known.every((piece) => piece.samples % BUCKET === 0)) {
    await mkdir(cacheDir, { recursive: true });
    return combinedLoudness(
      await Promise.all(known.map((piece) => pieceMeasures(piece, cacheDir, signal))),
    );
  }
  // frames that are not whole buckets (29.97 fps): the sound measured in one stream
  const total = known.reduce((sum, piece) => sum + piece.samples, 0);
  return (await meterOf(readCutSound(known, 0, total, signal))).result();
}

function measuresName(identity: string): string {
  return `${createHash('sha256').update(identity).digest('hex').slice(0, 32)}.energy`;
}

async function pieceMeasures(
  piece: SoundPiece,
  cacheDir: string,
  signal: AbortSignal | undefined,
): Promise<Float64Array> {
  if (piece.file === undefined) return new Float64Array(1 + piece.samples / BUCKET);
  const file = path.join(cacheDir, measuresName(piece.identity));
  const kept = await readFile(file).catch(() => undefined);
  if (kept !== undefined && kept.length === (1 + piece.samples / BUCKET) * 8) {
    return new Float64Array(kept.buffer.slice(kept.byteOffset, kept.byteOffset + kept.length));
  }
  const measures = (await meterOf(readCutSound([piece], 0, piece.samples, signal))).measures();
  await writeAtomically(file, (temporary) => writeFile(temporary, measures));
  return measures;
}

/** Where each piece starts in the cut, in samples, and where the last one ends. */
function pieceStarts(pieces: ReadonlyArray<{ samples: number }>): number[] {
  const starts = [0];
  for (const piece of pieces) starts.push(starts.at(-1)! + piece.samples);
  return starts;
}

/**
 * The cut's samples [from, to) a run of segments over the frames [first, end) is encoded from:
 * PRE_ROLL frames before, POST_ROLL after, within the cut's `total` samples.
 */
function contextOf(first: number, end: number, total: number): { from: number; to: number } {
  return {
    from: Math.max(0, first - PRE_ROLL) * FRAME,
    to: Math.min(total, (end + POST_ROLL) * FRAME),
  };
}

function planSegments(
  pieces: ReadonlyArray<SoundPiece | MissingPiece>,
  audioArgs: readonly string[],
): Segment[] {
  const starts = pieceStarts(pieces);
  const total = starts.at(-1)!;
  const frames = Math.ceil(total / FRAME);
  const segments: Segment[] = [];
  pieces.forEach((_, clip) => {
    const first = Math.ceil(starts[clip]! / FRAME);
    const end = Math.min(frames, Math.ceil(starts[clip + 1]! / FRAME));
    if (end <= first) return; // shorter than a frame and inside its neighbour's
    const { from, to } = contextOf(first, end, total);
    const context = window(pieces, starts, from, to);
    const key = createHash('sha256')
      .update(
        JSON.stringify({
          format: SEGMENT_FORMAT,
          args: audioArgs,
          // its place relative to its context, and whether it carries the priming
          keep: [first * FRAME - from, end * FRAME - from, first === 0],
          context,
        }),
      )
      .digest('hex')
      .slice(0, 32);
    segments.push({ first, end, key, incomplete: context.some(([identity]) => identity === null) });
  });
  return segments;
}

/**
 * The pieces' identities and ranges the samples [from, to) of the cut are made of (null for
 * a missing piece).
 */
function window(
  pieces: ReadonlyArray<SoundPiece | MissingPiece>,
  starts: number[],
  from: number,
  to: number,
): Array<[string | null, number, number]> {
  const parts: Array<[string | null, number, number]> = [];
  pieces.forEach((piece, i) => {
    const a = Math.max(from, starts[i]!);
    const b = Math.min(to, starts[i + 1]!);
    if (b > a)
      parts.push(['missing' in piece ? null : piece.identity, a - starts[i]!, b - starts[i]!]);
  });
  return parts;
}

/**
 * Encodes the missing segments: consecutive ones in runs, the runs cut so the media processes
 * share the work evenly, each run from the cut's sound around it (its context); every run's
 * packets are then split into its segments. Returns when each segment is done; the first
 * failure stops the other runs.
 */
function encodeMissing(
  missing: Segment[],
  pieces: ReadonlyArray<SoundPiece | MissingPiece>,
  gainDb: number,
  opts: Pick<GridSoundOptions, 'audioArgs' | 'cacheDir' | 'workDir' | 'processes' | 'signal'>,
): Map<Segment, Promise<void>> {
  const processes = Math.min(opts.processes ?? mediaConcurrency(), mediaConcurrency());
  const share = Math.ceil(missing.reduce((sum, s) => sum + s.end - s.first, 0) / processes);
  const runs: Segment[][] = [];
  let frames = 0;
  for (const segment of missing) {
    const open = runs.at(-1);
    if (open !== undefined && open.at(-1)!.end === segment.first && frames < share) {
      open.push(segment);
    } else {
      runs.push([segment]);
      frames = 0;
    }
    frames += segment.end - segment.first;
  }
  const total = pieces.reduce((sum, piece) => sum + piece.samples, 0);
  const finished = runs.map(() => Promise.withResolvers<void>());
  const done = new Map<Segment, Promise<void>>();
  runs.forEach((run, r) => {
    for (const segment of run) done.set(segment, finished[r]!.promise);
  });
  if (runs.length === 0) return done;
  // runs taken in order by `processes` workers, so at most that many ffmpeg run at once and
  // the earliest sound is ready first
  const all = (async () => {
    const work = await mkdtemp(path.join(opts.workDir, 'grid-'));
    try {
      let next = 0;
      await allOrAbort(
        Array.from({ length: Math.min(processes, runs.length) }, () => async (signal) => {
          for (let r = next++; r < runs.length; r = next++) {
            await encodeRun(runs[r]!, r, pieces, total, gainDb, work, opts, signal);
            finished[r]!.resolve();
          }
        }),
        opts.signal,
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  })();
  all.catch((error: unknown) => {
    for (const run of finished) run.reject(error);
  });
  return done;
}

async function encodeRun(
  run: Segment[],
  index: number,
  pieces: ReadonlyArray<SoundPiece | MissingPiece>,
  total: number,
  gainDb: number,
  work: string,
  opts: Pick<GridSoundOptions, 'audioArgs' | 'cacheDir'>,
  signal: AbortSignal,
): Promise<void> {
  const { from, to } = contextOf(run[0]!.first, run.at(-1)!.end, total);
  const stream = path.join(work, `run-${index}.aac`);
  await encodeCutSound(readCutSound(pieces, from, to, signal), {
    samples: to - from,
    gainDb,
    audioArgs: opts.audioArgs,
    output: stream,
    signal,
  });
  await keepRunPackets(run, await readFile(stream), to - from, gainDb, opts.cacheDir);
}

/**
 * Encodes samples of the cut (raw PCM in the sidecar format, streamed to ffmpeg) at `gainDb`
 * into an ADTS stream, as every run of segments is encoded: every sample as 32-bit float and
 * the gain applied to that, so that the same samples make the very same packets wherever they
 * are encoded (here, or in a clip's conform: conform.ts soundInPlace).
 */
export async function encodeCutSound(
  samples: AsyncIterable<Uint8Array>,
  opts: {
    /** how many sample frames `samples` holds (for the time limit) */
    samples: number;
    gainDb: number;
    audioArgs: readonly string[];
    output: string;
    /** fed by another ffmpeg run as it goes: see RunOptions.alongside */
    alongside?: boolean;
    signal?: AbortSignal | undefined;
  },
): Promise<void> {
  await runFfmpeg(
    [
      ...[...SIDECAR_FORMAT, '-i', 'pipe:0'],
      ...(opts.gainDb === 0 ? [] : ['-af', `volume=${opts.gainDb}dB`]),
      ...opts.audioArgs,
      ...['-ar', String(AUDIO_RATE), '-ac', '2', '-f', 'adts', '-y', localFile(opts.output)],
    ],
    {
      stdin: samples,
      alongside: opts.alongside === true,
      mediaSeconds: opts.samples / AUDIO_RATE,
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
  );
}

/**
 * Splits the encode of a run of segments (an ADTS stream of the cut's samples from PRE_ROLL
 * frames before its first segment, `samples` of them) into its segments, kept in the cache.
 */
async function keepRunPackets(
  run: ReadonlyArray<Pick<Segment, 'first' | 'end' | 'key'>>,
  stream: Buffer,
  samples: number,
  gainDb: number,
  cacheDir: string,
): Promise<void> {
  const firstFrame = Math.max(0, run[0]!.first - PRE_ROLL);
  const packets = adtsFrames(stream);
  // packet j decodes (after the encoder's one packet of priming) the run's frame j - 1
  const expected = Math.ceil(samples / FRAME) + 1;
  if (packets.length !== expected) {
    throw new ShotrouterError(
      'media_failed',
      `the AAC encoder made ${packets.length} packets of ${samples} samples, not ${expected}: ` +
        'its priming is not the one packet this join relies on',
    );
  }
  await Promise.all(
    run.map((segment) => {
      const begin = segment.first === 0 ? 0 : segment.first - firstFrame + 1;
      const end = segment.end - firstFrame + 1;
      return writeAtomically(segmentFile(cacheDir, segment.key, gainDb), (temporary) =>
        writeFile(temporary, Buffer.concat(packets.slice(begin, end))),
      );
    }),
  );
}

/**
 * The segments of a cut being made that wait for the sound of one place (its own, and its
 * neighbours', whose context it is), when nothing else they need is missing: they can be
 * encoded as that place's clip is made, in the same process (media/conform.ts soundInPlace),
 * from the cut's samples [from, start) before it and [end, to) after it (readCutSound).
 */
export interface AwaitedRun {
  /** the gain to encode at: that of the segments already made, when near the one asked for */
  gainDb: number;
  from: number;
  start: number;
  end: number;
  to: number;
  /** the place awaited, and the segments' frames on the cut's grid */
  index: number;
  segments: ReadonlyArray<{ first: number; end: number }>;
}

/** The run awaiting piece `index` of `pieces` (see AwaitedRun), or undefined when there is none. */
export async function awaitedRun(
  pieces: ReadonlyArray<SoundPiece | MissingPiece>,
  index: number,
  opts: Pick<GridSoundOptions, 'audioArgs' | 'gainDb' | 'gainToleranceDb' | 'cacheDir'>,
): Promise<AwaitedRun | undefined> {
  const awaited = pieces[index];
  if (awaited === undefined || !('missing' in awaited)) return undefined;
  // the place taken as known, so that only the segments missing something else stay incomplete
  const filled = pieces.map((piece, i) =>
    i === index ? { file: undefined, samples: piece.samples, identity: '\0awaited' } : piece,
  );
  const { segments, gainDb } = await plan(filled, opts);
  const starts = pieceStarts(pieces);
  const start = starts[index]!;
  const end = starts[index + 1]!;
  const total = starts.at(-1)!;
  const run = segments.filter((s) => {
    const { from, to } = contextOf(s.first, s.end, total);
    return from < end && to > start;
  });
  if (run.length === 0 || run.some((s) => s.incomplete)) return undefined;
  return {
    gainDb,
    ...contextOf(run[0]!.first, run.at(-1)!.end, total),
    start,
    end,
    index,
    segments: run.map(({ first, end }) => ({ first, end })),
  };
}

/**
 * Keeps the encode of an awaited run (an ADTS stream of its samples [from, to), the priming
 * packet first) once the awaited piece is known: `pieces` are the cut's with that piece in
 * place. Returns false, keeping nothing, when they no longer lay the run out as it was.
 */
export async function keepAwaitedRun(
  run: AwaitedRun,
  pieces: ReadonlyArray<SoundPiece | MissingPiece>,
  stream: Buffer,
  opts: Pick<GridSoundOptions, 'audioArgs' | 'cacheDir'>,
): Promise<boolean> {
  const starts = pieceStarts(pieces);
  const awaited = pieces[run.index];
  if (awaited === undefined || 'missing' in awaited) return false;
  if (starts[run.index] !== run.start || starts[run.index + 1] !== run.end) return false;
  const byFrames = new Map(
    planSegments(pieces, opts.audioArgs).map((s) => [`${s.first}:${s.end}`, s]),
  );
  const segments = run.segments.map(({ first, end }) => byFrames.get(`${first}:${end}`));
  if (segments.some((s) => s === undefined || s.incomplete)) return false;
  await keepRunPackets(segments as Segment[], stream, run.to - run.from, run.gainDb, opts.cacheDir);
  return true;
}

/** The frames of an ADTS stream (one raw data block each, as ffmpeg writes them). */
function adtsFrames(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const syncword = stream[at] === 0xff && (stream[at + 1]! & 0xf6) === 0xf0;
    const length =
      ((stream[at + 3]! & 0x03) << 11) | (stream[at + 4]! << 3) | (stream[at + 5]! >> 5);
    const blocks = stream[at + 6]! & 0x03;
    if (!syncword || length < 7 || at + length > stream.length || blocks !== 0) {
      throw new ShotrouterError('media_failed', `unexpected ADTS frame at byte ${at}`);
    }
    frames.push(stream.subarray(at, at + length));
    at += length;
  }
  return frames;
}

/**
 * The samples [from, to) of the cut's sound as raw PCM (the sidecar format): each piece's in
 * order, silence as zeros. A piece's file must hold exactly its samples.
 */
export async function* readCutSound(
  pieces: ReadonlyArray<SoundPiece | MissingPiece>,
  from: number,
  to: number,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  const zeros = Buffer.alloc(SIDECAR_FRAME_BYTES * AUDIO_RATE);
  let start = 0;
  for (const piece of pieces) {
    const a = Math.max(from, start);
    const b = Math.min(to, start + piece.samples);
    const offset = start;
    start += piece.samples;
    if (b <= a) continue;
    if ('missing' in piece) {
      throw new ShotrouterError('internal', 'the sound of a missing piece was asked for');
    }
    if (piece.file !== undefined) {
      const { size } = await stat(piece.file);
      if (size !== piece.samples * SIDECAR_FRAME_BYTES) {
        throw new ShotrouterError(
          'media_failed',
          `${piece.file} holds ${size} bytes of sound, not the ${piece.samples} samples expected`,
        );
      }
      yield* createReadStream(piece.file, {
        start: (a - offset) * SIDECAR_FRAME_BYTES,
        end: (b - offset) * SIDECAR_FRAME_BYTES - 1,
        highWaterMark: 1 << 20,
        signal,
      });
      continue;
    }
    for (let left = (b - a) * SIDECAR_FRAME_BYTES; left > 0; left -= zeros.length) {
      yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    }
  }
}
