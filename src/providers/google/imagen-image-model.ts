/**
 * Imagen on the Gemini API as an image model: `POST /v1beta/models/{model}:predict` with
 * `{instances: [{prompt}], parameters: {sampleCount: 1, aspectRatio}}` answers at once with
 * `{predictions: [{bytesBase64Encoded, mimeType}]}`; an image the safety filters removed is
 * missing from `predictions`. Imagen takes an aspect ratio, not a size (1:1, 3:4, 4:3, 9:16,
 * 16:9): the nearest to the size asked is sent, and the video model fits the still to its frame.
 *
 * The call is synchronous and the image comes inline, so the start is the paid request and the
 * bytes wait in memory for `status`; a process that stops between the two has paid for an image
 * it no longer has (`status` then says so and the engine counts it as spent).
 */
import { randomUUID } from 'node:crypto';
import type { JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import { type Connection, nearestRatio, signalOf, throwIfAborted } from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { parseShape } from '../http.ts';
import type { ImageCall, ImageModel, ImageStatus } from '../types.ts';

const PredictedSchema = z.looseObject({
  predictions: z
    .array(
      z.looseObject({
        bytesBase64Encoded: z.string().min(1).nullish(),
        mimeType: z.string().nullish(),
      }),
    )
    .nullish(),
});

const RATIOS = ['1:1', '3:4', '4:3', '9:16', '16:9'] as const;

/** Imagen's aspect ratio nearest to `width`×`height`. */
export function imagenRatio(width: number, height: number): string {
  return nearestRatio(width / height, RATIOS);
}

export class ImagenImageModel implements ImageModel {
  // the Gemini API's provider id (./google-provider.ts imports this file)
  readonly provider = 'google';
  readonly modelId: string;
  readonly #connection: Connection;
  readonly #made = new Map<string, { data: Uint8Array; mediaType: string }>();

  constructor(modelId: string, connection: Connection) {
    this.modelId = modelId;
    this.#connection = connection;
  }

  async start(call: ImageCall): Promise<{ operation: JSONValue }> {
    throwIfAborted(this.provider, call.abortSignal);
    const reply = await this.#connection.client().post(
      `/v1beta/models/${encodeURIComponent(this.modelId)}:predict`,
      {
        instances: [{ prompt: call.prompt }],
        parameters: { sampleCount: 1, aspectRatio: imagenRatio(call.width, call.height) },
      },
      signalOf(call.abortSignal),
    );
    const predicted = parseShape(this.provider, PredictedSchema, reply.body, 'prediction');
    const image = predicted.predictions?.find((p) => p.bytesBase64Encoded);
    if (!image?.bytesBase64Encoded) {
      throw providerErrors.contentRefused(this.provider, 'the safety filters removed the image');
    }
    const id = randomUUID();
    this.#made.set(id, {
      data: new Uint8Array(Buffer.from(image.bytesBase64Encoded, 'base64')),
      mediaType: image.mimeType ?? 'image/png',
    });
    return { operation: { id } };
  }

  async status(operation: JSONValue): Promise<ImageStatus> {
    const id = (operation as { id?: unknown } | null)?.id;
    const made = typeof id === 'string' ? this.#made.get(id) : undefined;
    if (!made) {
      throw providerErrors.malformedResponse(
        this.provider,
        'the image came inline in a reply this process no longer holds',
      );
    }
    this.#made.delete(id as string);
    return { status: 'completed', image: made };
  }
}
