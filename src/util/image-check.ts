/**
 * The one check of an image a run may send to a provider (storyboard references and frames, and
 * the board's uploads): judged by its bytes, never its name. The image is walked to its end as
 * its format defines it, so a text file named `x.png`, a truncated download, a file with
 * something appended after the image, or an image of absurd dimensions is refused before any
 * money is spent on a generation that would use it.
 *
 * - PNG: every chunk's length and CRC, IHDR first, the image data inflated to exactly the size
 *   its header promises with a known filter type at the start of every row, IEND last and
 *   nothing after it.
 * - JPEG: the segments from SOI to the frame header (the size) and through the entropy-coded
 *   scans to EOI, nothing after it.
 * - WebP: the RIFF length is the file's, and the VP8/VP8L/VP8X header gives the size.
 * - GIF and anything else: refused; video providers take PNG, JPEG and WebP.
 *
 * One walker per format reads the bytes as they come (a generator that pauses when it needs
 * more), so the same rules serve bytes already in memory (`checkImage`) and a file streamed from
 * disk (`checkImageFile`), which holds a chunk at a time and inflates a PNG's data as a stream,
 * counting and checking its rows without keeping them: memory stays flat whatever the image.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { finished } from 'node:stream/promises';
import { crc32, createInflate, inflateSync } from 'node:zlib';

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
/** bytes read from a file at a time */
const READ_CHUNK = 64 * 1024;

/**
 * Checks an image file: a regular file within the size limit, then its bytes, read as a stream
 * (memory holds a chunk at a time, and a PNG's image data is inflated as it is read).
 */
export async function checkImageFile(file: string): Promise<ImageVerdict> {
  const unreadable = (error: unknown): ImageVerdict => ({
    ok: false,
    reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
  });
  let stats: fs.Stats;
  try {
    stats = await fs.promises.stat(file);
  } catch (error) {
    return unreadable(error);
  }
  if (!stats.isFile()) return { ok: false, reason: 'is not a regular file' };
  const tooBig = sizeProblem(stats.size);
  if (tooBig) return tooBig;
  const cursor = new Cursor();
  const data = new StreamedPngData();
  const walk = walkImage(cursor, data);
  const hash = createHash('sha256');
  let whole = true;
  let step = walk.next();
  try {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: READ_CHUNK })) {
      if (step.done) {
        whole = false;
        break;
      }
      hash.update(chunk as Buffer);
      cursor.push(chunk as Buffer);
      step = walk.next();
      await data.drained();
    }
  } catch (error) {
    data.abandon();
    return unreadable(error);
  }
  cursor.ended = true;
  if (!step.done) step = walk.next();
  if (!step.done) throw new Error('the image walker wants bytes after the end of the file');
  const rows = step.value.rows;
  const verdict = rows ? await data.finish(rows, step.value.verdict) : step.value.verdict;
  if (!rows) data.abandon();
  const sane = withSaneSize(verdict);
  if (whole && sane.ok) remember(`${hash.digest('hex')}:${stats.size}`, sane);
  return sane;
}

/**
 * Images that passed `checkImageFile`, by content (SHA-256 and size): `checkImageFileSync` of a
 * copy of one (an upload stored in its project, then checked again as the storyboard names it)
 * hashes it a chunk at a time and is done, instead of inflating a PNG's data whole again.
 */
const passed = new Map<string, ImageVerdict>();

function remember(content: string, verdict: ImageVerdict): void {
  if (passed.size >= 1000) passed.delete(passed.keys().next().value!);
  passed.set(content, verdict);
}

/** Checks image bytes: a PNG, JPEG or WebP image that is whole, with sane dimensions. */
export function checkImage(data: Uint8Array): ImageVerdict {
  const tooBig = sizeProblem(data.length);
  if (tooBig) return tooBig;
  const cursor = new Cursor();
  cursor.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  cursor.ended = true;
  return walkSync(cursor, () => {});
}

/**
 * `checkImageFile` for callers that cannot wait (the storyboard's checks): the same rules, the
 * file read a chunk at a time. An image `checkImageFile` passed before (by content) is known;
 * any other PNG's compressed data is gathered and inflated at once (Node has no synchronous
 * streaming inflate), as `checkImage` does.
 */
export function checkImageFileSync(file: string): ImageVerdict {
  let fd: number | undefined;
  try {
    // opened first and asked of the open file: one look at the path (the storyboard counts them)
    fd = fs.openSync(file, 'r');
    const handle = fd;
    const stats = fs.fstatSync(handle);
    if (!stats.isFile()) return { ok: false, reason: 'is not a regular file' };
    const tooBig = sizeProblem(stats.size);
    if (tooBig) return tooBig;
    const content = `${hashOf(handle)}:${stats.size}`;
    const known = passed.get(content);
    if (known) return known;
    const cursor = new Cursor();
    let read = 0;
    return walkSync(cursor, () => {
      // each read a fresh buffer: the walker may still hold pieces of the last one
      const chunk = Buffer.allocUnsafe(READ_CHUNK);
      const n = fs.readSync(handle, chunk, 0, READ_CHUNK, read);
      read += n;
      if (n === 0) cursor.ended = true;
      else cursor.push(chunk.subarray(0, n));
    });
  } catch (error) {
    return {
      ok: false,
      reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The SHA-256 of an open file, read a chunk at a time from its start. */
function hashOf(fd: number): string {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(READ_CHUNK);
  let at = 0;
  for (let n = fs.readSync(fd, chunk, 0, READ_CHUNK, 0); n > 0; ) {
    hash.update(chunk.subarray(0, n));
    at += n;
    n = fs.readSync(fd, chunk, 0, READ_CHUNK, at);
  }
  return hash.digest('hex');
}

/** Walks an image whose bytes `fill` adds to the cursor when the walker pauses. */
function walkSync(cursor: Cursor, fill: () => void): ImageVerdict {
  const data = new GatheredPngData();
  const walk = walkImage(cursor, data);
  let step = walk.next();
  while (!step.done) {
    if (cursor.ended) throw new Error('the image walker wants bytes after the end of the image');
    fill();
    step = walk.next();
  }
  const { verdict, rows } = step.value;
  return withSaneSize(rows && verdict.ok ? data.finish(rows, verdict) : verdict);
}

function sizeProblem(bytes: number): ImageVerdict | undefined {
  if (bytes === 0) return { ok: false, reason: 'is empty' };
  if (bytes > IMAGE_LIMITS.maxBytes) {
    return {
      ok: false,
      reason: `is ${mib(bytes)}, over the ${mib(IMAGE_LIMITS.maxBytes)} limit for an image`,
    };
  }
  return undefined;
}

function withSaneSize(result: ImageVerdict): ImageVerdict {
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

// --- reading bytes as they come -------------------------------------------------------------

/** The bytes received and not yet consumed; `ended` once no more will come. */
class Cursor {
  #window: Buffer = Buffer.alloc(0);
  /** bytes consumed so far: the offset of the window's first byte in the image */
  consumed = 0;
  ended = false;

  push(chunk: Buffer): void {
    this.#window = this.#window.length === 0 ? chunk : Buffer.concat([this.#window, chunk]);
  }

  get available(): number {
    return this.#window.length;
  }

  peek(bytes: number): Buffer {
    return this.#window.subarray(0, bytes);
  }

  take(bytes: number): Buffer {
    const out = this.#window.subarray(0, bytes);
    this.#window = this.#window.subarray(out.length);
    this.consumed += out.length;
    return out;
  }
}

/** A walker: pauses (yields) when it needs more bytes than the cursor holds. */
type Walk<T> = Generator<void, T, void>;

/** Waits until `bytes` are available; false when the image ends first. */
function* need(cursor: Cursor, bytes: number): Walk<boolean> {
  while (cursor.available < bytes) {
    if (cursor.ended) return false;
    yield;
  }
  return true;
}

/** Consumes `bytes`, handing them on piece by piece; false when the image ends first. */
function* pass(cursor: Cursor, bytes: number, each?: (piece: Buffer) => void): Walk<boolean> {
  let left = bytes;
  while (left > 0) {
    if (cursor.available === 0) {
      if (cursor.ended) return false;
      yield;
      continue;
    }
    const piece = cursor.take(Math.min(left, cursor.available));
    each?.(piece);
    left -= piece.length;
  }
  return true;
}

/** Consumes whatever follows, to the end: how many bytes that was. */
function* rest(cursor: Cursor): Walk<number> {
  let bytes = 0;
  for (;;) {
    bytes += cursor.take(cursor.available).length;
    if (cursor.ended) return bytes;
    yield;
  }
}

/** Where a PNG's compressed image data goes as it is read. */
interface PngDataSink {
  /** the rows the data must fill, once the header is read (before any data) */
  start?(rows: PngRows): void;
  write(piece: Buffer): void;
}

/** The walk's outcome; `rows`: a PNG whose inflated data must still be checked against them. */
interface Walked {
  verdict: ImageVerdict;
  rows?: PngRows;
}

function* walkImage(cursor: Cursor, pngData: PngDataSink): Walk<Walked> {
  yield* need(cursor, 12);
  const head = cursor.peek(12);
  if (head.length === 0) return { verdict: { ok: false, reason: 'is empty' } };
  if (head.subarray(0, 8).equals(PNG_SIGNATURE)) return yield* walkPng(cursor, pngData);
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff)
    return { verdict: yield* walkJpeg(cursor) };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP')
    return { verdict: yield* walkWebp(cursor) };
  if (ascii(head, 0, 3) === 'GIF') {
    return {
      verdict: {
        ok: false,
        reason: `is a GIF; video providers take ${ACCEPTED}: convert it to PNG`,
      },
    };
  }
  return { verdict: { ok: false, reason: `is not an image (its bytes are not ${ACCEPTED})` } };
}

// --- PNG ------------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** channels per colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA) */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colour: number;
  interlace: number;
}

function brokenPng(what: string): ImageVerdict {
  return { ok: false, reason: `is not a whole PNG image: ${what}` };
}

function* walkPng(cursor: Cursor, pngData: PngDataSink): Walk<Walked> {
  const broken = (what: string): Walked => ({ verdict: brokenPng(what) });
  cursor.take(8);
  let header: PngHeader | undefined;
  let rows: PngRows | undefined;
  let sawData = false;
  for (;;) {
    if (!(yield* need(cursor, 12))) return broken('it ends before its IEND chunk (cut short?)');
    const chunkHead = cursor.take(8);
    const length = chunkHead.readUInt32BE(0);
    const type = ascii(chunkHead, 4, 8);
    const runsPast = broken(`its ${type} chunk runs past the end of the file`);
    let crc = crc32(chunkHead.subarray(4, 8));
    const keep = header === undefined && type === 'IHDR' && length === 13;
    const kept: Buffer[] = [];
    const feed = type === 'IDAT' && rows !== undefined;
    const whole = yield* pass(cursor, length, (piece) => {
      crc = crc32(piece, crc);
      if (keep) kept.push(piece);
      if (feed) pngData.write(piece);
    });
    if (!whole || !(yield* need(cursor, 4))) return runsPast;
    if (crc !== cursor.take(4).readUInt32BE(0)) {
      return broken(`the checksum of its ${type} chunk is wrong`);
    }
    if (header === undefined) {
      if (!keep) return broken('it does not start with an IHDR header');
      const body = Buffer.concat(kept);
      header = {
        width: body.readUInt32BE(0),
        height: body.readUInt32BE(4),
        bitDepth: body[8]!,
        colour: body[9]!,
        interlace: body[12]!,
      };
      if (PNG_CHANNELS[header.colour] === undefined)
        return broken(`unknown colour type ${header.colour}`);
      const { width, height } = header;
      // an absurd size is refused by its numbers; its data is not inflated
      if (
        width >= 1 &&
        height >= 1 &&
        width <= IMAGE_LIMITS.maxSide &&
        height <= IMAGE_LIMITS.maxSide
      ) {
        rows = new PngRows(header);
        pngData.start?.(rows);
      }
      continue;
    }
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') break;
  }
  const after = yield* rest(cursor);
  if (after > 0) {
    return { verdict: { ok: false, reason: `has ${after} bytes after the end of the PNG image` } };
  }
  if (!sawData) return broken('it has no image data');
  const { width, height } = header;
  return {
    verdict: { ok: true, type: 'png', mediaType: IMAGE_MEDIA_TYPES.png, width, height },
    ...(rows ? { rows } : {}),
  };
}

/**
 * A PNG's inflated image data, checked as it comes without keeping it: the rows of each
 * interlace pass in turn, each starting with a known filter type (0-4), and exactly as many
 * bytes as the header promises.
 */
class PngRows {
  readonly expected: number;
  readonly #header: PngHeader;
  /** [rows, bytes per row] of each pass (one pass when not interlaced) */
  readonly #passes: Array<[number, number]>;
  #pass = 0;
  #row = 0;
  #inRow = 0;
  #rowsSeen = 0;
  #bytes = 0;
  #badFilter: string | undefined;

  constructor(header: PngHeader) {
    this.#header = header;
    const bitsPerPixel = PNG_CHANNELS[header.colour]! * header.bitDepth;
    const rowBytes = (w: number) => 1 + Math.ceil((w * bitsPerPixel) / 8);
    // Adam7: each pass's origin and step
    const origins =
      header.interlace === 0
        ? [[0, 0, 1, 1]]
        : [
            [0, 0, 8, 8],
            [4, 0, 8, 8],
            [0, 4, 4, 8],
            [2, 0, 4, 4],
            [0, 2, 2, 4],
            [1, 0, 2, 2],
            [0, 1, 1, 2],
          ];
    this.#passes = [];
    for (const [x0, y0, dx, dy] of origins as Array<[number, number, number, number]>) {
      const w = Math.max(0, Math.ceil((header.width - x0) / dx));
      const rows = Math.max(0, Math.ceil((header.height - y0) / dy));
      if (w > 0 && rows > 0) this.#passes.push([rows, rowBytes(w)]);
    }
    this.expected = this.#passes.reduce((sum, [rows, bytes]) => sum + rows * bytes, 0);
  }

  /** Inflated bytes, in order. */
  feed(piece: Buffer): void {
    this.#bytes += piece.length;
    let at = 0;
    while (at < piece.length && this.#badFilter === undefined) {
      const current = this.#passes[this.#pass];
      if (!current) return; // past the last row: the count tells
      const [rows, rowBytes] = current;
      if (this.#inRow === 0 && piece[at]! > 4) {
        this.#badFilter = `its row ${this.#rowsSeen + 1} has an unknown filter type ${piece[at]}`;
        return;
      }
      const step = Math.min(rowBytes - this.#inRow, piece.length - at);
      at += step;
      this.#inRow += step;
      if (this.#inRow === rowBytes) {
        this.#inRow = 0;
        this.#rowsSeen++;
        if (++this.#row === rows) {
          this.#row = 0;
          this.#pass++;
        }
      }
    }
  }

  /** More bytes than the header promises: no need to inflate further. */
  get overflowing(): boolean {
    return this.#bytes > this.expected || this.#badFilter !== undefined;
  }

  /** A refusal, or undefined when the data is whole. */
  verdict(): ImageVerdict | undefined {
    if (this.#badFilter) return brokenPng(this.#badFilter);
    if (this.#bytes > this.expected) return brokenPng('its image data does not decompress');
    if (this.#bytes !== this.expected) {
      const { width, height } = this.#header;
      return brokenPng(
        `its image data holds ${this.#bytes} bytes, not the ${this.expected} of a ${width}x${height} image`,
      );
    }
    return undefined;
  }
}

/**
 * A PNG's compressed data gathered for one synchronous inflate (Node has no public synchronous
 * streaming inflate): the pieces are views of the bytes already read, not copies.
 */
class GatheredPngData implements PngDataSink {
  readonly #pieces: Buffer[] = [];

  write(piece: Buffer): void {
    this.#pieces.push(piece);
  }

  finish(rows: PngRows, walked: ImageVerdict): ImageVerdict {
    let inflated: Buffer;
    try {
      const pieces = this.#pieces;
      const compressed = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      inflated = inflateSync(compressed, { maxOutputLength: rows.expected + 1 });
    } catch {
      return brokenPng('its image data does not decompress');
    }
    rows.feed(inflated);
    return rows.verdict() ?? walked;
  }
}

/**
 * A PNG's compressed data inflated as it is read from a file (`checkImageFile`): the output is
 * checked row by row and dropped; reading waits while the inflater is behind.
 */
class StreamedPngData implements PngDataSink {
  #inflater: ReturnType<typeof createInflate> | undefined;
  #rows: PngRows | undefined;
  #failed = false;
  #behind = false;

  write(piece: Buffer): void {
    if (this.#failed || this.#inflater?.destroyed) return;
    if (!this.#inflater) {
      const inflater = createInflate();
      inflater.on('data', (out: Buffer) => {
        this.#rows?.feed(out);
        if (this.#rows?.overflowing) inflater.destroy();
      });
      inflater.on('error', () => {
        this.#failed = true;
      });
      this.#inflater = inflater;
    }
    if (!this.#inflater.write(piece)) this.#behind = true;
  }

  start(rows: PngRows): void {
    this.#rows = rows;
  }

  /** Resolves once the inflater has caught up (or stopped). */
  async drained(): Promise<void> {
    const inflater = this.#inflater;
    if (!this.#behind || !inflater || inflater.destroyed) return;
    this.#behind = false;
    await new Promise<void>((resolve) => {
      const done = () => {
        inflater.off('drain', done);
        inflater.off('close', done);
        resolve();
      };
      inflater.on('drain', done);
      inflater.on('close', done);
    });
  }

  /** Ends the data and checks what it inflated to. */
  async finish(rows: PngRows, walked: ImageVerdict): Promise<ImageVerdict> {
    const inflater = this.#inflater;
    if (!walked.ok || !inflater) {
      this.abandon();
      return walked.ok ? brokenPng('its image data does not decompress') : walked;
    }
    if (!inflater.destroyed) {
      inflater.end();
      await finished(inflater).catch(() => {});
    }
    if (rows.overflowing) return rows.verdict() ?? walked;
    if (this.#failed) return brokenPng('its image data does not decompress');
    return rows.verdict() ?? walked;
  }

  abandon(): void {
    this.#inflater?.destroy();
  }
}

// --- JPEG -----------------------------------------------------------------------------------

function* walkJpeg(cursor: Cursor): Walk<ImageVerdict> {
  const broken = (what: string): ImageVerdict => ({
    ok: false,
    reason: `is not a whole JPEG image: ${what}`,
  });
  cursor.take(2);
  let size: { width: number; height: number } | undefined;
  for (;;) {
    if (!(yield* need(cursor, 2)))
      return broken('it ends before its end-of-image marker (cut short?)');
    const [first, marker] = cursor.peek(2) as unknown as [number, number];
    if (first !== 0xff) return broken(`a marker was expected at byte ${cursor.consumed}`);
    if (marker === 0xff) {
      cursor.take(1);
      continue;
    }
    if (marker === 0xd9) {
      cursor.take(2);
      break;
    }
    // markers without a length: TEM and RST0-7
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      cursor.take(2);
      continue;
    }
    if (!(yield* need(cursor, 4))) return broken('a segment is cut short');
    const length = cursor.peek(4).readUInt16BE(2);
    const runsPast = broken('a segment runs past the end of the file');
    if (length < 2) return runsPast;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      // a frame header is small: read it whole for the size
      if (!(yield* need(cursor, 2 + length))) return runsPast;
      if (length < 7) return broken('its frame header is cut short');
      const segment = cursor.peek(9);
      size = { height: segment.readUInt16BE(5), width: segment.readUInt16BE(7) };
    }
    if (!(yield* pass(cursor, 2 + length))) return runsPast;
    if (marker === 0xda) yield* skipEntropyCoded(cursor);
  }
  if (size === undefined) return broken('it has no frame header (no size)');
  const after = yield* rest(cursor);
  if (after > 0) return { ok: false, reason: `has ${after} bytes after the end of the JPEG image` };
  return { ok: true, type: 'jpeg', mediaType: IMAGE_MEDIA_TYPES.jpeg, ...size };
}

/**
 * A scan's entropy-coded data: consumed up to the next marker that is not a stuffed 0xFF00, a
 * restart or fill; at the image's end, left for the caller to find the end-of-image missing.
 */
function* skipEntropyCoded(cursor: Cursor): Walk<void> {
  for (;;) {
    const window = cursor.peek(cursor.available);
    let from = 0;
    for (;;) {
      const at = window.indexOf(0xff, from);
      // a last 0xFF waits for the byte after it
      if (at === -1 || at + 1 >= window.length) {
        cursor.take(at === -1 ? window.length : at);
        break;
      }
      const next = window[at + 1]!;
      if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) {
        cursor.take(at);
        return;
      }
      from = at + 1;
    }
    if (cursor.ended) return;
    yield;
  }
}

// --- WebP -----------------------------------------------------------------------------------

function* walkWebp(cursor: Cursor): Walk<ImageVerdict> {
  const broken = (what: string): ImageVerdict => ({
    ok: false,
    reason: `is not a whole WebP image: ${what}`,
  });
  if (!(yield* need(cursor, 30))) return broken('it is cut short');
  const head = Buffer.from(cursor.peek(30));
  const total = cursor.consumed + (yield* rest(cursor));
  const riffEnd = 8 + head.readUInt32LE(4);
  if (riffEnd > total) return broken('it ends before the length its header gives (cut short?)');
  if (riffEnd + (riffEnd % 2) < total) {
    return { ok: false, reason: `has ${total - riffEnd} bytes after the end of the WebP image` };
  }
  const chunk = ascii(head, 12, 16);
  if (chunk === 'VP8 ') {
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a)
      return broken('its VP8 frame header is wrong');
    return {
      ok: true,
      type: 'webp',
      mediaType: IMAGE_MEDIA_TYPES.webp,
      width: head.readUInt16LE(26) & 0x3fff,
      height: head.readUInt16LE(28) & 0x3fff,
    };
  }
  if (chunk === 'VP8L') {
    if (head[20] !== 0x2f) return broken('its VP8L header is wrong');
    const bits = head.readUInt32LE(21);
    return {
      ok: true,
      type: 'webp',
      mediaType: IMAGE_MEDIA_TYPES.webp,
      width: (bits & 0x3fff) + 1,
      height: ((bits >> 14) & 0x3fff) + 1,
    };
  }
  if (chunk === 'VP8X') {
    const width = 1 + (head[24]! | (head[25]! << 8) | (head[26]! << 16));
    const height = 1 + (head[27]! | (head[28]! << 8) | (head[29]! << 16));
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
