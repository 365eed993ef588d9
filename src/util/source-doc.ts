/**
 * A YAML or JSON document kept with its source positions, so that a problem found while
 * checking a value can point at `file:line:col` of the text the user wrote.
 * JSON is parsed by the YAML parser too (JSON is YAML 1.2), which keeps positions for both.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, Node } from 'yaml';
import type { Problem } from '../errors.ts';

let yamlModule: typeof Yaml | undefined;
/**
 * The `yaml` package, loaded when first needed: the fast parsers (storyboard/read-source.ts)
 * read most storyboards and every built-in catalog card without it, and loading it is a good
 * part of a short command's start.
 */
function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yamlModule;
}

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
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = yaml();
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
  const aliases = doc.errors.length > 0 ? undefined : aliasProblem(doc);
  if (aliases !== undefined) {
    syntaxProblems.push({ file, line: 1, col: 1, path: '', message: aliases });
  } else if (!(doc.errors.length > 0 && doc.contents === null)) {
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

/** Nodes a document may expand to through its aliases: far above any real storyboard. */
const MAX_EXPANDED_NODES = 5_000_000;

/**
 * Why the document's aliases cannot be expanded, or undefined: an alias inside the node it names
 * (a loop, which would expand forever) or aliases that multiply into millions of nodes (an
 * "alias bomb"). Counted once per node, so the check itself stays linear.
 */
function aliasProblem(doc: Document): string | undefined {
  const { isAlias, isMap, isPair, isSeq } = yaml();
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  const size = (start: unknown): number => {
    const node = isAlias(start) ? start.resolve(doc) : start;
    if (node === undefined || node === null) return 1;
    if (open.has(node)) throw new Error('an alias is inside the node it names (a loop)');
    const known = sizes.get(node);
    if (known !== undefined) return known;
    open.add(node);
    let total = 1;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) {
        total += isPair(item) ? size(item.key) + size(item.value) : size(item);
        if (total > MAX_EXPANDED_NODES) {
          throw new Error(`its aliases expand to more than ${MAX_EXPANDED_NODES} values`);
        }
      }
    }
    open.delete(node);
    sizes.set(node, total);
    return total;
  };
  try {
    size(doc.contents);
    return undefined;
  } catch (error) {
    const reason =
      error instanceof RangeError ? 'it is nested too deeply' : (error as Error).message;
    return `cannot read the document: ${reason}`;
  }
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
