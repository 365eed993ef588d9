/**
 * The `google` provider: Veo on the Gemini API (generativelanguage.googleapis.com).
 *
 * - start: `POST /v1beta/models/{model}:predictLongRunning` with `x-goog-api-key`;
 * - poll: `GET /v1beta/{operation name}` until `done`;
 * - result: `response.generateVideoResponse.generatedSamples[].video.uri`, a file that needs
 *   the API key: it is downloaded here with the key in a header (never in the URL, which the
 *   engine might show) and returned as bytes.
 *
 * Limits (defaults; override through the options): 4 operations at once (UNCONFIRMED: Google
 * publishes per-tier Veo quotas as requests per minute/day of generation only); no request
 * rate limit here, since those quotas count generations, not polls, and the engine's limiter
 * counts both (a 429 RESOURCE_EXHAUSTED still backs off as Retry-After or RetryInfo says);
 * polls every 10 s, as Google's samples do.
 *
 * Lost starts (`none`): the Gemini API keeps no idempotency keys and cannot list a model's
 * operations, so a start whose reply was lost cannot be found again: `unknown`.
 *
 * Cost: the API reports none; the plan's list price stands.
 *
 * Gemini Omni Flash (`gemini-omni-…` ids) goes through the Interactions API instead
 * (./omni-video-model.ts): `/v1beta/interactions`, same key, its video a Files API URI.
 */
import type { Experimental_VideoModelV4VideoData as VideoData } from '@ai-sdk/provider';
import { z } from 'zod';
import { type AdapterOptions, type ClientSetup, connect, signalOf } from '../adapter-kit.ts';
import { parseShape } from '../http.ts';
import { cannotReconcile, engineLimits } from '../provider-info.ts';
import type { Provider } from '../types.ts';
import { ImagenImageModel } from './imagen-image-model.ts';
import { isOmniModel, type OmniSurface, OmniVideoModel } from './omni-video-model.ts';
import { filteredBySafety, mapGoogleError } from './veo.ts';
import {
  type VeoOperation,
  type VeoResult,
  type VeoSurfaceConfig,
  VeoVideoModel,
} from './veo-video-model.ts';

export const GOOGLE_PROVIDER = 'google';

const geminiResultSchema = z.object({
  generateVideoResponse: z
    .object({
      generatedSamples: z
        .array(
          z.object({ video: z.object({ uri: z.string().min(1), mimeType: z.string().nullish() }) }),
        )
        .nullish(),
    })
    .nullish(),
});

/** Key: GEMINI_API_KEY, GOOGLE_API_KEY or GOOGLE_GENERATIVE_AI_API_KEY (./credentials.ts). */
/** The Gemini API's key header and error replies, for every model on it (Veo, Omni, judges). */
export const GOOGLE_CLIENT: ClientSetup = {
  headers: ({ apiKey }) => ({ 'x-goog-api-key': apiKey! }),
  mapError: mapGoogleError,
};

export function createGoogleProvider(options: AdapterOptions = {}): Provider {
  const connection = connect(GOOGLE_PROVIDER, options, GOOGLE_CLIENT);
  const apiKeyEnv = connection.apiKeyEnv;

  async function result(
    response: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<VeoResult> {
    const inner = parseShape(
      GOOGLE_PROVIDER,
      geminiResultSchema,
      response,
      'finished operation',
    ).generateVideoResponse;
    const videos: VideoData[] = [];
    for (const sample of inner?.generatedSamples ?? []) {
      // the key goes in a header (same origin only), never into a URL handed to the engine
      const file = await connection.client().downloadBytes(sample.video.uri, { signal });
      videos.push({
        type: 'binary',
        data: file.data,
        mediaType: videoType(sample.video.mimeType ?? file.mediaType),
      });
    }
    // on this surface the safety counts sit inside generateVideoResponse
    return {
      videos,
      filtered: filteredBySafety((response.generateVideoResponse ?? {}) as Record<string, unknown>),
    };
  }

  const config: VeoSurfaceConfig = {
    surface: GOOGLE_PROVIDER,
    connection,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    startPath: (modelId) => `/v1beta/models/${encodeURIComponent(modelId)}:predictLongRunning`,
    // the name is a relative resource path (`models/…/operations/…`)
    poll: (operation: VeoOperation, signal) =>
      connection.client().get(`/v1beta/${operation.name}`, { signal }),
    result,
  };

  const omni: OmniSurface = {
    surface: GOOGLE_PROVIDER,
    connection,
    interactionsPath: () => '/v1beta/interactions',
    async download(uri, signal) {
      // a Files API URI, read with the key in a header like Veo's
      const file = await connection.client().downloadBytes(uri, signalOf(signal));
      return { type: 'binary', data: file.data, mediaType: videoType(file.mediaType) };
    },
  };

  return {
    info: {
      id: GOOGLE_PROVIDER,
      ...engineLimits(options, { concurrency: 4, requestsPerMinute: null, pollIntervalMs: 10_000 }),
      apiKeyEnv,
      free: false,
      ...cannotReconcile('the Gemini API keeps no idempotency keys and cannot list Veo operations'),
    },
    model: (modelId) =>
      isOmniModel(modelId) ? new OmniVideoModel(modelId, omni) : new VeoVideoModel(modelId, config),
    image: (modelId) => new ImagenImageModel(modelId, connection),
  };
}

export function videoType(type: string | undefined): string {
  return type?.startsWith('video/') ? type : 'video/mp4';
}
