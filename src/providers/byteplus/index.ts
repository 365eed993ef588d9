/**
 * The BytePlus ModelArk provider (ByteDance Seedance). Key: `ARK_API_KEY` or `BYTEPLUS_API_KEY`;
 * host `https://ark.ap-southeast.bytepluses.com` unless overridden (./credentials.ts).
 */
import { type AdapterOptions, connect, defaultSleep, lookUpLostStart } from '../adapter-kit.ts';
import type { CompletedStatus, Provider } from '../types.ts';
import { catalogTokenPrice, type TokenPrice, tokenCostUsd } from './pricing.ts';
import {
  arkError,
  BYTEPLUS_PROVIDER,
  type SeedanceResult,
  SeedanceVideoModel,
} from './seedance-video-model.ts';

export { catalogTokenPrice, type TokenPrice } from './pricing.ts';
export { seedanceModel } from './seedance-models.ts';
export {
  arkError,
  BYTEPLUS_PROVIDER,
  type SeedanceOperation,
  SeedanceVideoModel,
} from './seedance-video-model.ts';

export interface BytePlusProviderOptions extends AdapterOptions {
  /** USD per million tokens by model, tier and audio (default: the shipped catalog's byteplus routes) */
  tokenPrice?: TokenPrice;
}

export function createBytePlusProvider(options: BytePlusProviderOptions = {}): Provider {
  const connection = connect(BYTEPLUS_PROVIDER, options, {
    headers: ({ apiKey }) => ({ authorization: `Bearer ${apiKey}` }),
    mapError: arkError,
  });
  const price = options.tokenPrice ?? catalogTokenPrice();
  const sleep = options.sleep ?? defaultSleep;
  return {
    info: {
      id: BYTEPLUS_PROVIDER,
      // BytePlus model list (research §7): individual accounts run 3 tasks at once at 180 RPM,
      // enterprise ones 10 at 600 RPM; tasks beyond the concurrency wait in BytePlus's queue
      concurrency: options.concurrency ?? 3,
      requestsPerMinute: options.requestsPerMinute === undefined ? 180 : options.requestsPerMinute,
      // the official example polls every 10 s; clips take one to a few minutes
      pollIntervalMs: options.pollIntervalMs ?? 10_000,
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      reconcileMethod: 'lookup',
      async reconcileStart(input) {
        if (!(input.model instanceof SeedanceVideoModel)) {
          return { status: 'unknown', reason: 'not a Seedance model of this provider' };
        }
        const model = input.model;
        return lookUpLostStart(() => model.findLostStart(input), {
          ms: options.reconcileSettleMs ?? 3000,
          sleep,
          ...(input.abortSignal ? { signal: input.abortSignal } : {}),
        });
      },
      actualCostUsd: (completed) => seedanceCostUsd(completed, price),
    },
    model: (modelId) => new SeedanceVideoModel(modelId, connection),
  };
}

/** The billed tokens of a finished task at the catalog's price; undefined when either is unknown. */
export function seedanceCostUsd(completed: CompletedStatus, price: TokenPrice): number | undefined {
  const result = completed.providerMetadata?.[BYTEPLUS_PROVIDER] as
    | Partial<SeedanceResult>
    | undefined;
  if (!result?.model || !result.resolution || typeof result.completionTokens !== 'number')
    return undefined;
  return tokenCostUsd(
    price,
    result.model,
    result.resolution,
    result.generateAudio === true,
    result.completionTokens,
  );
}
