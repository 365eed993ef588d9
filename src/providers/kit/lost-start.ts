/**
 * Starts that may have been lost (the connection broke after the request went out): the
 * engine's idempotency key, the seed derived from it that tells our job apart, the request as it
 * was sent, and the look-up among the provider's recent jobs.
 */
import { createHash } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import type { JSONValue } from '@ai-sdk/provider';
import {
  IDEMPOTENCY_HEADER,
  type ReconcileInput,
  type ReconcileResult,
  type VideoCallOptions,
} from '../types.ts';

/** The engine's idempotency key for this start, if it sent one. */
export function idempotencyKeyOf(options: {
  headers?: Record<string, string | undefined>;
}): string | undefined {
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (name.toLowerCase() === IDEMPOTENCY_HEADER && value) return value;
  }
  return undefined;
}

/**
 * A seed derived from the idempotency key (0 … 2^31-1). Used when the caller gives none: the
 * same logical start always sends the same request, and the seed, which the APIs echo, tells
 * our job apart from look-alikes when a lost start is looked up.
 */
export function seedFromKey(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) & 0x7fffffff;
}

/** The seed to send: the caller's, else one derived from the idempotency key (see seedFromKey). */
export function seedOrKeySeed(options: VideoCallOptions): number | undefined {
  const key = idempotencyKeyOf(options);
  return options.seed ?? (key ? seedFromKey(key) : undefined);
}

/** A lost start's call options as they went out, its idempotency key in the headers again. */
export function requestAsSent(input: ReconcileInput): VideoCallOptions {
  return {
    ...input.request,
    headers: { ...input.request.headers, [IDEMPOTENCY_HEADER]: input.idempotencyKey },
  };
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return ms <= 0 ? Promise.resolve() : wait(ms, undefined, signal ? { signal } : undefined);
}

/**
 * A lost start found by looking at the provider's recent jobs: one match is our job; several
 * cannot be told apart (`unknown`); none, twice with `settleMs` between the looks, means the
 * start never took effect (`not_started`).
 */
export async function lookUpLostStart(
  find: () => Promise<JSONValue[]>,
  settle: {
    ms: number;
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    signal?: AbortSignal;
  },
): Promise<ReconcileResult> {
  for (let look = 0; ; look++) {
    const matches = await find();
    if (matches.length === 1) return { status: 'started', operation: matches[0]! };
    if (matches.length > 1) {
      return { status: 'unknown', reason: `${matches.length} recent jobs match the lost start` };
    }
    if (look === 1) return { status: 'not_started' };
    await settle.sleep(settle.ms, settle.signal);
  }
}

/** Epoch ms of an ISO date or of epoch seconds; undefined when unreadable. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value))
    return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Jobs created this long before the start was recorded still count (clock skew between hosts). */
export const LOOKUP_SKEW_MS = 5 * 60_000;
