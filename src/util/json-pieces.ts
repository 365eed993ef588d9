/**
 * `JSON.stringify(value, null, 2)`, byte for byte, handed out in UTF-8 chunks of about 64 KB
 * instead of one string: a 10,000-shot plan is well over 100 MB of JSON, which as one string
 * (and its encoded copy) dominated the memory and time of `plan --json`. With a layout, only the
 * top levels are indented and each deeper entry is written compact on a line of its own (the
 * plan: one line per shot), which is the same JSON value in about half the bytes.
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
    // punctuation, most of what is written: one byte, no encoder call
    if (s.length === 1 && this.#used < CHUNK_BYTES) {
      const code = s.charCodeAt(0);
      if (code < 0x80) {
        this.#chunk[this.#used++] = code;
        return;
      }
    }
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
    // TypedArray#set: a builtin, cheaper than Buffer#copy for the small pieces copied here
    this.#chunk.set(b, this.#used);
    this.#used += b.length;
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

export interface JsonLayout {
  /**
   * Containers nested less deeply than this are indented as `JSON.stringify(value, null, 2)`
   * does; deeper values are written compact, each on the line of the entry that holds it.
   * Default: every level is indented.
   */
  indentedDepth?: number;
}

/**
 * `value` as `JSON.stringify(value, null, 2)` in UTF-8 chunks, each ending on a whole character;
 * with `indentedDepth`, the values from that depth on are compact (`JSON.stringify(value)`).
 */
export function jsonChunks(
  value: unknown,
  write: (chunk: Buffer) => void,
  layout: JsonLayout = {},
): void {
  const out = new ChunkWriter(write);
  const indented = layout.indentedDepth ?? Number.POSITIVE_INFINITY;
  // per object: the depth it was first met at (compact text is the same at every depth, so
  // compact depths count as one), and its encoded text once met there again
  const seen = new Map<object, { depth: number; bytes: Buffer | null }>();
  let cached = 0;
  const textAt = (item: object, depth: number) =>
    depth >= indented ? JSON.stringify(item) : stringifiedAt(item, depth);

  /** Writes `item` at `depth`; false when JSON has no text for it (undefined, a function). */
  const emit = (item: unknown, depth: number): boolean => {
    if (typeof item !== 'object' || item === null) {
      const text = JSON.stringify(item);
      if (text === undefined) return false;
      out.text(text);
      return true;
    }
    if (typeof (item as { toJSON?: unknown }).toJSON === 'function') {
      const text = textAt(item, depth);
      if (text === undefined) return false;
      out.text(text);
      return true;
    }
    if (depth >= WALKED_DEPTH) {
      const at = Math.min(depth, indented);
      const entry = seen.get(item);
      if (entry === undefined) seen.set(item, { depth: at, bytes: null });
      else if (entry.depth === at) {
        if (entry.bytes === null && cached < CACHE_BYTES) {
          entry.bytes = Buffer.from(textAt(item, depth)!, 'utf8');
          cached += entry.bytes.length;
        }
        if (entry.bytes !== null) {
          out.bytes(entry.bytes);
          return true;
        }
      }
    }
    const compact = depth >= indented;
    const inner = compact ? '' : indent(depth + 1);
    const close = compact ? '' : indent(depth);
    if (Array.isArray(item)) {
      if (item.length === 0) {
        out.text('[]');
        return true;
      }
      for (let i = 0; i < item.length; i++) {
        out.text(i === 0 ? '[' : ',');
        if (!compact) out.text(inner);
        if (!emit(item[i], depth + 1)) out.text('null');
      }
      if (!compact) out.text(close);
      out.text(']');
      return true;
    }
    let first = true;
    for (const key in item) {
      if (!Object.hasOwn(item, key)) continue;
      const member = (item as Record<string, unknown>)[key];
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') {
        continue;
      }
      // three writes, not one joined string: no garbage for each of a plan's million keys
      out.text(first ? '{' : ',');
      if (!compact) out.text(inner);
      out.text(keyText(key, compact));
      first = false;
      emit(member, depth + 1);
    }
    if (!first && !compact) out.text(close);
    out.text(first ? '{}' : '}');
    return true;
  };

  if (!emit(value, 0)) out.text('undefined');
  out.flush();
}

/** `"key": ` (indented) or `"key":` (compact); a plan repeats a few dozen keys a million times. */
const KEYS = [new Map<string, string>(), new Map<string, string>()];
function keyText(key: string, compact: boolean): string {
  const known = KEYS[compact ? 1 : 0]!;
  let text = known.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:${compact ? '' : ' '}`;
    if (known.size < 4096) known.set(key, text);
  }
  return text;
}

/** The same text as `jsonChunks`, as strings of about 64 KB (each chunk decoded whole). */
export function jsonPieces(
  value: unknown,
  write: (piece: string) => void,
  layout: JsonLayout = {},
): void {
  jsonChunks(value, (chunk) => write(chunk.toString('utf8')), layout);
}
