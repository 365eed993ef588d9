/**
 * The one place that fixes how we encode. Every conformed clip of a codec gets exactly these
 * settings, so clips of the same size and rate carry byte-identical codec headers and can be
 * joined by stream copy.
 */
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { frameCount, type Rational } from './rate.ts';

export type VideoCodec = 'h264' | 'h265' | 'prores';

export interface Encoding {
  /** codec_name as ffprobe reports it */
  probeName: string;
  /** ISO-BMFF sample entry types this codec is stored as */
  sampleEntries: readonly string[];
  videoArgs: readonly string[];
  pixelFormat: string;
  audioArgs: readonly string[];
  /** the audio codec_name as ffprobe reports it */
  audioProbeName: string;
  /** output extensions the codec may be written to */
  containers: readonly string[];
}

const ENCODINGS: Record<VideoCodec, Encoding> = {
  // veryfast + CRF 18: visually transparent on AI-generated sources (already compressed
  // once) at several times the speed of the default preset.
  h264: {
    probeName: 'h264',
    sampleEntries: ['avc1', 'avc3'],
    videoArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-profile:v', 'high'],
    pixelFormat: 'yuv420p',
    audioArgs: ['-c:a', 'aac', '-b:a', '192k'],
    audioProbeName: 'aac',
    containers: ['.mp4', '.m4v', '.mov'],
  },
  h265: {
    probeName: 'hevc',
    sampleEntries: ['hvc1', 'hev1'],
    videoArgs: [
      ...['-c:v', 'libx265', '-preset', 'veryfast', '-crf', '20', '-profile:v', 'main'],
      // hvc1 is the tag Apple players require; log-level keeps x265's banner out of stderr
      ...['-tag:v', 'hvc1', '-x265-params', 'log-level=error'],
    ],
    pixelFormat: 'yuv420p',
    audioArgs: ['-c:a', 'aac', '-b:a', '192k'],
    audioProbeName: 'aac',
    containers: ['.mp4', '.m4v', '.mov'],
  },
  // ProRes 422 HQ with 24-bit PCM, as editors expect it in a QuickTime file
  prores: {
    probeName: 'prores',
    sampleEntries: ['apch', 'apcn', 'apcs', 'apco', 'ap4h', 'ap4x'],
    videoArgs: ['-c:v', 'prores_ks', '-profile:v', '3', '-vendor', 'apl0'],
    pixelFormat: 'yuv422p10le',
    audioArgs: ['-c:a', 'pcm_s24le'],
    audioProbeName: 'pcm_s24le',
    containers: ['.mov'],
  },
};

/** Whether `codec` can be written to a file named `output`. */
export function canContain(codec: VideoCodec, output: string): boolean {
  return ENCODINGS[codec].containers.includes(path.extname(output).toLowerCase());
}

/**
 * The encoding for `codec`, checked against the container `output` names. A draft (a preview's
 * placeholders, which only rehearse timing) takes the encoder's fastest preset; drafts of one
 * size and rate still share their codec parameters, so they join by stream copy too.
 */
export function encodingFor(codec: VideoCodec, output: string, draft = false): Encoding {
  const encoding = ENCODINGS[codec];
  if (!canContain(codec, output)) {
    throw new ShotrouterError(
      'media_failed',
      `${codec} output must be one of ${encoding.containers.join(', ')}, got ${path.basename(output)}`,
    );
  }
  if (!draft || !encoding.videoArgs.includes('-preset')) return encoding;
  const preset = encoding.videoArgs.indexOf('-preset') + 1;
  return { ...encoding, videoArgs: encoding.videoArgs.with(preset, 'ultrafast') };
}

/** The codec an ISO-BMFF sample entry type stands for, if it is one we write. */
export function codecOfSampleEntry(type: string): VideoCodec | undefined {
  for (const [codec, encoding] of Object.entries(ENCODINGS)) {
    if (encoding.sampleEntries.includes(type)) return codec as VideoCodec;
  }
  return undefined;
}

/** The codec ffprobe's codec_name stands for, if it is one we write. */
export function codecOfProbeName(name: string): VideoCodec | undefined {
  for (const [codec, encoding] of Object.entries(ENCODINGS)) {
    if (encoding.probeName === name) return codec as VideoCodec;
  }
  return undefined;
}

/** BT.709, limited range: what HD delivery expects, stated so every clip carries the same tags. */
export const COLOR_TAGS = [
  ...['-color_primaries', 'bt709', '-color_trc', 'bt709'],
  ...['-colorspace', 'bt709', '-color_range', 'tv'],
];

/** A keyframe every 2 s: editors scrub and cut such files without waiting on long GOPs. */
export function keyframeArgs(rate: Rational): string[] {
  return ['-g', String(Math.max(1, frameCount(2, rate)))];
}

/** Output options every file we write shares: no inherited metadata, index at the front. */
export const CONTAINER_ARGS = [
  '-map_metadata',
  '-1',
  '-map_chapters',
  '-1',
  '-movflags',
  '+faststart',
];

/**
 * The shared output options plus container tags (e.g. the AI-generated label). In MP4 and MOV
 * they are written as QuickTime metadata keys (`use_metadata_tags`), so keys of our own survive
 * beside the standard ones; `ffprobe -show_format` lists them.
 */
export function containerArgs(tags: Readonly<Record<string, string>> = {}): string[] {
  const entries = Object.entries(tags);
  if (entries.length === 0) return CONTAINER_ARGS;
  return [
    ...['-map_metadata', '-1', '-map_chapters', '-1'],
    ...['-movflags', '+faststart+use_metadata_tags'],
    ...entries.flatMap(([key, value]) => ['-metadata', `${key}=${value}`]),
  ];
}

/** The nearest even size of at least 2: what yuv420p and 4:2:2 can hold. */
export function even(n: number): number {
  return Math.max(2, 2 * Math.round(n / 2));
}

/** yuv420p and 4:2:2 need even dimensions; say so before ffmpeg does it cryptically. */
export function assertEvenSize(width: number, height: number): void {
  const valid = (n: number) => Number.isInteger(n) && n >= 2 && n <= 16384 && n % 2 === 0;
  if (!valid(width) || !valid(height)) {
    throw new ShotrouterError(
      'media_failed',
      `frame size must be even whole numbers between 2 and 16384, got ${width}x${height}`,
    );
  }
}
