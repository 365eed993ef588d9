/**
 * Error codes: every `ShotrouterError` code with its meaning and whether the same request may
 * succeed later (`isRetryable`, the one answer the engine and the providers use), the HTTP API's
 * own codes, and the API's error body. Scripts and clients match on `code`, never on the message.
 */
import { z } from 'zod';

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

export const ErrorCodeSchema = z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]);

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

/** Codes only the HTTP API has, with their statuses (the statuses are applied in server/errors.ts). */
const API_ERRORS = {
  bad_request: { status: 400, meaning: 'The request is malformed; `details.issues` says where.' },
  unauthorized: { status: 401, meaning: 'No or a wrong access token.' },
  forbidden: {
    status: 403,
    meaning:
      'The request came through a host name other than loopback, or a change from another origin.',
  },
  not_found: { status: 404, meaning: 'No such project, shot, file or route.' },
  method_not_allowed: { status: 405, meaning: 'The route does not take this method.' },
  confirmation_required: {
    status: 409,
    meaning: 'A real run may spend: send `confirm_usd` with the estimate the user agreed to.',
  },
  run_in_progress: { status: 409, meaning: 'The project has a run going.' },
  payload_too_large: { status: 413, meaning: 'The upload is over the size limit.' },
  unsupported_media_type: { status: 415, meaning: 'The body is not of the type the route takes.' },
  range_not_satisfiable: { status: 416, meaning: 'The byte range is outside the file.' },
  internal: {
    status: 500,
    meaning: 'A bug or an unexpected failure; details are in the server log.',
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export const API_ERROR_CODES: ReadonlyArray<{
  code: ApiErrorCode;
  status: number;
  meaning: string;
}> = Object.entries(API_ERRORS).map(([code, about]) => ({ code: code as ApiErrorCode, ...about }));

export function apiErrorStatus(code: ApiErrorCode): number {
  return API_ERRORS[code].status;
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

export const ErrorBodySchema = z
  .object({
    error: z
      .object({
        code: z
          .string()
          .describe('stable: clients may match on it (an API code or a library error code)'),
        message: z.string().describe('what went wrong and what to do, for people'),
        problems: z
          .array(ProblemSchema)
          .optional()
          .describe(
            'for `invalid_storyboard`: every problem with its position in the client’s file',
          ),
        details: z
          .record(z.string(), z.unknown())
          .optional()
          .describe('more facts for some codes, e.g. `issues` for `bad_request`'),
      })
      .describe('the error'),
  })
  .meta({ description: 'Every error: JSON with a stable code' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
