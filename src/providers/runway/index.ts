/**
 * The `runway` provider (Runway developer API). Key: `RUNWAYML_API_SECRET`; host
 * `https://api.dev.runwayml.com` unless overridden (./credentials.ts).
 *
 * Limits (defaults; override through the options): concurrency 2, the tier-1 figure (1–2
 * tasks per model; tier 2: 3, tier 3: 5, tier 4: 10, tier 5: 20), counted here across models
 * to be safe; a task over the tier's concurrency waits THROTTLED rather than failing. Runway
 * has no per-minute limit (its daily cap answers 429). Polls every 6 s (Runway asks for no
 * more than one every 5 s).
 *
 * Lost starts (`none`): Runway documents no idempotency keys and has no endpoint that lists
 * tasks, so a start whose reply was lost cannot be found: `unknown`.
 *
 * Cost: a finished task reports `cost.credits`; at $0.01 a credit that is what it cost.
 */
import { type AdapterOptions, connect } from '../adapter-kit.ts';
import { cannotReconcile, engineLimits } from '../provider-info.ts';
import type { CompletedStatus, Provider } from '../types.ts';
import {
  mapRunwayError,
  RUNWAY_API_VERSION,
  RUNWAY_PROVIDER,
  RunwayVideoModel,
} from './runway-video-model.ts';

export {
  buildRunwayRequest,
  failureCodeOf,
  mapRunwayError,
  RUNWAY_API_VERSION,
  RUNWAY_PROVIDER,
  type RunwayOperation,
  RunwayVideoModel,
} from './runway-video-model.ts';

/** USD per Runway API credit. */
export const RUNWAY_USD_PER_CREDIT = 0.01;

export function createRunwayProvider(options: AdapterOptions = {}): Provider {
  const connection = connect(RUNWAY_PROVIDER, options, {
    headers: ({ apiKey }) => ({
      authorization: `Bearer ${apiKey}`,
      'x-runway-version': RUNWAY_API_VERSION,
    }),
    mapError: mapRunwayError,
  });
  return {
    info: {
      id: RUNWAY_PROVIDER,
      ...engineLimits(options, { concurrency: 2, requestsPerMinute: null, pollIntervalMs: 6000 }),
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      ...cannotReconcile('Runway keeps no idempotency keys and cannot list tasks'),
      actualCostUsd: runwayCostUsd,
    },
    model: (modelId) => new RunwayVideoModel(modelId, connection),
  };
}

/** What a finished task was charged, in USD; undefined when it did not say. */
export function runwayCostUsd(completed: CompletedStatus): number | undefined {
  const credits = (completed.providerMetadata?.runway as { credits?: unknown } | undefined)
    ?.credits;
  return typeof credits === 'number' && Number.isFinite(credits)
    ? credits * RUNWAY_USD_PER_CREDIT
    : undefined;
}
