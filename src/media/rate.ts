/** Frame rates as exact fractions, and the frame and sample counts derived from them. */
import { ShotrouterError } from '../errors.ts';

/** Every audio track we write runs at this rate. */
export const AUDIO_RATE = 48_000;

export interface Rational {
  num: number;
  den: number;
}

/** The NTSC family, whose true rates are k×1000/1001 (23.976 is 24000/1001). */
const NTSC_BASES = [24, 30, 48, 60, 120, 240];

/** The exact rate a user means by `fps`: 23.976 → 24000/1001, 25 → 25/1. */
export function frameRate(fps: number): Rational {
  if (!Number.isFinite(fps) || fps <= 0 || fps > 1000) {
    throw new ShotrouterError(
      'media_failed',
      `frame rate must be between 0 and 1000 fps, got ${fps}`,
    );
  }
  const integer = Math.round(fps);
  if (Math.abs(fps - integer) < 1e-6) return { num: integer, den: 1 };
  for (const base of NTSC_BASES) {
    if (Math.abs(fps - (base * 1000) / 1001) < 0.005) return { num: base * 1000, den: 1001 };
  }
  const num = Math.round(fps * 1000);
  const divisor = gcd(num, 1000);
  return { num: num / divisor, den: 1000 / divisor };
}

/** `num/den`, the form ffmpeg options take. */
export function rateText(rate: Rational): string {
  return `${rate.num}/${rate.den}`;
}

export function frameCount(seconds: number, rate: Rational): number {
  return Math.round((seconds * rate.num) / rate.den);
}

export function framesToSeconds(frames: number, rate: Rational): number {
  return (frames * rate.den) / rate.num;
}

/** Audio samples that span `frames` video frames, rounded to the nearest sample. */
export function samplesForFrames(frames: number, rate: Rational): number {
  return Math.round((frames * AUDIO_RATE * rate.den) / rate.num);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
