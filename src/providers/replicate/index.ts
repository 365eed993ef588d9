/**
 * The Replicate provider (predictions API). Token: `REPLICATE_API_TOKEN`, sent as
 * `Authorization: Bearer …`; host `https://api.replicate.com` unless overridden
 * (./credentials.ts).
 */
import { type AdapterOptions, connect, defaultSleep, lookUpLostStart } from '../adapter-kit.ts';
import type { Provider } from '../types.ts';
import { REPLICATE_PROVIDER, ReplicateVideoModel } from './replicate-video-model.ts';

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
  const sleep = options.sleep ?? defaultSleep;
  return {
    info: {
      id: REPLICATE_PROVIDER,
      // no per-account limit on predictions of public models in the sources (UNCONFIRMED);
      // busy models queue at Replicate
      concurrency: options.concurrency ?? 8,
      // Replicate states 600 prediction creations a minute (more for reads); not in the
      // research files, so UNCONFIRMED here; polls count toward ours as well
      requestsPerMinute: options.requestsPerMinute === undefined ? 600 : options.requestsPerMinute,
      pollIntervalMs: options.pollIntervalMs ?? 5000,
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      reconcileMethod: 'lookup',
      async reconcileStart(input) {
        if (!(input.model instanceof ReplicateVideoModel)) {
          return { status: 'unknown', reason: 'not a Replicate model of this provider' };
        }
        const model = input.model;
        return lookUpLostStart(() => model.findLostStart(input), {
          ms: options.reconcileSettleMs ?? 3000,
          sleep,
          ...(input.abortSignal ? { signal: input.abortSignal } : {}),
        });
      },
    },
    model: (modelId) => new ReplicateVideoModel(modelId, connection),
  };
}
