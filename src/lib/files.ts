/** What an uploaded or fetched reference file really is, judged by its bytes, never its name. */

export { type ImageType, sniffImage } from '../util/image-size.ts';

/** Storyboard text: valid UTF-8 without NUL bytes (a binary file is refused, not misread). */
export function decodeText(data: Uint8Array): string | undefined {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(data);
    return text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}
