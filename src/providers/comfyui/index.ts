/**
 * The ComfyUI provider: open-weight models on the user's own ComfyUI server (`COMFYUI_URL`,
 * e.g. `http://127.0.0.1:8188`), one workflow template per model (./workflows/). The GPU runs
 * one prompt at a time, and nothing is paid per clip.
 */
import { type AdapterOptions, connect, defaultSleep, lookUpLostStart } from '../adapter-kit.ts';
import type { Provider } from '../types.ts';
import { ComfyUiVideoModel, comfyError } from './comfyui-video-model.ts';
import { BUILT_IN_WORKFLOWS, COMFYUI_PROVIDER } from './workflow.ts';

export {
  type ComfyUiOperation,
  ComfyUiVideoModel,
  comfyError,
  videoFileOf,
} from './comfyui-video-model.ts';
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
  };
  const sleep = options.sleep ?? defaultSleep;
  return {
    info: {
      id: COMFYUI_PROVIDER,
      // one GPU runs one prompt at a time; more only wait in ComfyUI's queue
      concurrency: options.concurrency ?? 1,
      requestsPerMinute: options.requestsPerMinute === undefined ? null : options.requestsPerMinute,
      // local requests are cheap; clips take minutes
      pollIntervalMs: options.pollIntervalMs ?? 2000,
      apiKeyEnv: connection.apiKeyEnv,
      free: true,
      // the key rides in each prompt's extra_data, which /queue and /history show
      reconcileMethod: 'lookup',
      async reconcileStart(input) {
        if (!(input.model instanceof ComfyUiVideoModel)) {
          return { status: 'unknown', reason: 'not a ComfyUI model of this provider' };
        }
        const model = input.model;
        return lookUpLostStart(() => model.findLostStart(input), {
          // /prompt queues before it answers; a short second look covers a request still validating
          ms: options.reconcileSettleMs ?? 1000,
          sleep,
          ...(input.abortSignal ? { signal: input.abortSignal } : {}),
        });
      },
    },
    model: (modelId) => new ComfyUiVideoModel(modelId, config),
  };
}
