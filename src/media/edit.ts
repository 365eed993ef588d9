/**
 * Edits on clips that are already in the cut's format (conformed): a frame-exact piece of one
 * clip with fades and drawn text, and the overlap of two clips (a dissolve or a wipe). Each is
 * encoded exactly as conformClip encodes (encoding.ts), so the pieces join by stream copy with
 * every other clip of the cut; the join itself stays a plain concatenation.
 *
 * Times are whole frames of the clips' rate, and sound is cut to the sample count of those
 * frames, so sync holds across pieces as it does across whole clips.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import {
  assertEvenSize,
  COLOR_TAGS,
  containerArgs,
  encodingFor,
  keyframeArgs,
  type VideoCodec,
} from './encoding.ts';
import { filterValue, localFile, runFfmpeg } from './ffmpeg.ts';
import { withTempDir, writeAtomically } from './files.ts';
import { fontOption } from './fonts.ts';
import { wrapText } from './preview.ts';
import { AUDIO_RATE, frameRate, type Rational, rateText, samplesForFrames } from './rate.ts';

/** The cut's format, which the inputs already have and the output keeps. */
export interface EditFormat {
  width: number;
  height: number;
  fps: number;
  /** the clips carry 48 kHz stereo sound */
  audio: boolean;
  codec: VideoCodec;
  tags?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

export interface PieceOptions extends EditFormat {
  input: string;
  output: string;
  /** the first frame of the input the piece shows */
  fromFrame: number;
  frames: number;
  /** frames of fade from black (and silence) at the start */
  fadeInFrames?: number;
  /** frames of fade to black (and silence) at the end */
  fadeOutFrames?: number;
  /** drawn large in the middle of the picture for the whole piece */
  title?: string;
  /** drawn at the bottom of the picture for the whole piece */
  caption?: string;
}

export type OverlapKind = 'dissolve' | 'wipe';

export interface OverlapOptions extends EditFormat {
  output: string;
  kind: OverlapKind;
  /** the clip the overlap leaves, and its first frame in the overlap */
  outgoing: string;
  outgoingFrom: number;
  /** the clip the overlap enters, and its first frame in the overlap */
  incoming: string;
  incomingFrom: number;
  frames: number;
}

/** A piece of a conformed clip, with fades and text drawn on it. */
export async function renderPiece(opts: PieceOptions): Promise<void> {
  const rate = checkFormat(opts, opts.output, opts.frames);
  const fadeIn = opts.fadeInFrames ?? 0;
  const fadeOut = opts.fadeOutFrames ?? 0;
  await withTempDir(async (dir) => {
    const video = [
      ...frameWindow(opts.fromFrame, opts.frames),
      ...(fadeIn > 0 ? [`fade=t=in:s=0:n=${fadeIn}`] : []),
      ...(fadeOut > 0 ? [`fade=t=out:s=${opts.frames - fadeOut}:n=${fadeOut}`] : []),
      ...(await textFilters(dir, opts)),
    ];
    const graph = [`[0:v:0]${finishVideo(video, rate, opts.codec, opts.output, opts.frames)}[v]`];
    if (opts.audio) {
      const samples = samplesForFrames(opts.frames, rate);
      const sound = [
        ...sampleWindow(samplesForFrames(opts.fromFrame, rate), samples),
        ...(fadeIn > 0 ? [`afade=t=in:ss=0:ns=${samplesForFrames(fadeIn, rate)}`] : []),
        ...(fadeOut > 0
          ? [
              `afade=t=out:ss=${samples - samplesForFrames(fadeOut, rate)}:ns=${samplesForFrames(fadeOut, rate)}`,
            ]
          : []),
      ];
      graph.push(`[0:a:0]${finishSound(sound, samples)}[a]`);
    }
    await encode(['-i', localFile(opts.input)], graph, opts, rate, opts.frames / opts.fps);
  });
}

/** The overlap of two conformed clips: a cross dissolve, or a wipe from right to left. */
export async function renderOverlap(opts: OverlapOptions): Promise<void> {
  const rate = checkFormat(opts, opts.output, opts.frames);
  const seconds = (opts.frames * rate.den) / rate.num;
  const transition = opts.kind === 'wipe' ? 'wipeleft' : 'fade';
  const graph = [
    `[0:v:0]${frameWindow(opts.outgoingFrom, opts.frames).join(',')}[from]`,
    `[1:v:0]${frameWindow(opts.incomingFrom, opts.frames).join(',')}[to]`,
    `[from][to]${finishVideo([`xfade=transition=${transition}:duration=${seconds}:offset=0`], rate, opts.codec, opts.output, opts.frames)}[v]`,
  ];
  if (opts.audio) {
    const samples = samplesForFrames(opts.frames, rate);
    const window = (from: number) => sampleWindow(samplesForFrames(from, rate), samples).join(',');
    // the sound crosses over the same frames, whatever the picture does
    graph.push(
      `[0:a:0]${window(opts.outgoingFrom)}[fromsound]`,
      `[1:a:0]${window(opts.incomingFrom)}[tosound]`,
      `[fromsound][tosound]${finishSound([`acrossfade=ns=${samples}`], samples)}[a]`,
    );
  }
  await encode(
    ['-i', localFile(opts.outgoing), '-i', localFile(opts.incoming)],
    graph,
    opts,
    rate,
    seconds,
  );
}

function checkFormat(format: EditFormat, output: string, frames: number): Rational {
  assertEvenSize(format.width, format.height);
  encodingFor(format.codec, output);
  if (!Number.isInteger(frames) || frames < 1) {
    throw new ShotrouterError('media_failed', `an edit lasts at least one frame, got ${frames}`);
  }
  return frameRate(format.fps);
}

function frameWindow(from: number, frames: number): string[] {
  return [`trim=start_frame=${from}:end_frame=${from + frames}`, 'setpts=PTS-STARTPTS'];
}

function sampleWindow(from: number, samples: number): string[] {
  return [`atrim=start_sample=${from}:end_sample=${from + samples}`, 'asetpts=PTS-STARTPTS'];
}

/**
 * The frame rate stated again (xfade forgets it, and the muxer would then guess 25 fps and
 * duplicate frames), the pixel format the encoder expects, and the exact frame count.
 */
function finishVideo(
  filters: string[],
  rate: Rational,
  codec: VideoCodec,
  output: string,
  frames: number,
) {
  const { pixelFormat } = encodingFor(codec, output);
  return [
    ...filters,
    `fps=fps=${rateText(rate)}`,
    'setsar=1',
    `format=${pixelFormat}`,
    'tpad=stop=-1:stop_mode=clone',
    `trim=end_frame=${frames}`,
  ].join(',');
}

function finishSound(filters: string[], samples: number): string {
  return [
    ...filters,
    `aformat=sample_rates=${AUDIO_RATE}:channel_layouts=stereo`,
    `apad=whole_len=${samples}`,
    `atrim=end_sample=${samples}`,
  ].join(',');
}

/**
 * drawtext filters for a title (large, centred) and a caption (smaller, at the bottom), each
 * on a translucent box. Text goes through files: user text is never parsed as filter syntax,
 * and `expansion=none` keeps a `%` literal.
 */
async function textFilters(
  dir: string,
  opts: Pick<PieceOptions, 'title' | 'caption' | 'width' | 'height'>,
): Promise<string[]> {
  const short = Math.min(opts.width, opts.height);
  const filters: string[] = [];
  const draw = async (name: string, text: string, size: number, y: string, lines: number) => {
    // DejaVu Sans averages about 0.6 em per character
    const chars = Math.max(8, Math.floor((opts.width * 0.9) / (size * 0.6)));
    const file = path.join(dir, `${name}.txt`);
    await writeFile(file, wrapText(text, chars, lines).join('\n'));
    const pad = Math.max(2, Math.round(size * 0.3));
    filters.push(
      `drawtext=${fontOption(name === 'title')}textfile=${filterValue(file)}:fontsize=${size}` +
        `:fontcolor=white:x=(w-text_w)/2:y=${y}:expansion=none:line_spacing=${Math.round(size * 0.25)}` +
        `:box=1:boxcolor=black@0.45:boxborderw=${pad}`,
    );
  };
  if (opts.title !== undefined) {
    await draw('title', opts.title, Math.max(8, Math.round(short / 9)), '(h-text_h)/2', 3);
  }
  if (opts.caption !== undefined) {
    const size = Math.max(6, Math.round(short / 18));
    await draw('caption', opts.caption, size, `h-text_h-${Math.round(short * 0.06)}`, 2);
  }
  return filters;
}

async function encode(
  inputs: string[],
  graph: string[],
  opts: EditFormat & { output: string },
  rate: Rational,
  seconds: number,
): Promise<void> {
  const encoding = encodingFor(opts.codec, opts.output);
  const maps = ['-map', '[v]'];
  if (opts.audio) {
    maps.push('-map', '[a]', ...encoding.audioArgs, '-ar', String(AUDIO_RATE), '-ac', '2');
  }
  await writeAtomically(opts.output, (temporary) =>
    runFfmpeg(
      [
        ...inputs,
        ...['-filter_complex', graph.join(';'), ...maps],
        ...encoding.videoArgs,
        ...['-pix_fmt', encoding.pixelFormat, ...keyframeArgs(rate)],
        ...COLOR_TAGS,
        ...containerArgs(opts.tags),
        ...['-y', temporary],
      ],
      { mediaSeconds: seconds, ...(opts.signal ? { signal: opts.signal } : {}) },
    ),
  );
}
