/**
 * Resolution tiers. A card lists exact native sizes (e.g. Wan 2.2 5B's 1280x704) while prices and
 * route limits speak of tiers (`720p`); these helpers join the two the same way everywhere.
 */
import { TIERS, type Tier } from './schema.ts';

export interface PixelSize {
  width: number;
  height: number;
}

/** Pixel count of a 16:9 frame of each tier (480p as 854x480). */
const NOMINAL_PIXELS: Record<Tier, number> = {
  '360p': 640 * 360,
  '480p': 854 * 480,
  '540p': 960 * 540,
  '720p': 1280 * 720,
  '1080p': 1920 * 1080,
  '1440p': 2560 * 1440,
  '4k': 3840 * 2160,
};

/** `1920x1080` → `{ width: 1920, height: 1080 }`; throws on anything else. */
export function parseSize(size: string): PixelSize {
  const match = /^(\d{2,5})x(\d{2,5})$/.exec(size);
  if (!match) throw new TypeError(`not a WIDTHxHEIGHT size: ${size}`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/**
 * The tier whose nominal pixel count is nearest (on a log scale) to the frame's. Pixel count, not
 * the short side, so that non-16:9 frames land where vendors put them: Runway's 960x960 and
 * 1584x672 are 720p class, Kling's 2880x2880 is 4K, Sora's 1792x1024 is 1080p class.
 */
export function tierOfSize(size: PixelSize | string): Tier {
  const { width, height } = typeof size === 'string' ? parseSize(size) : size;
  const pixels = Math.log(width * height);
  let best: Tier = TIERS[0];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const tier of TIERS) {
    const distance = Math.abs(pixels - Math.log(NOMINAL_PIXELS[tier]));
    if (distance < bestDistance) {
      best = tier;
      bestDistance = distance;
    }
  }
  return best;
}

/** Position of a tier in ascending order (360p = 0 … 4k = 6), for comparisons. */
export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

export type SizeOrientation = 'landscape' | 'portrait' | 'square';

export function orientationOfSize(size: PixelSize | string): SizeOrientation {
  const { width, height } = typeof size === 'string' ? parseSize(size) : size;
  return width > height ? 'landscape' : width < height ? 'portrait' : 'square';
}

/** The distinct tiers of a list of sizes, ascending. */
export function tiersOfSizes(sizes: readonly string[]): Tier[] {
  const found = new Set(sizes.map((s) => tierOfSize(s)));
  return TIERS.filter((t) => found.has(t));
}
