/**
 * fal's queue API for images (FLUX and the other text-to-image endpoints), the same queue as
 * video (./fal-video-model.ts): `POST https://queue.fal.run/{endpoint}` with
 * `{prompt, image_size: {width, height}, num_images: 1, output_format: "png"}` → `{request_id}`;
 * the status and result URLs under `{app}`; the result is `{images: [{url, width, height,
 * content_type}], has_nsfw_concepts: [bool]}`. A flagged image comes back black with
 * `has_nsfw_concepts: [true]`: that is a refusal, not an image.
 */
import type { JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import { ShotrouterError } from '../../errors.ts';
import { type Connection, signalOf, throwIfAborted } from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { parseShape } from '../http.ts';
import type { ImageCall, ImageModel, ImageStatus } from '../types.ts';
import { falAppOf } from './fal-models.ts';
import { FAL_PROVIDER } from './fal-video-model.ts';

const SubmittedSchema = z.looseObject({ request_id: z.string().min(1) });
const StatusSchema = z.looseObject({
  status: z.string(),
  error: z.string().nullish(),
  error_type: z.string().nullish(),
});
const ResultSchema = z.looseObject({
  images: z
    .array(z.looseObject({ url: z.string().min(1), content_type: z.string().nullish() }))
    .min(1),
  has_nsfw_concepts: z.array(z.boolean()).nullish(),
});

interface FalImageOperation {
  [key: string]: JSONValue;
  requestId: string;
  app: string;
  endpoint: string;
}

export class FalImageModel implements ImageModel {
  readonly provider = FAL_PROVIDER;
  readonly modelId: string;
  readonly #connection: Connection;

  constructor(modelId: string, connection: Connection) {
    this.modelId = modelId;
    this.#connection = connection;
  }

  async start(call: ImageCall): Promise<{ operation: JSONValue }> {
    throwIfAborted(this.provider, call.abortSignal);
    const body = {
      prompt: call.prompt,
      image_size: { width: call.width, height: call.height },
      num_images: 1,
      output_format: 'png',
      enable_safety_checker: true,
    };
    const reply = await this.#connection
      .client()
      .post(`/${this.modelId}`, body, signalOf(call.abortSignal));
    const { request_id: requestId } = parseShape(
      this.provider,
      SubmittedSchema,
      reply.body,
      'queue submission',
    );
    const operation: FalImageOperation = {
      requestId,
      app: falAppOf(this.modelId),
      endpoint: this.modelId,
    };
    return { operation };
  }

  async status(operation: JSONValue, abortSignal?: AbortSignal): Promise<ImageStatus> {
    const op = operationOf(operation);
    const base = `/${op.app}/requests/${encodeURIComponent(op.requestId)}`;
    const client = this.#connection.client();
    const reply = await client.get(`${base}/status`, signalOf(abortSignal));
    const status = parseShape(this.provider, StatusSchema, reply.body, 'queue status');
    if (status.status === 'IN_QUEUE' || status.status === 'IN_PROGRESS')
      return { status: 'pending' };
    if (status.status !== 'COMPLETED') {
      throw providerErrors.malformedResponse(
        this.provider,
        `unknown queue status ${JSON.stringify(status.status)}`,
      );
    }
    if (status.error) {
      const refused = /content_policy/.test(`${status.error_type ?? ''} ${status.error}`);
      return {
        status: 'error',
        code: refused ? 'content_refused' : 'server_error',
        message: `request ${op.requestId} failed: ${status.error}`,
      };
    }
    let result: { body: unknown };
    try {
      result = await client.get(base, signalOf(abortSignal));
    } catch (error) {
      if (
        ShotrouterError.is(error) &&
        (error.code === 'content_refused' || error.code === 'invalid_request')
      ) {
        return { status: 'error', code: error.code, message: error.message };
      }
      throw error;
    }
    const output = parseShape(this.provider, ResultSchema, result.body, 'request result');
    if (output.has_nsfw_concepts?.[0] === true) {
      return {
        status: 'error',
        code: 'content_refused',
        message: `request ${op.requestId}: the safety checker flagged the image`,
      };
    }
    return { status: 'completed', image: { url: output.images[0]!.url } };
  }
}

function operationOf(operation: JSONValue): FalImageOperation {
  const op = operation as Partial<FalImageOperation> | null;
  if (
    typeof op?.requestId !== 'string' ||
    typeof op.app !== 'string' ||
    typeof op.endpoint !== 'string'
  ) {
    throw new ShotrouterError('internal', 'fal: the stored operation is not a fal image request');
  }
  return op as FalImageOperation;
}
