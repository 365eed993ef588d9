/**
 * Test media made on the spot with ffmpeg's generators, and facts read back with ffprobe
 * directly (not through the module under test).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { cachedFile } from '../cache.ts';

const exec = promisify(execFile);

/** A temporary directory removed when the test file ends. */
export function scratchDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shotrouter-media-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function ffmpeg(args: string[]): Promise<string> {
  const { stderr } = await exec('ffmpeg', ['-hide_banner', '-nostdin', '-y', ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stderr;
}

export async function ffmpegBytes(args: string[]): Promise<Buffer> {
  const { stdout } = await exec('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...args], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

export interface StreamFacts {
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base: string;
  duration: string;
  nb_frames?: string;
  sample_rate?: string;
  channels?: number;
  channel_layout?: string;
  extradata?: string;
}

export interface Facts {
  video: StreamFacts;
  audio?: StreamFacts;
  formatDuration: number;
}

/** ffprobe's view of a file's first video and audio streams. */
export async function facts(file: string): Promise<Facts> {
  const { stdout } = await exec('ffprobe', [
    ...['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '-show_data'],
    file,
  ]);
  const parsed = JSON.parse(stdout) as {
    streams: Array<StreamFacts & { codec_type: string }>;
    format: { duration: string };
  };
  const video = parsed.streams.find((s) => s.codec_type === 'video');
  if (video === undefined) throw new Error(`${file} has no video`);
  const audio = parsed.streams.find((s) => s.codec_type === 'audio');
  return { video, ...(audio ? { audio } : {}), formatDuration: Number(parsed.format.duration) };
}

export interface ClipSpec {
  seconds: number;
  width: number;
  height: number;
  fps: number | string;
  /**
   * testsrc2: moving pattern; ramp: flat frames whose luma is 16 + 4 × (frame number mod 50),
   * losslessly coded, so tests can tell which source frame they see; or a colour name
   */
  picture?: 'testsrc2' | 'ramp' | { color: string };
  /** a sine tone; `beepAt` adds a loud 1 kHz burst starting at that time */
  audio?: { rate?: number; channels?: number; dbfs?: number; beepAt?: number };
}

/**
 * Writes the clip `spec` describes to `file`. Each clip is rendered once per test run (several
 * files ask for the same sources) and copied from the run's cache.
 */
export async function makeClip(file: string, spec: ClipSpec): Promise<string> {
  const extension = path.extname(file) || '.mp4';
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 24);
  const cached = await cachedFile(`clip-${key}${extension}`, (output) => renderClip(output, spec));
  await copyFile(cached, file);
  return file;
}

async function renderClip(file: string, spec: ClipSpec): Promise<void> {
  const size = `${spec.width}x${spec.height}`;
  const picture = spec.picture ?? 'testsrc2';
  const video =
    picture === 'testsrc2'
      ? `testsrc2=s=${size}:r=${spec.fps}:d=${spec.seconds}`
      : picture === 'ramp'
        ? `color=c=black:s=${size}:r=${spec.fps}:d=${spec.seconds},format=yuv420p,geq=lum='16+4*mod(N,50)':cb=128:cr=128`
        : `color=c=${picture.color}:s=${size}:r=${spec.fps}:d=${spec.seconds}`;
  const args = ['-v', 'error', '-f', 'lavfi', '-i', video];
  if (spec.audio) {
    const rate = spec.audio.rate ?? 48000;
    const amplitude = 10 ** ((spec.audio.dbfs ?? -20) / 20);
    const beep =
      spec.audio.beepAt === undefined
        ? '0'
        : `if(between(t,${spec.audio.beepAt},${spec.audio.beepAt + 0.05}),0.9*sin(2*PI*1000*t),0)`;
    const tone = spec.audio.beepAt === undefined ? `${amplitude}*sin(2*PI*440*t)` : '0';
    args.push('-f', 'lavfi', '-i', `aevalsrc='${tone}+${beep}':s=${rate}:d=${spec.seconds}`);
    args.push('-ac', String(spec.audio.channels ?? 2), '-c:a', 'aac', '-b:a', '128k');
  }
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  if (picture === 'ramp') args.push('-qp', '0');
  await ffmpeg([...args, file]);
}

/** A copy of `file` that players show rotated by `degrees` (display matrix, no re-encode). */
export async function rotatedCopy(file: string, output: string, degrees: number): Promise<string> {
  await ffmpeg([
    '-v',
    'error',
    '-i',
    file,
    '-c',
    'copy',
    '-metadata:s:v',
    `rotate=${degrees}`,
    output,
  ]);
  return output;
}

/** The mean luma (Y, 16–235) of each frame, in order. */
export async function frameLumas(file: string): Promise<number[]> {
  // 2x2 yuv420p: four Y bytes, then one U and one V
  const raw = await ffmpegBytes([
    ...['-i', file, '-map', '0:v:0', '-vf', 'scale=2:2:flags=area,format=yuv420p'],
    ...['-f', 'rawvideo', '-'],
  ]);
  const lumas: number[] = [];
  for (let i = 0; i + 6 <= raw.length; i += 6)
    lumas.push((raw[i]! + raw[i + 1]! + raw[i + 2]! + raw[i + 3]!) / 4);
  return lumas;
}

/** The RGB colour of the pixel at (x, y) of the frame at `atSeconds`. */
export async function pixelAt(
  file: string,
  atSeconds: number,
  x: number,
  y: number,
): Promise<[number, number, number]> {
  const raw = await ffmpegBytes([
    ...['-ss', String(atSeconds), '-i', file, '-frames:v', '1'],
    ...['-vf', `crop=1:1:${x}:${y},format=rgb24`, '-f', 'rawvideo', '-'],
  ]);
  return [raw[0]!, raw[1]!, raw[2]!];
}

/** The audio as mono float samples at 48 kHz. */
export async function monoSamples(file: string): Promise<Float32Array> {
  const raw = await ffmpegBytes([
    '-i',
    file,
    '-map',
    '0:a:0',
    '-ac',
    '1',
    '-ar',
    '48000',
    '-f',
    'f32le',
    '-',
  ]);
  return new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
}

/** Where loud sound starts after `from` seconds, in seconds (the first sample over 0.3). */
export function onsetAfter(samples: Float32Array, from: number): number {
  for (let i = Math.round(from * 48000); i < samples.length; i++) {
    if (Math.abs(samples[i]!) > 0.3) return i / 48000;
  }
  return Number.NaN;
}

/** Integrated loudness (LUFS) measured by ffmpeg's ebur128 filter. */
export async function integratedLoudness(file: string): Promise<number> {
  const stderr = await ffmpeg([
    '-nostats',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-af',
    'ebur128',
    '-f',
    'null',
    '-',
  ]);
  const summary = stderr.slice(stderr.lastIndexOf('Integrated loudness:'));
  const match = /I:\s+(-?[\d.]+) LUFS/.exec(summary);
  if (!match) throw new Error(`no loudness in:\n${summary}`);
  return Number(match[1]);
}

/** The peak level in dBFS from ffmpeg's volumedetect (it reports digital silence as -91). */
export async function peakLevel(file: string): Promise<number> {
  const stderr = await ffmpeg([
    '-nostats',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-af',
    'volumedetect',
    '-f',
    'null',
    '-',
  ]);
  const match = /max_volume:\s+(-?[\d.]+|-inf) dB/.exec(stderr);
  if (!match) throw new Error('no max_volume');
  return match[1] === '-inf' ? -Infinity : Number(match[1]);
}

/** The top-level box types of an MP4 file, in order. */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const bytes = await readFile(file);
  const types: string[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    let size = bytes.readUInt32BE(at);
    if (size === 1) size = Number(bytes.readBigUInt64BE(at + 8));
    types.push(bytes.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return types;
}

/** Whether the MP4 index (moov) precedes the media data (mdat): +faststart. */
export async function isFaststart(file: string): Promise<boolean> {
  const boxes = await topLevelBoxes(file);
  return boxes.includes('moov') && boxes.indexOf('moov') < boxes.indexOf('mdat');
}

export function fraction(text: string | undefined): number {
  const [num, den] = (text ?? '0/1').split('/').map(Number);
  return num! / den!;
}

/**
 * The mean level (dBFS, volumedetect; -91 for silence) of the sound between `from` and `to`
 * seconds, through a narrow band-pass at `hz`: how loud one tone of a mix is there.
 */
export async function bandLevel(file: string, from: number, to: number, hz: number) {
  const stderr = await ffmpeg([
    ...['-nostats', '-ss', String(from), '-t', String(to - from), '-i', file, '-map', '0:a:0'],
    ...['-af', `bandpass=f=${hz}:width_type=q:width=8,volumedetect`, '-f', 'null', '-'],
  ]);
  const match = /mean_volume:\s+(-?[\d.]+|-inf) dB/.exec(stderr);
  if (!match) throw new Error('no mean_volume');
  return match[1] === '-inf' ? -91 : Number(match[1]);
}

/** A sine tone of `hz` at `dbfs`, `seconds` long, written to `file` (its extension picks the codec). */
export async function makeTone(file: string, hz: number, seconds: number, dbfs: number) {
  const amplitude = 10 ** (dbfs / 20);
  await ffmpeg([
    ...[
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `aevalsrc=${amplitude}*sin(2*PI*${hz}*t):s=48000:d=${seconds}`,
    ],
    ...['-ac', '2', file],
  ]);
  return file;
}
