/** What a media file holds, read with ffprobe. */
import { stat } from 'node:fs/promises';
import { ShotrouterError } from '../errors.ts';
import { localFile, runFfprobe } from './ffmpeg.ts';

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
