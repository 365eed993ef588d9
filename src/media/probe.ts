/**
 * What a media file holds. The usual clip (MP4 or MOV, one H.264 picture, AAC or no sound) is
 * described from its header in-process, in about a millisecond (mp4.ts, codec-config.ts), with
 * what ffprobe would say of it; anything else is read with ffprobe, a process start per file.
 */
import { stat } from 'node:fs/promises';
import { ShotrouterError } from '../errors.ts';
import { parseAacConfig, type SpsFacts, spsOfAvcC } from './codec-config.ts';
import { localFile, runFfprobe } from './ffmpeg.ts';
import { esdsDecoderConfig, type IsoTrack, readIsoTracks } from './mp4.ts';

export interface ProbeInfo {
  /** the picture's duration (the video stream's own, else the container's) */
  durationSeconds: number;
  /** as displayed: swapped when the file is rotated by ±90° */
  width: number;
  height: number;
  fps: number;
  frames?: number;
  hasAudio: boolean;
  videoCodec: string;
  pixelFormat: string;
  audioCodec?: string;
  sampleRate?: number;
  channels?: number;
  sizeBytes: number;
}

/** ProbeInfo plus what conforming needs to interpret the picture correctly. */
export interface ProbeDetails {
  info: ProbeInfo;
  /** width/height of the picture as shown, after sample aspect ratio and rotation */
  displayAspect: number;
  /** ffprobe's color_space and color_range of the video stream, when tagged */
  colorSpace?: string;
  colorRange?: string;
}

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  sample_rate?: string;
  channels?: number;
  color_space?: string;
  color_range?: string;
  disposition?: { attached_pic?: number };
  side_data_list?: Array<{ rotation?: number }>;
  tags?: Record<string, string>;
}

interface RawProbe {
  streams?: RawStream[];
  format?: { duration?: string };
}

export async function probe(file: string, signal?: AbortSignal): Promise<ProbeInfo> {
  return (await probeDetails(file, signal)).info;
}

/**
 * ffprobe's answers by the identity of the file they describe (device, inode, size, modification
 * time), so a clip probed when it was downloaded is not probed again when it is conformed under
 * its final name (a rename keeps all four). At most PROBE_CACHE_SIZE, the oldest forgotten first.
 */
const answers = new Map<string, Promise<string>>();
const PROBE_CACHE_SIZE = 256;

function probeJson(file: string, identity: string, signal: AbortSignal | undefined) {
  let answer = answers.get(identity);
  if (answer === undefined) {
    const args = ['-print_format', 'json', '-show_format', '-show_streams', '-i', localFile(file)];
    answer = runFfprobe(args, { signal });
    answer.catch(() => answers.delete(identity));
    answers.set(identity, answer);
    if (answers.size > PROBE_CACHE_SIZE) answers.delete(answers.keys().next().value!);
  }
  return answer;
}

export async function probeDetails(file: string, signal?: AbortSignal): Promise<ProbeDetails> {
  const { size, identity } = await fileIdentity(file);
  return (await headerDetails(file, size)) ?? ffprobeDetails(file, size, identity, signal);
}

/**
 * What the usual clip's header says, in-process (see headerDetails), else undefined. Exported
 * to hold it side by side with ffprobe's answer (probeWithFfprobe).
 */
export async function probeFromHeader(file: string): Promise<ProbeDetails | undefined> {
  return headerDetails(file, (await fileIdentity(file)).size);
}

/** probeDetails read with ffprobe, whatever the file. */
export async function probeWithFfprobe(file: string, signal?: AbortSignal): Promise<ProbeDetails> {
  const { size, identity } = await fileIdentity(file);
  return ffprobeDetails(file, size, identity, signal);
}

async function ffprobeDetails(
  file: string,
  size: number,
  identity: string,
  signal: AbortSignal | undefined,
): Promise<ProbeDetails> {
  const raw = JSON.parse(await probeJson(file, identity, signal)) as RawProbe;
  const streams = raw.streams ?? [];
  // a cover image is stored as a video stream too; it is not the picture
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (video === undefined || !video.width || !video.height) {
    throw new ShotrouterError('media_failed', `${file} has no video stream`, {
      details: { reason: 'unreadable' },
    });
  }
  const audio = streams.find((s) => s.codec_type === 'audio');

  const durationSeconds = firstFinite(
    Number(video.duration),
    tagDuration(video.tags?.DURATION),
    Number(raw.format?.duration),
  );
  if (durationSeconds === undefined) {
    throw new ShotrouterError('media_failed', `${file}: the duration of the video is unknown`);
  }
  const fps = ratio(video.avg_frame_rate) || ratio(video.r_frame_rate);
  const rotated = Math.abs(rotationOf(video)) % 180 === 90;
  const sampleAspect = ratio(video.sample_aspect_ratio) || 1;
  const width = rotated ? video.height : video.width;
  const height = rotated ? video.width : video.height;
  const frames = Number(video.nb_frames);
  const storedAspect = (video.width * sampleAspect) / video.height;

  const info: ProbeInfo = {
    durationSeconds,
    width,
    height,
    fps,
    hasAudio: audio !== undefined,
    videoCodec: video.codec_name ?? 'unknown',
    pixelFormat: video.pix_fmt ?? 'unknown',
    sizeBytes: size,
  };
  if (frames > 0) info.frames = frames;
  if (audio !== undefined) {
    info.audioCodec = audio.codec_name ?? 'unknown';
    const sampleRate = Number(audio.sample_rate);
    if (sampleRate > 0) info.sampleRate = sampleRate;
    if (audio.channels !== undefined) info.channels = audio.channels;
  }
  const details: ProbeDetails = {
    info,
    displayAspect: rotated ? 1 / storedAspect : storedAspect,
  };
  if (video.color_space !== undefined) details.colorSpace = video.color_space;
  if (video.color_range !== undefined) details.colorRange = video.color_range;
  return details;
}

/**
 * ProbeDetails from an MP4/MOV header, as ffprobe would give them (test/media/probe.test.ts
 * holds the two side by side), for the usual clip only: one H.264 picture at a constant rate
 * whose size the SPS confirms, no edit that cuts it, no flip or odd rotation, and AAC LC sound
 * or none. Undefined for anything else.
 */
async function headerDetails(file: string, size: number): Promise<ProbeDetails | undefined> {
  const tracks = await readIsoTracks(file).catch(() => undefined);
  const pictures = tracks?.filter((track) => track.handler === 'vide') ?? [];
  const sounds = tracks?.filter((track) => track.handler === 'soun') ?? [];
  const video = pictures[0];
  if (video === undefined || pictures.length > 1 || sounds.length > 1) return undefined;
  if (!H264_ENTRIES.has(video.sampleEntryType)) return undefined;
  if (!video.constantRate || !video.simpleEdit || video.sampleCount === 0) return undefined;
  if (video.timescale === 0 || video.duration === 0 || video.sampleDelta === 0) return undefined;
  // an edit that ends the picture early: ffprobe's duration and frame count would follow it
  if (video.editSpan !== undefined && video.duration - video.editSpan >= video.sampleDelta) {
    return undefined;
  }
  const avcC = video.entryBoxes.get('avcC');
  const sps = avcC && spsOfAvcC(avcC);
  if (sps === undefined || sps.width !== video.width || sps.height !== video.height) {
    return undefined;
  }
  const rotation = matrixRotation(video.matrix);
  const colour = colourOf(sps, video.entryBoxes.get('colr'));
  const pixelFormat = colour && pixelFormatOf(sps, colour);
  if (rotation === undefined || colour === undefined || pixelFormat === undefined) {
    return undefined;
  }
  const sound = sounds[0] && soundOf(sounds[0]);
  if (sounds[0] !== undefined && sound === undefined) return undefined;

  const rotated = rotation % 180 === 90;
  const [sarWidth, sarHeight] = paspAspect(video.entryBoxes.get('pasp')) ??
    sps.sampleAspect ?? [1, 1];
  const storedAspect = (sps.width * sarWidth) / sarHeight / sps.height;
  const info: ProbeInfo = {
    durationSeconds: video.duration / video.timescale,
    width: rotated ? sps.height : sps.width,
    height: rotated ? sps.width : sps.height,
    fps: video.timescale / video.sampleDelta,
    frames: video.sampleCount,
    hasAudio: sound !== undefined,
    videoCodec: 'h264',
    pixelFormat,
    ...(sound === undefined ? {} : { audioCodec: 'aac', ...sound }),
    sizeBytes: size,
  };
  return {
    info,
    displayAspect: rotated ? 1 / storedAspect : storedAspect,
    ...(colour.space === undefined ? {} : { colorSpace: colour.space }),
    ...(colour.range === undefined ? {} : { colorRange: colour.range }),
  };
}

const H264_ENTRIES = new Set(['avc1', 'avc3']);

/**
 * ffmpeg's names of matrix_coefficients (H.273 Table 4), those it has; 2 (unspecified) and
 * the reserved 3 are not tagged.
 */
const MATRIX_NAMES: Readonly<Record<number, string>> = {
  0: 'gbr',
  1: 'bt709',
  4: 'fcc',
  5: 'bt470bg',
  6: 'smpte170m',
  7: 'smpte240m',
  8: 'ycgco',
  9: 'bt2020nc',
  10: 'bt2020c',
  11: 'smpte2085',
  12: 'chroma-derived-nc',
  13: 'chroma-derived-c',
  14: 'ictcp',
};

interface Colour {
  space?: string;
  range?: 'pc' | 'tv';
}

/**
 * The picture's colour matrix and range as ffmpeg's decoder reports them: the SPS's where it
 * has them, else those of the container's `colr` (nclx) box. Undefined for a code ffmpeg does
 * not name.
 */
function colourOf(sps: SpsFacts, colr: Buffer | undefined): Colour | undefined {
  const nclx = colr !== undefined && colr.length >= 11 && colr.toString('latin1', 0, 4) === 'nclx';
  const matrix = sps.matrixCoefficients ?? (nclx ? colr.readUInt16BE(8) : undefined);
  const full = sps.fullRange ?? (nclx ? (colr[10]! & 0x80) !== 0 : undefined);
  const colour: Colour = {};
  if (matrix !== undefined && matrix !== 2 && matrix !== 3) {
    const name = MATRIX_NAMES[matrix];
    if (name === undefined) return undefined;
    colour.space = name;
  }
  if (full !== undefined) colour.range = full ? 'pc' : 'tv';
  return colour;
}

/** The pixel format ffmpeg's H.264 decoder picks (its 8- and 10-bit formats). */
function pixelFormatOf(sps: SpsFacts, colour: Colour): string | undefined {
  if (sps.bitDepth !== 8 && sps.bitDepth !== 10) return undefined;
  const deep = sps.bitDepth === 10 ? '10le' : '';
  if (sps.chromaFormat === 0) return `gray${deep}`;
  const subsampling = ['420', '422', '444'][sps.chromaFormat - 1];
  if (sps.chromaFormat === 3 && colour.space === 'gbr') return `gbrp${deep}`;
  // 8-bit full range has formats of its own (the "J" ones)
  const j = colour.range === 'pc' && deep === '' ? 'j' : '';
  return `yuv${j}${subsampling}p${deep}`;
}

/** A `pasp` box's sample aspect ratio, when it holds one. */
function paspAspect(pasp: Buffer | undefined): [number, number] | undefined {
  if (pasp === undefined || pasp.length < 8) return undefined;
  const ratio: [number, number] = [pasp.readUInt32BE(0), pasp.readUInt32BE(4)];
  return ratio[0] > 0 && ratio[1] > 0 ? ratio : undefined;
}

/**
 * The rotation of a `tkhd` display matrix in degrees (0, 90, 180, 270), or undefined for any
 * other transform (a flip, a scale, a skew).
 */
function matrixRotation(matrix: Buffer): number | undefined {
  if (matrix.length < 36) return undefined;
  const at = (i: number) => matrix.readInt32BE(i * 4) / 65536;
  const [a, b, c, d] = [at(0), at(1), at(3), at(4)];
  const rotations: Array<[number, number, number, number, number]> = [
    [0, 1, 0, 0, 1],
    [90, 0, 1, -1, 0],
    [180, -1, 0, 0, -1],
    [270, 0, -1, 1, 0],
  ];
  return rotations.find(([, ra, rb, rc, rd]) => a === ra && b === rb && c === rc && d === rd)?.[0];
}

/** AAC LC sound's rate and channels as ffprobe reports them, or undefined for other sound. */
function soundOf(track: IsoTrack): { sampleRate: number; channels: number } | undefined {
  if (track.sampleEntryType !== 'mp4a') return undefined;
  const esds = track.entryBoxes.get('esds');
  const decoder = esds && esdsDecoderConfig(esds);
  // 0x40: MPEG-4 audio (ISO 14496-1 Table 5)
  if (decoder?.objectTypeIndication !== 0x40 || decoder.specificInfo === undefined) {
    return undefined;
  }
  const config = parseAacConfig(decoder.specificInfo);
  // AAC LC with its channels stated; SBR and PS change the rate ffprobe reports
  if (config?.objectType !== 2 || config.channels === undefined) return undefined;
  return { sampleRate: config.sampleRate, channels: config.channels };
}

async function fileIdentity(file: string): Promise<{ size: number; identity: string }> {
  try {
    const stats = await stat(file);
    if (stats.isFile()) {
      const { dev, ino, size, mtimeMs } = stats;
      return { size, identity: `${dev}:${ino}:${size}:${mtimeMs}` };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  throw new ShotrouterError('media_failed', `${file} does not exist or is not a file`, {
    details: { reason: 'unreadable' },
  });
}

function rotationOf(stream: RawStream): number {
  for (const side of stream.side_data_list ?? []) {
    if (typeof side.rotation === 'number') return side.rotation;
  }
  return Number(stream.tags?.rotate) || 0;
}

/** "30000/1001" → 29.97; "0/0", "N/A" or missing → 0 */
function ratio(text: string | undefined): number {
  const [num, den] = (text ?? '').split(/[/:]/).map(Number);
  return num !== undefined && den !== undefined && num > 0 && den > 0 ? num / den : 0;
}

/** Matroska keeps stream durations as a tag: "00:00:05.000000000". */
function tagDuration(text: string | undefined): number {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text ?? '');
  if (!match) return Number.NaN;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

function firstFinite(...values: number[]): number | undefined {
  return values.find((v) => Number.isFinite(v) && v > 0);
}

/** What a sound file (music, narration) holds, read with ffprobe. */
export interface AudioInfo {
  durationSeconds: number;
  codec: string;
  sampleRate: number;
  channels: number;
}

/**
 * The first audio stream of `file`. Throws `media_failed` (reason `unreadable`) when the file is
 * missing, cannot be read, or holds no sound, so callers can name the field that pointed at it.
 */
export async function probeAudio(file: string, signal?: AbortSignal): Promise<AudioInfo> {
  await fileIdentity(file);
  let raw: RawProbe;
  try {
    const args = ['-print_format', 'json', '-show_format', '-show_streams', '-i', localFile(file)];
    raw = JSON.parse(await runFfprobe(args, { signal })) as RawProbe;
  } catch (error) {
    if (ShotrouterError.is(error) && error.code === 'aborted') throw error;
    throw new ShotrouterError('media_failed', `${file} is not a media file ffmpeg can read`, {
      cause: error,
      details: { reason: 'unreadable' },
    });
  }
  const audio = (raw.streams ?? []).find((s) => s.codec_type === 'audio');
  if (audio === undefined) {
    throw new ShotrouterError('media_failed', `${file} has no audio stream`, {
      details: { reason: 'unreadable' },
    });
  }
  const durationSeconds = firstFinite(
    Number(audio.duration),
    tagDuration(audio.tags?.DURATION),
    Number(raw.format?.duration),
  );
  if (durationSeconds === undefined) {
    throw new ShotrouterError('media_failed', `${file}: the duration of the sound is unknown`, {
      details: { reason: 'unreadable' },
    });
  }
  return {
    durationSeconds,
    codec: audio.codec_name ?? 'unknown',
    sampleRate: Number(audio.sample_rate) || 0,
    channels: audio.channels ?? 0,
  };
}
