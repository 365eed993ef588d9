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
