/**
 * Clips made with ffmpeg for QC: good ones (moving pattern, slow zoom and pan over a still,
 * a dark scene, quiet and loud sound) and one per defect. Shared by the QC tests, the margins
 * script (bench/qc-margins.ts) and the QC benchmark.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const W = 320;
export const H = 180;
export const FPS = 24;

/** What a recipe's clip was asked to be (what the checks are run against). */
export const ASKED = { seconds: 2, width: W, height: H, fps: FPS } as const;

export interface Recipe {
  name: string;
  /** the checks that must fail on it; empty for a good clip */
  fails: string[];
  /** ffmpeg arguments after `-y`, writing to the output path given */
  args(output: string, images: Images): string[];
  /** sound was asked (default true) */
  audio?: boolean;
}

/** Still images the recipes start from (made by `makeImages`). */
export interface Images {
  /** a detailed picture: one frame of testsrc2 */
  pattern: string;
  /** a different one: SMPTE bars */
  bars: string;
  /** a third: a Mandelbrot frame */
  fractal: string;
}

export async function makeImages(dir: string): Promise<Images> {
  const make = async (name: string, source: string) => {
    const file = path.join(dir, `${name}.png`);
    await ffmpeg(['-f', 'lavfi', '-i', source, '-frames:v', '1', file]);
    return file;
  };
  const [pattern, bars, fractal] = await Promise.all([
    make('pattern', `testsrc2=s=${W * 2}x${H * 2}`),
    make('bars', `smptehdbars=s=${W * 2}x${H * 2}`),
    make('fractal', `mandelbrot=s=${W * 2}x${H * 2}:start_scale=1.5`),
  ]);
  return { pattern, bars, fractal };
}

export async function ffmpeg(args: string[]): Promise<void> {
  await exec('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

const SIZE = `${W}x${H}`;
const ENCODE = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
const AAC = ['-c:a', 'aac', '-ac', '2', '-shortest'];
const TONE = (seconds: number, gain = 0.1) =>
  ['-f', 'lavfi', '-i', `aevalsrc='${gain}*sin(2*PI*330*t)':s=48000:d=${seconds}`] as const;
const pattern = (seconds: number, size = SIZE, fps = FPS) =>
  ['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=${fps}:d=${seconds}`] as const;
/** a still image as a clip's input */
const still = (image: string, seconds: number) =>
  ['-loop', '1', '-framerate', String(FPS), '-t', String(seconds), '-i', image] as const;
/** zooms slowly into a still from its full frame (a slow push-in) */
const zoomFilter = (perSecond: number) =>
  `scale=${W * 2}:${H * 2},zoompan=z='1+${perSecond / FPS}*on':d=1:s=${SIZE}:fps=${FPS}` +
  ":x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'";

export const RECIPES: Recipe[] = [
  {
    name: 'moving pattern',
    fails: [],
    args: (out) => [...pattern(2), ...TONE(2), ...ENCODE, ...AAC, out],
  },
  {
    name: 'slow zoom on a still',
    fails: [],
    args: (out, img) => [
      ...still(img.fractal, 2),
      ...TONE(2),
      ...['-vf', zoomFilter(0.03)],
      ...ENCODE,
      ...AAC,
      out,
    ],
  },
  {
    name: 'slow pan on a still',
    fails: [],
    args: (out, img) => [
      ...still(img.bars, 2),
      ...TONE(2),
      ...['-vf', `scale=${W * 2}:${H * 2},crop=${W}:${H}:x='t*6':y=${H / 2},setsar=1`],
      ...ENCODE,
      ...AAC,
      out,
    ],
  },
  {
    name: 'dark scene',
    fails: [],
    // a night shot: the pattern at a tenth of its brightness, over black
    args: (out) => [
      ...pattern(2),
      ...TONE(2),
      ...['-vf', "lutyuv=y='16+(val-16)*0.1'"],
      ...ENCODE,
      ...AAC,
      out,
    ],
  },
  {
    name: 'quiet room tone',
    fails: [],
    args: (out) => [
      ...pattern(2),
      ...['-f', 'lavfi', '-i', 'anoisesrc=a=0.003:c=pink:d=2:r=48000'],
      ...ENCODE,
      ...AAC,
      out,
    ],
  },
  {
    name: 'loud clean sound',
    fails: [],
    // a tone peaking at -6 dBFS: louder than most program sound, which peaks near -1 dBFS but
    // averages -20 to -10 dBFS
    args: (out) => [...pattern(2), ...TONE(2, 0.5), '-af', 'afade=d=0.1', ...ENCODE, ...AAC, out],
  },
  {
    name: 'black stretch',
    fails: ['black'],
    args: (out) => [
      ...pattern(2),
      ...TONE(2),
      ...['-vf', "drawbox=enable='between(t,0.6,1.3)':c=black:t=fill"],
      ...ENCODE,
      ...AAC,
      out,
    ],
  },
  {
    name: 'frozen stretch',
    fails: ['frozen'],
    args: (out) => [
      ...pattern(2),
      ...TONE(2),
      ...[
        '-vf',
        `loop=loop=${FPS * 1.5}:size=1:start=${FPS / 4},trim=end_frame=${FPS * 2},setpts=N/${FPS}/TB`,
      ],
      ...ENCODE,
      ...AAC,
      out,
    ],
  },
  {
    name: 'silent stretch',
    fails: ['silence'],
    args: (out) => [
      ...pattern(2),
      ...TONE(2),
      ...['-af', "volume=enable='between(t,0.4,1.8)':volume=0"],
      ...ENCODE,
      ...AAC,
      out,
    ],
  },
  {
    name: 'clipped sound',
    fails: ['clipping'],
    args: (out) => [
      ...pattern(2),
      ...['-f', 'lavfi', '-i', "aevalsrc='clip(3*sin(2*PI*330*t),-1,1)':s=48000:d=2"],
      ...ENCODE,
      ...AAC,
      out,
    ],
  },
  {
    name: 'cut in the middle',
    fails: ['cuts'],
    args: (out, img) => [
      ...pattern(1),
      ...still(img.fractal, 1),
      ...TONE(2),
      ...['-filter_complex', `[1:v]${zoomFilter(0.03)}[b];[0:v][b]concat=n=2:v=1[v]`],
      ...['-map', '[v]', '-map', '2:a'],
      ...ENCODE,
      ...AAC,
      out,
    ],
  },
  {
    name: 'short',
    fails: ['duration'],
    args: (out) => [...pattern(1.5), ...TONE(1.5), ...ENCODE, ...AAC, out],
  },
  {
    name: 'wrong size',
    fails: ['size'],
    args: (out) => [...pattern(2, '256x144'), ...TONE(2), ...ENCODE, ...AAC, out],
  },
  {
    name: 'wrong frame rate',
    fails: ['fps'],
    args: (out) => [...pattern(2, SIZE, 30), ...TONE(2), ...ENCODE, ...AAC, out],
  },
  {
    name: 'no sound',
    fails: ['audio'],
    args: (out) => [...pattern(2), ...ENCODE, out],
  },
];

/** The file name of a recipe's clip. */
export function clipName(recipe: Recipe): string {
  return `${recipe.name.replace(/\W+/g, '-')}.mp4`;
}
