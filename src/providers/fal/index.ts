/**
 * The fal provider (fal's queue API): Kling, Veo 3.1, Seedance, Wan 2.2, LTX-2 and Pika 2.2
 * through one table of per-model inputs (./fal-models.ts), and FLUX stills (./fal-image-model.ts). Key: `FAL_KEY`, sent as
 * `Authorization: Key …`; host `https://queue.fal.run` unless overridden (./credentials.ts).
 */
import { type AdapterOptions, connect } from '../adapter-kit.ts';
import { cannotReconcile, engineLimits } from '../provider-info.ts';
import type { Provider } from '../types.ts';
import { FalImageModel } from './fal-image-model.ts';
import { FAL_PROVIDER, FalVideoModel, falError } from './fal-video-model.ts';

export { FalImageModel } from './fal-image-model.ts';

export { FAL_FAMILIES, type FalFamily, type FalMode, falAppOf, falTarget } from './fal-models.ts';
export {
  buildFalRequest,
  FAL_PROVIDER,
  type FalOperation,
  FalVideoModel,
  falError,
} from './fal-video-model.ts';

export function createFalProvider(options: AdapterOptions = {}): Provider {
  const connection = connect(FAL_PROVIDER, options, {
    headers: ({ apiKey }) => ({ authorization: `Key ${apiKey}` }),
    mapError: falError,
  });
  return {
    info: {
      id: FAL_PROVIDER,
      ...engineLimits(options, {
        // fal sets concurrency by account tier and publishes no default (research §1,
        // UNCONFIRMED); its queue never drops requests, so a modest default only spreads the wait
        concurrency: 8,
        // no published request rate for the queue API (UNCONFIRMED); throttling answers 429
        requestsPerMinute: null,
        pollIntervalMs: 5000,
      }),
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      // no idempotency key and no request listing in fal's queue API
      ...cannotReconcile("fal's queue API cannot list requests or dedupe a resend"),
    },
    model: (modelId) => new FalVideoModel(modelId, connection),
    image: (modelId) => new FalImageModel(modelId, connection),
  };
}
