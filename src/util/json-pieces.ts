/**
 * `JSON.stringify(value, null, 2)`, byte for byte, handed out in UTF-8 chunks of about 64 KB
 * instead of one string: a 10,000-shot plan is some 250 MB of JSON, which as one string (and its
 * encoded copy) dominated the memory and time of `plan --json`.
 *
 * Most of a long plan's text repeats: shots that need the same thing share one analysis, so
 * their `rejected` lists, fallback routes and reason objects are the same objects (plans are
 * never mutated). An object met a second time at the same depth is stringified and encoded once
 * and its bytes are copied from then on; an object met for the first time is walked, so that
 * what it shares with others is found below it. Values at the top levels are always walked.
 */

/**
 * Levels always walked: the plan, its shots array, each shot and each shot's fields (a shot's
 * `rejected` list is shared by a few shots; its entries by thousands). Deeper objects met again
 * are copied from their cached bytes.
 */
const WALKED_DEPTH = 4;
const CHUNK_BYTES = 1 << 16;
/** Encoded text kept for repeated objects, at most (beyond it, repeats are walked again). */
const CACHE_BYTES = 32 << 20;

/** Writes UTF-8 chunks that always end on a whole character (each chunk decodes by itself). */
class ChunkWriter {
  #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  #used = 0;
  readonly write: (chunk: Buffer) => void;
  constructor(write: (chunk: Buffer) => void) {
    this.write = write;
  }

  text(s: string): void {
    // at most 3 bytes per UTF-16 unit: when that fits, no need to count the exact length
    if (s.length * 3 > CHUNK_BYTES - this.#used) {
      this.flush();
      if (s.length * 3 > CHUNK_BYTES) {
        this.write(Buffer.from(s, 'utf8'));
        return;
      }
    }
    this.#used += this.#chunk.write(s, this.#used);
  }

  bytes(b: Buffer): void {
    if (b.length > CHUNK_BYTES - this.#used) {
      this.flush();
      // a large piece goes out as it is (it is never modified: readers may keep it)
      if (b.length > CHUNK_BYTES >> 1) {
        this.write(b);
        return;
      }
    }
    this.#used += b.copy(this.#chunk, this.#used);
  }

  flush(): void {
    if (this.#used === 0) return;
    const full = this.#chunk.subarray(0, this.#used);
    // a fresh chunk: the reader may still hold the one just written
    this.#chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.#used = 0;
    this.write(full);
  }
}

/** An entry at `depth`, as JSON.stringify indents it there, or undefined when JSON has none. */
function stringifiedAt(item: unknown, depth: number): string | undefined {
  if (depth === 0 || typeof item !== 'object' || item === null)
    return JSON.stringify(item, null, 2);
  // stringified inside `depth` arrays, whose brackets are then cut off (native speed; no
  // re-indenting pass over the text)
  let wrapped: unknown = item;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < depth; i++) {
    head += 2 + 2 * (i + 1);
    tail += 2 + 2 * i;
  }
  return text.slice(head, text.length - tail);
}

const INDENTS: string[] = [];
function indent(depth: number): string {
  let text = INDENTS[depth];
  if (text === undefined) {
    text = `\n${'  '.repeat(depth)}`;
    INDENTS[depth] = text;
  }
  return text;
}

/** `value` as `JSON.stringify(value, null, 2)` in UTF-8 chunks, each ending on a whole character. */
export function jsonChunks(value: unknown, write: (chunk: Buffer) => void): void {
  const out = new ChunkWriter(write);
  // per object: the depth it was first met at, and its encoded text once met there again
  const seen = new Map<object, { depth: number; bytes: Buffer | null }>();
  let cached = 0;

  /** Writes `item` at `depth`; false when JSON has no text for it (undefined, a function). */
  const emit = (item: unknown, depth: number): boolean => {
    if (typeof item !== 'object' || item === null) {
      const text = JSON.stringify(item);
      if (text === undefined) return false;
      out.text(text);
      return true;
    }
    if (typeof (item as { toJSON?: unknown }).toJSON === 'function') {
      const text = stringifiedAt(item, depth);
      if (text === undefined) return false;
      out.text(text);
      return true;
    }
    if (depth >= WALKED_DEPTH) {
      const entry = seen.get(item);
      if (entry === undefined) seen.set(item, { depth, bytes: null });
      else if (entry.depth === depth) {
        if (entry.bytes === null && cached < CACHE_BYTES) {
          entry.bytes = Buffer.from(stringifiedAt(item, depth)!, 'utf8');
          cached += entry.bytes.length;
        }
        if (entry.bytes !== null) {
          out.bytes(entry.bytes);
          return true;
        }
      }
    }
    const inner = indent(depth + 1);
    if (Array.isArray(item)) {
      if (item.length === 0) {
        out.text('[]');
        return true;
      }
      for (let i = 0; i < item.length; i++) {
        out.text(i === 0 ? `[${inner}` : `,${inner}`);
        if (!emit(item[i], depth + 1)) out.text('null');
      }
      out.text(`${indent(depth)}]`);
      return true;
    }
    let first = true;
    for (const key in item) {
      if (!Object.hasOwn(item, key)) continue;
      const member = (item as Record<string, unknown>)[key];
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') {
        continue;
      }
      out.text(`${first ? '{' : ','}${inner}${JSON.stringify(key)}: `);
      first = false;
      emit(member, depth + 1);
    }
    out.text(first ? '{}' : `${indent(depth)}}`);
    return true;
  };

  if (!emit(value, 0)) out.text('undefined');
  out.flush();
}

/** The same text as `jsonChunks`, as strings of about 64 KB (each chunk decoded whole). */
export function jsonPieces(value: unknown, write: (piece: string) => void): void {
  jsonChunks(value, (chunk) => write(chunk.toString('utf8')));
}
