/** Still frames, for thumbnails, contact sheets and last-frame continuity references. */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { localFile, runFfmpeg } from './ffmpeg.ts';
import { writeAtomically } from './files.ts';
import { probe } from './probe.ts';

export interface ExtractFrameOptions {
  input: string;
  /** the frame shown at this time (the last one at or before it) */
  atSeconds: number;
  /** .jpg, .jpeg or .png */
  output: string;
  /** scale to this width, keeping the aspect ratio */
  width?: number;
  signal?: AbortSignal;
}

export async function extractFrame(opts: ExtractFrameOptions): Promise<void> {
  const ext = checkFrameOptions(opts);
  await writeAtomically(opts.output, async (temporary) => {
    await runFfmpeg(
      [
        ...['-ss', String(opts.atSeconds), '-i', localFile(opts.input)],
        ...frameArgs(opts, 0, ext),
        temporary,
      ],
      { signal: opts.signal },
    );
    await assertWritten(opts, temporary);
  });
}

/**
 * Several frames in one ffmpeg run (a contact sheet's: one process instead of one per clip).
 * Fails as a whole when any frame cannot be read; extract them one by one to learn which.
 */
export async function extractFrames(
  frames: readonly Omit<ExtractFrameOptions, 'signal'>[],
  signal?: AbortSignal,
): Promise<void> {
  if (frames.length === 0) return;
  const exts = frames.map(checkFrameOptions);
  const temporaries = frames.map((frame, i) => {
    const dir = path.dirname(frame.output);
    return path.join(
      dir,
      `.${path.basename(frame.output, exts[i])}.${process.pid}.partial${exts[i]}`,
    );
  });
  try {
    await Promise.all(
      frames.map((frame) => mkdir(path.dirname(frame.output), { recursive: true })),
    );
    await runFfmpeg(
      [
        // one decoding thread per clip: each thread holds frames of its own, and a still
        // needs no parallel decoding (measured: 7 HD clips took 250 MB with threads, 145 without)
        ...frames.flatMap((frame) => [
          ...['-threads', '1', '-ss', String(frame.atSeconds), '-i', localFile(frame.input)],
        ]),
        ...frames.flatMap((frame, i) => [...frameArgs(frame, i, exts[i]!), temporaries[i]!]),
      ],
      { signal },
    );
    for (const [i, frame] of frames.entries()) {
      await assertWritten({ ...frame, ...(signal ? { signal } : {}) }, temporaries[i]!);
      await rename(temporaries[i]!, frame.output);
    }
  } finally {
    await Promise.all(temporaries.map((file) => rm(file, { force: true })));
  }
}

/** The options of the output that takes input `index`'s frame (its file name follows them). */
function frameArgs(opts: Omit<ExtractFrameOptions, 'signal'>, index: number, ext: string) {
  return [
    ...['-map', `${index}:v:0`, '-frames:v', '1'],
    ...(opts.width === undefined ? [] : ['-vf', `scale=${opts.width}:-2`]),
    ...(ext === '.png' ? [] : ['-q:v', '2']),
    ...['-update', '1', '-y'],
  ];
}

/** ffmpeg succeeds without writing anything when the time is past the end: say so. */
async function assertWritten(opts: ExtractFrameOptions, temporary: string): Promise<void> {
  const written = await stat(temporary).then(
    (s) => s.size > 0,
    () => false,
  );
  if (!written) {
    const { durationSeconds } = await probe(opts.input, opts.signal);
    throw new ShotrouterError(
      'media_failed',
      `${path.basename(opts.input)} has no frame at ${opts.atSeconds} s (it lasts ${durationSeconds.toFixed(3)} s)`,
    );
  }
}

/** Checks a frame's options; returns its output's extension. */
function checkFrameOptions(opts: Omit<ExtractFrameOptions, 'signal'>): string {
  const ext = path.extname(opts.output).toLowerCase();
  if (!['.jpg', '.jpeg', '.png'].includes(ext)) {
    throw new ShotrouterError(
      'media_failed',
      `a frame is written as .jpg or .png, got ${path.basename(opts.output)}`,
    );
  }
  if (!(opts.atSeconds >= 0)) {
    throw new ShotrouterError(
      'media_failed',
      `frame time must be 0 or more, got ${opts.atSeconds}`,
    );
  }
  if (opts.width !== undefined && !(Number.isInteger(opts.width) && opts.width >= 2)) {
    throw new ShotrouterError(
      'media_failed',
      `frame width must be a whole number of 2 or more, got ${opts.width}`,
    );
  }
  return ext;
}

export interface ExtractStripOptions {
  input: string;
  /** .jpg */
  output: string;
  /** thumbnails in the strip, evenly spaced over the clip, side by side */
  frames: number;
  /** width of each thumbnail (even), keeping the aspect ratio */
  width: number;
  signal?: AbortSignal;
}

/**
 * A strip of thumbnails across a clip, in one JPEG: `frames` stills from the middles of equal
 * slices of its duration, scaled to `width` each, tiled left to right in one ffmpeg pass.
 */
export async function extractStrip(opts: ExtractStripOptions): Promise<void> {
  if (path.extname(opts.output).toLowerCase() !== '.jpg') {
    throw new ShotrouterError(
      'media_failed',
      `a strip is written as .jpg, got ${path.basename(opts.output)}`,
    );
  }
  if (!(Number.isInteger(opts.frames) && opts.frames >= 1 && opts.frames <= 100)) {
    throw new ShotrouterError('media_failed', `a strip has 1-100 frames, got ${opts.frames}`);
  }
  if (!(Number.isInteger(opts.width) && opts.width >= 2 && opts.width % 2 === 0)) {
    throw new ShotrouterError('media_failed', `strip width must be even, got ${opts.width}`);
  }
  const { durationSeconds } = await probe(opts.input, opts.signal);
  if (!(durationSeconds > 0)) {
    throw new ShotrouterError('media_failed', `${path.basename(opts.input)} has no duration`);
  }
  const slice = durationSeconds / opts.frames;
  await writeAtomically(opts.output, async (temporary) => {
    await runFfmpeg(
      [
        ...['-i', localFile(opts.input), '-map', '0:v:0'],
        ...[
          '-vf',
          // one frame per slice, from its middle: skip half a slice, then one frame a slice; the
          // clip's last frame is held a slice longer so the last thumbnail is never missing
          `trim=start=${(slice / 2).toFixed(6)},setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop_duration=${slice.toFixed(6)},fps=${opts.frames}/${durationSeconds.toFixed(6)},scale=${opts.width}:-2,tile=${opts.frames}x1`,
        ],
        ...['-frames:v', '1', '-q:v', '4', '-update', '1', '-y', temporary],
      ],
      { signal: opts.signal },
    );
  });
}
