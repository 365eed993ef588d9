/**
 * Conforming: one generated take becomes a clip of the cut's exact format. Every clip of a
 * codec comes out with identical codec parameters (see encoding.ts), so the cut can be joined
 * by stream copy.
 */
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ShotrouterError } from '../errors.ts';
import {
  assertEvenSize,
  COLOR_TAGS,
  CONTAINER_ARGS,
  containerArgs,
  type Encoding,
  encodingFor,
  even,
  keyframeArgs,
  type VideoCodec,
} from './encoding.ts';
import { localFile, runFfmpeg } from './ffmpeg.ts';
import { withTempDir, writeAtomically } from './files.ts';
import { loudnessFilter, loudnessProblem } from './loudness.ts';
import { type IsoTrack, isSyncSample, readIsoTracks } from './mp4.ts';
import { type ProbeDetails, type ProbeInfo, probe, probeDetails } from './probe.ts';
import {
  AUDIO_RATE,
  frameCount,
  frameRate,
  framesToSeconds,
  type Rational,
  rateText,
  samplesForFrames,
} from './rate.ts';
import { encodeCutSound } from './sound-grid.ts';
import { SIDECAR_FORMAT, settleSidecar, soundSidecarOf } from './sound-sidecar.ts';

export interface ConformOptions {
  input: string;
  output: string;
  /** where in the input the clip starts, in seconds */
  trimFrom: number;
  /** how much of the input the clip uses, in seconds of the input */
  trimSeconds: number;
  width: number;
  height: number;
  fps: number;
  /**
   * Retime by this factor without interpolation: each source frame is shown `slowmo` times
   * longer (60 fps material at 24 fps is slowmo 2.5: every source frame once). The clip lasts
   * trimSeconds × slowmo. Values below 1 speed up (frames are dropped). Audio is replaced by
   * silence when slowmo ≠ 1: stretched sound smears and no longer matches anything on screen.
   */
  slowmo?: number;
  /**
   * With slowmo > 1: when the input has fewer frames than the slowed clip shows (its rate below
   * fps × slowmo), synthesise the missing ones by motion-compensated interpolation (ffmpeg's
   * `minterpolate`) instead of showing each source frame several times. Off by default.
   */
  interpolate?: boolean;
  /** fit = scale to fit and pad with black (default); fill = scale to cover and crop */
  fit?: 'fit' | 'fill';
  /** the clip carries 48 kHz stereo audio (silence when the input has none) */
  audio: boolean;
  /** EBU R128 integrated loudness target in LUFS (e.g. -23 broadcast, -14 streaming) */
  loudnessLufs?: number;
  /** default h264 (MP4); prores needs a .mov output */
  codec?: VideoCodec;
  /** container tags written into the clip (the AI-generated label, see assemble/provenance.ts) */
  tags?: Readonly<Record<string, string>>;
  /** a rehearsal's clip (a preview's placeholder): the encoder's fastest preset (encoding.ts) */
  draft?: boolean;
  /**
   * With audio: also keep the clip's exact sound beside it as raw PCM (sound-sidecar.ts), so
   * joinClips concatenates it instead of decoding the clip. For clips a cut will be joined from.
   */
  soundSidecar?: boolean;
  /**
   * With `soundSidecar`: as the clip is made, also encode its sound in its place in the cut
   * (join.ts landingSound): after the samples of `before` and before those of `after`, at
   * `gainDb`, with the cut's audio encoder arguments, into `output` as an ADTS stream. Made
   * by a second ffmpeg beside the conform, fed the clip's samples as the conform makes them.
   * Best effort: if it fails, `output` is not there, and the conform goes on.
   */
  soundInPlace?: SoundInPlace;
  signal?: AbortSignal;
}

export interface SoundInPlace {
  /** the cut's samples before the clip's, and after them (raw PCM in the sidecar format) */
  before(): AsyncIterable<Uint8Array>;
  after(): AsyncIterable<Uint8Array>;
  /** how many sample frames `before` and `after` hold together */
  contextSamples: number;
  gainDb: number;
  audioArgs: readonly string[];
  output: string;
}

/**
 * Up to this much missing at the end of the input is made up by holding its last frame:
 * providers often deliver a few frames short (4.96 s for 5 s). More is an error.
 */
export const SHORTFALL_TOLERANCE_SECONDS = 0.25;

export async function conformClip(opts: ConformOptions): Promise<ProbeInfo> {
  const { signal } = opts;
  const codec = opts.codec ?? 'h264';
  const encoding = encodingFor(codec, opts.output, opts.draft === true);
  assertEvenSize(opts.width, opts.height);
  const rate = frameRate(opts.fps);
  const slowmo = opts.slowmo ?? 1;
  checkTiming(opts, slowmo);
  const frames = frameCount(opts.trimSeconds * slowmo, rate);
  if (frames < 1) {
    throw new ShotrouterError(
      'media_failed',
      `a conformed clip lasts at least one frame, got ${opts.trimSeconds * slowmo} s`,
    );
  }

  const source = await probeDetails(opts.input, signal);
  const available = source.info.durationSeconds - opts.trimFrom;
  if (available < opts.trimSeconds - SHORTFALL_TOLERANCE_SECONDS) {
    throw new ShotrouterError(
      'media_failed',
      `${path.basename(opts.input)} lasts ${source.info.durationSeconds.toFixed(3)} s: ` +
        `${opts.trimSeconds} s from ${opts.trimFrom} s is not there`,
    );
  }

  // a picture already in exactly this format (a preview's placeholder, a conformed clip, a
  // shot of a multi-shot preview cut at its keyframe) is copied: the same frames, without a
  // decode and an encode
  const copy =
    slowmo === 1
      ? await copyablePicture(opts.input, encoding, opts, rate, frames, opts.trimFrom, signal)
      : undefined;
  // Seek half a source frame early, then let the fps filter start exactly at trimFrom: a seek
  // point that rounds a hair past the first wanted frame would otherwise drop it. A copied
  // picture starts where the seek lands (a keyframe): on the very first frame it copies.
  const halfFrame = 0.5 / (source.info.fps > 0 ? source.info.fps : 120);
  const seekTo = copy ? copy.seekTo : Math.max(0, opts.trimFrom - halfFrame);
  const window: Window = {
    seekTo,
    lead: Math.max(0, opts.trimFrom - seekTo),
    samples: samplesForFrames(frames, rate),
  };

  const keepSound = opts.audio && source.info.hasAudio && slowmo === 1;
  const loudness =
    keepSound && opts.loudnessLufs !== undefined
      ? await loudnessFilter(
          inputArgs(opts.input, window),
          `[0:a:0]${soundSegment(window).join(',')}[segment]`,
          'segment',
          opts.loudnessLufs,
          signal,
        )
      : undefined;

  const video = videoChain({
    source,
    rate,
    slowmo,
    interpolate: opts.interpolate === true && needsInterpolation(source.info.fps, opts.fps, slowmo),
    frames,
    window,
    fit: opts.fit ?? 'fit',
    width: opts.width,
    height: opts.height,
    pixelFormat: encoding.pixelFormat,
  });
  const graph = copy ? [] : [`[0:v:0]${video}[v]`];
  const maps = copy ? ['-map', '0:v:0'] : ['-map', '[v]'];
  const pictureArgs = copy
    ? // cut at the clip's length, not by `-frames:v`: reaching a frame count ends every stream
      // of the file at once, and the sound's last AAC frames were lost (20-30 ms); a time limit
      // ends each stream on its own, the picture before frame `frames` (ffmpeg reads the time
      // to the microsecond, rounded down, and frame `frames` is shown at that time or after)
      ['-c:v', 'copy', '-t', String(framesToSeconds(frames, rate))]
    : [
        ...encoding.videoArgs,
        ...['-pix_fmt', encoding.pixelFormat, ...keyframeArgs(rate)],
        ...COLOR_TAGS,
      ];
  const sidecar = opts.audio && opts.soundSidecar === true;
  const inPlace = sidecar ? opts.soundInPlace : undefined;
  if (opts.audio) {
    const sound = keepSound
      ? `[0:a:0]${soundChain(window, loudness)}`
      : `anullsrc=r=${AUDIO_RATE}:cl=stereo,atrim=end_sample=${window.samples}`;
    // the sidecar (and the sound in its place) take the very samples the clip's is encoded from
    const branches = ['[a]', ...(sidecar ? ['[pcm]'] : []), ...(inPlace ? ['[place]'] : [])];
    graph.push(
      branches.length > 1
        ? `${sound},asplit=${branches.length}${branches.join('')}`
        : `${sound}[a]`,
    );
    maps.push('-map', '[a]', ...encoding.audioArgs, '-ar', String(AUDIO_RATE), '-ac', '2');
  }

  await writeAtomically(opts.output, async (temporary) => {
    // the clip's samples on their way to the sound in place (held as they come: the conform
    // never waits for it)
    const placed = inPlace ? new PassThrough() : undefined;
    const conforming = runFfmpeg(
      [
        ...inputArgs(opts.input, window),
        ...(graph.length > 0 ? ['-filter_complex', graph.join(';')] : []),
        ...maps,
        ...pictureArgs,
        ...containerArgs(opts.tags),
        ...['-y', temporary],
        ...(sidecar
          ? ['-map', '[pcm]', '-c:a', 'pcm_f32le', ...SIDECAR_FORMAT, soundSidecarOf(temporary)]
          : []),
        ...(inPlace ? ['-map', '[place]', '-c:a', 'pcm_f32le', ...SIDECAR_FORMAT, 'pipe:3'] : []),
      ],
      {
        signal,
        mediaSeconds: window.samples / AUDIO_RATE,
        ...(placed
          ? {
              onPipe3: (chunk: Buffer) => {
                if (!placed.destroyed) placed.write(chunk);
              },
            }
          : {}),
      },
    );
    const placing =
      inPlace && placed ? encodeInPlace(inPlace, placed, window.samples, signal) : undefined;
    try {
      await conforming;
      placed?.end();
    } catch (error) {
      // the sound in place ends short of its samples and fails (destroyed without an error:
      // there may be no reader yet to take one)
      placed?.destroy();
      if (sidecar) await rm(soundSidecarOf(temporary), { force: true });
      throw error;
    } finally {
      await placing;
    }
    if (sidecar) await settleSidecar(temporary, opts.output);
  });
  return describeWritten(opts.output, encoding, signal);
}

/**
 * The clip's sound in its place in the cut (conformClip's `soundInPlace`), from the clip's
 * samples as its conform writes them to `placed`. Never fails: what could not be made is
 * removed, and the cut's sound is then encoded by the join.
 */
async function encodeInPlace(
  inPlace: SoundInPlace,
  placed: PassThrough,
  samples: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  async function* run() {
    yield* inPlace.before();
    yield* placed;
    yield* inPlace.after();
  }
  try {
    await encodeCutSound(run(), {
      samples: inPlace.contextSamples + samples,
      gainDb: inPlace.gainDb,
      audioArgs: inPlace.audioArgs,
      output: inPlace.output,
      // in the conform's slot of the process pool: it waits on the conform's samples
      alongside: true,
      signal,
    });
  } catch {
    await rm(inPlace.output, { force: true });
    // the conform's samples go on arriving: taken and dropped
    placed.resume();
  }
}

/**
 * Whether `frames` frames of `input`'s picture from `trimFrom` on can be copied as they are into
 * a clip of this format: stored exactly as conformClip would encode them (the same codec
 * parameters, size, timing and display matrix as the reference below), shown in stored order
 * (so cutting the end off leaves every kept frame decodable), and at least that many. A start
 * after the first frame must fall on a frame a decoder can start from (a keyframe: a multi-shot
 * preview puts one at each of its cuts). When they can: the seek (seconds) that lands on it.
 */
async function copyablePicture(
  input: string,
  encoding: Encoding,
  format: { width: number; height: number },
  rate: Rational,
  frames: number,
  trimFrom: number,
  signal: AbortSignal | undefined,
): Promise<{ seekTo: number } | undefined> {
  const tracks = await readIsoTracks(input).catch(() => undefined);
  const picture = tracks?.find((track) => track.handler === 'vide');
  if (
    picture === undefined ||
    picture.width !== format.width ||
    picture.height !== format.height ||
    picture.reordered ||
    !picture.constantRate ||
    !picture.simpleEdit
  ) {
    return undefined;
  }
  const first = firstCopiedSample(picture, trimFrom);
  if (first === undefined || picture.sampleCount < first + frames) return undefined;
  const reference = await referencePicture(encoding, format.width, format.height, rate, signal);
  const sameFormat =
    reference !== undefined &&
    picture.timescale === reference.timescale &&
    picture.sampleDelta === reference.sampleDelta &&
    picture.matrix.equals(reference.matrix) &&
    picture.sampleEntry.equals(reference.sampleEntry);
  if (!sameFormat) return undefined;
  if (first === 0) return { seekTo: 0 };
  // A stream copy starts at the last keyframe at or before the seek point: seek to the
  // keyframe's own time, rounded up to the microsecond ffmpeg reads it in, never below it.
  const micros = Math.ceil((first * picture.sampleDelta * 1e6) / picture.timescale);
  return { seekTo: micros / 1e6 };
}

/**
 * The sample shown at `trimFrom` when a copy can start there: the first one, or a keyframe
 * whose time is `trimFrom` to within a hundredth of a frame, in a track without a lead-in.
 */
function firstCopiedSample(picture: IsoTrack, trimFrom: number): number | undefined {
  if (trimFrom === 0) return 0;
  if (picture.editStart !== 0 || picture.sampleDelta <= 0) return undefined;
  const at = (trimFrom * picture.timescale) / picture.sampleDelta;
  const index = Math.round(at);
  if (index <= 0 || Math.abs(at - index) > 0.01) return undefined;
  return isSyncSample(picture, index) ? index : undefined;
}

/** Reference pictures by format, made once per process. */
const references = new Map<string, Promise<IsoTrack | undefined>>();

/**
 * The picture track of one black frame encoded exactly as conformClip encodes this format:
 * its codec parameters are those of every clip conformed to it. Undefined if it cannot be made
 * (then nothing is copied).
 */
function referencePicture(
  encoding: Encoding,
  width: number,
  height: number,
  rate: Rational,
  signal: AbortSignal | undefined,
): Promise<IsoTrack | undefined> {
  const key = JSON.stringify([encoding.videoArgs, encoding.pixelFormat, width, height, rate]);
  let reference = references.get(key);
  if (reference === undefined) {
    reference = withTempDir(async (dir) => {
      const file = path.join(dir, `reference${encoding.containers[0]}`);
      await runFfmpeg(
        [
          ...['-f', 'lavfi', '-i', `color=c=black:s=${width}x${height}:r=${rateText(rate)}`],
          ...['-frames:v', '1', '-vf', `setsar=1,format=${encoding.pixelFormat}`],
          ...encoding.videoArgs,
          ...['-pix_fmt', encoding.pixelFormat, ...keyframeArgs(rate)],
          ...COLOR_TAGS,
          ...CONTAINER_ARGS,
          ...['-y', file],
        ],
        { signal },
      );
      return (await readIsoTracks(file))?.find((track) => track.handler === 'vide');
    }).catch(() => {
      references.delete(key); // an abort or a passing failure: try again next time
      return undefined;
    });
    references.set(key, reference);
  }
  return reference;
}

/**
 * The ProbeInfo of a clip we just wrote: its tracks, size and timing read back from the file's
 * header (in-process, about a millisecond, where ffprobe costs a process start per clip), its
 * codecs and formats as encoded. Files without a readable header are probed.
 */
async function describeWritten(
  file: string,
  encoding: Encoding,
  signal: AbortSignal | undefined,
): Promise<ProbeInfo> {
  const tracks = await readIsoTracks(file);
  const video = tracks?.find((track) => track.handler === 'vide');
  if (video?.width === undefined || video.height === undefined || video.sampleDelta === 0) {
    return probe(file, signal);
  }
  const hasAudio = tracks!.some((track) => track.handler === 'soun');
  return {
    durationSeconds: video.duration / video.timescale,
    width: video.width,
    height: video.height,
    fps: video.timescale / video.sampleDelta,
    frames: video.sampleCount,
    hasAudio,
    videoCodec: encoding.probeName,
    pixelFormat: encoding.pixelFormat,
    ...(hasAudio
      ? { audioCodec: encoding.audioProbeName, sampleRate: AUDIO_RATE, channels: 2 }
      : {}),
    sizeBytes: (await stat(file)).size,
  };
}

/** Where decoding starts, and how much of it precedes the clip. */
interface Window {
  seekTo: number;
  /** seconds between the seek point and the clip's first frame */
  lead: number;
  /** audio samples of the clip */
  samples: number;
}

function checkTiming(opts: ConformOptions, slowmo: number): void {
  const problems: string[] = [];
  if (!(opts.trimFrom >= 0)) {
    problems.push(`trimFrom must be 0 or more, got ${opts.trimFrom}`);
  }
  if (!(opts.trimSeconds > 0)) {
    problems.push(`trimSeconds must be more than 0, got ${opts.trimSeconds}`);
  }
  if (!(slowmo > 0 && slowmo <= 100)) {
    problems.push(`slowmo must be between 0 and 100, got ${slowmo}`);
  }
  const loudness = loudnessProblem(opts.loudnessLufs);
  if (loudness !== null) problems.push(loudness);
  if (problems.length > 0) {
    throw new ShotrouterError('media_failed', `cannot conform: ${problems.join('; ')}`);
  }
}

function inputArgs(input: string, window: Window): string[] {
  return [...(window.seekTo > 0 ? ['-ss', String(window.seekTo)] : []), '-i', localFile(input)];
}

/**
 * True when the input's own frames cannot fill the slowed clip: its rate is below the output
 * rate times the slowdown (24 fps at 2.5× into 24 fps shows each frame 2.5 times).
 */
export function needsInterpolation(sourceFps: number, fps: number, slowmo: number): boolean {
  return slowmo > 1 && sourceFps > 0 && sourceFps * 1.01 < fps * slowmo;
}

interface VideoPlan {
  source: ProbeDetails;
  rate: Rational;
  slowmo: number;
  /** synthesise the frames the slowed input lacks (see ConformOptions.interpolate) */
  interpolate: boolean;
  frames: number;
  window: Window;
  fit: 'fit' | 'fill';
  width: number;
  height: number;
  pixelFormat: string;
}

function videoChain(plan: VideoPlan): string {
  const { width, height, slowmo } = plan;
  const scaled = scaledSize(plan.source.displayAspect, width, height, plan.fit);
  const scale = `scale=${scaled.width}:${scaled.height}:flags=bicubic:${colorConversion(plan.source)}`;
  // one output frame every 1/fps from the clip's first frame, each the nearest source frame
  const align = [
    `fps=fps=${rateText(plan.rate)}:start_time=${plan.window.lead * slowmo}`,
    'setpts=PTS-STARTPTS',
  ];
  const filters = plan.interpolate
    ? [
        `setpts=PTS*${slowmo}`,
        // scale first: motion search costs per pixel, and the cut is rarely larger than the clip
        scale,
        // motion-compensated interpolation to the output rate (overlapped blocks, bidirectional
        // search); the frames it makes lie on the output grid, so `fps` only aligns the start
        `minterpolate=fps=${rateText(plan.rate)}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1`,
        ...align,
      ]
    : [...(slowmo === 1 ? [] : [`setpts=PTS*${slowmo}`]), ...align, scale];
  if (scaled.width > width || scaled.height > height) filters.push(`crop=${width}:${height}`);
  else if (scaled.width < width || scaled.height < height) {
    filters.push(`pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=black`);
  }
  filters.push(
    'setsar=1',
    `format=${plan.pixelFormat}`,
    // hold the last frame if the input ends a little early, then cut to the exact length
    'tpad=stop=-1:stop_mode=clone',
    `trim=end_frame=${plan.frames}`,
  );
  return filters.join(',');
}

/** The picture's size after scaling to fit inside (fit) or cover (fill) the frame, even. */
export function scaledSize(
  displayAspect: number,
  width: number,
  height: number,
  fit: 'fit' | 'fill',
): { width: number; height: number } {
  const wider = displayAspect > width / height;
  if (fit === 'fit') {
    return wider
      ? { width, height: Math.min(height, even(width / displayAspect)) }
      : { width: Math.min(width, even(height * displayAspect)), height };
  }
  return wider
    ? { width: Math.max(width, even(height * displayAspect)), height }
    : { width, height: Math.max(height, even(width / displayAspect)) };
}

const SCALE_MATRICES: Record<string, string> = {
  bt709: 'bt709',
  smpte170m: 'smpte170m',
  bt470bg: 'bt470',
  fcc: 'fcc',
  smpte240m: 'smpte240m',
  bt2020nc: 'bt2020',
  bt2020c: 'bt2020',
};

/**
 * Converts to BT.709 limited range. Untagged video is taken as BT.709 when it is HD and
 * BT.601 otherwise (what players assume); swscale would assume BT.601 for all of it.
 */
function colorConversion(source: ProbeDetails): string {
  const hd = Math.max(source.info.width, source.info.height) >= 1280;
  const matrix = SCALE_MATRICES[source.colorSpace ?? ''] ?? (hd ? 'bt709' : 'smpte170m');
  const range = source.colorRange === 'pc' ? 'full' : source.colorRange === 'tv' ? 'tv' : 'auto';
  return `in_color_matrix=${matrix}:in_range=${range}:out_color_matrix=bt709:out_range=tv`;
}

/**
 * The source's sound from the clip's first frame, at 48 kHz stereo, exactly as long as the
 * picture: the sample count is derived from the frame count, so sync holds to the sample.
 */
function soundChain(window: Window, loudness: string | undefined): string {
  return [
    ...soundSegment(window),
    ...(loudness === undefined ? [] : [loudness, `aresample=${AUDIO_RATE}`]),
    `apad=whole_len=${window.samples}`,
    `atrim=end_sample=${window.samples}`,
  ].join(',');
}

/** Resampled, aligned to the clip's first frame, at most `samples` long. */
function soundSegment(window: Window): string[] {
  return [
    // fill a late start with silence so the first sample sits at the seek point
    `aresample=${AUDIO_RATE}:async=1:first_pts=0`,
    `atrim=start_sample=${Math.round(window.lead * AUDIO_RATE)}`,
    'asetpts=PTS-STARTPTS',
    `aformat=sample_rates=${AUDIO_RATE}:channel_layouts=stereo`,
    `atrim=end_sample=${window.samples}`,
  ];
}
