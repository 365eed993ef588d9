/** Turns the APIs' resolution and aspect-ratio words into pixel sizes. */

/** The short side, in pixels, of each resolution name the APIs use. */
const SHORT_SIDE: Record<string, number> = {
  '360p': 360,
  '480p': 480,
  '540p': 540,
  '580p': 580,
  '720p': 720,
  '1080p': 1080,
  '1440p': 1440,
  '2160p': 2160,
  '4k': 2160,
};

function even(n: number): number {
  return Math.round(n / 2) * 2;
}

/** Parses `16:9` (or `1280:720`) into a width/height ratio; undefined when not of that form. */
export function parseRatio(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text);
  if (match === null) return undefined;
  const w = Number(match[1]);
  const h = Number(match[2]);
  return w > 0 && h > 0 ? w / h : undefined;
}

/** `720p` at `16:9` is 1280x720, at `9:16` 720x1280, at `1:1` 720x720. */
export function sizeFor(
  resolution: string,
  aspectRatio: string,
): { width: number; height: number } {
  const short = SHORT_SIDE[resolution.toLowerCase()] ?? 720;
  const ratio = parseRatio(aspectRatio) ?? 16 / 9;
  if (ratio >= 1) return { width: even(short * ratio), height: short };
  return { width: short, height: even(short / ratio) };
}

/** Parses `1280x720`; undefined when not of that form. */
export function parseSize(text: string): { width: number; height: number } | undefined {
  const match = /^(\d+)x(\d+)$/.exec(text);
  if (match === null) return undefined;
  return { width: Number(match[1]), height: Number(match[2]) };
}
