/** What an uploaded or fetched reference file really is, judged by its bytes, never its name. */

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

/** Storyboard text: valid UTF-8 without NUL bytes (a binary file is refused, not misread). */
export function decodeText(data: Uint8Array): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(data);
    return text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}
