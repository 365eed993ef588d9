/**
 * The frame an API is asked for: size and tier name, aspect ratio and duration, each the
 * nearest one the API offers, with a `compatibility` warning whenever it is not the one asked.
 */
import type { Tier } from '../../catalog/schema.ts';
import { tierOfSize } from '../../catalog/tiers.ts';
import { providerErrors } from '../errors.ts';
import type { VideoCallOptions } from '../types.ts';
import type { Warning } from './options.ts';

export interface FrameSize {
  width: number;
  height: number;
}

/** `options.resolution` (`1280x720`) as numbers; undefined when the caller left it to the API. */
export function requestedSize(provider: string, options: VideoCallOptions): FrameSize | undefined {
  if (options.resolution === undefined) return undefined;
  const match = /^(\d+)x(\d+)$/.exec(options.resolution);
  if (!match || Number(match[1]) <= 0 || Number(match[2]) <= 0) {
    throw providerErrors.invalidRequest(
      provider,
      `resolution must be WIDTHxHEIGHT, got ${options.resolution}`,
    );
  }
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** The tier name (`720p`, `4k`) APIs use for a frame size, as the catalog prices it. */
export function tierOf(size: FrameSize): Tier {
  return tierOfSize(size);
}

/** The tier among `allowed` nearest to the size's own (ties go to the larger tier). */
export function nearestTier<T extends string>(size: FrameSize, allowed: readonly T[]): T {
  const own = tierOf(size);
  if ((allowed as readonly string[]).includes(own)) return own as T;
  const pixels = Math.log(size.width * size.height);
  let best = allowed[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const tier of allowed) {
    const distance = Math.abs(pixels - Math.log(TIER_PIXELS[tier] ?? 0));
    if (distance <= bestDistance) {
      best = tier;
      bestDistance = distance;
    }
  }
  return best;
}

/** Nominal 16:9 pixel counts of the tier names APIs use. */
const TIER_PIXELS: Record<string, number> = {
  '360p': 640 * 360,
  '480p': 854 * 480,
  '540p': 960 * 540,
  '580p': 1032 * 580,
  '720p': 1280 * 720,
  '1080p': 1920 * 1080,
  '1440p': 2560 * 1440,
  '2160p': 3840 * 2160,
  '4k': 3840 * 2160,
};

/**
 * The tier among `allowed` nearest to the requested size, with a `compatibility` warning when it
 * is another tier than the size's own (`2160p` and `4k` are one tier).
 */
export function pickTier<T extends string>(
  size: FrameSize,
  allowed: readonly T[],
  options: VideoCallOptions,
  warnings: Warning[],
): T {
  const tier = nearestTier(size, allowed);
  const sameTier = (a: string, b: string) =>
    (a === '2160p' ? '4k' : a) === (b === '2160p' ? '4k' : b);
  if (!sameTier(tier, tierOf(size))) {
    warnings.push({
      type: 'compatibility',
      feature: 'resolution',
      details: `${options.resolution} is not offered; sent ${tier}`,
    });
  }
  return tier;
}

/** `16:9` → 1.777…; undefined for `adaptive` or anything else. */
export function ratioValue(text: string | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text ?? '');
  if (!match) return undefined;
  const value = Number(match[1]) / Number(match[2]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The frame's width/height ratio: from `aspectRatio`, else from `resolution`. */
export function requestedRatio(provider: string, options: VideoCallOptions): number | undefined {
  const fromAspect = ratioValue(options.aspectRatio);
  if (fromAspect !== undefined) return fromAspect;
  const size = requestedSize(provider, options);
  return size ? size.width / size.height : undefined;
}

/**
 * The aspect ratio among `allowed` (e.g. `['16:9', '9:16', '1:1']`) nearest to `ratio`, on a
 * log scale so that 2:1 and 1:2 are equally far from 1:1.
 */
export function nearestRatio<T extends string>(ratio: number, allowed: readonly T[]): T {
  let best = allowed[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const value = ratioValue(candidate);
    if (value === undefined) continue;
    const distance = Math.abs(Math.log(value) - Math.log(ratio));
    if (distance < bestDistance - 1e-9) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * The aspect ratio to send: the requested one when allowed, else the nearest allowed one with a
 * `compatibility` warning; undefined when the request names none (the API's default).
 */
export function pickRatio<T extends string>(
  provider: string,
  options: VideoCallOptions,
  allowed: readonly T[],
  warnings: Warning[],
): T | undefined {
  const ratio = requestedRatio(provider, options);
  if (ratio === undefined) return undefined;
  const chosen = nearestRatio(ratio, allowed);
  if (Math.abs(Math.log(ratioValue(chosen)!) - Math.log(ratio)) > 0.01) {
    warnings.push({
      type: 'compatibility',
      feature: 'aspectRatio',
      details: `${options.aspectRatio ?? options.resolution} is not offered; sent ${chosen}`,
    });
  }
  return chosen;
}

/**
 * The duration among `allowed` nearest to `requested` (ties go to the longer one, so a clip is
 * trimmed rather than stretched), with a `compatibility` warning when it differs.
 */
export function pickDuration(
  requested: number,
  allowed: readonly number[],
  warnings: Warning[],
): number {
  let best = allowed[0]!;
  for (const candidate of allowed) {
    const better = Math.abs(candidate - requested) - Math.abs(best - requested);
    if (better < -1e-9 || (Math.abs(better) <= 1e-9 && candidate > best)) best = candidate;
  }
  if (Math.abs(best - requested) > 1e-9) {
    warnings.push({
      type: 'compatibility',
      feature: 'duration',
      details: `${requested} s is not offered; sent ${best} s`,
    });
  }
  return best;
}
