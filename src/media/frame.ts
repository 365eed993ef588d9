/** Still frames, for thumbnails, contact sheets and last-frame continuity references. */
import { stat } from 'node:fs/promises';
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
  await writeAtomically(opts.output, async (temporary) => {
    await runFfmpeg(
      [
        ...[
          '-ss',
          String(opts.atSeconds),
          '-i',
          localFile(opts.input),
          '-map',
          '0:v:0',
          '-frames:v',
          '1',
        ],
        ...(opts.width === undefined ? [] : ['-vf', `scale=${opts.width}:-2`]),
        ...(ext === '.png' ? [] : ['-q:v', '2']),
        ...['-update', '1', '-y', temporary],
      ],
      { signal: opts.signal },
    );
    // ffmpeg succeeds without writing anything when the time is past the end
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
  });
}
