/** The contact sheet's stills: one frame from the middle of each clip, as a JPEG data URI. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractFrame } from '../media/index.ts';

export interface FrameSource {
  id: string;
  /** absolute path of the clip */
  file: string;
  seconds: number;
}

/** Per clip id, its frame as a `data:image/jpeg;base64,…` URI, or null when none could be read. */
export async function contactFrames(
  clips: readonly FrameSource[],
  width: number,
  signal?: AbortSignal,
): Promise<Map<string, string | null>> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'shotrouter-frames-'));
  try {
    const frames = await Promise.all(
      clips.map(async (clip, i): Promise<[string, string | null]> => {
        const output = path.join(dir, `${i}.jpg`);
        try {
          await extractFrame({
            input: clip.file,
            atSeconds: clip.seconds / 2,
            output,
            width,
            ...(signal ? { signal } : {}),
          });
        } catch (error) {
          if (signal?.aborted) throw error;
          return [clip.id, null]; // the sheet shows a placeholder; the cut is what matters
        }
        const data = await fs.promises.readFile(output);
        return [clip.id, `data:image/jpeg;base64,${data.toString('base64')}`];
      }),
    );
    return new Map(frames);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
