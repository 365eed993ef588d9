/** What an adapter returns: the `response` block, failed generations, operation handles. */
import type { JSONObject } from '@ai-sdk/provider';
import { providerErrors } from '../errors.ts';
import type { VideoStatus } from '../types.ts';

/** The `response` block of a result. */
export function responseInfo(
  modelId: string,
  headers?: Record<string, string>,
  now: () => number = Date.now,
): { timestamp: Date; modelId: string; headers: Record<string, string> | undefined } {
  return { timestamp: new Date(now()), modelId, headers };
}

/**
 * A generation the provider reports as failed, with its error code where known so that the
 * engine retries (server trouble) or falls back (refusal) correctly.
 */
export function failedStatus(
  modelId: string,
  message: string,
  code: string | undefined,
  metadata: JSONObject = {},
  now?: () => number,
): VideoStatus {
  return {
    status: 'error',
    error: message,
    providerMetadata: { shotrouter: { ...(code ? { code } : {}), ...metadata } },
    response: responseInfo(modelId, undefined, now),
  };
}

/** A task the provider reports as cancelled (by someone, not by a refusal): fall back. */
export function cancelledTask(modelId: string, taskId: string, now?: () => number): VideoStatus {
  return failedStatus(modelId, `task ${taskId} was cancelled`, undefined, { taskId }, now);
}

/** A task that waited in the provider's queue past its deadline: retried like a timeout. */
export function expiredTask(modelId: string, taskId: string, now?: () => number): VideoStatus {
  return failedStatus(modelId, `task ${taskId} expired before it ran`, 'timeout', { taskId }, now);
}

/** Narrows an operation handle, or throws `malformed_response` naming what was expected. */
export function operationOf<T extends JSONObject>(
  provider: string,
  operation: unknown,
  check: (value: Record<string, unknown>) => boolean,
  what: string,
): T {
  if (typeof operation === 'object' && operation !== null && !Array.isArray(operation)) {
    const record = operation as Record<string, unknown>;
    if (check(record)) return record as T;
  }
  throw providerErrors.malformedResponse(provider, `not ${what} operation handle`);
}
