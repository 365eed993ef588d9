/**
 * A `SourceDoc` built by the fast parsers (fast-yaml.ts, fast-json.ts): the plain value plus, for
 * every map and list, the source offsets of its entries. Offsets become `line:col` only when a
 * position is asked for, and they follow the same rules as util/source-doc.ts (which reads the
 * `yaml` library's node ranges), so a problem points at the same place whichever parser ran.
 */
import type { PathKey, SourceDoc } from '../util/source-doc.ts';

/**
 * Per container: a list's item offsets `[item0, item1, …]`, or a map's
 * `[key0, value0, key1, value1, …]` in the order of `Object.keys`.
 */
export type OffsetTable = WeakMap<object, number[]>;

export function offsetSourceDoc(
  text: string,
  file: string,
  value: unknown,
  rootOffset: number,
  offsets: OffsetTable,
): SourceDoc {
  let lineStarts: number[] | undefined;
  const at = (offset: number) => {
    lineStarts ??= computeLineStarts(text);
    return linePos(lineStarts, offset);
  };

  // Walks like source-doc's nodeAt: stops at the nearest existing parent; remembers the key
  // that led to the current node (reset by a list step) for keyPositionOf.
  const walk = (path: readonly PathKey[]) => {
    let node = value;
    let offset = rootOffset;
    let keyOffset: number | undefined;
    for (const part of path) {
      if (Array.isArray(node)) {
        if (typeof part !== 'number' || node[part] === undefined) break;
        offset = offsets.get(node)![part]!;
        node = node[part];
        keyOffset = undefined;
      } else if (typeof node === 'object' && node !== null) {
        const key = String(part);
        if (!Object.hasOwn(node, key)) break;
        const index = Object.keys(node).indexOf(key);
        const table = offsets.get(node)!;
        keyOffset = table[2 * index]!;
        offset = table[2 * index + 1]!;
        node = (node as Record<string, unknown>)[key];
      } else {
        break;
      }
    }
    return { offset, keyOffset };
  };

  return {
    file,
    value,
    syntaxProblems: [],
    positionOf: (path) => at(walk(path).offset),
    keyPositionOf(path) {
      const { offset, keyOffset } = walk(path);
      return at(keyOffset ?? offset);
    },
  };
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function linePos(lineStarts: readonly number[], offset: number): { line: number; col: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  // the last line start that is <= offset
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, col: offset - lineStarts[low]! + 1 };
}

/**
 * Decodes the escape that starts after a backslash at `at` inside a double-quoted YAML scalar
 * (JSON's escapes are a subset), with the same table as the `yaml` library. Returns undefined
 * for anything the fast parsers leave to the full parser (escaped line breaks, bad escapes).
 */
export function decodeEscape(
  text: string,
  at: number,
  end: number,
): { text: string; next: number } | undefined {
  if (at >= end) return undefined;
  const ch = text[at]!;
  const simple = SIMPLE_ESCAPES.get(ch);
  if (simple !== undefined) return { text: simple, next: at + 1 };
  const length = ch === 'x' ? 2 : ch === 'u' ? 4 : ch === 'U' ? 8 : 0;
  if (length === 0 || at + 1 + length > end) return undefined;
  const hex = text.slice(at + 1, at + 1 + length);
  if (!/^[0-9a-fA-F]+$/.test(hex)) return undefined;
  const code = Number.parseInt(hex, 16);
  if (code > 0x10ffff) return undefined;
  return { text: String.fromCodePoint(code), next: at + 1 + length };
}

const SIMPLE_ESCAPES = new Map<string, string>([
  ['0', '\0'],
  ['a', '\x07'],
  ['b', '\b'],
  ['e', '\x1b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['v', '\v'],
  ['N', '\u0085'],
  ['_', '\u00a0'],
  ['L', '\u2028'],
  ['P', '\u2029'],
  [' ', ' '],
  ['"', '"'],
  ['/', '/'],
  ['\\', '\\'],
]);
