/**
 * One error hierarchy for the whole program. Every error carries a stable string `code`
 * (scripts may match on it) and a `retryable` flag (the engine decides on it). Entry points
 * turn errors into exit codes or HTTP statuses in exactly one place (see cli/exit-codes.ts).
 */

const marker = Symbol.for('shotrouter.error');

export type ErrorCode =
  // the storyboard or a user file is wrong: exit 1
  | 'invalid_storyboard'
  | 'invalid_catalog'
  | 'invalid_timeline'
  // valid but cannot be satisfied: exit 2
  | 'unsatisfiable'
  | 'over_budget'
  // the machine cannot carry the run (preflight; disk full, folder gone, store locked): exit 2
  | 'environment'
  // a run ended with failed shots: exit 3
  | 'shots_failed'
  // wrong command-line usage: exit 64
  | 'usage'
  // provider errors (engine/providers)
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'content_refused'
  | 'invalid_request'
  | 'authentication'
  | 'out_of_credit'
  | 'malformed_response'
  | 'expired_url'
  | 'connection_dropped'
  // local problems
  | 'media_failed'
  | 'verification_failed'
  // paid for, but nothing usable came of it (unreadable or not downloadable)
  | 'unusable_clip'
  | 'aborted'
  | 'internal';

export interface ShotrouterErrorOptions {
  retryable?: boolean;
  /** seconds the caller should wait before retrying (from Retry-After or similar) */
  retryAfterSeconds?: number;
  cause?: unknown;
  details?: unknown;
}

export class ShotrouterError extends Error {
  readonly [marker] = true;
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: ShotrouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShotrouterError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }

  /** Works across two loaded copies of the package, unlike `instanceof`. */
  static is(value: unknown): value is ShotrouterError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[marker] === true
    );
  }
}

/** A problem found in a user file, with its position. Many are collected before failing. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  /** the field path, e.g. `shots[2].duration` */
  path: string;
  message: string;
  /** what was expected, in words */
  expected?: string;
  /** what was found, as the user wrote it */
  found?: string;
  /** a "did you mean" suggestion */
  hint?: string;
}

export function formatProblem(p: Problem): string {
  let text = `${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
  if (p.expected !== undefined) text += `\n    expected: ${p.expected}`;
  if (p.found !== undefined) text += `\n    found:    ${p.found}`;
  if (p.hint !== undefined) text += `\n    hint:     ${p.hint}`;
  return text;
}

export class InvalidInputError extends ShotrouterError {
  readonly problems: Problem[];
  constructor(code: 'invalid_storyboard' | 'invalid_catalog', problems: Problem[]) {
    const head = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(code, `${head}:\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}
