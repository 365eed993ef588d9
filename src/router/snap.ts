/**
 * Snapping a shot's needs to what a model can make: allowed durations, native sizes, frame
 * rates, and the price tier of a size. Pure functions, no catalog lookups.
 */
import type { Durations } from '../catalog/schema.ts';
import { orientationOfSize } from '../catalog/tiers.ts';
import { type RejectionReason, rejectionReason } from '../contracts/reasons.ts';
import type { Size } from '../storyboard/types.ts';

const EPSILON = 1e-9;

/** Allowed durations ascending; a min/max/step range is expanded (ranges are small). */
export function allowedDurations(d: Durations): number[] {
  if ('values' in d) return [...d.values].sort((a, b) => a - b);
  const out: number[] = [];
  // Count steps in integers so 0.1 steps do not accumulate float error.
  const steps = Math.floor((d.max - d.min) / d.step + EPSILON);
  for (let i = 0; i <= steps; i++) out.push(round6(d.min + i * d.step));
  return out;
}

/** The smallest allowed duration ≥ needed, or undefined when the model cannot reach it. */
export function snapDuration(allowed: readonly number[], needed: number): number | undefined {
  return allowed.find((value) => value + EPSILON >= needed);
}

export interface SizeChoice {
  size: Size;
  /** true when the model's size is below the target and must be upscaled */
  upscale: boolean;
}

/**
 * The native size to request for a target: the smallest one of the same orientation that
 * covers the target (preferring the same aspect ratio); with `allowUpscale`, the largest one of
 * that orientation when none covers it.
 */
export function chooseSize(
  sizes: readonly Size[],
  target: Size,
  allowUpscale: boolean,
): SizeChoice | { problem: RejectionReason } {
  const orientation = orientationOfSize(target);
  const same = sizes.filter((s) => orientationOfSize(s) === orientation);
  if (same.length === 0) {
    const limit = sizes.map(formatSize);
    return {
      problem: rejectionReason({ code: 'orientation_unavailable', asked: orientation, limit }),
    };
  }
  const targetAspect = target.width / target.height;
  const covering = same
    .filter((s) => s.width >= target.width && s.height >= target.height)
    .sort(
      (a, b) =>
        aspectPenalty(a, targetAspect) - aspectPenalty(b, targetAspect) ||
        a.width * a.height - b.width * b.height,
    );
  if (covering[0]) return { size: covering[0], upscale: false };
  const largest = [...same].sort((a, b) => b.width * b.height - a.width * a.height)[0]!;
  if (allowUpscale) return { size: largest, upscale: true };
  return {
    problem: rejectionReason({
      code: 'size_too_small',
      limit: formatSize(largest),
      asked: formatSize(target),
    }),
  };
}

function aspectPenalty(size: Size, targetAspect: number): number {
  return Math.abs(size.width / size.height - targetAspect) > 0.02 ? 1 : 0;
}

export interface FpsChoice {
  fps: number;
  /** true when the clip must be converted to the target frame rate */
  converted: boolean;
}

/**
 * With a slow-motion need, the lowest rate ≥ minFps; otherwise the target rate itself, or the
 * nearest rate (converted later).
 */
export function chooseFps(
  rates: readonly number[],
  target: number,
  minFps: number | undefined,
): FpsChoice | { problem: RejectionReason } {
  const sorted = [...rates].sort((a, b) => a - b);
  if (minFps !== undefined) {
    const fast = sorted.find((r) => r + 0.01 >= minFps);
    if (fast === undefined) {
      const slowmo = round6(minFps / target);
      return {
        problem: rejectionReason({
          code: 'fps_too_low',
          limit: sorted.at(-1)!,
          asked: minFps,
          slowmo,
        }),
      };
    }
    return { fps: fast, converted: Math.abs(fast - minFps) > 0.01 };
  }
  const exact = sorted.find((r) => Math.abs(r - target) < 0.01);
  if (exact !== undefined) return { fps: exact, converted: false };
  const nearest = [...sorted].sort(
    (a, b) => Math.abs(a - target) - Math.abs(b - target) || b - a,
  )[0]!;
  return { fps: nearest, converted: true };
}

export function formatSize(size: Size): string {
  return `${size.width}x${size.height}`;
}

export function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

export { trimNumber } from '../contracts/format.ts';
