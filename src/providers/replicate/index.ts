/**
 * The Replicate provider (predictions API). Token: `REPLICATE_API_TOKEN`, sent as
 * `Authorization: Bearer …`; host `https://api.replicate.com` unless overridden
 * (./credentials.ts).
 */
import { type AdapterOptions, connect } from '../adapter-kit.ts';
import { engineLimits, reconcileThroughModel } from '../provider-info.ts';
import type { Provider } from '../types.ts';
import { ReplicateImageModel } from './replicate-image-model.ts';
import { REPLICATE_PROVIDER, ReplicateVideoModel } from './replicate-video-model.ts';

export { ReplicateImageModel } from './replicate-image-model.ts';

export { REPLICATE_MODELS, type ReplicateInputs, replicateInputs } from './replicate-models.ts';
export {
  buildReplicateRequest,
  REPLICATE_PROVIDER,
  type ReplicateOperation,
  ReplicateVideoModel,
  videoUrlOf,
} from './replicate-video-model.ts';

export function createReplicateProvider(options: AdapterOptions = {}): Provider {
  const connection = connect(REPLICATE_PROVIDER, options, {
    headers: ({ apiKey }) => ({ authorization: `Bearer ${apiKey}` }),
  });
  return {
    info: {
      id: REPLICATE_PROVIDER,
      ...engineLimits(options, {
        // no per-account limit on predictions of public models in the sources (UNCONFIRMED);
        // busy models queue at Replicate
        concurrency: 8,
        // Replicate states 600 prediction creations a minute (more for reads); not in the
        // research files, so UNCONFIRMED here; polls count toward ours as well
        requestsPerMinute: 600,
        pollIntervalMs: 5000,
      }),
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      reconcileMethod: 'lookup',
      reconcileStart: reconcileThroughModel(options, ReplicateVideoModel, 'Replicate'),
    },
    model: (modelId) => new ReplicateVideoModel(modelId, connection),
    image: (modelId) => new ReplicateImageModel(modelId, connection),
  };
}
