/**
 * What an image file is, judged by its bytes and never its name: its type (PNG, JPEG, GIF or
 * WebP) and its pixel size, both read from the first bytes without decoding it.
 */
import fs from 'node:fs';

export interface PixelSize {
  width: number;
  height: number;
}

/** Reads at most the first 256 KiB of a file (JPEG size markers come after the metadata). */
export function imageSizeOfFile(file: string): PixelSize | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(256 * 1024);
    const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return imageSize(buffer.subarray(0, read));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The pixel size of an image, or undefined for anything else or a header cut short. */
export function imageSize(data: Uint8Array): PixelSize | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = sniffImage(data)?.ext;
  if (type === 'png' && data.length >= 24 && ascii(data, 12, 16) === 'IHDR') {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (type === 'gif' && data.length >= 10) {
    return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (type === 'webp' && data.length >= 30) {
    const chunk = ascii(data, 12, 16);
    if (chunk === 'VP8 ') {
      return {
        width: view.getUint16(26, true) & 0x3fff,
        height: view.getUint16(28, true) & 0x3fff,
      };
    }
    if (chunk === 'VP8L') {
      const bits = view.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') {
      const w = data[24]! | (data[25]! << 8) | (data[26]! << 16);
      const h = data[27]! | (data[28]! << 8) | (data[29]! << 16);
      return { width: w + 1, height: h + 1 };
    }
    return undefined;
  }
  if (type === 'jpg') return jpegSize(data, view);
  return undefined;
}

/** Walks the JPEG segments to the first start-of-frame marker, which holds the size. */
function jpegSize(data: Uint8Array, view: DataView): PixelSize | undefined {
  let at = 2;
  while (at + 9 < data.length) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    at += 2 + view.getUint16(at + 2);
  }
  return undefined;
}

export interface ImageType {
  mediaType: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  ext: 'png' | 'jpg' | 'gif' | 'webp';
}

const ascii = (data: Uint8Array, from: number, to: number) =>
  String.fromCharCode(...data.subarray(from, to));

/** The image type of `data` by its signature, or undefined when it is not a supported image. */
export function sniffImage(data: Uint8Array): ImageType | undefined {
  if (
    data.length >= 8 &&
    data[0] === 0x89 &&
    ascii(data, 1, 4) === 'PNG' &&
    data[4] === 0x0d &&
    data[5] === 0x0a &&
    data[6] === 0x1a &&
    data[7] === 0x0a
  ) {
    return { mediaType: 'image/png', ext: 'png' };
  }
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
    return { mediaType: 'image/jpeg', ext: 'jpg' };
  }
  if (data.length >= 6 && (ascii(data, 0, 6) === 'GIF87a' || ascii(data, 0, 6) === 'GIF89a')) {
    return { mediaType: 'image/gif', ext: 'gif' };
  }
  if (data.length >= 12 && ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 12) === 'WEBP') {
    return { mediaType: 'image/webp', ext: 'webp' };
  }
  return undefined;
}
