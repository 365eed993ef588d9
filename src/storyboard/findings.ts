/**
 * Problems found while checking a document, collected in one pass and turned into positioned
 * `Problem`s only at the end: a valid storyboard never pays for a single line/column lookup.
 */
import type { Problem } from '../errors.ts';
import { formatPath, type PathKey, type SourceDoc } from '../util/source-doc.ts';
import type { Position } from './types.ts';

export type Locate = (path: readonly PathKey[]) => Position;

export interface FindingDetails {
  expected?: string;
  found?: string;
  hint?: string;
  /** point at the key rather than the value (unknown fields) */
  atKey?: boolean;
}

interface Finding extends FindingDetails {
  path: readonly PathKey[];
  /** a function when the message names another place in the file (e.g. a first use) */
  message: string | ((locate: Locate) => string);
}

export class Findings {
  private readonly errors: Finding[] = [];
  private readonly warnings: Finding[] = [];

  error(path: readonly PathKey[], message: Finding['message'], details: FindingDetails = {}): void {
    this.errors.push({ path, message, ...details });
  }

  warn(path: readonly PathKey[], message: Finding['message'], details: FindingDetails = {}): void {
    this.warnings.push({ path, message, ...details });
  }

  get hasErrors(): boolean {
    return this.errors.length > 0;
  }

  get errorCount(): number {
    return this.errors.length;
  }

  errorProblems(doc: SourceDoc): Problem[] {
    return toProblems(this.errors, doc);
  }

  warningProblems(doc: SourceDoc): Problem[] {
    return toProblems(this.warnings, doc);
  }
}

function toProblems(findings: readonly Finding[], doc: SourceDoc): Problem[] {
  const locate: Locate = (path) => doc.positionOf(path);
  const problems = findings.map((f): Problem => {
    const at = f.atKey ? doc.keyPositionOf(f.path) : doc.positionOf(f.path);
    const problem: Problem = {
      file: doc.file,
      line: at.line,
      col: at.col,
      path: formatPath(f.path),
      message: typeof f.message === 'function' ? f.message(locate) : f.message,
    };
    if (f.expected !== undefined) problem.expected = f.expected;
    if (f.found !== undefined) problem.found = f.found;
    if (f.hint !== undefined) problem.hint = f.hint;
    return problem;
  });
  // stable: problems at the same place keep the order they were found in
  return problems.sort((a, b) => a.line - b.line || a.col - b.col);
}
