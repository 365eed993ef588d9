/**
 * The LTX API (Lightricks; docs/sandbox-providers.md "ltx") as an AI SDK video model, through
 * its async endpoints (V2, beta since 2026-05-03; the V1 endpoints answer with the MP4 itself
 * and hold the connection for minutes).
 *
 * Start: `POST /v2/text-to-video` `{prompt, model, duration, resolution: "1920x1080", fps?,
 * generate_audio?}`, or `POST /v2/image-to-video` with `image_uri` as well; reply 202 `{id,
 * status}`. Poll `GET /v2/{endpoint}/{id}`: `pending` | `processing` | `completed` (with
 * `result.video_url`, valid 24 hours) | `failed` (with `error: {type, message}`).
 *
 * Sizes are 1080p, 1440p and 2160p only, landscape or portrait; 6, 8 or 10 s everywhere, and the
 * fast models make 12–20 s at 1920x1080 and 25 fps from text.
 */
import type { JSONObject, JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import type { ShotrouterError } from '../../errors.ts';
import {
  failedStatus,
  fileUrl,
  frameAnchors,
  operationOf,
  pickDuration,
  providerOptionsOf,
  requestedRatio,
  requestedSize,
  signalOf,
  throwIfAborted,
  tierOf,
  unsupported,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, completedAtUrl, type StartResult } from '../connected-video-model.ts';
import { providerErrors } from '../errors.ts';
import { type HttpFailure, parseShape } from '../http.ts';
import type { VideoCallOptions, VideoStatus } from '../types.ts';

export const LTX_PROVIDER = 'ltx';

type Endpoint = 'text-to-video' | 'image-to-video';

export interface LtxModel {
  sizes: readonly string[];
  /** the fast models' 12–20 s at 1920x1080, 25 fps, from text */
  long: boolean;
}

const LANDSCAPE = ['1920x1080', '2560x1440', '3840x2160'];
const BOTH = [...LANDSCAPE, '1080x1920', '1440x2560', '2160x3840'];

/** What this adapter knows of the LTX API's models. */
const MODELS: Record<string, LtxModel> = {
  'ltx-2-fast': { sizes: LANDSCAPE, long: true },
  'ltx-2-pro': { sizes: LANDSCAPE, long: false },
  'ltx-2-3-fast': { sizes: BOTH, long: true },
  'ltx-2-3-pro': { sizes: BOTH, long: false },
  'ltx-2-5-fast': { sizes: BOTH, long: true },
  // LTX prices ltx-2-5-pro at 4K; a reseller says Pro stops at 1080p (docs/sandbox-providers.md)
  'ltx-2-5-pro': { sizes: BOTH, long: false },
};

export function ltxModel(modelId: string): LtxModel | undefined {
  return MODELS[modelId];
}

const SHORT_SECONDS = [6, 8, 10];
const LONG_SECONDS = [6, 8, 10, 12, 14, 16, 18, 20];
export const LTX_FPS = [24, 25, 48, 50] as const;
/** what the API renders when no fps is sent */
export const LTX_DEFAULT_FPS = 25;

export interface LtxOperation extends JSONObject {
  jobId: string;
  endpoint: Endpoint;
}

const JobSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  result: z.looseObject({ video_url: z.string().nullish() }).nullish(),
  error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

/** LTX's `{type: "error", error: {type, message}}` where the type says more than the status. */
export function mapLtxError(failure: HttpFailure): ShotrouterError | undefined {
  const error = (failure.body as { error?: { type?: unknown; message?: unknown } } | undefined)
    ?.error;
  const type = typeof error?.type === 'string' ? error.type : undefined;
  if (!type) return undefined;
  const words = `${typeof error?.message === 'string' ? error.message : type} (${type})`;
  if (/content_polic|moderation/i.test(type))
    return providerErrors.contentRefused(LTX_PROVIDER, words);
  if (/billing|credit/i.test(type)) return providerErrors.outOfCredit(LTX_PROVIDER);
  return undefined;
}

/** The offered size nearest to the request: same orientation, nearest pixel count. */
function pickSize(
  options: VideoCallOptions,
  offered: readonly string[],
  warnings: Warning[],
): string | undefined {
  const size = requestedSize(LTX_PROVIDER, options);
  const ratio = requestedRatio(LTX_PROVIDER, options);
  if (!size && ratio === undefined) return undefined;
  const portrait = (ratio ?? 1) < 1;
  const pixels = size ? size.width * size.height : 1920 * 1080;
  const candidates = offered.filter((s) => {
    const [w = 1, h = 1] = s.split('x').map(Number);
    return h > w === portrait;
  });
  const pool = candidates.length > 0 ? candidates : offered;
  const distance = (s: string) => {
    const [w = 1, h = 1] = s.split('x').map(Number);
    return Math.abs(Math.log((w * h) / pixels));
  };
  const chosen = [...pool].sort((a, b) => distance(a) - distance(b))[0]!;
  // a size of the same tier and shape (e.g. 1920x1088 for 1920x1080) is no change worth a warning
  const sameShape = size
    ? tierOf(size) === tierOf(sizeOf(chosen)) &&
      Math.abs(Math.log(size.width / size.height / ratioOf(chosen))) < 0.01
    : Math.abs(Math.log((ratio ?? 16 / 9) / ratioOf(chosen))) < 0.01;
  if (!sameShape) {
    warnings.push({
      type: 'compatibility',
      feature: 'resolution',
      details: `${options.resolution ?? options.aspectRatio} is not offered; sent ${chosen}`,
    });
  }
  return chosen;
}

function sizeOf(text: string): { width: number; height: number } {
  const [width = 1920, height = 1080] = text.split('x').map(Number);
  return { width, height };
}

function ratioOf(text: string): number {
  const { width, height } = sizeOf(text);
  return width / height;
}

export class LtxVideoModel extends ConnectedVideoModel {
  readonly provider = LTX_PROVIDER;

  /** The endpoint and body for the call options, and what could not be sent as asked. */
  buildRequest(options: VideoCallOptions): {
    endpoint: Endpoint;
    body: Record<string, JSONValue>;
    warnings: Warning[];
  } {
    const warnings: Warning[] = [];
    const facts = MODELS[this.modelId];
    if (!options.prompt)
      throw providerErrors.invalidRequest(this.provider, 'the LTX API needs a text prompt');
    const { first, last } = frameAnchors(options);
    const endpoint: Endpoint = first ? 'image-to-video' : 'text-to-video';
    const body: Record<string, JSONValue> = { prompt: options.prompt, model: this.modelId };
    if (first) body.image_uri = fileUrl(first);
    if (last)
      warnings.push(
        unsupported(
          'frameImages',
          'the LTX API takes a first frame only; the last frame was left out',
        ),
      );
    const resolution = pickSize(options, facts?.sizes ?? BOTH, warnings);
    if (resolution) body.resolution = resolution;
    let fps: number | undefined;
    if (options.fps !== undefined) {
      fps = pickDuration(options.fps, LTX_FPS, []);
      if (fps !== options.fps)
        warnings.push({
          type: 'compatibility',
          feature: 'fps',
          details: `${options.fps} fps is not offered; sent ${fps} fps`,
        });
      body.fps = fps;
    }
    if (options.duration !== undefined) {
      const long =
        facts?.long === true &&
        endpoint === 'text-to-video' &&
        (resolution ?? '1920x1080') === '1920x1080' &&
        (fps ?? LTX_DEFAULT_FPS) === 25;
      body.duration = pickDuration(options.duration, long ? LONG_SECONDS : SHORT_SECONDS, warnings);
    }
    if (options.generateAudio !== undefined) body.generate_audio = options.generateAudio;
    unsupportedOptions(options, ['seed', 'inputReferences'], 'the LTX API', warnings);
    for (const [name, value] of Object.entries(providerOptionsOf(options, LTX_PROVIDER))) {
      if (name !== 'model' && name !== 'prompt' && value !== undefined) body[name] = value;
    }
    return { endpoint, body, warnings };
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    throwIfAborted(this.provider, options.abortSignal);
    const { endpoint, body, warnings } = this.buildRequest(options);
    const reply = await this.connection
      .client()
      .post(`/v2/${endpoint}`, body, signalOf(options.abortSignal));
    const { id } = parseShape(
      this.provider,
      z.looseObject({ id: z.string().min(1) }),
      reply.body,
      'job creation',
    );
    const operation: LtxOperation = { jobId: id, endpoint };
    return this.started(operation, warnings, { ltx: { jobId: id } }, reply.headers);
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = operationOf<LtxOperation>(
      this.provider,
      options.operation,
      (o) =>
        typeof o.jobId === 'string' &&
        (o.endpoint === 'text-to-video' || o.endpoint === 'image-to-video'),
      'an LTX job',
    );
    throwIfAborted(this.provider, options.abortSignal);
    const reply = await this.connection
      .client()
      .get(`/v2/${op.endpoint}/${encodeURIComponent(op.jobId)}`, signalOf(options.abortSignal));
    const job = parseShape(this.provider, JobSchema, reply.body, 'job status');
    const response = this.responseOf(reply.headers);
    const meta = { jobId: op.jobId, status: job.status };
    switch (job.status) {
      case 'pending':
      case 'processing':
        return { status: 'pending', providerMetadata: { ltx: meta }, response };
      case 'completed': {
        const url = job.result?.video_url;
        if (!url)
          throw providerErrors.malformedResponse(
            this.provider,
            `job ${op.jobId} completed without result.video_url`,
          );
        return completedAtUrl(url, { ltx: meta }, response);
      }
      case 'failed': {
        const type = job.error?.type ?? undefined;
        return failedStatus(
          this.modelId,
          `job ${op.jobId} failed: ${job.error?.message ?? 'no reason given'}${type ? ` (${type})` : ''}`,
          type && /content_polic|moderation/i.test(type) ? 'content_refused' : undefined,
          { jobId: op.jobId },
          this.connection.now,
        );
      }
      default:
        throw providerErrors.malformedResponse(
          this.provider,
          `unknown job status ${JSON.stringify(job.status)}`,
        );
    }
  }
}
