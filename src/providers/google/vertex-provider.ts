/**
 * The `vertex` provider: Veo on Vertex AI ("Gemini Enterprise Agent Platform").
 *
 * - start: `POST /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:predictLongRunning`
 *   with `Authorization: Bearer <OAuth access token>`;
 * - poll: `POST …/models/{model}:fetchPredictOperation` with `{operationName}` (not a GET of
 *   the name, as on the Gemini API);
 * - result: `response.videos[]`, each inline `bytesBase64Encoded` (returned as base64) or a
 *   `gcsUri` when `providerOptions.vertex.storageUri` was set (downloaded here through the
 *   Cloud Storage JSON API with the same token, returned as bytes).
 * - unlike the Gemini API it takes `generateAudio`, `seed`, `gs://` inputs and video bytes to
 *   extend (see ./veo.ts).
 *
 * Access tokens last about an hour and are read when the provider is made: a poll with an
 * expired token fails as `authentication`; resume the run with a fresh token (the operation
 * handles are stored, so nothing is generated twice).
 *
 * Limits (defaults; override through the options): 10 operations at once per project and 50
 * generation requests a minute for GA Veo 3.1 are third-party figures (UNCONFIRMED; the
 * official Veo 3.0 page says 10 a minute). The engine's limiter counts polls too, so no rate
 * is set here and 429 RESOURCE_EXHAUSTED backs off as told. Polls every 10 s.
 *
 * Lost starts (`none`): no idempotency keys and no way to list a model's operations:
 * `unknown`. Cost: not reported; the plan's list price stands.
 *
 * Gemini Omni Flash (`gemini-omni-…` ids) goes through the Interactions API instead
 * (./omni-video-model.ts): `/v1beta1/projects/{p}/locations/{l}/interactions`, the video
 * inline or a `gs://` URI read like Veo's.
 */
import type { Experimental_VideoModelV4VideoData as VideoData } from '@ai-sdk/provider';
import { z } from 'zod';
import { type AdapterOptions, connect } from '../adapter-kit.ts';
import { credentialsFor } from '../credentials.ts';
import { providerErrors } from '../errors.ts';
import { parseShape } from '../http.ts';
import { cannotReconcile, engineLimits } from '../provider-info.ts';
import type { Provider } from '../types.ts';
import { videoType } from './google-provider.ts';
import { isOmniModel, type OmniSurface, OmniVideoModel } from './omni-video-model.ts';
import { filteredBySafety, mapGoogleError } from './veo.ts';
import {
  type VeoOperation,
  type VeoResult,
  type VeoSurfaceConfig,
  VeoVideoModel,
} from './veo-video-model.ts';

export const VERTEX_PROVIDER = 'vertex';
export const VERTEX_STORAGE_BASE_URL = 'https://storage.googleapis.com';

export interface VertexProviderOptions extends AdapterOptions {
  /**
   * Host of the Cloud Storage JSON API, for `gcsUri` outputs. Default: the sandbox's `/vertex`
   * prefix when pointed at the sandbox, else `SHOTROUTER_VERTEX_STORAGE_BASE_URL`, else
   * https://storage.googleapis.com.
   */
  storageBaseUrl?: string;
}

const vertexResultSchema = z.object({
  videos: z
    .array(
      z.object({
        bytesBase64Encoded: z.string().nullish(),
        gcsUri: z.string().nullish(),
        mimeType: z.string().nullish(),
      }),
    )
    .nullish(),
});

/**
 * Project GOOGLE_VERTEX_PROJECT, location GOOGLE_VERTEX_LOCATION (default us-central1), token
 * GOOGLE_VERTEX_ACCESS_TOKEN (./credentials.ts).
 */
export function createVertexProvider(options: VertexProviderOptions = {}): Provider {
  const env = options.env ?? process.env;
  const credentials =
    options.credentials === undefined ? credentialsFor(VERTEX_PROVIDER, env) : options.credentials;
  const connection = connect(
    VERTEX_PROVIDER,
    { ...options, credentials },
    {
      headers: ({ accessToken }) => ({ authorization: `Bearer ${accessToken}` }),
      mapError: mapGoogleError,
    },
  );
  const apiKeyEnv = connection.apiKeyEnv;
  const storage = (
    options.storageBaseUrl ??
    (credentials?.sandbox ? credentials.baseUrl : undefined) ??
    (env.SHOTROUTER_VERTEX_STORAGE_BASE_URL?.trim() || VERTEX_STORAGE_BASE_URL)
  ).replace(/\/+$/, '');
  const modelPath = (modelId: string) => {
    const { project = '', location = '' } = credentials?.values ?? {};
    return `projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models/${encodeURIComponent(modelId)}`;
  };

  async function result(
    response: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<VeoResult> {
    const parsed = parseShape(VERTEX_PROVIDER, vertexResultSchema, response, 'finished operation');
    const out: VideoData[] = [];
    for (const video of parsed.videos ?? []) {
      const mediaType = videoType(video.mimeType ?? undefined);
      if (video.bytesBase64Encoded) {
        out.push({ type: 'base64', data: video.bytesBase64Encoded, mediaType });
        continue;
      }
      if (!video.gcsUri?.startsWith('gs://')) continue;
      out.push({ ...(await gcsObject(video.gcsUri, signal)), mediaType });
    }
    return { videos: out, filtered: filteredBySafety(response) };
  }

  /** A `gs://bucket/object` output, read through the Cloud Storage JSON API. */
  async function gcsObject(gcsUri: string, signal: AbortSignal | undefined) {
    const gcs = /^gs:\/\/([^/]+)\/(.+)$/.exec(gcsUri);
    if (!gcs) throw providerErrors.malformedResponse(VERTEX_PROVIDER, `not a gs:// URI: ${gcsUri}`);
    const url = `${storage}/storage/v1/b/${encodeURIComponent(gcs[1]!)}/o/${encodeURIComponent(gcs[2]!)}?alt=media`;
    // the bucket is the caller's own; the same OAuth token reads it
    const file = await connection.client().downloadBytes(url, { signal, auth: 'always' });
    return { type: 'binary' as const, data: file.data, mediaType: videoType(file.mediaType) };
  }

  const omni: OmniSurface = {
    surface: VERTEX_PROVIDER,
    connection,
    interactionsPath: () => {
      const { project = '', location = '' } = credentials?.values ?? {};
      return `/v1beta1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/interactions`;
    },
    download: (uri, signal) => gcsObject(uri, signal),
  };

  const config: VeoSurfaceConfig = {
    surface: VERTEX_PROVIDER,
    connection,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    startPath: (modelId) => `/v1/${modelPath(modelId)}:predictLongRunning`,
    poll(operation: VeoOperation, signal) {
      // the name is `{model resource}/operations/{id}`; poll through that model resource
      const cut = operation.name.indexOf('/operations/');
      const resource = cut > 0 ? operation.name.slice(0, cut) : modelPath(operation.model);
      return connection
        .client()
        .post(
          `/v1/${resource}:fetchPredictOperation`,
          { operationName: operation.name },
          { signal },
        );
    },
    result,
  };

  return {
    info: {
      id: VERTEX_PROVIDER,
      ...engineLimits(options, {
        concurrency: 10,
        requestsPerMinute: null,
        pollIntervalMs: 10_000,
      }),
      apiKeyEnv,
      free: false,
      ...cannotReconcile('Vertex AI keeps no idempotency keys and cannot list Veo operations'),
    },
    model: (modelId) =>
      isOmniModel(modelId) ? new OmniVideoModel(modelId, omni) : new VeoVideoModel(modelId, config),
  };
}
