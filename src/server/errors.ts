/**
 * Every error the HTTP API answers, as JSON with a stable `code`: the only place where errors
 * become HTTP statuses. Library errors keep their own codes (`invalid_storyboard`,
 * `over_budget`, …); the API adds its own for what only HTTP has (auth, sizes, ranges, …). The
 * codes, their statuses and the body are defined in ../contracts/errors.ts.
 */
import {
  type ApiErrorCode,
  apiErrorStatus,
  type ErrorBody,
  libraryErrorStatus,
} from '../contracts/errors.ts';
import { InvalidInputError, ShotrouterError } from '../errors.ts';

export type { ApiErrorCode, ErrorBody };

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = apiErrorStatus(code);
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

/** The status, headers and JSON body for any thrown value. */
export function errorResponse(error: unknown): {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
} {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      headers: error.headers,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      },
    };
  }
  if (error instanceof InvalidInputError) {
    return {
      status: 422,
      headers: {},
      body: {
        error: { code: error.code, message: firstLine(error.message), problems: error.problems },
      },
    };
  }
  if (ShotrouterError.is(error) && error.code === 'environment') {
    // the message names server paths and tools: it stays in the log (see jsonErrors)
    return {
      status: 503,
      headers: { 'retry-after': '30' },
      body: {
        error: {
          code: 'environment',
          message:
            'the server cannot carry this out now: a tool, its disk, its database or a credential is missing or failing (the server log says which); try again once it is fixed',
        },
      },
    };
  }
  const libraryStatus = ShotrouterError.is(error) ? libraryErrorStatus(error.code) : undefined;
  if (ShotrouterError.is(error) && libraryStatus !== undefined) {
    const details = plainFacts(error.details);
    return {
      status: libraryStatus,
      headers: {},
      body: {
        error: { code: error.code, message: error.message, ...(details ? { details } : {}) },
      },
    };
  }
  // a bug or an unexpected library failure: its text may hold paths, so it stays in the log
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'internal', message: 'internal error; see the server log' } },
  };
}

/** A library error's facts (numbers, words, flags) for the UI to phrase; anything else stays out. */
function plainFacts(details: unknown): Record<string, unknown> | undefined {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (['number', 'string', 'boolean'].includes(typeof value) || value === null) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function firstLine(text: string): string {
  const head = text.split('\n', 1)[0] ?? text;
  return head.endsWith(':') ? `the storyboard has ${head.slice(0, -1)}` : head;
}
