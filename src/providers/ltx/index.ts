/**
 * The `ltx` provider (the LTX API by Lightricks: LTX-2, 2.3 and 2.5, fast and pro). Key:
 * `LTX_API_KEY`; host `https://api.ltx.video` unless overridden (./credentials.ts).
 *
 * Limits (defaults; override through the options): 2 jobs at once and 30 requests a minute
 * (UNCONFIRMED: the API documents rate limits without figures); polls every 5 s, as LTX's async
 * guide asks.
 *
 * Lost starts (`none`): the async API takes no idempotency key and lists no jobs: `unknown`.
 */
import { type AdapterOptions, connect } from '../adapter-kit.ts';
import { cannotReconcile, engineLimits } from '../provider-info.ts';
import type { Provider } from '../types.ts';
import { LTX_PROVIDER, LtxVideoModel, mapLtxError } from './ltx-video-model.ts';

export {
  LTX_PROVIDER,
  type LtxOperation,
  LtxVideoModel,
  ltxModel,
  mapLtxError,
} from './ltx-video-model.ts';

export function createLtxProvider(options: AdapterOptions = {}): Provider {
  const connection = connect(LTX_PROVIDER, options, {
    headers: ({ apiKey }) => ({ authorization: `Bearer ${apiKey}` }),
    mapError: mapLtxError,
  });
  return {
    info: {
      id: LTX_PROVIDER,
      ...engineLimits(options, { concurrency: 2, requestsPerMinute: 30, pollIntervalMs: 5000 }),
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      ...cannotReconcile('the LTX API takes no idempotency key and lists no jobs'),
    },
    model: (modelId) => new LtxVideoModel(modelId, connection),
  };
}
