/**
 * Replicate's predictions API for images (FLUX schnell and other official text-to-image models):
 * `POST /v1/models/{owner}/{name}/predictions` with `{input: {prompt, aspect_ratio,
 * output_format: "png", num_outputs: 1}}`; `GET /v1/predictions/{id}` until `succeeded`, whose
 * `output` is a list of image URLs (valid one hour). FLUX on Replicate takes an aspect ratio,
 * not a size: the nearest one to the size asked is sent.
 */
import type { JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import { ShotrouterError } from '../../errors.ts';
import { type Connection, nearestRatio, signalOf, throwIfAborted } from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { parseShape } from '../http.ts';
import type { ImageCall, ImageModel, ImageStatus } from '../types.ts';
import { REPLICATE_PROVIDER } from './replicate-video-model.ts';

/** FLUX's aspect ratios on Replicate. */
const RATIOS = [
  '1:1',
  '16:9',
  '21:9',
  '3:2',
  '2:3',
  '4:5',
  '5:4',
  '3:4',
  '4:3',
  '9:16',
  '9:21',
] as const;

const PredictionSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  output: z.union([z.array(z.string()), z.string()]).nullish(),
  error: z.string().nullish(),
});

export class ReplicateImageModel implements ImageModel {
  readonly provider = REPLICATE_PROVIDER;
  readonly modelId: string;
  readonly #connection: Connection;

  constructor(modelId: string, connection: Connection) {
    this.modelId = modelId;
    this.#connection = connection;
  }

  async start(call: ImageCall): Promise<{ operation: JSONValue }> {
    throwIfAborted(this.provider, call.abortSignal);
    const reply = await this.#connection.client().post(
      `/v1/models/${this.modelId}/predictions`,
      {
        input: {
          prompt: call.prompt,
          aspect_ratio: nearestRatio(call.width / call.height, RATIOS),
          output_format: 'png',
          num_outputs: 1,
        },
      },
      signalOf(call.abortSignal),
    );
    const prediction = parseShape(this.provider, PredictionSchema, reply.body, 'prediction');
    return { operation: { predictionId: prediction.id } };
  }

  async status(operation: JSONValue, abortSignal?: AbortSignal): Promise<ImageStatus> {
    const id = (operation as { predictionId?: unknown } | null)?.predictionId;
    if (typeof id !== 'string')
      throw new ShotrouterError('internal', 'replicate: the stored operation is not a prediction');
    const reply = await this.#connection
      .client()
      .get(`/v1/predictions/${encodeURIComponent(id)}`, signalOf(abortSignal));
    const prediction = parseShape(this.provider, PredictionSchema, reply.body, 'prediction');
    if (prediction.status === 'starting' || prediction.status === 'processing')
      return { status: 'pending' };
    if (prediction.status === 'succeeded') {
      const url = Array.isArray(prediction.output) ? prediction.output[0] : prediction.output;
      if (!url)
        throw providerErrors.malformedResponse(this.provider, `prediction ${id} has no output`);
      return { status: 'completed', image: { url } };
    }
    const message = prediction.error ?? `prediction ${id} ended ${prediction.status}`;
    return {
      status: 'error',
      code: /\(E005\)|sensitive|NSFW/i.test(message) ? 'content_refused' : 'server_error',
      message: `prediction ${id}: ${message}`,
    };
  }
}
