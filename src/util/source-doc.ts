/**
 * A YAML or JSON document kept with its source positions, so that a problem found while
 * checking a value can point at `file:line:col` of the text the user wrote.
 * JSON is parsed by the YAML parser too (JSON is YAML 1.2), which keeps positions for both.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Problem } from '../errors.ts';

export type PathKey = string | number;

export interface SourceDoc {
  file: string;
  /** the plain value (undefined when the text could not be parsed at all) */
  value: unknown;
  /** syntax problems; when non-empty, `value` may be partial */
  syntaxProblems: Problem[];
  /** line and column (1-based) of the value at `path`, or of its nearest existing parent */
  positionOf(path: readonly PathKey[]): { line: number; col: number };
  /** line and column of the key of the map entry at `path` (for "unknown field" problems) */
  keyPositionOf(path: readonly PathKey[]): { line: number; col: number };
}

export function parseSourceDoc(text: string, file: string): SourceDoc {
  const lineCounter = new LineCounter();
  // `merge`: YAML merge keys (`<<: *defaults`) are how long files share settings.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const syntaxProblems: Problem[] = doc.errors.map((e) => ({
    file,
    ...at(e.pos[0]),
    path: '',
    message:
      e.code === 'DUPLICATE_KEY'
        ? `duplicate key ${keyAt(text, e.pos[0])}: a key may appear only once in a mapping`
        : `syntax error: ${firstLine(e.message)}`,
  }));

  const nodeAt = (path: readonly PathKey[]): { node: Node | null; key: Node | null } => {
    let node: unknown = doc.contents;
    let key: Node | null = null;
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(part),
        );
        if (!pair) return { node: node as Node, key };
        key = pair.key as Node;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof part === 'number' && node.items[part] !== undefined) {
        node = node.items[part];
        key = null;
      } else {
        break;
      }
    }
    return { node: (node as Node | null) ?? null, key };
  };

  // toJS throws on an alias it cannot resolve or on alias "bombs": report those like syntax errors.
  // The alias limit counts uses of one anchor, so it must allow a `<<: *shot` in every shot.
  let value: unknown;
  if (!(doc.errors.length > 0 && doc.contents === null)) {
    try {
      value = doc.toJS({ maxAliasCount: 100_000 });
    } catch (error) {
      syntaxProblems.push({
        file,
        line: 1,
        col: 1,
        path: '',
        message: `cannot read the document: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  return {
    file,
    value,
    syntaxProblems,
    positionOf(path) {
      const { node } = nodeAt(path);
      return node?.range ? at(node.range[0]) : { line: 1, col: 1 };
    },
    keyPositionOf(path) {
      const { node, key } = nodeAt(path);
      const target = key ?? node;
      return target?.range ? at(target.range[0]) : { line: 1, col: 1 };
    },
  };
}

/** `shots[2].audio.dialogue[0]` from `['shots', 2, 'audio', 'dialogue', 0]` */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** The key written at `offset` (up to its colon), quoted, for a duplicate-key message. */
function keyAt(text: string, offset: number): string {
  const key = /^[^:\n]*/.exec(text.slice(offset, offset + 200))![0].trim();
  return `'${key.replace(/^(["'])(.*)\1$/, '$2')}'`;
}
