/**
 * Gemini Omni Flash as an AI SDK video model, on Google's Interactions API (docs/sandbox-
 * providers.md, "google and vertex: Gemini Omni Flash"). Both surfaces speak it; the surface
 * says where interactions live and how a finished video is fetched:
 *
 * - Gemini API: `POST /v1beta/interactions`, `GET /v1beta/interactions/{id}` (API key header);
 * - Agent Platform (Vertex): `POST /v1beta1/projects/{p}/locations/{l}/interactions`, `GET …/{id}`.
 *
 * Start: `{model, input: [parts], background: true, generation_config: {duration_seconds,
 * aspect_ratio, resolution, seed?}}`: the prompt as a `text` part, frames and references as
 * `image` parts (`data` base64 or `uri`, with `role` `first_frame` | `last_frame` |
 * `reference`). Poll until `status` is `completed` (the video is an `outputs[]` part of type
 * `video`, by `uri` or inline `data`), `failed` (`error`) or `cancelled`. The field names inside
 * `generation_config` and the image roles are UNCONFIRMED (third-party guides only).
 */
import type {
  JSONObject,
  JSONValue,
  Experimental_VideoModelV4VideoData as VideoData,
} from '@ai-sdk/provider';
import { z } from 'zod';
import {
  type Connection,
  failedStatus,
  fileBytes,
  frameAnchors,
  mediaTypeOf,
  operationOf,
  pickDuration,
  pickRatio,
  pickTier,
  providerOptionsOf,
  references,
  requestedSize,
  signalOf,
  throwIfAborted,
  unsupported,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, type StartResult } from '../connected-video-model.ts';
import { providerErrors } from '../errors.ts';
import { parseShape, toBase64 } from '../http.ts';
import type { VideoCallOptions, VideoStatus } from '../types.ts';

/** Omni's model ids start so; the surfaces route them here instead of to Veo. */
export function isOmniModel(modelId: string): boolean {
  return modelId.startsWith('gemini-omni-');
}

interface OmniFacts {
  minSeconds: number;
  maxSeconds: number;
  /** generation_config.seed (1.2 on Agent Platform) */
  seed: boolean;
}

const OMNI_MODELS: Record<string, OmniFacts> = {
  'gemini-omni-1.1-flash': { minSeconds: 3, maxSeconds: 10, seed: false },
  'gemini-omni-1.2-flash': { minSeconds: 3, maxSeconds: 15, seed: true },
};
const FALLBACK: OmniFacts = { minSeconds: 3, maxSeconds: 10, seed: false };

const TIERS = ['360p', '720p', '1080p', '4k'] as const;
const RATIOS = ['16:9', '9:16'] as const;
/** Omni's frame rate is not documented; 24 as Veo. */
const OMNI_FPS = 24;

export interface OmniSurface {
  surface: 'google' | 'vertex';
  connection: Connection;
  /** where interactions are created; `…/{id}` reads one */
  interactionsPath(): string;
  /** the clip of a finished interaction's video part given by URI */
  download(uri: string, signal: AbortSignal | undefined): Promise<VideoData>;
}

export interface OmniOperation extends JSONObject {
  interactionId: string;
}

const Part = z.looseObject({
  type: z.string().nullish(),
  uri: z.string().nullish(),
  data: z.string().nullish(),
  mime_type: z.string().nullish(),
});
const InteractionSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  outputs: z.array(Part).nullish(),
  // third-party guides show the video as `output_video`
  output_video: Part.nullish(),
  // Agent Platform's revision lists steps with their content instead
  steps: z.array(z.looseObject({ content: z.array(Part).nullish() })).nullish(),
  error: z
    .looseObject({
      code: z.union([z.string(), z.number()]).nullish(),
      message: z.string().nullish(),
    })
    .nullish(),
});

function imagePart(file: NonNullable<VideoCallOptions['image']>, role: string): JSONObject {
  if (file.type === 'url')
    return { type: 'image', uri: file.url, mime_type: mediaTypeOf(file), role };
  const bytes = fileBytes(file)!;
  return { type: 'image', data: toBase64(bytes), mime_type: mediaTypeOf(file), role };
}

export class OmniVideoModel extends ConnectedVideoModel {
  readonly provider: string;
  private readonly surface: OmniSurface;

  constructor(modelId: string, surface: OmniSurface) {
    super(modelId, surface.connection);
    this.provider = surface.surface;
    this.surface = surface;
  }

  /** The interaction body for the call options, and what could not be sent as asked. */
  buildRequest(options: VideoCallOptions): {
    body: Record<string, JSONValue>;
    warnings: Warning[];
  } {
    const warnings: Warning[] = [];
    const facts = OMNI_MODELS[this.modelId] ?? FALLBACK;
    if (!options.prompt)
      throw providerErrors.invalidRequest(this.provider, 'Gemini Omni needs a text prompt');
    const input: JSONObject[] = [{ type: 'text', text: options.prompt }];
    const { first, last } = frameAnchors(options);
    if (first) input.push(imagePart(first, 'first_frame'));
    if (last) input.push(imagePart(last, 'last_frame'));
    const refs = references(options);
    for (const image of refs.images) input.push(imagePart(image, 'reference'));
    if (refs.videos.length > 0)
      warnings.push(
        unsupported(
          'inputReferences',
          'Gemini Omni takes reference images only; videos were left out',
        ),
      );

    const config: JSONObject = {};
    if (options.duration !== undefined) {
      const allowed = Array.from(
        { length: facts.maxSeconds - facts.minSeconds + 1 },
        (_, i) => facts.minSeconds + i,
      );
      config.duration_seconds = pickDuration(options.duration, allowed, warnings);
    }
    const size = requestedSize(this.provider, options);
    if (size) config.resolution = pickTier(size, TIERS, options, warnings);
    const ratio = pickRatio(this.provider, options, RATIOS, warnings);
    if (ratio) config.aspect_ratio = ratio;
    if (options.seed !== undefined) {
      if (facts.seed) config.seed = options.seed;
      else unsupportedOptions(options, ['seed'], this.modelId, warnings);
    }
    if (options.generateAudio === false)
      warnings.push(unsupported('generateAudio', 'Gemini Omni always adds sound'));
    unsupportedOptions(options, ['fps'], 'Gemini Omni', warnings, OMNI_FPS);
    const extra = providerOptionsOf(options, this.provider).generation_config;
    if (typeof extra === 'object' && extra !== null && !Array.isArray(extra))
      Object.assign(config, extra);
    const body: Record<string, JSONValue> = { model: this.modelId, input, background: true };
    if (Object.keys(config).length > 0) body.generation_config = config;
    return { body, warnings };
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    throwIfAborted(this.provider, options.abortSignal);
    const { body, warnings } = this.buildRequest(options);
    const reply = await this.connection
      .client()
      .post(this.surface.interactionsPath(), body, signalOf(options.abortSignal));
    const { id } = parseShape(this.provider, InteractionSchema, reply.body, 'interaction');
    const operation: OmniOperation = { interactionId: id };
    return this.started(
      operation,
      warnings,
      { [this.provider]: { interactionId: id } },
      reply.headers,
    );
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = operationOf<OmniOperation>(
      this.provider,
      options.operation,
      (o) => typeof o.interactionId === 'string' && o.interactionId !== '',
      'a Gemini Omni interaction',
    );
    throwIfAborted(this.provider, options.abortSignal);
    const reply = await this.connection
      .client()
      .get(
        `${this.surface.interactionsPath()}/${encodeURIComponent(op.interactionId)}`,
        signalOf(options.abortSignal),
      );
    const interaction = parseShape(this.provider, InteractionSchema, reply.body, 'interaction');
    const response = this.responseOf(reply.headers);
    const meta = {
      [this.provider]: { interactionId: op.interactionId, status: interaction.status },
    };
    switch (interaction.status) {
      case 'in_progress':
        return { status: 'pending', providerMetadata: meta, response };
      case 'completed': {
        const parts = [
          ...(interaction.output_video ? [{ type: 'video', ...interaction.output_video }] : []),
          ...(interaction.outputs ?? []),
          ...(interaction.steps ?? []).flatMap((step) => step.content ?? []),
        ];
        const video = parts.find((p) => p.type === 'video' && (p.uri || p.data));
        if (!video)
          throw providerErrors.malformedResponse(
            this.provider,
            `interaction ${op.interactionId} completed without a video`,
          );
        const mediaType = video.mime_type?.startsWith('video/') ? video.mime_type : 'video/mp4';
        const data: VideoData = video.data
          ? { type: 'base64', data: video.data, mediaType }
          : await this.surface.download(video.uri!, options.abortSignal);
        return {
          status: 'completed',
          videos: [data],
          warnings: [],
          providerMetadata: meta,
          response,
        };
      }
      case 'failed': {
        const code = interaction.error?.code;
        return failedStatus(
          this.modelId,
          `interaction ${op.interactionId} failed: ${interaction.error?.message ?? 'no reason given'}${code != null ? ` (${code})` : ''}`,
          code === 'SAFETY' ? 'content_refused' : undefined,
          { interactionId: op.interactionId },
          this.connection.now,
        );
      }
      case 'cancelled':
        return failedStatus(
          this.modelId,
          `interaction ${op.interactionId} was cancelled`,
          undefined,
          { interactionId: op.interactionId },
          this.connection.now,
        );
      default:
        throw providerErrors.malformedResponse(
          this.provider,
          `unknown interaction status ${JSON.stringify(interaction.status)}`,
        );
    }
  }
}
