/**
 * The storyboard's entry points: read a file (or text), parse it keeping positions, check every
 * field, derive each shot's needs. Either a complete, valid `Storyboard` comes back or an
 * `InvalidInputError('invalid_storyboard')` listing every problem found, sorted by position.
 *
 * The file itself is checked before it is read: a regular file (never a FIFO, a device, or a
 * link to one, which would hang or read without end), at most `MAX_STORYBOARD_BYTES`, in UTF-8.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors.ts';
import { checkStoryboard, type LoadOptions } from './check.ts';
import { readSourceDoc } from './read-source.ts';
import type { Storyboard } from './types.ts';

export type { LoadOptions } from './check.ts';

/**
 * The largest storyboard read: 64 MiB. A 40,000-shot storyboard written as indented JSON is
 * about 20 MB; anything much larger is not a storyboard someone wrote.
 */
export const MAX_STORYBOARD_BYTES = 64 * 1024 * 1024;

export function loadStoryboard(file: string, options: LoadOptions = {}): Storyboard {
  const absolute = path.resolve(file);
  return parseStoryboard(
    decodeStoryboard(readStoryboardBytes(absolute), absolute),
    absolute,
    options,
  );
}

/** `file`: the storyboard's absolute path, used in messages and as the base of relative paths. */
export function parseStoryboard(text: string, file: string, options: LoadOptions = {}): Storyboard {
  return checkStoryboard(readSourceDoc(text, file), options);
}

function refuse(file: string, message: string, line = 1, col = 1): InvalidInputError {
  return new InvalidInputError('invalid_storyboard', [{ file, line, col, path: '', message }]);
}

/** The bytes of a storyboard file, after checking what kind of file it is and its size. */
export function readStoryboardBytes(file: string): Buffer {
  let stats: fs.Stats;
  try {
    // follows links: a link to a FIFO or a device is judged by what it points at
    stats = fs.statSync(file);
  } catch (error) {
    throw refuse(file, `cannot read the storyboard: ${errnoReason(error)}`);
  }
  if (stats.isDirectory()) {
    throw refuse(
      file,
      'cannot read the storyboard: this is a folder; give the storyboard file inside it',
    );
  }
  if (!stats.isFile()) {
    const kind = stats.isFIFO()
      ? 'a named pipe (FIFO)'
      : stats.isCharacterDevice() || stats.isBlockDevice()
        ? 'a device'
        : stats.isSocket()
          ? 'a socket'
          : 'not a regular file';
    throw refuse(
      file,
      `cannot read the storyboard: it is ${kind}; save the storyboard to a regular file and give that`,
    );
  }
  if (stats.size > MAX_STORYBOARD_BYTES) {
    throw refuse(
      file,
      `the storyboard is ${megabytes(stats.size)}, over the ${megabytes(MAX_STORYBOARD_BYTES)} limit; split it into several storyboards`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw refuse(file, `cannot read the storyboard: ${errnoReason(error)}`);
  }
  // the file may have grown between the check and the read
  if (bytes.length > MAX_STORYBOARD_BYTES) {
    throw refuse(file, `the storyboard is over the ${megabytes(MAX_STORYBOARD_BYTES)} limit`);
  }
  return bytes;
}

/**
 * The text of a storyboard's bytes: UTF-8 (a UTF-8 byte-order mark is dropped). UTF-16 and
 * UTF-32, other encodings and binary files are refused with a message saying what to do, at the
 * position of the first byte that is not UTF-8 text.
 */
export function decodeStoryboard(bytes: Uint8Array, file: string): string {
  const resave = 'save it as UTF-8 (in most editors: "Save with encoding" → UTF-8)';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw refuse(
      file,
      `the storyboard is UTF-16 text (it starts with a UTF-16 byte-order mark); ${resave}`,
    );
  }
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) {
    throw refuse(file, `the storyboard is UTF-32 text; ${resave}`);
  }
  // UTF-16 without a mark: every other byte of ASCII text is NUL
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const utf16 = nul <= 1 && bytes.length >= 4 && (bytes[1] === 0 || bytes[0] === 0);
    const { line, col } = positionOf(bytes, nul);
    throw refuse(
      file,
      utf16
        ? `the storyboard looks like UTF-16 text (it has NUL bytes between its letters); ${resave}`
        : 'the storyboard is not a text file (it has a NUL byte); give a YAML or JSON storyboard',
      line,
      col,
    );
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start));
  } catch {
    const bad = firstInvalidUtf8(bytes, start);
    const { line, col } = positionOf(bytes, bad);
    throw refuse(
      file,
      `the storyboard is not UTF-8 text (byte 0x${bytes[bad]?.toString(16).padStart(2, '0') ?? '??'} at offset ${bad}); ${resave}`,
      line,
      col,
    );
  }
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array, from: number): number {
  let at = from;
  while (at < bytes.length) {
    const b = bytes[at]!;
    const length =
      b < 0x80
        ? 1
        : b >= 0xc2 && b <= 0xdf
          ? 2
          : b >= 0xe0 && b <= 0xef
            ? 3
            : b >= 0xf0 && b <= 0xf4
              ? 4
              : 0;
    if (length === 0 || at + length > bytes.length) return at;
    for (let k = 1; k < length; k++) if ((bytes[at + k]! & 0xc0) !== 0x80) return at;
    // overlong, surrogate and out-of-range forms: let the strict decoder judge the sequence
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at, at + length));
    } catch {
      return at;
    }
    at += length;
  }
  return bytes.length - 1;
}

function positionOf(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

function errnoReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'a loop of symbolic links';
  return code ?? String(error);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
