/**
 * Take checks: one ffmpeg pass measures a clip, pure functions judge the measurements against
 * what was asked. The engine calls `checkTake` after a download; `shotrouter qc` calls it too.
 */
import type { ProbeInfo } from '../media/probe.ts';
import { analyseClip } from './analyse.ts';
import type { Check } from './checks.ts';
import { judgeTake, type TakeExpectations } from './judge.ts';

export {
  type AnalyseOptions,
  analyseClip,
  analysisArgs,
  type ClipMeasurements,
  parseAnalysisLog,
  type Stretch,
} from './analyse.ts';
export {
  CHECK_CODES,
  type Check,
  type CheckCode,
  checkSchema,
  passed,
  type Verdict,
  verdictSchema,
} from './checks.ts';
export { judgeTake, type TakeExpectations } from './judge.ts';
export { ANALYSIS_WIDTH, QC_LIMITS } from './limits.ts';

export interface CheckTakeOptions {
  /** the clip's ffprobe facts when the caller has them (saves a probe) */
  info?: ProbeInfo;
  signal?: AbortSignal;
}

/**
 * Every check of `file` against `expect`. Throws `verification_failed` (details.reason
 * `unreadable`) when the file is not a readable video; every other finding is a check.
 */
export async function checkTake(
  file: string,
  expect: TakeExpectations,
  opts: CheckTakeOptions = {},
): Promise<Check[]> {
  const measured = await analyseClip(file, {
    ...(expect.firstFrame !== undefined ? { firstFrame: expect.firstFrame } : {}),
    ...(expect.lastFrame !== undefined ? { lastFrame: expect.lastFrame } : {}),
    ...(opts.info !== undefined ? { info: opts.info } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  return judgeTake(measured, expect);
}
