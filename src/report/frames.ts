/** The contact sheet's stills: one frame from the middle of each clip, as a JPEG data URI. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allOrAbort, extractFrame, extractFrames } from '../media/index.ts';

export interface FrameSource {
  id: string;
  /** absolute path of the clip */
  file: string;
  seconds: number;
}

/** Clips one ffmpeg run reads frames of: each open input holds a decoder and its frames. */
const CLIPS_PER_RUN = 4;

/** Per clip id, its frame as a `data:image/jpeg;base64,…` URI, or null when none could be read. */
export async function contactFrames(
  clips: readonly FrameSource[],
  width: number,
  signal?: AbortSignal,
): Promise<Map<string, string | null>> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'shotrouter-frames-'));
  const output = (i: number) => path.join(dir, `${i}.jpg`);
  const dataUri = async (i: number) =>
    `data:image/jpeg;base64,${(await fs.promises.readFile(output(i))).toString('base64')}`;
  try {
    // the frames of many clips in each ffmpeg run; when one cannot be read, each alone, to
    // know which
    try {
      const frames = clips.map((clip, i) => ({
        input: clip.file,
        atSeconds: clip.seconds / 2,
        output: output(i),
        width,
      }));
      const batches: (typeof frames)[] = [];
      for (let at = 0; at < frames.length; at += CLIPS_PER_RUN) {
        batches.push(frames.slice(at, at + CLIPS_PER_RUN));
      }
      // the runs at once, as many as the ffmpeg pool lets (the sheet is made after the cut,
      // when the cores are free); one failing stops the others
      await allOrAbort(
        batches.map((batch) => (batchSignal) => extractFrames(batch, batchSignal)),
        signal,
      );
      return new Map(
        await Promise.all(
          clips.map(
            async (clip, i): Promise<[string, string | null]> => [clip.id, await dataUri(i)],
          ),
        ),
      );
    } catch (error) {
      if (signal?.aborted) throw error;
    }
    const frames = await Promise.all(
      clips.map(async (clip, i): Promise<[string, string | null]> => {
        try {
          await extractFrame({
            input: clip.file,
            atSeconds: clip.seconds / 2,
            output: output(i),
            width,
            ...(signal ? { signal } : {}),
          });
        } catch (error) {
          if (signal?.aborted) throw error;
          return [clip.id, null]; // the sheet shows a placeholder; the cut is what matters
        }
        return [clip.id, await dataUri(i)];
      }),
    );
    return new Map(frames);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
