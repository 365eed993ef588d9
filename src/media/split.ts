/**
 * Cutting a multi-shot generation back into its shots: scene changes are detected with
 * ffmpeg's scdet filter and matched to the boundaries the plan expects.
 */
import { ShotrouterError } from '../errors.ts';
import { conformClip } from './conform.ts';
import { canContain, codecOfProbeName, even } from './encoding.ts';
import { allOrAbort, localFile, runFfmpeg } from './ffmpeg.ts';
import { probe } from './probe.ts';
import { frameCount, frameRate, framesToSeconds, type Rational } from './rate.ts';

export interface DetectCutsOptions {
  /**
   * How different two consecutive frames must be to count as a cut, from 0 to 1 (scdet's
   * score / 100). Default 0.1: hard cuts between shots score 0.2 and more, motion within a
   * shot rarely above 0.05.
   */
  threshold?: number;
  signal?: AbortSignal;
}

/** Frames are compared at this width at most: cuts show at any size, and decoding dominates. */
const ANALYSIS_WIDTH = 320;

/** The times (seconds, ascending) of the first frame of every new scene. */
export async function detectCuts(file: string, opts: DetectCutsOptions = {}): Promise<number[]> {
  const threshold = opts.threshold ?? 0.1;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new ShotrouterError('media_failed', `cut threshold must be in (0, 1], got ${threshold}`);
  }
  const cuts: number[] = [];
  await runFfmpeg(
    [
      ...['-loglevel', 'info', '-nostats', '-i', localFile(file), '-map', '0:v:0'],
      // compared as RGB: on YUV, scdet sees only luma and misses a red → green cut
      ...[
        '-vf',
        `scale='min(${ANALYSIS_WIDTH},iw)':-2,format=rgb24,scdet=threshold=${threshold * 100}`,
      ],
      ...['-f', 'null', '-'],
    ],
    {
      signal: opts.signal,
      onStderrLine: (line) => {
        const match = /lavfi\.scd\.time:\s*(-?[\d.]+)/.exec(line);
        if (match) cuts.push(Number(match[1]));
      },
    },
  );
  return cuts.sort((a, b) => a - b);
}

export interface SplitOptions {
  input: string;
  /** the planned length of every shot, in order */
  expectedDurations: number[];
  /** one output file per shot */
  outputs: string[];
  /** see DetectCutsOptions.threshold */
  threshold?: number;
  signal?: AbortSignal;
}

/** How far a detected cut may lie from the planned boundary and still be taken for it. */
export const MAX_CUT_OFFSET_SECONDS = 0.5;

/**
 * Splits `input` into `outputs` at the scene changes that best match the planned boundaries. A
 * boundary without a detected cut within 0.5 s is cut where planned, and `warnings` says so.
 * Each shot keeps the input's size, rate and sound; the last one runs to the input's end.
 */
export async function splitAtCuts(
  opts: SplitOptions,
): Promise<{ cuts: number[]; warnings: string[] }> {
  const { expectedDurations, outputs, signal } = opts;
  if (expectedDurations.length === 0 || expectedDurations.length !== outputs.length) {
    throw new ShotrouterError(
      'media_failed',
      `splitting needs one output per planned shot, got ${expectedDurations.length} durations and ${outputs.length} outputs`,
    );
  }
  if (expectedDurations.some((d) => !(d > 0))) {
    throw new ShotrouterError('media_failed', 'planned shot durations must be more than 0');
  }
  const info = await probe(opts.input, signal);
  const rate = frameRate(info.fps);
  const detected =
    expectedDurations.length > 1
      ? await detectCuts(opts.input, { threshold: opts.threshold, signal })
      : [];
  const { cuts, warnings } = matchCuts(
    plannedBoundaries(expectedDurations),
    detected,
    rate,
    info.durationSeconds,
  );

  const planned = expectedDurations.reduce((sum, d) => sum + d, 0);
  if (Math.abs(planned - info.durationSeconds) > MAX_CUT_OFFSET_SECONDS) {
    warnings.push(
      `the clip lasts ${info.durationSeconds.toFixed(3)} s but the shots were planned to last ${planned.toFixed(3)} s; the last shot runs to the clip's end`,
    );
  }

  const bounds = [0, ...cuts, info.durationSeconds];
  const sourceCodec = codecOfProbeName(info.videoCodec);
  await allOrAbort(
    outputs.map(
      (output, i) => (taskSignal) =>
        conformClip({
          input: opts.input,
          output,
          trimFrom: bounds[i]!,
          trimSeconds: bounds[i + 1]! - bounds[i]!,
          width: even(info.width),
          height: even(info.height),
          fps: info.fps,
          audio: info.hasAudio,
          codec:
            sourceCodec !== undefined && canContain(sourceCodec, output) ? sourceCodec : 'h264',
          signal: taskSignal,
        }),
    ),
    signal,
  );
  return { cuts, warnings };
}

function plannedBoundaries(durations: number[]): number[] {
  const boundaries: number[] = [];
  let at = 0;
  for (const duration of durations.slice(0, -1)) {
    at += duration;
    boundaries.push(at);
  }
  return boundaries;
}

/**
 * Pairs planned boundaries with detected cuts, in order, each cut used at most once, so that
 * the total distance is smallest and a pair is never more than MAX_CUT_OFFSET_SECONDS apart
 * (an alignment by dynamic programming: a plan that runs 0.3 s late still finds every cut,
 * where taking the nearest cut for each boundary in turn could steal the next one's). An
 * unpaired boundary is cut where planned, on the nearest frame.
 */
export function matchCuts(
  planned: number[],
  detected: number[],
  rate: Rational,
  clipSeconds: number,
): { cuts: number[]; warnings: string[] } {
  const paired = align(planned, detected);
  const oneFrame = framesToSeconds(1, rate);
  const cuts: number[] = [];
  const warnings: string[] = [];
  planned.forEach((boundary, i) => {
    const previous = cuts.at(-1) ?? 0;
    const label = `cut ${i + 1} (shot ${i + 1} → ${i + 2})`;
    const match = paired[i];
    if (match !== undefined) {
      cuts.push(detected[match]!);
      return;
    }
    const onFrame = Math.max(
      previous + oneFrame,
      framesToSeconds(frameCount(boundary, rate), rate),
    );
    if (onFrame >= clipSeconds - oneFrame / 2) {
      throw new ShotrouterError(
        'media_failed',
        `the clip lasts ${clipSeconds.toFixed(3)} s, too short for ${label} planned at ${boundary.toFixed(3)} s`,
      );
    }
    const nearest = detected.reduce<number | undefined>(
      (best, cut) =>
        best === undefined || Math.abs(cut - boundary) < Math.abs(best - boundary) ? cut : best,
      undefined,
    );
    const seen =
      nearest === undefined
        ? 'no scene change was detected'
        : `the nearest scene change is at ${nearest.toFixed(3)} s`;
    warnings.push(`${label}: ${seen}; cut at the planned ${onFrame.toFixed(3)} s instead`);
    cuts.push(onFrame);
  });
  const used = new Set(paired);
  detected.forEach((cut, j) => {
    if (!used.has(j)) warnings.push(`a scene change at ${cut.toFixed(3)} s matches no planned cut`);
  });
  return { cuts, warnings };
}

/** For each planned boundary, the index of the detected cut paired with it, if any. */
function align(planned: number[], detected: number[]): Array<number | undefined> {
  // leaving a boundary unpaired costs a little more than the worst acceptable pair
  const unpaired = MAX_CUT_OFFSET_SECONDS + 1e-3;
  const pairCost = (i: number, j: number) => {
    const distance = Math.abs(planned[i]! - detected[j]!);
    return distance <= MAX_CUT_OFFSET_SECONDS ? distance : Number.POSITIVE_INFINITY;
  };
  // cost[i][j]: the best alignment of the first i boundaries with the first j cuts
  const cost = planned.map(() => new Array<number>(detected.length + 1).fill(0));
  cost.unshift(new Array<number>(detected.length + 1).fill(0));
  for (let i = 1; i <= planned.length; i++) {
    cost[i]![0] = i * unpaired;
    for (let j = 1; j <= detected.length; j++) {
      cost[i]![j] = Math.min(
        cost[i]![j - 1]!, // cut j-1 pairs with nothing
        cost[i - 1]![j]! + unpaired,
        cost[i - 1]![j - 1]! + pairCost(i - 1, j - 1),
      );
    }
  }
  const paired: Array<number | undefined> = planned.map(() => undefined);
  for (let i = planned.length, j = detected.length; i > 0; ) {
    if (j > 0 && cost[i]![j] === cost[i - 1]![j - 1]! + pairCost(i - 1, j - 1)) {
      paired[--i] = --j;
    } else if (j > 0 && cost[i]![j] === cost[i]![j - 1]) {
      j--;
    } else {
      i--;
    }
  }
  return paired;
}
