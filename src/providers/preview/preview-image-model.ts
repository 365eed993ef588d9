/**
 * The preview's image model: a labelled placeholder still (media/preview.ts `renderStill`)
 * for every still of `images:`, drawn locally with the image's name, the model it stands in
 * for and its prompt. No network, no spend; the operation is the request itself.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JSONValue } from '@ai-sdk/provider';
import { renderStill } from '../../media/index.ts';
import { providerErrors } from '../errors.ts';
import type { ImageCall, ImageModel, ImageStatus } from '../types.ts';
import { PREVIEW_PROVIDER } from './preview-video-model.ts';

interface StillOperation {
  [key: string]: JSONValue;
  prompt: string;
  width: number;
  height: number;
  name: string;
  model: string;
}

export class PreviewImageModel implements ImageModel {
  readonly provider = PREVIEW_PROVIDER;
  readonly modelId: string;

  constructor(modelId: string) {
    this.modelId = modelId;
  }

  async start(call: ImageCall): Promise<{ operation: JSONValue }> {
    if (!(call.width > 0 && call.height > 0))
      throw providerErrors.invalidRequest(PREVIEW_PROVIDER, 'a still needs a positive size');
    const operation: StillOperation = {
      prompt: call.prompt,
      width: call.width,
      height: call.height,
      name: call.label?.name ?? 'still',
      model: call.label?.model ?? this.modelId,
    };
    return { operation };
  }

  async status(operation: JSONValue, abortSignal?: AbortSignal): Promise<ImageStatus> {
    const op = operation as StillOperation;
    const dir = await mkdtemp(path.join(tmpdir(), 'shotrouter-still-'));
    try {
      const output = path.join(dir, 'still.png');
      await renderStill({
        output,
        width: op.width,
        height: op.height,
        label: { name: op.name, model: op.model, prompt: op.prompt },
        ...(abortSignal ? { signal: abortSignal } : {}),
      });
      const data = new Uint8Array(await readFile(output));
      return { status: 'completed', image: { data, mediaType: 'image/png' }, costUsd: 0 };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
