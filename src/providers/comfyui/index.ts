/**
 * The ComfyUI provider: open-weight models on the user's own ComfyUI server (`COMFYUI_URL`,
 * e.g. `http://127.0.0.1:8188`), one workflow template per model (./workflows/). The GPU runs
 * one prompt at a time, and nothing is paid per clip.
 */
import { z } from 'zod';
import { type AdapterOptions, connect } from '../adapter-kit.ts';
import { parseShape } from '../http.ts';
import { engineLimits, reconcileThroughModel } from '../provider-info.ts';
import type { Provider } from '../types.ts';
import { ComfyUiVideoModel, comfyError } from './comfyui-video-model.ts';
import { ComfyUiMessages } from './messages.ts';
import { BUILT_IN_WORKFLOWS, COMFYUI_PROVIDER } from './workflow.ts';

export {
  type ComfyUiOperation,
  ComfyUiVideoModel,
  comfyError,
  videoFileOf,
} from './comfyui-video-model.ts';
export { ComfyUiMessages } from './messages.ts';
export {
  BUILT_IN_WORKFLOWS,
  COMFYUI_PROVIDER,
  fillTemplate,
  frameCount,
  loadTemplate,
  parseTemplate,
  prune,
  type WorkflowParams,
  type WorkflowTemplate,
} from './workflow.ts';

export interface ComfyUiProviderOptions extends AdapterOptions {
  /** folders with the user's own templates (`<name>.json`), searched before the built-in ones */
  workflowFolders?: readonly string[];
}

export function createComfyUiProvider(options: ComfyUiProviderOptions = {}): Provider {
  const connection = connect(COMFYUI_PROVIDER, options, {
    // ComfyUI has no authentication of its own
    headers: () => ({}),
    mapError: comfyError,
  });
  const config = {
    connection,
    workflowFolders: [...(options.workflowFolders ?? []), BUILT_IN_WORKFLOWS],
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // one socket for every model of the provider: prompts are queued under its client id
    messages: new ComfyUiMessages(connection),
  };
  return {
    info: {
      id: COMFYUI_PROVIDER,
      ...engineLimits(options, {
        // one GPU runs one prompt at a time; more only wait in ComfyUI's queue
        concurrency: 1,
        requestsPerMinute: null,
        // local requests are cheap; clips take minutes
        pollIntervalMs: 2000,
      }),
      apiKeyEnv: connection.apiKeyEnv,
      free: true,
      // the key rides in each prompt's extra_data, which /queue and /history show
      reconcileMethod: 'lookup',
      reconcileStart: reconcileThroughModel(options, ComfyUiVideoModel, 'ComfyUI', {
        // /prompt queues before it answers; a short second look covers a request still validating
        settleMs: 1000,
      }),
    },
    model: (modelId) => new ComfyUiVideoModel(modelId, config),
    async warmUp(signal) {
      const reply = await connection.client().json('/system_stats', { signal });
      return serverText(
        parseShape(COMFYUI_PROVIDER, SystemStatsSchema, reply.body, 'system stats'),
      );
    },
  };
}

/** What `/system_stats` says of the server, as far as the log needs it. */
const SystemStatsSchema = z.looseObject({
  system: z.looseObject({ comfyui_version: z.string().nullish() }).nullish(),
  devices: z.array(z.looseObject({ name: z.string().nullish() })).nullish(),
});

function serverText(stats: z.infer<typeof SystemStatsSchema>): string {
  const version = stats.system?.comfyui_version;
  const devices = (stats.devices ?? []).map((d) => d.name).filter((n) => n);
  return [
    `ComfyUI ${version ?? '(version not given)'}`,
    devices.length > 0 ? `on ${devices.join(', ')}` : 'with no device listed',
  ].join(' ');
}
