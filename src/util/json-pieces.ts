/**
 * `JSON.stringify(value, null, 2)`, byte for byte, handed out in pieces of about 64 KB instead
 * of one string: a 10,000-shot plan is some 240 MB of JSON, which as one string (and its
 * encoded copy) dominated the memory and time of `plan --json`. The top levels are walked here;
 * each entry below them (a plan's shot) is stringified whole and handed on.
 */

/** Levels walked here; deeper values are stringified whole. */
const WALKED_DEPTH = 2;
const PIECE_CHARS = 1 << 16;

export function jsonPieces(value: unknown, write: (piece: string) => void): void {
  let pending = '';
  const out = (text: string) => {
    pending += text;
    if (pending.length >= PIECE_CHARS) {
      write(pending);
      pending = '';
    }
  };

  // an entry at `depth`, as JSON.stringify indents it there: stringified inside `depth` arrays,
  // whose brackets are then cut off (native speed; no re-indenting pass over the text)
  const stringified = (item: unknown, depth: number): string | undefined => {
    if (depth === 0) return JSON.stringify(item, null, 2);
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
  };

  /** Writes `item` at `depth`; false when JSON has no text for it (undefined, a function). */
  const emit = (item: unknown, depth: number): boolean => {
    const walk =
      depth < WALKED_DEPTH &&
      typeof item === 'object' &&
      item !== null &&
      typeof (item as { toJSON?: unknown }).toJSON !== 'function';
    if (!walk) {
      const text = stringified(item, depth);
      if (text === undefined) return false;
      out(text);
      return true;
    }
    const inner = `\n${'  '.repeat(depth + 1)}`;
    if (Array.isArray(item)) {
      if (item.length === 0) {
        out('[]');
        return true;
      }
      out('[');
      item.forEach((element, i) => {
        out(i === 0 ? inner : `,${inner}`);
        if (!emit(element, depth + 1)) out('null');
      });
      out(`\n${'  '.repeat(depth)}]`);
      return true;
    }
    let first = true;
    for (const [key, member] of Object.entries(item)) {
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') {
        continue;
      }
      out(`${first ? '{' : ','}${inner}${JSON.stringify(key)}: `);
      first = false;
      emit(member, depth + 1);
    }
    out(first ? '{}' : `\n${'  '.repeat(depth)}}`);
    return true;
  };

  if (!emit(value, 0)) out('undefined');
  if (pending.length > 0) write(pending);
}
