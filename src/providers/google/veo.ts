/**
 * What Veo's two surfaces share: the `predictLongRunning` body (`instances` + `parameters`),
 * Google's error shape (`{error: {code, message, status, details}}`), and reading a finished
 * long-running operation.
 *
 * Where the surfaces differ (sent by this module according to `surface`):
 *
 * | | Gemini API (`google`) | Vertex AI (`vertex`) |
 * |---|---|---|
 * | auth | `x-goog-api-key` | `Authorization: Bearer <OAuth token>` |
 * | audio | always on; `generateAudio` is rejected | `generateAudio` true/false |
 * | seed | rejected | `seed` |
 * | images | inline bytes only | inline bytes or `gs://` (`gcsUri`) |
 * | extension (a video to continue) | a video it generated, by URI | bytes or `gs://` |
 * | output | a file URI, downloaded with the key | inline `bytesBase64Encoded`, or `gcsUri` when `storageUri` is set |
 * | poll | `GET /v1beta/{operation name}` | `POST …/models/{model}:fetchPredictOperation` |
 */
import type { JSONObject } from '@ai-sdk/provider';
import { z } from 'zod';
import { ShotrouterError } from '../../errors.ts';
import {
  frameAnchors,
  nearestTier,
  negativePromptOf,
  ownProviderOptions,
  pickRatio,
  references,
  requestedSize,
  unsupported,
  type Warning,
} from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { type HttpFailure, readInputFile, toBase64, type VideoFile } from '../http.ts';
import type { VideoCallOptions } from '../types.ts';

export type VeoSurface = 'google' | 'vertex';

/** Veo renders at 24 fps on both surfaces. */
export const VEO_FPS = 24;
const MAX_REFERENCE_IMAGES = 3;
const RESOLUTIONS = ['720p', '1080p', '4k'] as const;

/** `providerOptions.google` / `providerOptions.vertex`. */
const sharedOptions = {
  negativePrompt: z.string().optional(),
  personGeneration: z.enum(['allow_all', 'allow_adult', 'dont_allow']).optional(),
  enhancePrompt: z.boolean().optional(),
  /** `asset` (default) or `style` for every reference image */
  referenceType: z.enum(['asset', 'style']).optional(),
};
const googleOptionsSchema = z.object(sharedOptions).strict();
const vertexOptionsSchema = z
  .object({
    ...sharedOptions,
    /** `gs://bucket/folder`: outputs go to Cloud Storage instead of inline bytes */
    storageUri: z.string().startsWith('gs://').optional(),
    resizeMode: z.enum(['pad', 'crop']).optional(),
    compressionQuality: z.enum(['optimized', 'lossless']).optional(),
  })
  .strict();

export interface VeoRequest {
  body: {
    instances: [Record<string, unknown>];
    parameters: Record<string, unknown>;
  };
  warnings: Warning[];
}

/** The `predictLongRunning` body for a call on a surface. */
export async function buildVeoRequest(
  surface: VeoSurface,
  options: VideoCallOptions,
  io: { fetch?: typeof fetch },
): Promise<VeoRequest> {
  const warnings: Warning[] = [];
  const ownOptions = ownProviderOptions(
    options,
    surface,
    surface === 'google' ? googleOptionsSchema : vertexOptionsSchema,
  ) as z.infer<typeof vertexOptionsSchema>;
  const readImage = (file: VideoFile) => veoImage(surface, file, options.abortSignal, io.fetch);

  const instance: Record<string, unknown> = {};
  if (options.prompt?.trim()) instance.prompt = options.prompt;
  const { first, last } = frameAnchors(options);
  if (first) instance.image = await readImage(first);
  if (last) instance.lastFrame = await readImage(last);
  const refs = references(options);
  if (refs.images.length > 0) {
    if (refs.images.length > MAX_REFERENCE_IMAGES) {
      warnings.push(
        unsupported(
          'inputReferences',
          `Veo takes ${MAX_REFERENCE_IMAGES} reference images; the rest were left out`,
        ),
      );
    }
    const referenceType = ownOptions.referenceType ?? 'asset';
    instance.referenceImages = await Promise.all(
      refs.images
        .slice(0, MAX_REFERENCE_IMAGES)
        .map(async (file) => ({ image: await readImage(file), referenceType })),
    );
  }
  if (refs.videos.length > 0) {
    instance.video = await veoVideo(surface, refs.videos[0]!, options.abortSignal, io.fetch);
    if (refs.videos.length > 1)
      warnings.push(
        unsupported('inputReferences', 'Veo extends one video; the rest were left out'),
      );
  }
  if (!instance.prompt && !instance.image && !instance.video) {
    throw providerErrors.invalidRequest(surface, 'Veo needs a prompt or an image');
  }

  const parameters: Record<string, unknown> = { sampleCount: Math.max(1, options.n) };
  if (options.duration !== undefined) parameters.durationSeconds = options.duration;
  const ratio = pickRatio(surface, options, ['16:9', '9:16'] as const, warnings);
  if (ratio) parameters.aspectRatio = ratio;
  const size = requestedSize(surface, options);
  if (size) parameters.resolution = nearestTier(size, RESOLUTIONS);
  if (options.fps !== undefined && options.fps !== VEO_FPS) {
    warnings.push(unsupported('fps', `Veo renders at ${VEO_FPS} fps`));
  }
  if (surface === 'vertex') {
    if (options.generateAudio !== undefined) parameters.generateAudio = options.generateAudio;
    if (options.seed !== undefined) parameters.seed = options.seed;
    if (ownOptions.storageUri) parameters.storageUri = ownOptions.storageUri;
    if (ownOptions.resizeMode) parameters.resizeMode = ownOptions.resizeMode;
    if (ownOptions.compressionQuality)
      parameters.compressionQuality = ownOptions.compressionQuality;
  } else {
    if (options.generateAudio === false) {
      warnings.push(
        unsupported(
          'generateAudio',
          'the Gemini API always generates audio with Veo 3; mute it in the edit',
        ),
      );
    }
    if (options.seed !== undefined)
      warnings.push(unsupported('seed', 'the Gemini API takes no seed for Veo'));
  }
  const negative = ownOptions.negativePrompt ?? negativePromptOf(options);
  if (negative) parameters.negativePrompt = negative;
  if (ownOptions.personGeneration) parameters.personGeneration = ownOptions.personGeneration;
  if (ownOptions.enhancePrompt !== undefined) parameters.enhancePrompt = ownOptions.enhancePrompt;
  return { body: { instances: [instance], parameters }, warnings };
}

async function veoImage(
  surface: VeoSurface,
  file: VideoFile,
  signal: AbortSignal | undefined,
  fetchImpl: typeof fetch | undefined,
): Promise<Record<string, string>> {
  if (file.type === 'url' && file.url.startsWith('gs://')) {
    if (surface === 'google') {
      throw providerErrors.invalidRequest(
        surface,
        'the Gemini API cannot read gs:// images; give the image itself',
      );
    }
    return { gcsUri: file.url, mimeType: file.mediaType ?? 'image/png' };
  }
  const image = await readInputFile(file, { provider: surface, fetch: fetchImpl, signal });
  return { bytesBase64Encoded: toBase64(image.data), mimeType: image.mediaType };
}

async function veoVideo(
  surface: VeoSurface,
  file: VideoFile,
  signal: AbortSignal | undefined,
  fetchImpl: typeof fetch | undefined,
): Promise<Record<string, string>> {
  if (surface === 'google') {
    // the Gemini API continues only a video it made itself, named by its file URI
    if (file.type === 'url' && /^https?:/.test(file.url)) return { uri: file.url };
    throw providerErrors.invalidRequest(
      surface,
      'the Gemini API extends only videos it generated (by URI)',
    );
  }
  if (file.type === 'url' && file.url.startsWith('gs://')) {
    return { gcsUri: file.url, mimeType: file.mediaType ?? 'video/mp4' };
  }
  const video = await readInputFile(file, { provider: surface, fetch: fetchImpl, signal });
  return { bytesBase64Encoded: toBase64(video.data), mimeType: video.mediaType };
}

// ---------------------------------------------------------------------------------------------
// Operations

const rpcErrorSchema = z.object({
  code: z.number().nullish(),
  message: z.string().nullish(),
  status: z.string().nullish(),
});

export const operationSchema = z.object({
  name: z.string().min(1),
  done: z.boolean().nullish(),
  error: rpcErrorSchema.nullish(),
  response: z.record(z.string(), z.unknown()).nullish(),
});
export type VeoOperationReply = z.infer<typeof operationSchema>;

/** Numeric google.rpc codes (operations report these, HTTP replies the names). */
const RPC_STATUS: Record<number, string> = {
  1: 'CANCELLED',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

const POLICY = /responsible ai|policy|safety|sensitive|prohibited|blocked|violat/i;

/**
 * The engine's error code for a failed operation's `error` (`undefined`: not known, which the
 * engine treats as a transient failure worth one more try).
 */
export function operationErrorCode(error: z.infer<typeof rpcErrorSchema>): string | undefined {
  const status = error.status ?? (error.code != null ? RPC_STATUS[error.code] : undefined);
  const message = error.message ?? '';
  if (POLICY.test(message)) return 'content_refused';
  switch (status) {
    case 'INVALID_ARGUMENT':
    case 'FAILED_PRECONDITION':
      return 'invalid_request';
    case 'RESOURCE_EXHAUSTED':
      return 'rate_limited';
    case 'DEADLINE_EXCEEDED':
      return 'timeout';
    case 'INTERNAL':
    case 'UNAVAILABLE':
      return 'server_error';
    case 'PERMISSION_DENIED':
    case 'UNAUTHENTICATED':
      return 'authentication';
    default:
      return undefined;
  }
}

export interface SafetyFiltered {
  /** outputs the responsible-AI filter removed */
  count: number;
  reasons: string[];
}

/** What the responsible-AI filter removed, from the object that carries its counts. */
export function filteredBySafety(response: Record<string, unknown>): SafetyFiltered {
  const count =
    typeof response.raiMediaFilteredCount === 'number' ? response.raiMediaFilteredCount : 0;
  const reasons = Array.isArray(response.raiMediaFilteredReasons)
    ? response.raiMediaFilteredReasons.filter((r): r is string => typeof r === 'string')
    : [];
  return { count, reasons };
}

export function operationMetadata(reply: VeoOperationReply, extra: JSONObject = {}): JSONObject {
  return { operation: reply.name, done: reply.done === true, ...extra };
}

// ---------------------------------------------------------------------------------------------
// HTTP errors

/** Seconds from a `google.rpc.RetryInfo` detail (`"retryDelay": "7s"`). */
function retryDelaySeconds(body: unknown): number | undefined {
  const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const delay = (detail as { retryDelay?: unknown } | null)?.retryDelay;
    const match = typeof delay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null;
    if (match) return Number(match[1]);
  }
  return undefined;
}

/**
 * Google's error replies, by `error.status`: an invalid API key is a 400 INVALID_ARGUMENT
 * (reason API_KEY_INVALID) and is an authentication error; RESOURCE_EXHAUSTED takes its wait
 * from Retry-After or the RetryInfo detail; a policy rejection at create is a refusal; a
 * PERMISSION_DENIED keeps Google's explanation (API not enabled, no access to the model).
 */
export function mapGoogleError(
  failure: HttpFailure,
  apiKeyEnv: string | undefined,
): ShotrouterError | undefined {
  const error = (failure.body as { error?: { status?: unknown; details?: unknown } } | undefined)
    ?.error;
  if (!error) return undefined;
  const status = typeof error.status === 'string' ? error.status : '';
  const message = failure.message ?? status;
  const check = apiKeyEnv ? `; check ${apiKeyEnv}` : '';
  const reasons = Array.isArray(error.details)
    ? error.details
        .map((d) => (d as { reason?: unknown } | null)?.reason)
        .filter((r) => typeof r === 'string')
    : [];
  if (reasons.includes('API_KEY_INVALID') || /api key not valid/i.test(message)) {
    return new ShotrouterError(
      'authentication',
      `${failure.provider}: the API key was refused (${message})${check}`,
    );
  }
  if (status === 'RESOURCE_EXHAUSTED') {
    return providerErrors.rateLimited(
      failure.provider,
      failure.retryAfterSeconds ?? retryDelaySeconds(failure.body),
    );
  }
  if (status === 'UNAUTHENTICATED' || status === 'PERMISSION_DENIED') {
    return new ShotrouterError(
      'authentication',
      `${failure.provider}: access refused (${message})${check}`,
    );
  }
  if (failure.status === 400 && POLICY.test(message))
    return providerErrors.contentRefused(failure.provider, message);
  if (status === 'FAILED_PRECONDITION' && /billing|quota|credit|prepay/i.test(message)) {
    return new ShotrouterError('out_of_credit', `${failure.provider}: ${message}`);
  }
  return undefined;
}
