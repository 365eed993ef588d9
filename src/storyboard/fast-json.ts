/**
 * A fast JSON parser that keeps the offset of every entry (JSON.parse keeps none, and the
 * `yaml` library is slow on big files). Like fast-yaml.ts it declines (returns undefined) on
 * anything it does not accept, including what JSON.parse would silently take (duplicate keys):
 * the caller then uses the full parser, which reports the problem with its position.
 */
import type { SourceDoc } from '../util/source-doc.ts';
import { decodeEscape, type OffsetTable, offsetSourceDoc } from './offset-doc.ts';

const declined = new Error('outside the fast JSON parser');

const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;

export function parseJsonFast(text: string, file: string): SourceDoc | undefined {
  const parser = new JsonParser(text);
  try {
    const offset = parser.skipSpace();
    const value = parser.value();
    if (parser.skipSpace() !== text.length) return undefined;
    return offsetSourceDoc(text, file, value, offset, parser.offsets);
  } catch (error) {
    if (error === declined) return undefined;
    throw error;
  }
}

class JsonParser {
  readonly offsets: OffsetTable = new WeakMap();
  private readonly text: string;
  private p = 0;
  private depth = 0;

  constructor(text: string) {
    this.text = text;
  }

  skipSpace(): number {
    const text = this.text;
    let p = this.p;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.p = p;
    return p;
  }

  value(): unknown {
    const text = this.text;
    const c = text.charCodeAt(this.p);
    if (c === 123) return this.object();
    if (c === 91) return this.array();
    if (c === 34) return this.string();
    if (c === 116) return this.literal('true', true);
    if (c === 102) return this.literal('false', false);
    if (c === 110) return this.literal('null', null);
    NUMBER.lastIndex = this.p;
    const match = NUMBER.exec(text);
    if (match === null) throw declined;
    this.p += match[0].length;
    return Number(match[0]);
  }

  private object(): Record<string, unknown> {
    if (++this.depth > MAX_DEPTH) throw declined;
    const text = this.text;
    const object: Record<string, unknown> = {};
    const table: number[] = [];
    this.p++;
    if (text.charCodeAt(this.skipSpace()) === 125) {
      this.p++;
    } else {
      for (;;) {
        const keyOffset = this.p;
        if (text.charCodeAt(keyOffset) !== 34) throw declined;
        const key = this.string();
        if (key === '__proto__' || Object.hasOwn(object, key)) throw declined;
        if (text.charCodeAt(this.skipSpace()) !== 58) throw declined;
        this.p++;
        const valueOffset = this.skipSpace();
        object[key] = this.value();
        table.push(keyOffset, valueOffset);
        const c = text.charCodeAt(this.skipSpace());
        this.p++;
        if (c === 125) break;
        if (c !== 44) throw declined;
        this.skipSpace();
      }
    }
    this.offsets.set(object, table);
    this.depth--;
    return object;
  }

  private array(): unknown[] {
    if (++this.depth > MAX_DEPTH) throw declined;
    const text = this.text;
    const array: unknown[] = [];
    const table: number[] = [];
    this.p++;
    if (text.charCodeAt(this.skipSpace()) === 93) {
      this.p++;
    } else {
      for (;;) {
        table.push(this.p);
        array.push(this.value());
        const c = text.charCodeAt(this.skipSpace());
        this.p++;
        if (c === 93) break;
        if (c !== 44) throw declined;
        this.skipSpace();
      }
    }
    this.offsets.set(array, table);
    this.depth--;
    return array;
  }

  private string(): string {
    const text = this.text;
    let out = '';
    let chunk = this.p + 1;
    let p = chunk;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === 34) break;
      if (c === 92) {
        const decoded = decodeEscape(text, p + 1, text.length);
        if (decoded === undefined) throw declined;
        out += text.slice(chunk, p) + decoded.text;
        p = chunk = decoded.next;
      } else if (c < 32 || Number.isNaN(c)) {
        throw declined; // a raw control character or the end of the text
      } else {
        p++;
      }
    }
    this.p = p + 1;
    return out + text.slice(chunk, p);
  }

  private literal(word: string, value: boolean | null): boolean | null {
    if (!this.text.startsWith(word, this.p)) throw declined;
    this.p += word.length;
    return value;
  }
}
