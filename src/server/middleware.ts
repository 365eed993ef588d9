/**
 * What every request goes through besides access (security.ts): errors as JSON with a stable
 * code, API responses that are never sniffed nor cached by default, and body size limits
 * (uploads may be large; every other body is a little JSON).
 */
import type { Context, MiddlewareHandler, NotFoundHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, errorResponse } from './errors.ts';
import { mib, type UploadLimits } from './upload.ts';

/** Every error as JSON; server faults (5xx) are logged with their stack. */
export function jsonErrors(log: (line: string) => void) {
  return (error: Error, c: Context) => {
    const { status, headers, body } = errorResponse(error);
    if (status >= 500 || (error as { code?: unknown }).code === 'environment')
      log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return c.json(body, status as 500, { ...headers, 'cache-control': 'no-store' });
  };
}

export function noRoute(c: Context): never {
  throw new ApiError('not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}`);
}

export const notFoundJson: NotFoundHandler = (c) => {
  const { status, body } = errorResponse(
    new ApiError('not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}`),
  );
  return c.json(body, status as 404);
};

/** API responses: no content sniffing, and not cached unless the route says otherwise. */
export const apiHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set('x-content-type-options', 'nosniff');
  if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
};

/**
 * The upload route (`uploadPath`) may take `requestBytes`: refused at once by its
 * Content-Length, else counted as it streams (upload.ts; Hono's bodyLimit would buffer a
 * chunked body whole). Every other body: 1 MiB.
 */
export function bodyLimits(uploadPath: string, limits: UploadLimits): MiddlewareHandler {
  const json = bodyLimit({
    maxSize: 1024 * 1024,
    onError: () => {
      throw new ApiError('payload_too_large', 'a request body may be at most 1 MiB');
    },
  });
  return (c, next) => {
    if (new URL(c.req.url).pathname !== uploadPath) return json(c, next);
    const length = Number(c.req.header('content-length'));
    if (Number.isFinite(length) && length > limits.requestBytes) {
      throw new ApiError(
        'payload_too_large',
        `an upload may be at most ${mib(limits.requestBytes)} in all`,
        { details: { limit_bytes: limits.requestBytes } },
      );
    }
    return next();
  };
}
