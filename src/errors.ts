/**
 * One error hierarchy for the whole program. Every error carries a stable string `code`
 * (scripts may match on it) and a `retryable` flag (the engine decides on it). Entry points
 * turn errors into exit codes or HTTP statuses in exactly one place (see cli/exit-codes.ts and
 * server/errors.ts). Part of the contracts (src/contracts/ re-exports it): the codes are listed
 * once, below.
 */

import { z } from 'zod';

const marker = Symbol.for('shotrouter.error');

/**
 * Every code with its meaning, whether the same request may succeed later (`isRetryable`) and
 * the HTTP status the API answers with. docs/plan-fields.md is generated from this table.
 */
const ERRORS = {
  // the storyboard or a user file is wrong: exit 1
  invalid_storyboard: {
    retryable: false,
    http: 422,
    meaning: 'The storyboard has problems, each with its position.',
  },
  invalid_catalog: {
    retryable: false,
    http: 422,
    meaning: 'A catalog file or overlay has problems.',
  },
  invalid_timeline: { retryable: false, http: 422, meaning: 'A timeline cannot be read.' },
  // valid but cannot be satisfied: exit 2
  unsatisfiable: {
    retryable: false,
    http: 422,
    meaning:
      'The request cannot be met as asked: no model can make a shot, or a route has no adapter.',
  },
  over_budget: {
    retryable: false,
    http: 422,
    meaning: 'The plan, or a run, would spend more than the budget.',
  },
  // a run ended with failed shots: exit 3
  shots_failed: { retryable: false, http: 409, meaning: 'A run ended with shots that failed.' },
  // wrong command-line usage: exit 64
  usage: { retryable: false, http: 400, meaning: 'Wrong command-line usage.' },
  // provider errors
  rate_limited: {
    retryable: true,
    meaning: 'The provider asks to slow down (HTTP 429); retried after its Retry-After.',
  },
  server_error: {
    retryable: true,
    meaning: 'The provider failed (HTTP 5xx) or could not be reached.',
  },
  timeout: {
    retryable: true,
    meaning: 'The request timed out; the provider may have acted on it.',
  },
  content_refused: { retryable: false, meaning: 'The provider refused the prompt or images.' },
  invalid_request: {
    retryable: false,
    meaning: 'The provider rejected the request (HTTP 4xx); the message quotes it.',
  },
  authentication: { retryable: false, meaning: 'The API key was refused or is missing.' },
  out_of_credit: { retryable: false, meaning: 'The provider account has no credit left.' },
  malformed_response: {
    retryable: true,
    meaning: 'A reply was not what the API documents (may be a one-off from a proxy).',
  },
  expired_url: {
    retryable: true,
    meaning: 'A download link expired; the next status poll brings a fresh one.',
  },
  connection_dropped: {
    retryable: true,
    meaning:
      'The connection broke after the request went out: safe to retry for reads; a start is reconciled instead of sent again.',
  },
  // local problems
  media_failed: { retryable: false, meaning: 'ffmpeg or ffprobe failed on a clip.' },
  verification_failed: {
    retryable: false,
    meaning: 'A downloaded clip is not what was asked for (length, size, streams).',
  },
  aborted: { retryable: false, http: 409, meaning: 'The run was stopped.' },
  internal: {
    retryable: false,
    meaning: 'A bug or an unexpected failure; details are in the log.',
  },
} as const satisfies Record<string, { retryable: boolean; http?: number; meaning: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** `http`: the status the HTTP API answers with; without one, the API answers 500 `internal`. */
export const ERROR_CODES: ReadonlyArray<{
  code: ErrorCode;
  retryable: boolean;
  http?: number;
  meaning: string;
}> = Object.entries(ERRORS).map(([code, about]) => ({ code: code as ErrorCode, ...about }));

/** The HTTP status for a library error the API passes on, or undefined (it becomes `internal`). */
export function libraryErrorStatus(code: string): number | undefined {
  if (!Object.hasOwn(ERRORS, code)) return undefined;
  const about = ERRORS[code as ErrorCode];
  return 'http' in about ? about.http : undefined;
}

/**
 * Whether a request that failed with this code may succeed when sent again. The engine retries
 * these with backoff (then falls back to the next route); any other code falls back at once.
 * Provider errors take their `retryable` flag from here. A caller that knows a retry is unsafe
 * says so on the error itself (a start whose outcome is unknown is reconciled, never sent again;
 * an error that ran out of retries becomes final).
 */
export function isRetryable(code: string): boolean {
  return Object.hasOwn(ERRORS, code) && ERRORS[code as ErrorCode].retryable;
}

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

export const ProblemSchema = z
  .object({
    file: z.string().describe('the file as the user named it'),
    line: z.number().int().describe('1-based'),
    col: z.number().int().describe('1-based'),
    path: z.string().describe('the field, e.g. shots[2].duration'),
    message: z.string().describe('what is wrong'),
    expected: z.string().optional().describe('what was expected, in words'),
    found: z.string().optional().describe('what was found, as the user wrote it'),
    hint: z.string().optional().describe('a "did you mean" suggestion'),
  })
  .meta({ description: 'A problem found in a user file, with its position' });
/** A problem found in a user file, with its position. Many are collected before failing. */
export type Problem = z.infer<typeof ProblemSchema>;

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
