/**
 * Sora 2 on OpenAI's Videos API (`/v1/videos`), or on any server that speaks it (LiteLLM and
 * other OpenAI-compatible proxies: only the base URL changes).
 *
 * - start: `POST /v1/videos`, multipart/form-data with `model`, `prompt`, `seconds` (a STRING:
 *   "4", "8", "12"), `size` (`1280x720`, …) and the optional `input_reference` image, which must
 *   have exactly the requested size. Audio is always generated; there is no seed, fps, last
 *   frame or reference list, so those become warnings.
 * - status: `GET /v1/videos/{id}` (queued | in_progress | completed | failed). The reply's
 *   `openai-poll-after-ms` header says when to ask again; a poll before then is answered here
 *   without a request.
 * - result: `GET /v1/videos/{id}/content` needs the API key, so the clip is fetched here and
 *   returned as bytes (the engine's downloader sends no credentials).
 * - the idempotency key is forwarded as `Idempotency-Key` (harmless where ignored); lost
 *   starts are found by listing recent videos (see ./openai-provider.ts).
 */
import type {
  JSONObject,
  Experimental_VideoModelV4OperationStartResult as StartResult,
} from '@ai-sdk/provider';
import { z } from 'zod';
import {
  type Connection,
  frameAnchors,
  operationOf,
  ownProviderOptions,
  responseInfo,
  throwIfAborted,
  unsupported,
  type Warning,
} from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { parseShape, readInputFile } from '../http.ts';
import type { VideoCallOptions, VideoModel, VideoStatus } from '../types.ts';

export const OPENAI_PROVIDER = 'openai';

/** How long to wait between polls when the reply names no `openai-poll-after-ms`. */
const DEFAULT_POLL_AFTER_MS = 1000;

/** The Video object, as far as the adapter reads it. */
export const videoSchema = z.object({
  id: z.string().min(1),
  object: z.string().optional(),
  model: z.string().nullish(),
  status: z.enum(['queued', 'in_progress', 'completed', 'failed']),
  progress: z.number().nullish(),
  prompt: z.string().nullish(),
  seconds: z.union([z.string(), z.number()]).nullish(),
  size: z.string().nullish(),
  created_at: z.number().nullish(),
  completed_at: z.number().nullish(),
  expires_at: z.number().nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});
export type Video = z.infer<typeof videoSchema>;

/** `providerOptions.openai`: more form fields for compatible servers (strings and numbers). */
const optionsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** The fields this adapter owns; provider options cannot override them. */
const OWN_FIELDS = new Set(['model', 'prompt', 'seconds', 'size', 'input_reference']);

export interface OpenAIOperation extends JSONObject {
  videoId: string;
}

export interface OpenAIModelConfig {
  connection: Connection;
  fetch?: typeof fetch;
}

/** What `POST /v1/videos` will carry, before the image is read. */
export interface VideoCreate {
  fields: Record<string, string>;
  image: NonNullable<VideoCallOptions['image']> | undefined;
  warnings: Warning[];
}

/** The create fields for a call (pure: the same options always give the same fields). */
export function buildVideoCreate(modelId: string, options: VideoCallOptions): VideoCreate {
  const warnings: Warning[] = [];
  if (!options.prompt?.trim()) {
    throw providerErrors.invalidRequest(OPENAI_PROVIDER, 'Sora needs a prompt');
  }
  const fields: Record<string, string> = { model: modelId, prompt: options.prompt };
  if (options.duration !== undefined) fields.seconds = String(options.duration);
  if (options.resolution !== undefined) {
    fields.size = options.resolution;
  } else if (options.aspectRatio === '16:9' || options.aspectRatio === '9:16') {
    // Sora's sizes are 720p-class in both orientations by default
    fields.size = options.aspectRatio === '16:9' ? '1280x720' : '720x1280';
  }
  const extra = ownProviderOptions(options, OPENAI_PROVIDER, optionsSchema);
  for (const [name, value] of Object.entries(extra)) {
    if (!OWN_FIELDS.has(name)) fields[name] = String(value);
  }

  if (options.n > 1) warnings.push(unsupported('n', 'Sora makes one video per request'));
  if (options.seed !== undefined)
    warnings.push(unsupported('seed', 'Sora takes no seed; results are not repeatable'));
  if (options.fps !== undefined) warnings.push(unsupported('fps', 'Sora takes no frame rate'));
  if (options.generateAudio === false) {
    warnings.push(unsupported('generateAudio', 'Sora always generates audio; mute it in the edit'));
  }
  const { first, last } = frameAnchors(options);
  if (last) warnings.push(unsupported('frameImages', 'Sora takes no last frame; it was left out'));
  if ((options.inputReferences?.length ?? 0) > 0) {
    warnings.push(
      unsupported(
        'inputReferences',
        'Sora takes one first-frame image only; references were left out',
      ),
    );
  }
  return { fields, image: first, warnings };
}

export class OpenAIVideoModel implements VideoModel {
  readonly specificationVersion = 'v4';
  readonly provider = OPENAI_PROVIDER;
  readonly modelId: string;
  readonly maxVideosPerCall = 1;
  private readonly config: OpenAIModelConfig;
  /** per video: no poll before this time (epoch ms), from `openai-poll-after-ms` */
  private readonly pollNotBefore = new Map<string, number>();

  constructor(modelId: string, config: OpenAIModelConfig) {
    this.modelId = modelId;
    this.config = config;
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    const { fields, image, warnings } = buildVideoCreate(this.modelId, options);
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    if (image) {
      const file = await readInputFile(image, {
        provider: OPENAI_PROVIDER,
        fetch: this.config.fetch,
        signal: options.abortSignal,
      });
      const extension = file.mediaType.split('/')[1] ?? 'png';
      form.append(
        'input_reference',
        new Blob([file.data], { type: file.mediaType }),
        `reference.${extension}`,
      );
    }
    // the engine's `idempotency-key` header goes out as is (HTTP header names ignore case)
    const reply = await this.config.connection.client().json('/v1/videos', {
      method: 'POST',
      form,
      headers: options.headers,
      signal: options.abortSignal,
    });
    const video = parseShape(OPENAI_PROVIDER, videoSchema, reply.body, 'create reply');
    const operation: OpenAIOperation = { videoId: video.id };
    this.rememberPace(video.id, reply.headers);
    return {
      operation,
      warnings,
      providerMetadata: { openai: metadataOf(video) },
      response: responseInfo(this.modelId, reply.headers, this.config.connection.now),
    };
  }

  async doStatus(options: {
    operation: unknown;
    abortSignal?: AbortSignal;
    headers?: Record<string, string | undefined>;
  }): Promise<VideoStatus> {
    const { videoId } = operationOf<OpenAIOperation>(
      OPENAI_PROVIDER,
      options.operation,
      (op) => typeof op.videoId === 'string',
      'an OpenAI video',
    );
    throwIfAborted(OPENAI_PROVIDER, options.abortSignal);
    const notBefore = this.pollNotBefore.get(videoId);
    if (notBefore !== undefined && this.config.connection.now() < notBefore) {
      // the server asked us to wait: answer from here instead of spending a request
      return {
        status: 'pending',
        response: responseInfo(this.modelId, undefined, this.config.connection.now),
      };
    }
    const reply = await this.config.connection
      .client()
      .get(`/v1/videos/${encodeURIComponent(videoId)}`, {
        signal: options.abortSignal,
      });
    const video = parseShape(OPENAI_PROVIDER, videoSchema, reply.body, 'video status');
    const response = responseInfo(this.modelId, reply.headers, this.config.connection.now);
    const providerMetadata = { openai: metadataOf(video) };
    if (video.status === 'queued' || video.status === 'in_progress') {
      this.rememberPace(videoId, reply.headers);
      return { status: 'pending', providerMetadata, response };
    }
    this.pollNotBefore.delete(videoId);
    if (video.status === 'failed') {
      const message = video.error?.message ?? 'the video generation failed';
      const code = failureCode(video.error?.code ?? undefined, message);
      return {
        status: 'error',
        error: message,
        providerMetadata: { ...providerMetadata, shotrouter: code ? { code } : {} },
        response,
      };
    }
    const content = await this.config.connection
      .client()
      .downloadBytes(`/v1/videos/${encodeURIComponent(videoId)}/content`, {
        headers: { accept: 'application/binary' },
        signal: options.abortSignal,
        // the assets are gone after `expires_at`; a 404 there means exactly that
        expiredStatuses: [404, 410],
      });
    return {
      status: 'completed',
      videos: [{ type: 'binary', data: content.data, mediaType: mediaTypeOf(content.mediaType) }],
      warnings: [],
      providerMetadata,
      response,
    };
  }

  private rememberPace(videoId: string, headers: Record<string, string>): void {
    const hinted = Number(headers['openai-poll-after-ms']);
    const wait = Number.isFinite(hinted) && hinted >= 0 ? hinted : DEFAULT_POLL_AFTER_MS;
    this.pollNotBefore.set(videoId, this.config.connection.now() + wait);
  }
}

function metadataOf(video: Video): JSONObject {
  return {
    videoId: video.id,
    status: video.status,
    ...(video.progress != null ? { progress: video.progress } : {}),
    ...(video.expires_at != null ? { expiresAt: video.expires_at } : {}),
  };
}

/** A failed video's error as one of the engine's codes, when it says which. */
function failureCode(code: string | undefined, message: string): string | undefined {
  const text = `${code ?? ''} ${message}`.toLowerCase();
  if (/moderation|policy|safety|guardrail|blocked/.test(text)) return 'content_refused';
  if (/invalid|unsupported|must match/.test(text)) return 'invalid_request';
  return undefined;
}

function mediaTypeOf(type: string): string {
  return type.startsWith('video/') ? type : 'video/mp4';
}
