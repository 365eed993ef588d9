/** report.html: the run for people (see html.ts). */

import path from 'node:path';
import { writeTextAtomically } from '../util/write-text.ts';
import { contactFrames } from './frames.ts';
import { type HtmlReportInput, renderReportHtml } from './html.ts';
import { qcFrames } from './qc-frames.ts';
import type { RunReport } from './types.ts';

export { spendChart } from './chart.ts';
export { contactFrames, type FrameSource } from './frames.ts';
export { type HtmlReportInput, renderReportHtml } from './html.ts';
export { QC_FRAMES_DIR, type QcFrame, qcFrames } from './qc-frames.ts';

/** Frames are this wide at most: sharp in the sheet, small enough to inline. */
const FRAME_WIDTH = 320;

export interface WriteReportHtmlOptions {
  file: string;
  report: RunReport;
  deliver: HtmlReportInput['deliver'];
  /** per shot in storyboard order: the clip in the cut (absolute path) to take a frame from */
  shots: Array<{ id: string; prompt: string; seconds: number; clip: string }>;
  signal?: AbortSignal;
}

export async function writeReportHtml(options: WriteReportHtmlOptions): Promise<void> {
  const width = Math.min(FRAME_WIDTH, options.deliver.width - (options.deliver.width % 2));
  const frames = await contactFrames(
    options.shots.map((s) => ({ id: s.id, file: s.clip, seconds: s.seconds })),
    width,
    options.signal,
  );
  // failing checks' frames are smaller: several can sit beside one shot
  const failing = await qcFrames(
    options.report,
    path.dirname(options.file),
    Math.min(160, width),
    options.signal,
  );
  // the stills of images: as thumbnails (an image is its own one frame)
  const dir = path.dirname(options.file);
  const kept = (options.report.stills ?? []).filter((s) => s.file !== null);
  const stillFrames = await contactFrames(
    kept.map((s) => ({ id: s.name, file: path.join(dir, s.file!), seconds: 0 })),
    width,
    options.signal,
  );
  const html = renderReportHtml({
    stillFrames,
    qcFrames: failing,
    report: options.report,
    deliver: options.deliver,
    shots: options.shots.map((s) => ({
      id: s.id,
      prompt: s.prompt,
      seconds: s.seconds,
      frame: frames.get(s.id) ?? null,
    })),
  });
  await writeTextAtomically(options.file, html);
}
