/**
 * Joining clips into one file. When every clip's picture has the same codec parameters (the
 * case for clips from conformClip; compared in the MP4 headers, see mp4.ts), the picture is
 * stream-copied through the concat demuxer; otherwise the clips are conformed to the first
 * clip's format first, then joined the same way.
 *
 * The clips' own AAC cannot be copied end to end: each starts with encoder priming (1024
 * samples) and ends padded to a whole 1024-sample frame, ~24 ms of extra sound at every join
 * (measured: 2.4 s of drift over 100 one-second clips). Instead every clip contributes exactly
 * the samples its picture spans: its sidecar's PCM when conformClip kept one (sound-sidecar.ts:
 * no decoding), else its sound decoded with its priming honoured and padded or cut to that
 * count, else silence. That sound is encoded on the cut's own grid of AAC frames, in segments
 * kept between joins and made ahead while clips land (sound-grid.ts), and the segments are
 * copied end to end beside the copied picture in one pass: sound and picture stay in sync to
 * the sample over any number of clips, and the join is about as fast as a stream copy. The
 * cut's loudness is measured in process (r128.ts) and set by one gain on every segment; a gain
 * the true-peak ceiling would need limited is applied over the whole cut by loudnorm instead.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ShotrouterError } from '../errors.ts';
import { conformClip, type SoundInPlace } from './conform.ts';
import {
  codecOfProbeName,
  codecOfSampleEntry,
  containerArgs,
  type Encoding,
  encodingFor,
  even,
  type VideoCodec,
} from './encoding.ts';
import { allOrAbort, localFile, runFfmpeg } from './ffmpeg.ts';
import { withTempDir, writeAtomically } from './files.ts';
import { loudnessFilter, loudnessProblem, TRUE_PEAK_DBTP } from './loudness.ts';
import { type IsoTrack, readIsoTracks } from './mp4.ts';
import { probe } from './probe.ts';
import { SAMPLE_TO_TRUE_PEAK_MARGIN_DB } from './r128.ts';
import { AUDIO_RATE } from './rate.ts';
import {
  awaitedRun,
  keepAwaitedRun,
  type MissingPiece,
  measureCutSound,
  prepareGridSound,
  primingSeconds,
  readCutSound,
  type SoundPiece,
  writeGridSound,
} from './sound-grid.ts';
import { SIDECAR_FORMAT, validSidecar } from './sound-sidecar.ts';

export interface JoinOptions {
  inputs: string[];
  output: string;
  signal?: AbortSignal;
  /** the codec of the result; clips in another codec are re-encoded (default: the first clip's) */
  codec?: VideoCodec;
  /** container tags written into the result (the AI-generated label, see assemble/provenance.ts) */
  tags?: Readonly<Record<string, string>>;
  /**
   * Clips whose sound must be decoded (no sidecar) are decoded in runs of at most this many
   * inputs (default 200, well under the usual limit of 1024 open files) to lossless PCM.
   */
  soundInputsPerRun?: number;
  /**
   * EBU R128 integrated loudness of the whole cut in LUFS: its sound is measured end to end and
   * set by one gain (see loudness.ts), so the clips keep their levels relative to each other.
   */
  loudnessLufs?: number;
  /**
   * A folder where the cut's AAC sound is kept in segments between joins (sound-grid.ts): a
   * join again encodes only the segments whose sound changed. Default: none kept.
   */
  soundCache?: string;
  /**
   * With `soundCache` and `loudnessLufs`: the cut may keep the gain its cached segments were
   * made at (as its clips landed) when that is within this many dB of the exact one, rather
   * than encoding its sound again (sound-grid.ts). Default: the exact gain.
   */
  loudnessToleranceDb?: number;
}

/**
 * Packets each input of the join's mux may hold ahead (see joinByCopy): under 3 s of picture at
 * 24 fps, at most a few tens of MB even for ProRes HQ at 1080p.
 */
const THREAD_QUEUE_PACKETS = 64;

export async function joinClips(opts: JoinOptions): Promise<{ method: 'copy' | 'encode' }> {
  if (opts.inputs.length === 0) throw new ShotrouterError('media_failed', 'no clips to join');
  const loudness = loudnessProblem(opts.loudnessLufs);
  if (loudness !== null) throw new ShotrouterError('media_failed', `cannot join: ${loudness}`);
  const clips = await Promise.all(opts.inputs.map(readClip));
  const codec = copyableCodec(clips);
  if (codec !== undefined && (opts.codec === undefined || opts.codec === codec)) {
    await joinByCopy(clips as Clip[], codec, opts);
    return { method: 'copy' };
  }
  await joinByEncode(opts);
  return { method: 'encode' };
}

interface Clip {
  file: string;
  video: IsoTrack;
  /** position of the picture among the file's tracks (the concat demuxer pairs them by index) */
  videoIndex: number;
  hasAudio: boolean;
}

async function readClip(file: string): Promise<Clip | undefined> {
  let tracks: IsoTrack[] | undefined;
  try {
    tracks = await readIsoTracks(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ShotrouterError('media_failed', `${file} does not exist`);
    }
    throw error;
  }
  const video = tracks?.find((track) => track.handler === 'vide');
  if (tracks === undefined || video === undefined) return undefined;
  return {
    file,
    video,
    videoIndex: tracks.indexOf(video),
    hasAudio: tracks.some((track) => track.handler === 'soun'),
  };
}

/** The codec all clips share when their pictures can be stream-copied end to end. */
function copyableCodec(clips: Array<Clip | undefined>): VideoCodec | undefined {
  const first = clips[0];
  if (first === undefined) return undefined;
  const codec = codecOfSampleEntry(first.video.sampleEntryType);
  const joinable = (clip: Clip | undefined): clip is Clip =>
    clip !== undefined &&
    clip.video.sampleCount > 0 &&
    clip.video.constantRate &&
    clip.video.simpleEdit &&
    clip.videoIndex === first.videoIndex &&
    clip.video.timescale === first.video.timescale &&
    clip.video.sampleDelta === first.video.sampleDelta &&
    clip.video.matrix.equals(first.video.matrix) &&
    clip.video.sampleEntry.equals(first.video.sampleEntry);
  return codec !== undefined && clips.every(joinable) ? codec : undefined;
}

async function joinByCopy(clips: Clip[], codec: VideoCodec, opts: JoinOptions): Promise<void> {
  const { output, signal } = opts;
  const encoding = encodingFor(codec, output);
  const timescale = clips[0]!.video.timescale;
  // Clip boundaries on the joined timeline, in ticks of the (shared) video timescale; every
  // clip's length in microseconds and in samples is a difference of rounded boundaries, so
  // rounding never accumulates.
  const durations = clips.map((clip) => clip.video.duration);
  const micros = spans(durations, timescale, 1_000_000);

  await withTempDir(async (dir) => {
    const list = path.join(dir, 'clips.ffconcat');
    await writeFile(
      list,
      `ffconcat version 1.0\n${clips
        .map(
          (clip, i) =>
            `file ${concatQuote(localFile(clip.file))}\nduration ${(micros[i]! / 1e6).toFixed(6)}\n`,
        )
        .join('')}`,
    );
    // -copyts: without it ffmpeg shifts the whole input by the first clip's audio priming
    // (21 ms), putting the picture late against the separately made sound
    // Each input is read by a thread of its own into a queue of 8 packets by default; when the
    // one the muxer needs next is empty, ffmpeg sleeps 10 ms. A longer queue keeps them fed
    // (joinClips of 100 one-second clips: 0.31 s with 8 packets, 0.26 s with 64).
    const queue = ['-thread_queue_size', String(THREAD_QUEUE_PACKETS)];
    const picture = ['-copyts', ...queue, '-f', 'concat', '-safe', '0', '-i', list];
    const sound = clips.some((clip) => clip.hasAudio)
      ? await cutSound(clips, spans(durations, timescale, AUDIO_RATE), encoding, dir, opts, signal)
      : undefined;
    const copy = (inputs: string[], maps: string[], file: string, taskSignal?: AbortSignal) =>
      runFfmpeg(
        ['-copyts', ...inputs, ...maps, '-c', 'copy', ...containerArgs(opts.tags), '-y', file],
        {
          ...(taskSignal ? { signal: taskSignal } : {}),
        },
      );
    const soundMaps = [
      '-map',
      '1:a:0',
      ...(sound?.bitstreamFilter ? ['-bsf:a', sound.bitstreamFilter] : []),
    ];
    const soundInput =
      sound === undefined
        ? []
        : [
            // the sound's first packet is encoder priming; starting it that much early makes
            // the muxer write an edit list that skips it, so both start at zero
            ...(sound.primed ? ['-itsoffset', String(-primingSeconds)] : []),
            ...[...queue, '-i', sound.file],
          ];
    // one pass copies the picture from the clips beside the sound (measured: copying the
    // picture while the last clip's sound is encoded, then muxing both, gains 3%; reading the
    // sound from a pipe as it is encoded costs ffmpeg more than it overlaps)
    await writeAtomically(output, (temporary) =>
      copy(
        [...picture, ...soundInput],
        ['-map', '0:v:0', ...(sound ? soundMaps : [])],
        temporary,
        signal,
      ),
    );
  });
}

/**
 * Each clip's length in `unitsPerSecond`, given their durations in ticks of `timescale`: each a
 * difference of rounded boundaries on the joined timeline, so rounding never accumulates.
 */
function spans(durations: number[], timescale: number, unitsPerSecond: number): number[] {
  let boundary = 0;
  let at = 0;
  return durations.map((ticks) => {
    boundary += ticks;
    const next = Math.round((boundary * unitsPerSecond) / timescale);
    const span = next - at;
    at = next;
    return span;
  });
}

export interface PrepareSoundOptions {
  /** the cut in order: each place's conformed clip, or the frames it will span if not made yet */
  entries: ReadonlyArray<{ clip: string } | { frames: number }>;
  /** the file the cut will be joined into (its extension and `codec` fix the sound's encoding) */
  output: string;
  codec?: VideoCodec;
  loudnessLufs?: number;
  loudnessToleranceDb?: number;
  /** the join's soundCache */
  soundCache: string;
  /** at most this many ffmpeg processes (default one: clips are still being made) */
  processes?: number;
  signal?: AbortSignal;
}

/**
 * While a cut's clips are still being made, encodes ahead the sound of the cut that is known
 * (sound-grid.ts), at the loudness gain the known sound calls for, into the cache the join
 * will read: the join then encodes only around the clips that came last. Clips joined by
 * encode, or without sidecars, are left to the join. Returns how many segments it encoded.
 */
export async function prepareCutSound(opts: PrepareSoundOptions): Promise<{ encoded: number }> {
  const known = await knownCutSound(opts);
  if (known === undefined) return { encoded: 0 };
  return withTempDir((workDir) =>
    prepareGridSound({
      ...gridOptions(known, opts),
      workDir,
      processes: opts.processes ?? 1,
      ...(opts.signal ? { signal: opts.signal } : {}),
    }),
  );
}

/**
 * The cut's sound around one place, made with that place's clip: the clip's conform encodes
 * it in the same process (conformClip's `soundInPlace`), and `kept` files it with the rest of
 * the cut's sound made ahead. Saves the join, after the last clip, an ffmpeg run of its own.
 */
export interface LandingSound {
  /** for conformClip */
  soundInPlace: SoundInPlace;
  /** The clip was conformed (to `clip`): keeps its sound in place; false if it could not. */
  kept(clip: string): Promise<boolean>;
  /** Removes what was made for the conform (call once it is over, kept or not). */
  dispose(): Promise<void>;
}

/**
 * The sound in place for the clip of place `landing`, still missing from `opts.entries`, when
 * everything else around it is known (sound-grid.ts awaitedRun); else undefined.
 */
export async function landingSound(
  opts: PrepareSoundOptions & { landing: number },
): Promise<LandingSound | undefined> {
  const known = await knownCutSound(opts);
  if (known === undefined) return undefined;
  const grid = gridOptions(known, opts);
  const run = await awaitedRun(known.pieces, opts.landing, grid);
  if (run === undefined) return undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'shotrouter-landing-'));
  const output = path.join(dir, 'run.aac');
  return {
    soundInPlace: {
      before: () => readCutSound(known.pieces, run.from, run.start, opts.signal),
      after: () => readCutSound(known.pieces, run.end, run.to, opts.signal),
      contextSamples: run.start - run.from + (run.to - run.end),
      gainDb: run.gainDb,
      audioArgs: known.encoding.audioArgs,
      output,
    },
    kept: async (clip) => {
      const samples = run.end - run.start;
      const sidecar = await validSidecar(clip, samples);
      const stream = await readFile(output).catch(() => undefined);
      if (sidecar === undefined || stream === undefined) return false;
      const pieces = known.pieces.with(opts.landing, {
        file: sidecar,
        samples,
        identity: await fileIdentity(sidecar),
      });
      return keepAwaitedRun(run, pieces, stream, grid);
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

interface KnownCutSound {
  pieces: Array<SoundPiece | MissingPiece>;
  encoding: Encoding;
  /** the loudness gain the known sound calls for */
  gainDb?: number;
}

/**
 * The cut's sound as far as its clips are made, when it can be made ahead: clips joinable by
 * copy, AAC, sidecars, and a loudness gain that needs no limiter.
 */
async function knownCutSound(opts: PrepareSoundOptions): Promise<KnownCutSound | undefined> {
  const read = await Promise.all(
    opts.entries.map((entry) => ('clip' in entry ? readClip(entry.clip) : undefined)),
  );
  const landed = read.filter((clip): clip is Clip => clip !== undefined);
  const first = landed[0];
  const codec = first && codecOfSampleEntry(first.video.sampleEntryType);
  if (first === undefined || codec === undefined || copyableCodec(landed) !== codec) return;
  if (opts.codec !== undefined && opts.codec !== codec) return;
  const encoding = encodingFor(codec, opts.output);
  if (encoding.audioProbeName !== 'aac') return;
  const durations = opts.entries.map((entry, i) =>
    'clip' in entry ? read[i]!.video.duration : entry.frames * first.video.sampleDelta,
  );
  const samples = spans(durations, first.video.timescale, AUDIO_RATE);
  const pieces = await Promise.all(
    read.map(async (clip, i): Promise<SoundPiece | MissingPiece> => {
      const count = samples[i]!;
      if (clip === undefined) return { missing: true, samples: count };
      if (!clip.hasAudio) return { file: undefined, samples: count, identity: 'silence' };
      const sidecar = await validSidecar(clip.file, count);
      return sidecar === undefined
        ? { missing: true, samples: count }
        : { file: sidecar, samples: count, identity: await fileIdentity(sidecar) };
    }),
  );
  if (!pieces.some((piece) => 'file' in piece && piece.file !== undefined)) return;
  if (opts.loudnessLufs === undefined) return { pieces, encoding };
  const measured = await measureCutSound(pieces, opts.soundCache, opts.signal);
  if (!Number.isFinite(measured.integrated)) return { pieces, encoding };
  const gainDb = opts.loudnessLufs - measured.integrated;
  // a gain the limiter would shape is the join's to apply, over the whole cut
  return plainGainKeepsCeiling(measured, gainDb) ? { pieces, encoding, gainDb } : undefined;
}

function gridOptions(known: KnownCutSound, opts: PrepareSoundOptions) {
  return {
    pieces: known.pieces,
    audioArgs: known.encoding.audioArgs,
    ...(known.gainDb === undefined ? {} : { gainDb: known.gainDb }),
    ...(opts.loudnessToleranceDb === undefined
      ? {}
      : { gainToleranceDb: opts.loudnessToleranceDb }),
    cacheDir: opts.soundCache,
  };
}

/**
 * Whether a plain gain keeps the cut's sound under the true-peak ceiling, with a margin for the
 * peaks between samples; else the limiter must shape it (loudnorm, over the whole cut).
 */
function plainGainKeepsCeiling(measured: { samplePeakDb: number }, gainDb: number): boolean {
  return measured.samplePeakDb + gainDb + SAMPLE_TO_TRUE_PEAK_MARGIN_DB <= TRUE_PEAK_DBTP;
}

/**
 * The cut's sound, `samples` of each clip in order, set to the loudness asked for, as a file:
 * for AAC the packets of the segments on the cut's grid kept in `opts.soundCache`, the missing
 * ones encoded (sound-grid.ts), so a join again re-encodes only what changed; other codecs
 * (PCM) encoded whole.
 */
async function cutSound(
  clips: Clip[],
  samples: number[],
  encoding: Encoding,
  dir: string,
  opts: JoinOptions,
  signal: AbortSignal | undefined,
): Promise<CutSound> {
  const perRun = Math.max(2, opts.soundInputsPerRun ?? 200);
  const pieces = await cutSoundPieces(clips, samples, perRun, dir, signal);
  const cacheDir = opts.soundCache ?? path.join(dir, 'sound-cache');
  const total = samples.reduce((sum, n) => sum + n, 0);
  let pcm: string | undefined;
  const cutPcm = async () => {
    if (pcm === undefined) {
      pcm = path.join(dir, 'sound.pcm');
      await pipeline(readCutSound(pieces, 0, total, signal), createWriteStream(pcm));
    }
    return pcm;
  };
  let gain: string | undefined;
  if (opts.loudnessLufs !== undefined) {
    const measured = await measureCutSound(pieces, cacheDir, signal);
    if (Number.isFinite(measured.integrated)) {
      const db = opts.loudnessLufs - measured.integrated;
      // the same gain and the same test as prepareCutSound, so prepared segments are used
      gain = plainGainKeepsCeiling(measured, db)
        ? `volume=${db.toFixed(2)}dB`
        : // near the ceiling: measure the true peak, and limit if the gain would pass it
          await loudnessFilter(
            [...SIDECAR_FORMAT, '-i', await cutPcm()],
            '[0:a:0]anull[sound]',
            'sound',
            opts.loudnessLufs,
            signal,
          );
    }
  }
  const plainGain = gain === undefined ? undefined : /^volume=(-?[\d.]+)dB$/.exec(gain);
  if (encoding.audioProbeName === 'aac' && (gain === undefined || plainGain !== null)) {
    const file = path.join(dir, 'sound.aac');
    const { trimEnd } = await writeGridSound({
      pieces,
      audioArgs: encoding.audioArgs,
      ...(plainGain ? { gainDb: Number(plainGain[1]) } : {}),
      ...(opts.loudnessToleranceDb === undefined
        ? {}
        : { gainToleranceDb: opts.loudnessToleranceDb }),
      cacheDir,
      output: file,
      workDir: dir,
      ...(signal ? { signal } : {}),
    });
    return { file, primed: true, bitstreamFilter: trimEnd };
  }
  // PCM sound, or a gain the limiter shapes over the whole cut: encoded in one piece
  const file = path.join(dir, `sound${path.extname(opts.output)}`);
  const filters =
    gain === undefined
      ? []
      : // loudnorm works at 192 kHz; back to the cut's rate and its exact sample count
        [
          '-af',
          `${gain},aresample=${AUDIO_RATE},apad=whole_len=${total},atrim=end_sample=${total}`,
        ];
  await runFfmpeg(
    [
      ...[...SIDECAR_FORMAT, '-i', await cutPcm()],
      ...filters,
      ...encoding.audioArgs,
      ...['-ar', String(AUDIO_RATE), '-ac', '2', '-y', file],
    ],
    { ...(signal ? { signal } : {}), mediaSeconds: total / AUDIO_RATE },
  );
  return { file, primed: false };
}

/** The cut's sound as the join copies it. */
interface CutSound {
  file: string;
  /** the file starts with one AAC priming packet (sound-grid.ts) */
  primed: boolean;
  /** a bitstream filter for the sound as it is copied */
  bitstreamFilter?: string;
}

/**
 * The cut's sound as pieces (sound-grid.ts): each clip's `samples`, from its sidecar when it
 * has a valid one, silence when it has no sound, else decoded into `dir` (consecutive such
 * clips in one ffmpeg run of at most `perRun` inputs).
 */
async function cutSoundPieces(
  clips: Clip[],
  samples: number[],
  perRun: number,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<SoundPiece[]> {
  const sidecars = await Promise.all(
    clips.map((clip, i) => (clip.hasAudio ? validSidecar(clip.file, samples[i]!) : undefined)),
  );
  const pieces: SoundPiece[] = [];
  const decodes: Array<{ at: number; group: SoundSource[] }> = [];
  for (const [i, clip] of clips.entries()) {
    const sidecar = sidecars[i];
    const count = samples[i]!;
    if (!clip.hasAudio) {
      pieces.push({ file: undefined, samples: count, identity: 'silence' });
    } else if (sidecar !== undefined) {
      pieces.push({ file: sidecar, samples: count, identity: await fileIdentity(sidecar) });
    } else {
      const open = decodes.at(-1);
      const source = { file: clip.file, samples: count };
      const identity = `decoded ${count} from ${await fileIdentity(clip.file)}`;
      if (
        open !== undefined &&
        open.at + open.group.length === pieces.length &&
        open.group.length < perRun
      ) {
        open.group.push(source);
      } else {
        decodes.push({ at: pieces.length, group: [source] });
      }
      pieces.push({ file: '', samples: count, identity });
    }
  }
  const decoded = await allOrAbort(
    decodes.map(({ group }, g) => async (groupSignal) => {
      const file = path.join(dir, `decoded-${g}.pcm`);
      const sound = soundGraph(group, 0);
      await runFfmpeg(
        [
          ...sound.inputs,
          ...['-filter_complex', sound.graph, '-map', '[sound]'],
          ...['-c:a', 'pcm_f32le', ...SIDECAR_FORMAT, '-y', file],
        ],
        { signal: groupSignal },
      );
      return file;
    }),
    signal,
  );
  // each run's clips are consecutive pieces, and one decoded file holds them all in order;
  // from the last run back, so the earlier runs' places stay where they were
  for (let g = decodes.length - 1; g >= 0; g--) {
    const { at, group } = decodes[g]!;
    const merged = pieces.slice(at, at + group.length);
    pieces.splice(at, group.length, {
      file: decoded[g],
      samples: merged.reduce((sum, piece) => sum + piece.samples, 0),
      identity: merged.map((piece) => piece.identity).join(' + '),
    });
  }
  return pieces;
}

/** What a file is, for a cache: its path, size and modification time. */
async function fileIdentity(file: string): Promise<string> {
  const { size, mtimeMs } = await stat(file);
  return `${file} ${size} ${mtimeMs}`;
}

/** A path as an ffconcat token. */
function concatQuote(file: string): string {
  if (/[\r\n]/.test(file)) {
    throw new ShotrouterError(
      'media_failed',
      `cannot join a file whose name has a line break: ${JSON.stringify(file)}`,
    );
  }
  return `'${file.replaceAll("'", "'\\''")}'`;
}

interface SoundSource {
  /** undefined: silence */
  file: string | undefined;
  samples: number;
}

/**
 * One ffmpeg filter graph that decodes each source, converts it to 48 kHz stereo, makes it
 * exactly `samples` long and concatenates the results into `[sound]`. Inputs are numbered
 * from `firstInput`.
 */
function soundGraph(
  sources: SoundSource[],
  firstInput: number,
): { inputs: string[]; graph: string } {
  const inputs: string[] = [];
  let nextInput = firstInput;
  const chains = sources.map((source, i) => {
    const exact = `apad=whole_len=${source.samples},atrim=end_sample=${source.samples}`;
    if (source.file === undefined) {
      return `anullsrc=r=${AUDIO_RATE}:cl=stereo,atrim=end_sample=${source.samples}[s${i}]`;
    }
    // -vn/-sn/-dn on the input: the demuxer skips the picture instead of reading it twice
    inputs.push('-vn', '-sn', '-dn', '-i', localFile(source.file));
    return (
      `[${nextInput++}:a:0]aresample=${AUDIO_RATE}:async=1:first_pts=0,` +
      `aformat=sample_rates=${AUDIO_RATE}:channel_layouts=stereo,${exact}[s${i}]`
    );
  });
  const labels = sources.map((_, i) => `[s${i}]`).join('');
  return {
    inputs,
    graph: `${chains.join(';')};${labels}concat=n=${sources.length}:v=0:a=1[sound]`,
  };
}

/** Conforms every clip to the first one's size and rate (and the codec asked), then copies. */
async function joinByEncode(opts: JoinOptions): Promise<void> {
  const infos = await Promise.all(opts.inputs.map((input) => probe(input, opts.signal)));
  const reference = infos[0]!;
  const codec = opts.codec ?? codecOfProbeName(reference.videoCodec) ?? 'h264';
  encodingFor(codec, opts.output);
  const audio = infos.some((info) => info.hasAudio);
  await withTempDir(async (dir) => {
    const ext = path.extname(opts.output);
    const conformed = await allOrAbort(
      opts.inputs.map((input, i) => async (signal) => {
        const output = path.join(dir, `${i}${ext}`);
        await conformClip({
          input,
          output,
          trimFrom: 0,
          trimSeconds: infos[i]!.durationSeconds,
          width: even(reference.width),
          height: even(reference.height),
          fps: reference.fps,
          audio,
          codec,
          soundSidecar: true,
          signal,
        });
        return output;
      }),
      opts.signal,
    );
    const clips = await Promise.all(conformed.map(readClip));
    if (copyableCodec(clips) !== codec) {
      throw new ShotrouterError('internal', 'conformed clips do not share codec parameters');
    }
    await joinByCopy(clips as Clip[], codec, opts);
  });
}
