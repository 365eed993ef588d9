/**
 * Error codes as a contract: the library's codes (their table, with meaning, retryable flag and
 * HTTP status, is in ../errors.ts, at the base every room may import), the HTTP API's own codes,
 * and the API's error body. Scripts and clients match on `code`, never on the message.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode, ProblemSchema } from '../errors.ts';

export {
  ERROR_CODES,
  type ErrorCode,
  isRetryable,
  libraryErrorStatus,
  type Problem,
  ProblemSchema,
} from '../errors.ts';

export const ErrorCodeSchema = z.enum(
  ERROR_CODES.map((e) => e.code) as [ErrorCode, ...ErrorCode[]],
);

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
