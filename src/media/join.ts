/**
 * Joining clips into one file. When every clip's picture has the same codec parameters (the
 * case for clips from conformClip; compared in the MP4 headers, see mp4.ts), the picture is
 * stream-copied through the concat demuxer; otherwise the clips are conformed to the first
 * clip's format first, then joined the same way.
 *
 * Sound is encoded once, over the whole cut. Each AAC clip starts with encoder priming (1024
 * samples) and ends padded to a whole 1024-sample frame; copying those packets end to end
 * puts ~24 ms of extra sound at every join (measured: 2.4 s of drift over 100 one-second
 * clips, with non-monotonic timestamps). Instead every clip contributes exactly the samples its
 * picture spans: its sidecar's PCM when conformClip kept one (sound-sidecar.ts: no decoding,
 * the clips' sound files are never opened), else its sound decoded with its priming honoured
 * and padded or cut to that count, else silence. The samples are concatenated into one raw
 * PCM file, measured for loudness and encoded beside the copied picture, so sound and picture
 * stay in sync to the sample over any number of clips. Encoding 100 s of AAC costs about 1 s
 * on one core: most of a join's time.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ShotrouterError } from '../errors.ts';
import { conformClip } from './conform.ts';
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
import { loudnessFilter, loudnessProblem } from './loudness.ts';
import { type IsoTrack, readIsoTracks } from './mp4.ts';
import { probe } from './probe.ts';
import { AUDIO_RATE } from './rate.ts';
import { SIDECAR_FORMAT, SIDECAR_FRAME_BYTES, validSidecar } from './sound-sidecar.ts';

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
}

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
  const boundaries = [0];
  for (const clip of clips) boundaries.push(boundaries.at(-1)! + clip.video.duration);
  const spans = (unitsPerSecond: number) =>
    clips.map((_, i) => {
      const at = (ticks: number) => Math.round((ticks * unitsPerSecond) / timescale);
      return at(boundaries[i + 1]!) - at(boundaries[i]!);
    });
  const micros = spans(1_000_000);

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
    const picture = ['-copyts', '-f', 'concat', '-safe', '0', '-i', list, '-map', '0:v:0'];
    if (!clips.some((clip) => clip.hasAudio)) {
      await writeAtomically(output, (temporary) =>
        runFfmpeg([...picture, '-c', 'copy', ...containerArgs(opts.tags), '-y', temporary], {
          signal,
        }),
      );
      return;
    }
    // The picture is copied while the sound is measured and encoded (most of the work, on
    // another core); then both are copied into the result.
    const ext = path.extname(output);
    const [joinedPicture, joinedSound] = await allOrAbort(
      [
        async (taskSignal) => {
          const file = path.join(dir, `picture${ext}`);
          await runFfmpeg([...picture, '-c', 'copy', '-y', file], { signal: taskSignal });
          return file;
        },
        async (taskSignal) => {
          const file = path.join(dir, `sound${ext}`);
          await encodeCutSound(clips, spans(AUDIO_RATE), encoding, file, dir, opts, taskSignal);
          return file;
        },
      ],
      signal,
    );
    await writeAtomically(output, (temporary) =>
      runFfmpeg(
        [
          ...['-i', joinedPicture!, '-i', joinedSound!, '-map', '0:v:0', '-map', '1:a:0'],
          ...['-c', 'copy', ...containerArgs(opts.tags), '-y', temporary],
        ],
        { signal },
      ),
    );
  });
}

/**
 * The cut's sound, `samples` of each clip in order, set to the loudness asked for and encoded
 * once into `file` as the result's sound track.
 */
async function encodeCutSound(
  clips: Clip[],
  samples: number[],
  encoding: Encoding,
  file: string,
  dir: string,
  opts: JoinOptions,
  signal: AbortSignal,
): Promise<void> {
  const total = samples.reduce((sum, n) => sum + n, 0);
  const perRun = Math.max(2, opts.soundInputsPerRun ?? 200);
  const pcm = path.join(dir, 'sound.pcm');
  await writeCutSound(clips, samples, pcm, perRun, dir, signal);
  const input = [...SIDECAR_FORMAT, '-i', pcm];
  const gain =
    opts.loudnessLufs === undefined
      ? undefined
      : await loudnessFilter(input, '[0:a:0]anull[sound]', 'sound', opts.loudnessLufs, signal);
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
      ...input,
      ...filters,
      ...encoding.audioArgs,
      ...['-ar', String(AUDIO_RATE), '-ac', '2', '-y', file],
    ],
    { signal, mediaSeconds: total / AUDIO_RATE },
  );
}

/**
 * Writes the cut's sound to `file` as raw PCM (the sidecar format): each clip's `samples`
 * in order, from its sidecar when it has a valid one, silence when it has no sound, else
 * decoded (consecutive such clips in one ffmpeg run of at most `perRun` inputs).
 */
async function writeCutSound(
  clips: Clip[],
  samples: number[],
  file: string,
  perRun: number,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const sidecars = await Promise.all(
    clips.map((clip, i) => (clip.hasAudio ? validSidecar(clip.file, samples[i]!) : undefined)),
  );
  // the pieces of the sound in order: a file of raw PCM, or a count of silent samples
  const pieces: Array<string | number> = [];
  const decodes: Array<{ at: number; group: SoundSource[] }> = [];
  clips.forEach((clip, i) => {
    const sidecar = sidecars[i];
    if (!clip.hasAudio) pieces.push(samples[i]!);
    else if (sidecar !== undefined) pieces.push(sidecar);
    else {
      const open = decodes.at(-1);
      const source = { file: clip.file, samples: samples[i]! };
      if (open !== undefined && open.at === pieces.length - 1 && open.group.length < perRun) {
        open.group.push(source);
      } else {
        decodes.push({ at: pieces.length, group: [source] });
        pieces.push('');
      }
    }
  });
  await allOrAbort(
    decodes.map(({ at, group }, g) => async (groupSignal) => {
      const decoded = path.join(dir, `decoded-${g}.pcm`);
      const sound = soundGraph(group, 0);
      await runFfmpeg(
        [
          ...sound.inputs,
          ...['-filter_complex', sound.graph, '-map', '[sound]'],
          ...['-c:a', 'pcm_f32le', ...SIDECAR_FORMAT, '-y', decoded],
        ],
        { signal: groupSignal },
      );
      pieces[at] = decoded;
    }),
    signal,
  );
  await pipeline(async function* () {
    const zeros = Buffer.alloc(SIDECAR_FRAME_BYTES * AUDIO_RATE);
    for (const piece of pieces) {
      if (typeof piece === 'string') {
        yield* createReadStream(piece, { highWaterMark: 1 << 20, signal });
        continue;
      }
      for (let left = piece * SIDECAR_FRAME_BYTES; left > 0; left -= zeros.length) {
        yield left >= zeros.length ? zeros : zeros.subarray(0, left);
      }
    }
  }, createWriteStream(file));
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
