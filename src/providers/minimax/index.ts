/**
 * The `minimax` provider (MiniMax's video generation API: Hailuo and H3). Key: `MINIMAX_API_KEY`;
 * host `https://api.minimax.io` unless overridden (./credentials.ts; mainland-China accounts set
 * `SHOTROUTER_MINIMAX_BASE_URL=https://api.minimaxi.com`).
 *
 * Limits (defaults; override through the options): MiniMax publishes per-account RPM limits
 * only in its console, so 5 tasks at once and 20 requests a minute (UNCONFIRMED, conservative);
 * polls every 10 s (MiniMax's examples wait 10 s between queries).
 *
 * Lost starts (`none`): MiniMax takes no idempotency key and no seed, so a start whose reply was
 * lost cannot be told apart from another: `unknown`.
 */
import { type AdapterOptions, connect } from '../adapter-kit.ts';
import { cannotReconcile, engineLimits } from '../provider-info.ts';
import type { Provider } from '../types.ts';
import { MINIMAX_PROVIDER, MiniMaxVideoModel, mapMiniMaxError } from './minimax-video-model.ts';

export { buildMiniMaxSpeechRequest, callMiniMaxSpeech } from './minimax-speech.ts';
export {
  baseRespError,
  MINIMAX_PROVIDER,
  type MiniMaxOperation,
  MiniMaxVideoModel,
  mapMiniMaxError,
  minimaxModel,
} from './minimax-video-model.ts';

/** MiniMax's bearer key and error replies, for every model on it (video, speech). */
export const MINIMAX_CLIENT = {
  headers: ({ apiKey }: Record<string, string>) => ({ authorization: `Bearer ${apiKey}` }),
  mapError: mapMiniMaxError,
};

export function createMiniMaxProvider(options: AdapterOptions = {}): Provider {
  const connection = connect(MINIMAX_PROVIDER, options, MINIMAX_CLIENT);
  return {
    info: {
      id: MINIMAX_PROVIDER,
      ...engineLimits(options, { concurrency: 5, requestsPerMinute: 20, pollIntervalMs: 10_000 }),
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      ...cannotReconcile('MiniMax takes no idempotency key or seed to find a lost start by'),
    },
    model: (modelId) => new MiniMaxVideoModel(modelId, connection),
  };
}
