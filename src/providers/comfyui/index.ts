/**
 * The ComfyUI provider: open-weight models on the user's own ComfyUI server (`COMFYUI_URL`,
 * e.g. `http://127.0.0.1:8188`), one workflow template per model (./workflows/). The GPU runs
 * one prompt at a time, and nothing is paid per clip.
 */
import { type AdapterOptions, connect } from '../adapter-kit.ts';
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
  };
}
