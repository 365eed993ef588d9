/**
 * Frame rates as exact fractions, and the one place where seconds become frames.
 * NTSC rates are never floats here: 23.976 is 24000/1001, 29.97 is 30000/1001.
 */
import { ShotrouterError } from '../errors.ts';
import type { FrameRate } from './types.ts';

/**
 * The exact rate meant by `fps`. Integer rates stay integers; a rate within 0.005 of
 * n·1000/1001 (23.976, 23.98, 29.97, 59.94, 47.952, 119.88, …) is that NTSC fraction;
 * other decimals (12.5) become the smallest fraction that equals them.
 */
export function frameRateOf(fps: number): FrameRate {
  if (!Number.isFinite(fps) || fps <= 0) {
    throw new ShotrouterError('internal', `frame rate must be a positive number, got ${fps}`);
  }
  const whole = Math.round(fps);
  if (Math.abs(fps - whole) < 1e-9) return { num: whole, den: 1 };
  const ntsc = Math.round((fps * 1001) / 1000);
  if (Math.abs((ntsc * 1000) / 1001 - fps) < 0.005) return { num: ntsc * 1000, den: 1001 };
  for (let den = 2; den <= 1000; den++) {
    const num = Math.round(fps * den);
    if (Math.abs(num / den - fps) < 1e-9) return reduce({ num, den });
  }
  throw new ShotrouterError('internal', `frame rate ${fps} is not a usable fraction`);
}

export function fpsOf(rate: FrameRate): number {
  return rate.num / rate.den;
}

/** The whole-number rate timecode counts in (24 for 23.976, 30 for 29.97). */
export function timecodeBase(rate: FrameRate): number {
  return Math.round(rate.num / rate.den);
}

/** 29.97 and 59.94 are the rates that have a drop-frame timecode. */
export function hasDropFrame(rate: FrameRate): boolean {
  return rate.den === 1001 && rate.num % 30000 === 0;
}

/** Seconds to the nearest whole frame. */
export function secondsToFrames(seconds: number, rate: FrameRate): number {
  return Math.round((seconds * rate.num) / rate.den);
}

export function framesToSeconds(frames: number, rate: FrameRate): number {
  return (frames * rate.den) / rate.num;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

function reduce(r: FrameRate): FrameRate {
  const g = gcd(r.num, r.den);
  return { num: r.num / g, den: r.den / g };
}
