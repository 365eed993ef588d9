/**
 * BytePlus ModelArk's image generation API (Seedream) as an image model:
 * `POST /api/v3/images/generations` with `{model, prompt, size: "WIDTHxHEIGHT",
 * response_format: "url", watermark: false, sequential_image_generation: "disabled"}` answers
 * at once with `{data: [{url, size}], usage: {generated_images}}` (the URL is valid 24 hours).
 * The call is synchronous, so the start is the paid request itself; its operation carries the
 * image's URL and `status` hands it over. Moderation answers 400 with a
 * `…SensitiveContentDetected` code (./seedance-video-model.ts `arkError`).
 */
import type { JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import { ShotrouterError } from '../../errors.ts';
import { type Connection, signalOf, throwIfAborted } from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { parseShape } from '../http.ts';
import type { ImageCall, ImageModel, ImageStatus } from '../types.ts';
import { BYTEPLUS_PROVIDER } from './seedance-video-model.ts';

const GeneratedSchema = z.looseObject({
  data: z.array(z.looseObject({ url: z.string().min(1).nullish() })).min(1),
  usage: z.looseObject({ generated_images: z.number().nullish() }).nullish(),
});

interface SeedreamOperation {
  [key: string]: JSONValue;
  url: string;
}

export class SeedreamImageModel implements ImageModel {
  readonly provider = BYTEPLUS_PROVIDER;
  readonly modelId: string;
  readonly #connection: Connection;

  constructor(modelId: string, connection: Connection) {
    this.modelId = modelId;
    this.#connection = connection;
  }

  async start(call: ImageCall): Promise<{ operation: JSONValue }> {
    throwIfAborted(this.provider, call.abortSignal);
    const reply = await this.#connection.client().post(
      '/api/v3/images/generations',
      {
        model: this.modelId,
        prompt: call.prompt,
        size: `${call.width}x${call.height}`,
        response_format: 'url',
        watermark: false,
        sequential_image_generation: 'disabled',
      },
      signalOf(call.abortSignal),
    );
    const generated = parseShape(this.provider, GeneratedSchema, reply.body, 'image generation');
    const url = generated.data[0]?.url;
    if (!url) throw providerErrors.malformedResponse(this.provider, 'the reply has no image URL');
    const operation: SeedreamOperation = { url };
    return { operation };
  }

  async status(operation: JSONValue): Promise<ImageStatus> {
    const url = (operation as Partial<SeedreamOperation> | null)?.url;
    if (typeof url !== 'string') {
      throw new ShotrouterError(
        'internal',
        'byteplus: the stored operation is not a Seedream image',
      );
    }
    return { status: 'completed', image: { url } };
  }
}
