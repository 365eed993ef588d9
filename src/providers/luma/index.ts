/**
 * The Luma provider: Ray 2 on the Dream Machine API and the Ray 3 family (`ray-3.2`) on the
 * Agents API. Key: `LUMAAI_API_KEY` for both (Luma's Agents SDK calls its variable
 * `LUMA_AGENTS_API_KEY`; whether one key serves both APIs is not documented). Hosts:
 * `https://api.lumalabs.ai` (overridable, ./credentials.ts) and `https://agents.lumalabs.ai/v1`,
 * which follows an override as `<base>/agents/v1` unless `agentsBaseUrl` says otherwise.
 */

import { type AdapterOptions, connect } from '../adapter-kit.ts';
import type { ProviderCredentials } from '../credentials.ts';
import { engineLimits, reconcileThroughModel } from '../provider-info.ts';
import type { Provider } from '../types.ts';
import { LUMA_PROVIDER } from './luma-api.ts';
import { LumaVideoModel } from './luma-video-model.ts';

export { buildLumaRequest, LUMA_PROVIDER, lumaApiOf, lumaModelFacts } from './luma-api.ts';
export { type LumaOperation, LumaVideoModel } from './luma-video-model.ts';

const DEFAULT_HOST = 'https://api.lumalabs.ai';
const DEFAULT_AGENTS = 'https://agents.lumalabs.ai/v1';

export interface LumaProviderOptions extends AdapterOptions {
  /** base URL of the Agents API (with its `/v1`) */
  agentsBaseUrl?: string;
}

export function createLumaProvider(options: LumaProviderOptions = {}): Provider {
  const headers = ({ apiKey }: Record<string, string>) => ({ authorization: `Bearer ${apiKey}` });
  const agentsBase = (credentials: ProviderCredentials) =>
    options.agentsBaseUrl ??
    (credentials.baseUrl === DEFAULT_HOST ? DEFAULT_AGENTS : `${credentials.baseUrl}/agents/v1`);
  const connections = {
    'dream-machine': connect(LUMA_PROVIDER, options, { headers }),
    agents: connect(LUMA_PROVIDER, options, { headers, baseUrl: agentsBase }),
  };
  return {
    info: {
      id: LUMA_PROVIDER,
      ...engineLimits(options, {
        // Luma publishes no concurrency or rate limits for either API (research §6, UNCONFIRMED);
        // modest defaults, override when your account allows more
        concurrency: 4,
        requestsPerMinute: 60,
        // a clip takes one to a few minutes
        pollIntervalMs: 5000,
      }),
      apiKeyEnv: connections['dream-machine'].apiKeyEnv,
      free: false,
      // Dream Machine: by request echo in the recent list; Agents API: no list, so `unknown`
      reconcileMethod: 'lookup',
      reconcileStart: reconcileThroughModel(options, LumaVideoModel, 'Luma', {
        cannotLookUp: (model) =>
          model.api === 'agents' ? "Luma's Agents API cannot list generations" : undefined,
      }),
    },
    model: (modelId) => new LumaVideoModel(modelId, connections),
  };
}
