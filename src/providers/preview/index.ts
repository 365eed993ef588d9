/**
 * The preview provider: renders every shot locally (see ./preview-video-model.ts). Used by
 * `run --preview`, which routes as usual and sends every route here.
 */
import { availableParallelism } from 'node:os';
import type { Provider } from '../types.ts';
import { PreviewImageModel } from './preview-image-model.ts';
import { PREVIEW_PROVIDER, PreviewVideoModel, previewOperation } from './preview-video-model.ts';

export { PreviewImageModel } from './preview-image-model.ts';

export { PREVIEW_PROVIDER, PreviewVideoModel, previewOperation } from './preview-video-model.ts';

export function createPreviewProvider(options: { concurrency?: number } = {}): Provider {
  return {
    info: {
      id: PREVIEW_PROVIDER,
      // ffmpeg uses several cores per render; more at once only queues in the media layer
      concurrency: options.concurrency ?? Math.max(1, Math.min(8, availableParallelism())),
      requestsPerMinute: null,
      pollIntervalMs: 0,
      free: true,
      reconcileMethod: 'deterministic',
      async reconcileStart({ model, request }) {
        return { status: 'started', operation: previewOperation(request, model.modelId) };
      },
    },
    model: (modelId) => new PreviewVideoModel(modelId),
    image: (modelId) => new PreviewImageModel(modelId),
  };
}
