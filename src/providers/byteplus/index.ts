/**
 * The BytePlus ModelArk provider (ByteDance Seedance, and Seedream stills). Key: `ARK_API_KEY` or `BYTEPLUS_API_KEY`;
 * host `https://ark.ap-southeast.bytepluses.com` unless overridden (./credentials.ts).
 */
import { type AdapterOptions, connect } from '../adapter-kit.ts';
import { engineLimits, reconcileThroughModel } from '../provider-info.ts';
import type { CompletedStatus, Provider } from '../types.ts';
import { catalogTokenPrice, type TokenPrice, tokenCostUsd } from './pricing.ts';
import {
  arkError,
  BYTEPLUS_PROVIDER,
  type SeedanceResult,
  SeedanceVideoModel,
} from './seedance-video-model.ts';
import { SeedreamImageModel } from './seedream-image-model.ts';

export { catalogTokenPrice, type TokenPrice } from './pricing.ts';
export { seedanceModel } from './seedance-models.ts';
export {
  arkError,
  BYTEPLUS_PROVIDER,
  type SeedanceOperation,
  SeedanceVideoModel,
} from './seedance-video-model.ts';
export { SeedreamImageModel } from './seedream-image-model.ts';

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
  return {
    info: {
      id: BYTEPLUS_PROVIDER,
      ...engineLimits(options, {
        // BytePlus model list (research §7): individual accounts run 3 tasks at once at 180 RPM,
        // enterprise ones 10 at 600 RPM; tasks beyond the concurrency wait in BytePlus's queue
        concurrency: 3,
        requestsPerMinute: 180,
        // the official example polls every 10 s; clips take one to a few minutes
        pollIntervalMs: 10_000,
      }),
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      reconcileMethod: 'lookup',
      reconcileStart: reconcileThroughModel(options, SeedanceVideoModel, 'Seedance'),
      actualCostUsd: (completed) => seedanceCostUsd(completed, price),
    },
    model: (modelId) => new SeedanceVideoModel(modelId, connection),
    image: (modelId) => new SeedreamImageModel(modelId, connection),
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
