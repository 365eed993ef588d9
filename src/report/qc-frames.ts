/**
 * Thumbnails of failing checks: for each take the report names (the one in the cut and every
 * paid take kept), the frame at each failing check's `at`, extracted with ffmpeg into the run
 * folder's `qc/` (kept beside the report, so report.html links it; made once per clip and check).
 */
import fs from 'node:fs';
import path from 'node:path';
import { extractFrame } from '../media/index.ts';
import type { RunReport } from './types.ts';

export const QC_FRAMES_DIR = 'qc';

export interface QcFrame {
  code: string;
  message: string;
  /** seconds into the take */
  at: number;
  /** the frame, relative to the run folder; null when it could not be extracted */
  frame: string | null;
}

interface LooseCheck {
  code?: unknown;
  ok?: unknown;
  at?: unknown;
  message?: unknown;
}

/** The failing checks with a place in `verdict`. */
export function failingWithPlace(verdict: readonly unknown[] | null): LooseCheck[] {
  return (verdict ?? []).filter(
    (c): c is LooseCheck =>
      typeof c === 'object' &&
      c !== null &&
      (c as LooseCheck).ok === false &&
      typeof (c as LooseCheck).at === 'number',
  );
}

/** Per take file (relative to the run folder), the frames of its failing checks. */
export async function qcFrames(
  report: RunReport,
  runDir: string,
  width: number,
  signal?: AbortSignal,
): Promise<Map<string, QcFrame[]>> {
  const takes = new Map<string, LooseCheck[]>();
  for (const shot of report.shots) {
    if (shot.file) takes.set(shot.file, failingWithPlace(shot.verdict));
    for (const t of shot.paid_takes) if (t.file) takes.set(t.file, failingWithPlace(t.verdict));
  }
  const out = new Map<string, QcFrame[]>();
  for (const [file, checks] of takes) {
    if (checks.length === 0) continue;
    const stem = path.basename(file, path.extname(file)).slice(0, 16);
    const frames = await Promise.all(
      checks.map(async (check): Promise<QcFrame> => {
        const code = String(check.code);
        const at = check.at as number;
        const relative = `${QC_FRAMES_DIR}/${stem}-${code}.jpg`;
        const absolute = path.join(runDir, relative);
        let frame: string | null = relative;
        if (!fs.existsSync(absolute)) {
          try {
            fs.mkdirSync(path.dirname(absolute), { recursive: true });
            await extractFrame({
              input: path.join(runDir, file),
              atSeconds: at,
              output: absolute,
              width,
              ...(signal ? { signal } : {}),
            });
          } catch (error) {
            if (signal?.aborted) throw error;
            frame = null; // the check is still listed, in words
          }
        }
        return { code, message: String(check.message ?? ''), at, frame };
      }),
    );
    out.set(file, frames);
  }
  return out;
}
