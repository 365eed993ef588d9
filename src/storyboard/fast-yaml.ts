/**
 * A fast parser for the plain subset of YAML that storyboards are written in: block maps and
 * lists, one-line plain and quoted scalars, one-line flow lists and maps, comments.
 *
 * Why: the `yaml` library needs about 0.8 s for a 10,000-shot storyboard (2 MB), most of a plan's
 * time budget; this subset parser needs a small fraction of that. It never guesses: anything
 * outside the subset (anchors, tags, block scalars, multi-line scalars, quoted keys, duplicate
 * keys, odd indentation, …) makes it decline (return undefined) and the caller uses the full
 * parser, which also reports syntax errors. What it accepts it resolves exactly as `yaml` does
 * with YAML 1.2's core schema; test/storyboard/fast-parsers.test.ts checks that with random
 * documents.
 */
import type { SourceDoc } from '../util/source-doc.ts';
import { decodeEscape, type OffsetTable, offsetSourceDoc } from './offset-doc.ts';

/** Thrown inside the parser to give up on the subset; never escapes this module. */
const declined = new Error('outside the fast YAML subset');

const MAX_DEPTH = 64;

// Tabs, control characters, a byte-order mark, Unicode line breaks and a lone CR are legal
// in places, but rare enough in storyboards to leave to the full parser.
const UNUSUAL_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to find
  /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|\r(?!\n)/;

/** Keys the core schema would not read as plain strings, or that an object cannot hold. */
const UNUSUAL_KEYS = new Set([
  'null',
  'Null',
  'NULL',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  '__proto__',
]);

const CORE_WORDS = new Map<string, null | boolean>([
  ['~', null],
  ['null', null],
  ['Null', null],
  ['NULL', null],
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
]);

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const COMMA = 44;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** Characters that may not start a plain scalar (or start syntax the subset leaves out). */
const INDICATOR = new Uint8Array(128);
for (const ch of '&*!|>%@`?:,[]{}#\'"') INDICATOR[ch.charCodeAt(0)] = 1;

export function parseYamlSubset(text: string, file: string): SourceDoc | undefined {
  if (UNUSUAL_CHARACTERS.test(text)) return undefined;
  const parser = new SubsetParser(text);
  try {
    const { value, offset } = parser.document();
    return offsetSourceDoc(text, file, value, offset, parser.offsets);
  } catch (error) {
    if (error === declined) return undefined;
    throw error;
  }
}

/** The YAML 1.2 core schema's reading of a plain scalar, as the `yaml` library does it. */
export function resolvePlainScalar(raw: string): unknown {
  const word = CORE_WORDS.get(raw);
  if (word !== undefined) return word;
  const c0 = raw.charCodeAt(0);
  const numeric = (c0 >= 48 && c0 <= 57) || c0 === 43 || c0 === 45 || c0 === 46;
  if (!numeric) return raw;
  if (/^0o[0-7]+$/.test(raw)) return Number.parseInt(raw.slice(2), 8);
  if (/^[-+]?[0-9]+$/.test(raw)) return Number.parseInt(raw, 10);
  if (/^0x[0-9a-fA-F]+$/.test(raw)) return Number.parseInt(raw.slice(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(raw)) {
    if (raw.endsWith('nan') || raw.endsWith('NaN') || raw.endsWith('NAN')) return Number.NaN;
    return raw[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(raw)) {
    return Number.parseFloat(raw);
  }
  return raw;
}

interface Parsed {
  value: unknown;
  /** offset just after the value */
  next: number;
}

class SubsetParser {
  readonly offsets: OffsetTable = new WeakMap();
  private readonly text: string;
  // The significant lines (not blank, not only a comment): indentation, offset of the first
  // character after it, offset of the line's end (before any CR).
  private readonly indents: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** the current significant line */
  private line = 0;
  private depth = 0;

  constructor(text: string) {
    this.text = text;
    const n = text.length;
    let lineStart = 0;
    for (;;) {
      let newline = text.indexOf('\n', lineStart);
      if (newline === -1) newline = n;
      const end =
        newline > lineStart && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      let c = lineStart;
      while (c < end && text.charCodeAt(c) === SPACE) c++;
      if (c < end && text.charCodeAt(c) !== HASH) {
        this.indents.push(c - lineStart);
        this.starts.push(c);
        this.ends.push(end);
      }
      if (newline === n) break;
      lineStart = newline + 1;
    }
  }

  document(): { value: unknown; offset: number } {
    const count = this.indents.length;
    if (count === 0) throw declined;
    // An explicit document start (`---`, maybe with a comment) on the first line.
    const first = this.starts[0]!;
    if (this.indents[0] === 0 && this.text.startsWith('---', first)) {
      const after = this.skipSpaces(first + 3, this.ends[0]!);
      if (after === first + 3 && after !== this.ends[0]) throw declined;
      if (after !== this.ends[0] && this.text.charCodeAt(after) !== HASH) throw declined;
      this.line = 1;
      if (count === 1) throw declined;
    }
    const offset = this.starts[this.line]!;
    const value = this.blockNode(this.indents[this.line]!);
    if (this.line < count) throw declined;
    return { value, offset };
  }

  private blockNode(indent: number): unknown {
    const start = this.starts[this.line]!;
    const end = this.ends[this.line]!;
    if (this.isListItem(start, end)) return this.blockList(indent);
    if (this.keyEnd(start, end) !== -1) return this.blockMap(indent, start);
    // a scalar on a line of its own (maybe continued on the next ones): rare, leave it
    throw declined;
  }

  /** A block map whose first key starts at `firstKey` (on the current line). */
  private blockMap(indent: number, firstKey: number): Record<string, unknown> {
    this.enter();
    const { text, indents, starts, ends } = this;
    const count = indents.length;
    const map: Record<string, unknown> = {};
    const table: number[] = [];
    let keyStart = firstKey;
    for (;;) {
      const end = ends[this.line]!;
      const colon = this.keyEnd(keyStart, end);
      if (colon === -1) throw declined;
      const key = text.slice(keyStart, colon);
      if (UNUSUAL_KEYS.has(key) || Object.hasOwn(map, key)) throw declined;
      const after = this.skipSpaces(colon + 1, end);
      let value: unknown;
      let valueOffset: number;
      if (after === end || text.charCodeAt(after) === HASH) {
        // nothing on this line: the value is the block below, or null
        this.line++;
        const nextIndent = this.line < count ? indents[this.line]! : -1;
        if (
          nextIndent > indent ||
          // a list may sit at the same indentation as its key
          (nextIndent === indent && this.isListItem(starts[this.line]!, ends[this.line]!))
        ) {
          valueOffset = starts[this.line]!;
          value = this.blockNode(nextIndent);
        } else {
          valueOffset = after;
          value = null;
        }
      } else {
        valueOffset = after;
        value = this.inlineValue(after, end);
        this.line++;
      }
      map[key] = value;
      table.push(keyStart, valueOffset);
      if (this.line >= count || indents[this.line]! < indent) break;
      if (indents[this.line]! > indent) throw declined;
      keyStart = starts[this.line]!;
    }
    this.offsets.set(map, table);
    this.depth--;
    return map;
  }

  private blockList(indent: number): unknown[] {
    this.enter();
    const { text, indents, starts, ends } = this;
    const count = indents.length;
    const list: unknown[] = [];
    const table: number[] = [];
    for (;;) {
      const start = starts[this.line]!;
      const end = ends[this.line]!;
      const after = this.skipSpaces(start + 1, end);
      let item: unknown;
      let itemOffset: number;
      if (after === end || text.charCodeAt(after) === HASH) {
        this.line++;
        const nextIndent = this.line < count ? indents[this.line]! : -1;
        if (nextIndent > indent) {
          itemOffset = starts[this.line]!;
          item = this.blockNode(nextIndent);
        } else {
          itemOffset = after;
          item = null;
        }
      } else if (this.isListItem(after, end)) {
        throw declined; // `- - x`
      } else if (this.keyEnd(after, end) !== -1) {
        // `- key: value`: a map indented to where its first key starts
        itemOffset = after;
        item = this.blockMap(after - (start - indents[this.line]!), after);
      } else {
        itemOffset = after;
        item = this.inlineValue(after, end);
        this.line++;
      }
      list.push(item);
      table.push(itemOffset);
      if (this.line >= count || indents[this.line]! < indent) break;
      if (indents[this.line]! > indent) throw declined;
      if (!this.isListItem(starts[this.line]!, ends[this.line]!)) break;
    }
    this.offsets.set(list, table);
    this.depth--;
    return list;
  }

  /** A value that starts at `start` and must end the line (but for a comment). */
  private inlineValue(start: number, end: number): unknown {
    const ch = this.text.charCodeAt(start);
    if (ch === DOUBLE_QUOTE || ch === SINGLE_QUOTE || ch === OPEN_BRACKET || ch === OPEN_BRACE) {
      const parsed = this.flowNode(start, end);
      this.expectLineEnd(parsed.next, end);
      return parsed.value;
    }
    if (this.startsIndicator(start, end)) throw declined;
    const text = this.text;
    let p = start;
    let last = start;
    while (p < end) {
      const c = text.charCodeAt(p);
      if (c === SPACE) {
        if (p + 1 < end && text.charCodeAt(p + 1) === HASH) break;
      } else {
        // `a: b: c` is an error in YAML; `a:b` is fine
        if (c === COLON && (p + 1 === end || text.charCodeAt(p + 1) === SPACE)) throw declined;
        last = p + 1;
      }
      p++;
    }
    return resolvePlainScalar(text.slice(start, last));
  }

  /** A quoted scalar or a one-line flow list or map. */
  private flowNode(start: number, end: number): Parsed {
    const ch = this.text.charCodeAt(start);
    if (ch === DOUBLE_QUOTE) return this.doubleQuoted(start, end);
    if (ch === SINGLE_QUOTE) return this.singleQuoted(start, end);
    if (ch === OPEN_BRACKET) return this.flowList(start, end);
    if (ch === OPEN_BRACE) return this.flowMap(start, end);
    return this.flowPlain(start, end);
  }

  private flowList(start: number, end: number): Parsed {
    this.enter();
    const list: unknown[] = [];
    const table: number[] = [];
    let p = this.skipSpaces(start + 1, end);
    if (p < end && this.text.charCodeAt(p) === CLOSE_BRACKET) {
      p++;
    } else {
      for (;;) {
        const item = this.flowNode(p, end);
        list.push(item.value);
        table.push(p);
        p = this.skipSpaces(item.next, end);
        const c = p < end ? this.text.charCodeAt(p) : -1;
        if (c === CLOSE_BRACKET) {
          p++;
          break;
        }
        if (c !== COMMA) throw declined;
        p = this.skipSpaces(p + 1, end);
        if (p >= end || this.text.charCodeAt(p) === CLOSE_BRACKET) throw declined;
      }
    }
    this.offsets.set(list, table);
    this.depth--;
    return { value: list, next: p };
  }

  private flowMap(start: number, end: number): Parsed {
    this.enter();
    const text = this.text;
    const map: Record<string, unknown> = {};
    const table: number[] = [];
    let p = this.skipSpaces(start + 1, end);
    if (p < end && text.charCodeAt(p) === CLOSE_BRACE) {
      p++;
    } else {
      for (;;) {
        const colon = this.keyEnd(p, end);
        // a flow key must be followed by ': ' here (`{a:1}` is the key `a:1` in YAML)
        if (colon === -1 || colon + 1 === end) throw declined;
        const key = text.slice(p, colon);
        if (UNUSUAL_KEYS.has(key) || Object.hasOwn(map, key)) throw declined;
        const valueStart = this.skipSpaces(colon + 1, end);
        const c = valueStart < end ? text.charCodeAt(valueStart) : -1;
        if (c === COMMA || c === CLOSE_BRACE) {
          map[key] = null;
          table.push(p, valueStart);
          p = valueStart;
        } else {
          const value = this.flowNode(valueStart, end);
          map[key] = value.value;
          table.push(p, valueStart);
          p = this.skipSpaces(value.next, end);
        }
        const d = p < end ? text.charCodeAt(p) : -1;
        if (d === CLOSE_BRACE) {
          p++;
          break;
        }
        if (d !== COMMA) throw declined;
        p = this.skipSpaces(p + 1, end);
        if (p >= end || text.charCodeAt(p) === CLOSE_BRACE) throw declined;
      }
    }
    this.offsets.set(map, table);
    this.depth--;
    return { value: map, next: p };
  }

  /** A plain scalar inside a flow collection: it ends at `,`, `]` or `}`. */
  private flowPlain(start: number, end: number): Parsed {
    if (start >= end || this.startsIndicator(start, end)) throw declined;
    const text = this.text;
    let p = start;
    let last = start;
    while (p < end) {
      const c = text.charCodeAt(p);
      if (c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE) break;
      if (c === OPEN_BRACKET || c === OPEN_BRACE) throw declined;
      if (c === SPACE) {
        // a comment inside a flow collection means it goes on over more lines
        if (p + 1 < end && text.charCodeAt(p + 1) === HASH) throw declined;
      } else {
        if (c === COLON) {
          const n = p + 1 < end ? text.charCodeAt(p + 1) : -1;
          if (n === -1 || n === SPACE || n === COMMA || n === CLOSE_BRACKET || n === CLOSE_BRACE) {
            throw declined; // an implicit `key: value` pair
          }
        }
        last = p + 1;
      }
      p++;
    }
    return { value: resolvePlainScalar(text.slice(start, last)), next: p };
  }

  private doubleQuoted(start: number, end: number): Parsed {
    const text = this.text;
    let out = '';
    let chunk = start + 1;
    let p = chunk;
    while (p < end) {
      const c = text.charCodeAt(p);
      if (c === DOUBLE_QUOTE) return { value: out + text.slice(chunk, p), next: p + 1 };
      if (c === 92) {
        const decoded = decodeEscape(text, p + 1, end);
        if (decoded === undefined) throw declined;
        out += text.slice(chunk, p) + decoded.text;
        p = chunk = decoded.next;
      } else {
        p++;
      }
    }
    throw declined; // goes on to the next line
  }

  private singleQuoted(start: number, end: number): Parsed {
    const text = this.text;
    let out = '';
    let chunk = start + 1;
    let p = chunk;
    while (p < end) {
      if (text.charCodeAt(p) === SINGLE_QUOTE) {
        if (p + 1 < end && text.charCodeAt(p + 1) === SINGLE_QUOTE) {
          out += text.slice(chunk, p + 1);
          p = chunk = p + 2;
          continue;
        }
        return { value: out + text.slice(chunk, p), next: p + 1 };
      }
      p++;
    }
    throw declined;
  }

  /** After a quoted or flow value: only spaces and maybe a comment (after a space). */
  private expectLineEnd(p: number, end: number): void {
    const after = this.skipSpaces(p, end);
    if (after === end) return;
    if (after > p && this.text.charCodeAt(after) === HASH) return;
    throw declined;
  }

  /** The offset of the `:` after a plain identifier key at `start`, or -1. */
  private keyEnd(start: number, end: number): number {
    const text = this.text;
    let p = start;
    const c0 = p < end ? text.charCodeAt(p) : -1;
    if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122) || c0 === 95)) return -1;
    p++;
    while (p < end) {
      const c = text.charCodeAt(p);
      if (
        (c >= 65 && c <= 90) ||
        (c >= 97 && c <= 122) ||
        (c >= 48 && c <= 57) ||
        c === 95 ||
        c === DASH
      ) {
        p++;
      } else {
        break;
      }
    }
    if (p >= end || text.charCodeAt(p) !== COLON) return -1;
    if (p + 1 < end && text.charCodeAt(p + 1) !== SPACE) return -1;
    return p;
  }

  private isListItem(start: number, end: number): boolean {
    return (
      this.text.charCodeAt(start) === DASH &&
      (start + 1 === end || this.text.charCodeAt(start + 1) === SPACE)
    );
  }

  private startsIndicator(start: number, end: number): boolean {
    const c = this.text.charCodeAt(start);
    if (c < 128 && INDICATOR[c] === 1) return true;
    return c === DASH && (start + 1 === end || this.text.charCodeAt(start + 1) === SPACE);
  }

  private skipSpaces(p: number, end: number): number {
    while (p < end && this.text.charCodeAt(p) === SPACE) p++;
    return p;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw declined;
  }
}
