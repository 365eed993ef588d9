/**
 * The `kling` provider (Kuaishou Kling AI). Keys: `KLING_ACCESS_KEY` + `KLING_SECRET_KEY`,
 * turned into a fresh HS256 JWT for the requests (./kling-auth.ts); host
 * `https://api-singapore.klingai.com` unless overridden (./credentials.ts).
 *
 * Limits (defaults; override through the options): concurrency 5 (UNCONFIRMED: it is set by
 * the prepaid resource pack, shared by all keys of the account, and a task holds its slot
 * until it ends; over it Kling answers 1303); no request rate is published (1302 "too fast"
 * is backed off when it comes); polls every 10 s.
 *
 * Lost starts (`lookup`): every start carries the engine's key as `external_task_id`, and a
 * task can be fetched by that id, so a lost start is looked up directly (twice, a few seconds
 * apart, before concluding it never arrived).
 *
 * Cost: a finished task reports `final_unit_deduction` in Kling units; at `usdPerUnit`
 * (default $0.14, the list price of a unit; larger packs cost less) that is what it cost.
 */

import { type AdapterOptions, type Connection, connect, signalOf } from '../adapter-kit.ts';
import { httpStatusOf } from '../http.ts';
import { engineLimits, reconcileByLookup } from '../provider-info.ts';
import type { CompletedStatus, Provider, ReconcileInput } from '../types.ts';
import { KlingTokens } from './kling-auth.ts';
import {
  buildKlingRequest,
  envelopeData,
  KLING_PROVIDER,
  type KlingOperation,
  KlingVideoModel,
  mapKlingError,
  parseTask,
  taskPath,
} from './kling-video-model.ts';

export { KLING_TOKEN_SECONDS, KlingTokens, signKlingJwt } from './kling-auth.ts';
export {
  buildKlingRequest,
  KLING_PROVIDER,
  type KlingAction,
  type KlingOperation,
  type KlingOptions,
  KlingVideoModel,
  klingCodeError,
  mapKlingError,
} from './kling-video-model.ts';

/** USD per Kling unit at list price (1 unit = $0.14). */
export const KLING_USD_PER_UNIT = 0.14;

export interface KlingProviderOptions extends AdapterOptions {
  /** what one Kling unit costs you, in USD (default KLING_USD_PER_UNIT) */
  usdPerUnit?: number;
}

export function createKlingProvider(options: KlingProviderOptions = {}): Provider {
  const connection = klingConnection(options);
  const usdPerUnit = options.usdPerUnit ?? KLING_USD_PER_UNIT;
  return {
    info: {
      id: KLING_PROVIDER,
      ...engineLimits(options, { concurrency: 5, requestsPerMinute: null, pollIntervalMs: 10_000 }),
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      reconcileMethod: 'lookup',
      reconcileStart: reconcileByLookup(options, (input) => findByExternalId(connection, input)),
      actualCostUsd: (completed) => klingCostUsd(completed, usdPerUnit),
    },
    model: (modelId) => new KlingVideoModel(modelId, connection),
  };
}

/** What a finished task cost: its deducted units at the unit price; undefined if not reported. */
export function klingCostUsd(completed: CompletedStatus, usdPerUnit: number): number | undefined {
  const units = (completed.providerMetadata?.kling as { units?: unknown } | undefined)?.units;
  return typeof units === 'number' && Number.isFinite(units) ? units * usdPerUnit : undefined;
}

/**
 * The client, made on first use with a header function that signs a fresh JWT per request (a
 * Kling token lasts 30 minutes).
 */
function klingConnection(options: AdapterOptions): Connection {
  return connect(KLING_PROVIDER, options, {
    headers: ({ accessKey, secretKey }, now) => {
      const tokens = new KlingTokens(accessKey ?? '', secretKey ?? '', now);
      return () => ({ authorization: `Bearer ${tokens.current()}` });
    },
    mapError: mapKlingError,
    apiKeyEnv: 'KLING_SECRET_KEY',
  });
}

/** The task a lost start made, fetched by its `external_task_id` (the idempotency key). */
async function findByExternalId(
  connection: Connection,
  input: ReconcileInput,
): Promise<KlingOperation[]> {
  const { action } = buildKlingRequest(input.model.modelId, input.request);
  try {
    const reply = await connection
      .client()
      .get(taskPath(action, input.idempotencyKey), signalOf(input.abortSignal));
    const task = parseTask(envelopeData(reply, connection.apiKeyEnv));
    return [{ taskId: task.task_id, action }];
  } catch (error) {
    // no task by that id: the start never reached Kling
    if (httpStatusOf(error) === 404) return [];
    throw error;
  }
}
