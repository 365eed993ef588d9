/**
 * Turns zod issues and the loader's own checks into `Problem`s that point at `file:line:col`.
 * A `Locator` knows where a path of the checked value was written; for a card merged from the
 * catalog and an overlay, that may be either file.
 */
import type { z } from 'zod';
import type { Problem } from '../errors.ts';
import { formatPath, type PathKey, type SourceDoc } from '../util/source-doc.ts';

export interface Place {
  file: string;
  line: number;
  col: number;
  /** the path inside that file's document (an overlay entry's path starts `models[i]`) */
  docPath: readonly PathKey[];
}

export interface Locator {
  /** where the value at `path` (or its nearest written parent) is */
  at(path: readonly PathKey[]): Place;
  /** where the key of the map entry at `path` is (for unknown fields) */
  keyAt(path: readonly PathKey[]): Place;
}

/** Positions inside one document, under `prefix` (e.g. `['models', 3]` for an overlay entry). */
export function docLocator(doc: SourceDoc, prefix: readonly PathKey[] = []): Locator {
  const place = (path: readonly PathKey[], position: { line: number; col: number }): Place => ({
    file: doc.file,
    ...position,
    docPath: [...prefix, ...path],
  });
  return {
    at: (path) => place(path, doc.positionOf([...prefix, ...path])),
    keyAt: (path) => place(path, doc.keyPositionOf([...prefix, ...path])),
  };
}

/** A problem at the value of `path` (`key`: at its key, for unknown fields). */
export function problemAt(
  locate: Locator,
  path: readonly PathKey[],
  message: string,
  extra: Pick<Problem, 'expected' | 'found' | 'hint'> = {},
  where: 'value' | 'key' = 'value',
): Problem {
  const { file, line, col, docPath } = where === 'key' ? locate.keyAt(path) : locate.at(path);
  return { file, line, col, path: formatPath(docPath), message, ...dropUndefined(extra) };
}

/** The value at `path`, or undefined when some part is missing. */
export function valueAt(value: unknown, path: readonly PathKey[]): unknown {
  let node = value;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** How many leading parts of `path` exist in `value`. */
export function existingDepth(value: unknown, path: readonly PathKey[]): number {
  let node = value;
  let depth = 0;
  for (const part of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) break;
    node = (node as Record<string | number, unknown>)[part];
    depth++;
  }
  return depth;
}

/** The value as the user wrote it, short enough for one line. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

type Issue = z.core.$ZodIssue;

/** Every issue as a problem; union failures report the branch that came closest to matching. */
export function issuesToProblems(
  issues: readonly Issue[],
  value: unknown,
  locate: Locator,
): Problem[] {
  const problems: Problem[] = [];
  for (const { issue, path } of flatten(issues, [])) {
    const found = valueAt(value, path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          problems.push(problemAt(locate, [...path, key], `unknown field '${key}'`, {}, 'key'));
        }
        break;
      case 'invalid_type':
        problems.push(
          found === undefined
            ? problemAt(locate, path, 'missing', { expected: issue.expected })
            : problemAt(locate, path, 'wrong type', {
                expected: issue.expected,
                found: show(found),
              }),
        );
        break;
      case 'invalid_value':
        problems.push(
          problemAt(locate, path, 'not an allowed value', {
            expected: issue.values.map((v) => String(v)).join(' | '),
            found: show(found),
          }),
        );
        break;
      case 'invalid_union':
        // a discriminated union whose tag matched no option
        problems.push(
          problemAt(locate, path, 'not an allowed value', {
            expected:
              'options' in issue && Array.isArray(issue.options)
                ? issue.options.join(' | ')
                : undefined,
            found: show(found),
          }),
        );
        break;
      case 'invalid_format':
        problems.push(
          problemAt(locate, path, 'badly formed', { expected: issue.message, found: show(found) }),
        );
        break;
      default:
        problems.push(
          problemAt(locate, path, issue.message, found === undefined ? {} : { found: show(found) }),
        );
    }
  }
  return problems;
}

function flatten(
  issues: readonly Issue[],
  prefix: readonly PathKey[],
): { issue: Issue; path: PathKey[] }[] {
  const out: { issue: Issue; path: PathKey[] }[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path.map(toPathKey)];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      out.push(...flatten(closestBranch(issue.errors), path));
    } else {
      out.push({ issue, path });
    }
  }
  return out;
}

/** The union branch with the fewest issues, counting a field the branch does not know as worse. */
function closestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] {
  const score = (b: readonly Issue[]) =>
    b.reduce((sum, i) => sum + (i.code === 'unrecognized_keys' ? 3 * i.keys.length : 1), 0);
  return branches.reduce((best, b) => (score(b) < score(best) ? b : best));
}

function toPathKey(key: PropertyKey): PathKey {
  return typeof key === 'number' ? key : String(key);
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
