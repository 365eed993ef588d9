/**
 * The one check of an image a run may send to a provider (storyboard references and frames, and
 * the board's uploads): judged by its bytes, never its name. The image is walked to its end as
 * its format defines it, so a text file named `x.png`, a truncated download, a file with
 * something appended after the image, or an image of absurd dimensions is refused before any
 * money is spent on a generation that would use it.
 *
 * - PNG: every chunk's length and CRC, IHDR first, the image data inflated to exactly the size
 *   its header promises, IEND last and nothing after it.
 * - JPEG: the segments from SOI to the frame header (the size) and through the entropy-coded
 *   scans to EOI, nothing after it.
 * - WebP: the RIFF length is the file's, and the VP8/VP8L/VP8X header gives the size.
 * - GIF and anything else: refused; video providers take PNG, JPEG and WebP.
 */
import fs from 'node:fs';
import { crc32, inflateSync } from 'node:zlib';

export const IMAGE_LIMITS = {
  /** bytes of one image file (providers take 10-50 MB; more is not a reference image) */
  maxBytes: 50 * 1024 * 1024,
  /** pixels on either side */
  maxSide: 16_384,
  /** width × height */
  maxPixels: 100_000_000,
} as const;

export type AcceptedImageType = 'png' | 'jpeg' | 'webp';

export const IMAGE_MEDIA_TYPES: Record<AcceptedImageType, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

export type ImageVerdict =
  | { ok: true; type: AcceptedImageType; mediaType: string; width: number; height: number }
  | { ok: false; reason: string };

const ACCEPTED = 'PNG, JPEG or WebP';

/** Checks an image file: a regular file within the size limit, then its bytes. */
export function checkImageFile(file: string): ImageVerdict {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (error) {
    return {
      ok: false,
      reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    };
  }
  if (!stats.isFile()) return { ok: false, reason: 'is not a regular file' };
  if (stats.size > IMAGE_LIMITS.maxBytes) {
    return {
      ok: false,
      reason: `is ${mib(stats.size)}, over the ${mib(IMAGE_LIMITS.maxBytes)} limit for an image`,
    };
  }
  try {
    return checkImage(fs.readFileSync(file));
  } catch (error) {
    return {
      ok: false,
      reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    };
  }
}

/** Checks image bytes: a PNG, JPEG or WebP image that is whole, with sane dimensions. */
export function checkImage(data: Uint8Array): ImageVerdict {
  if (data.length === 0) return { ok: false, reason: 'is empty' };
  if (data.length > IMAGE_LIMITS.maxBytes) {
    return {
      ok: false,
      reason: `is ${mib(data.length)}, over the ${mib(IMAGE_LIMITS.maxBytes)} limit for an image`,
    };
  }
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let result: ImageVerdict;
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) result = checkPng(bytes);
  else if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) result = checkJpeg(bytes);
  else if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP')
    result = checkWebp(bytes);
  else if (ascii(bytes, 0, 3) === 'GIF') {
    return { ok: false, reason: `is a GIF; video providers take ${ACCEPTED}: convert it to PNG` };
  } else {
    return { ok: false, reason: `is not an image (its bytes are not ${ACCEPTED})` };
  }
  if (!result.ok) return result;
  const { width, height } = result;
  if (width < 1 || height < 1) return { ok: false, reason: `has no pixels (${width}x${height})` };
  if (
    width > IMAGE_LIMITS.maxSide ||
    height > IMAGE_LIMITS.maxSide ||
    width * height > IMAGE_LIMITS.maxPixels
  ) {
    return {
      ok: false,
      reason: `is ${width}x${height}, over the limit of ${IMAGE_LIMITS.maxSide} pixels a side and ${IMAGE_LIMITS.maxPixels / 1e6} megapixels: scale it down`,
    };
  }
  return result;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** channels per colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA) */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function checkPng(bytes: Buffer): ImageVerdict {
  const broken = (what: string): ImageVerdict => ({
    ok: false,
    reason: `is not a whole PNG image: ${what}`,
  });
  let at = 8;
  let header:
    | { width: number; height: number; bitDepth: number; colour: number; interlace: number }
    | undefined;
  const data: Buffer[] = [];
  for (;;) {
    if (at + 12 > bytes.length) return broken('it ends before its IEND chunk (cut short?)');
    const length = bytes.readUInt32BE(at);
    const type = ascii(bytes, at + 4, at + 8);
    if (at + 12 + length > bytes.length)
      return broken(`its ${type} chunk runs past the end of the file`);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== bytes.readUInt32BE(at + 8 + length)) {
      return broken(`the checksum of its ${type} chunk is wrong`);
    }
    at += 12 + length;
    if (header === undefined) {
      if (type !== 'IHDR' || length !== 13) return broken('it does not start with an IHDR header');
      header = {
        width: body.readUInt32BE(0),
        height: body.readUInt32BE(4),
        bitDepth: body[8]!,
        colour: body[9]!,
        interlace: body[12]!,
      };
      if (PNG_CHANNELS[header.colour] === undefined)
        return broken(`unknown colour type ${header.colour}`);
      continue;
    }
    if (type === 'IDAT') data.push(body);
    if (type === 'IEND') break;
  }
  if (at !== bytes.length)
    return { ok: false, reason: `has ${bytes.length - at} bytes after the end of the PNG image` };
  if (data.length === 0) return broken('it has no image data');
  const { width, height } = header;
  if (width < 1 || height < 1 || width > IMAGE_LIMITS.maxSide || height > IMAGE_LIMITS.maxSide) {
    return { ok: true, type: 'png', mediaType: IMAGE_MEDIA_TYPES.png, width, height };
  }
  const expected = pngDataBytes(header);
  let inflated: Buffer;
  try {
    // one IDAT chunk (the usual case) is inflated where it lies, not copied first
    const compressed = data.length === 1 ? data[0]! : Buffer.concat(data);
    inflated = inflateSync(compressed, { maxOutputLength: expected + 1 });
  } catch {
    return broken('its image data does not decompress');
  }
  if (inflated.length !== expected) {
    return broken(
      `its image data holds ${inflated.length} bytes, not the ${expected} of a ${width}x${height} image`,
    );
  }
  return { ok: true, type: 'png', mediaType: IMAGE_MEDIA_TYPES.png, width, height };
}

/** Bytes of a PNG's filtered scanlines: one filter byte per row, per interlace pass. */
function pngDataBytes(h: {
  width: number;
  height: number;
  bitDepth: number;
  colour: number;
  interlace: number;
}): number {
  const bitsPerPixel = PNG_CHANNELS[h.colour]! * h.bitDepth;
  const rowBytes = (w: number) => (w === 0 ? 0 : 1 + Math.ceil((w * bitsPerPixel) / 8));
  if (h.interlace === 0) return h.height * rowBytes(h.width);
  // Adam7: the passes' origins and steps
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes as Array<[number, number, number, number]>) {
    const w = Math.max(0, Math.ceil((h.width - x0) / dx));
    const rows = Math.max(0, Math.ceil((h.height - y0) / dy));
    if (w > 0) total += rows * rowBytes(w);
  }
  return total;
}

function checkJpeg(bytes: Buffer): ImageVerdict {
  const broken = (what: string): ImageVerdict => ({
    ok: false,
    reason: `is not a whole JPEG image: ${what}`,
  });
  let at = 2;
  let size: { width: number; height: number } | undefined;
  for (;;) {
    if (at + 2 > bytes.length) return broken('it ends before its end-of-image marker (cut short?)');
    if (bytes[at] !== 0xff) return broken(`a marker was expected at byte ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd9) {
      at += 2;
      break;
    }
    // markers without a length: TEM and RST0-7
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (at + 4 > bytes.length) return broken('a segment is cut short');
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > bytes.length)
      return broken('a segment runs past the end of the file');
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 7) return broken('its frame header is cut short');
      size = { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + length;
    if (marker === 0xda) {
      // entropy-coded data: up to the next marker that is not a stuffed 0xFF00 or a restart
      while (at + 1 < bytes.length) {
        if (bytes[at] === 0xff) {
          const next = bytes[at + 1]!;
          if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) break;
        }
        at++;
      }
    }
  }
  if (size === undefined) return broken('it has no frame header (no size)');
  if (at !== bytes.length)
    return { ok: false, reason: `has ${bytes.length - at} bytes after the end of the JPEG image` };
  return { ok: true, type: 'jpeg', mediaType: IMAGE_MEDIA_TYPES.jpeg, ...size };
}

function checkWebp(bytes: Buffer): ImageVerdict {
  const broken = (what: string): ImageVerdict => ({
    ok: false,
    reason: `is not a whole WebP image: ${what}`,
  });
  if (bytes.length < 30) return broken('it is cut short');
  const riffEnd = 8 + bytes.readUInt32LE(4);
  if (riffEnd > bytes.length)
    return broken('it ends before the length its header gives (cut short?)');
  if (riffEnd + (riffEnd % 2) < bytes.length) {
    return {
      ok: false,
      reason: `has ${bytes.length - riffEnd} bytes after the end of the WebP image`,
    };
  }
  const chunk = ascii(bytes, 12, 16);
  if (chunk === 'VP8 ') {
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a)
      return broken('its VP8 frame header is wrong');
    return {
      ok: true,
      type: 'webp',
      mediaType: IMAGE_MEDIA_TYPES.webp,
      width: bytes.readUInt16LE(26) & 0x3fff,
      height: bytes.readUInt16LE(28) & 0x3fff,
    };
  }
  if (chunk === 'VP8L') {
    if (bytes[20] !== 0x2f) return broken('its VP8L header is wrong');
    const bits = bytes.readUInt32LE(21);
    return {
      ok: true,
      type: 'webp',
      mediaType: IMAGE_MEDIA_TYPES.webp,
      width: (bits & 0x3fff) + 1,
      height: ((bits >> 14) & 0x3fff) + 1,
    };
  }
  if (chunk === 'VP8X') {
    const width = 1 + (bytes[24]! | (bytes[25]! << 8) | (bytes[26]! << 16));
    const height = 1 + (bytes[27]! | (bytes[28]! << 8) | (bytes[29]! << 16));
    return { ok: true, type: 'webp', mediaType: IMAGE_MEDIA_TYPES.webp, width, height };
  }
  return broken(`unknown first chunk '${chunk}'`);
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
