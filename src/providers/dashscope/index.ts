/**
 * The `dashscope` provider (Alibaba Cloud Model Studio, formerly DashScope: Wan video
 * synthesis). Key: `DASHSCOPE_API_KEY`; host `https://dashscope-intl.aliyuncs.com` (Singapore)
 * unless overridden (./credentials.ts; Beijing accounts set
 * `SHOTROUTER_DASHSCOPE_BASE_URL=https://dashscope.aliyuncs.com`).
 *
 * Limits (defaults; override through the options): Model Studio's video models allow a few
 * tasks at once per account; 2 at once and 60 requests a minute here (UNCONFIRMED,
 * conservative). Polls every 15 s (tasks take 1–5 minutes, by Alibaba's docs).
 *
 * Lost starts (`none`): the HTTP API takes no idempotency key and this adapter lists no tasks,
 * so a start whose reply was lost is `unknown`.
 */
import { type AdapterOptions, connect } from '../adapter-kit.ts';
import { cannotReconcile, engineLimits } from '../provider-info.ts';
import type { Provider } from '../types.ts';
import { DASHSCOPE_PROVIDER, mapDashScopeError, WanVideoModel } from './wan-video-model.ts';

export {
  DASHSCOPE_PROVIDER,
  mapDashScopeError,
  type WanOperation,
  WanVideoModel,
  wanModel,
} from './wan-video-model.ts';

export function createDashScopeProvider(options: AdapterOptions = {}): Provider {
  const connection = connect(DASHSCOPE_PROVIDER, options, {
    headers: ({ apiKey }) => ({ authorization: `Bearer ${apiKey}` }),
    mapError: mapDashScopeError,
  });
  return {
    info: {
      id: DASHSCOPE_PROVIDER,
      ...engineLimits(options, { concurrency: 2, requestsPerMinute: 60, pollIntervalMs: 15_000 }),
      apiKeyEnv: connection.apiKeyEnv,
      free: false,
      ...cannotReconcile('Model Studio takes no idempotency key to find a lost start by'),
    },
    model: (modelId) => new WanVideoModel(modelId, connection),
  };
}
