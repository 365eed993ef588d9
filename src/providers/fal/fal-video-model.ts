/**
 * fal's queue API as an AI SDK video model (fal's queue API reference):
 * `POST https://queue.fal.run/{endpoint}` with the bare input and `Authorization: Key …`
 * → `{request_id}`; `GET /{app}/requests/{id}/status` → `IN_QUEUE` | `IN_PROGRESS` |
 * `COMPLETED`; `GET /{app}/requests/{id}` → the output (`{video: {url, content_type}}`), or the
 * error (a 422 `content_policy_violation` for moderation); `PUT /{app}/requests/{id}/cancel`.
 * `{app}` is the endpoint's first two path segments (`fal-ai/pika`), as fal's own client
 * builds these URLs.
 *
 * The input differs per model (./fal-models.ts). fal documents no idempotency key and no way
 * to list one's requests, so a start whose reply was lost cannot be found again.
 */
import type { JSONObject, JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import { ShotrouterError } from '../../errors.ts';
import {
  type FrameSize,
  failedStatus,
  fileUrl,
  frameAnchors,
  negativePromptOf,
  operationOf,
  pickDuration,
  pickRatio,
  pickTier,
  providerOptionsOf,
  references,
  requestedSize,
  signalOf,
  throwIfAborted,
  unmappedOptions,
  unsupported,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, completedAtUrl, type StartResult } from '../connected-video-model.ts';
import { providerErrors } from '../errors.ts';
import { type HttpFailure, parseShape } from '../http.ts';
import type { VideoCallOptions, VideoStatus } from '../types.ts';
import { type FalFamily, type FalMode, type FalTarget, falAppOf, falTarget } from './fal-models.ts';

export const FAL_PROVIDER = 'fal';

/** The operation handle: the request and where its status and result live. */
export interface FalOperation extends JSONObject {
  requestId: string;
  /** `owner/alias`, the prefix of the status, result and cancel URLs */
  app: string;
  endpoint: string;
}

export interface FalRequest {
  endpoint: string;
  body: Record<string, JSONValue>;
  warnings: Warning[];
}

const SubmittedSchema = z.looseObject({ request_id: z.string().min(1) });
const StatusSchema = z.looseObject({
  status: z.string(),
  queue_position: z.number().nullish(),
  error: z.string().nullish(),
  error_type: z.string().nullish(),
});
const FileSchema = z.looseObject({ url: z.string(), content_type: z.string().nullish() });
const ResultSchema = z.looseObject({
  video: FileSchema.nullish(),
  videos: z.array(FileSchema).nullish(),
});

/** A moderation refusal in fal's error bodies: `detail[].type` or `error_type`. */
export function falError(failure: HttpFailure): ShotrouterError | undefined {
  const body = failure.body as { detail?: unknown; error_type?: unknown } | undefined;
  const types = Array.isArray(body?.detail)
    ? body.detail.map((d) => (d as { type?: unknown })?.type)
    : [body?.error_type];
  if (types.includes('content_policy_violation')) {
    return providerErrors.contentRefused(
      FAL_PROVIDER,
      failure.message ?? 'content_policy_violation',
    );
  }
  return undefined;
}

/** The endpoint and input for the call options. */
export function buildFalRequest(modelId: string, options: VideoCallOptions): FalRequest {
  const target = falTarget(modelId);
  if (!target) return genericRequest(modelId, options);
  const warnings: Warning[] = [];
  const size = requestedSize(FAL_PROVIDER, options);
  const { first, last } = frameAnchors(options);
  const refs = references(options);
  const mode = chooseMode(
    modelId,
    target,
    size,
    { first: !!first, last: !!last, refs: refs.images.length > 0 },
    warnings,
  );
  const { family } = target;
  const endpoint = target.endpoint?.id ?? family.endpoint(mode, size)!;
  const body: Record<string, JSONValue> = {};
  if (options.prompt !== undefined) body.prompt = options.prompt;

  const fields = family.images(mode);
  if (first && fields.first) body[fields.first] = fileUrl(first);
  if (last && fields.last) body[fields.last] = fileUrl(last);
  if (mode === 'references' && fields.references)
    body[fields.references] = refs.images.map(fileUrl);
  if (mode !== 'references' && refs.images.length + refs.videos.length > 0) {
    warnings.push(unsupported('inputReferences', `${endpoint} takes no reference files; left out`));
  }

  writeLength(family, mode, options, body, warnings);
  if (size && family.resolutions) {
    body.resolution = pickTier(size, family.resolutions, options, warnings);
  }
  if (size && family.videoSize) body.video_size = { width: size.width, height: size.height };
  const ratios = family.ratios?.(mode);
  if (ratios) {
    const ratio = pickRatio(FAL_PROVIDER, options, ratios, warnings);
    if (ratio) body.aspect_ratio = ratio;
  }
  if (family.audio) {
    if (options.generateAudio !== undefined) body.generate_audio = options.generateAudio;
  } else if (family.alwaysAudio) {
    if (options.generateAudio === false)
      warnings.push(unsupported('generateAudio', `${endpoint} always adds sound`));
  } else {
    unsupportedOptions(options, ['generateAudio'], endpoint, warnings);
  }
  const seedable = typeof family.seed === 'function' ? family.seed(mode) : family.seed;
  if (options.seed !== undefined) {
    if (seedable) body.seed = options.seed;
    else unsupportedOptions(options, ['seed'], endpoint, warnings);
  }
  const negative = negativePromptOf(options);
  if (negative !== undefined && family.negativePrompt) body.negative_prompt = negative;
  Object.assign(body, providerOptionsOf(options, FAL_PROVIDER));
  return { endpoint, body, warnings };
}

/** Which endpoint the anchors and references call for, and whether the target has it. */
function chooseMode(
  modelId: string,
  target: FalTarget,
  size: FrameSize | undefined,
  given: { first: boolean; last: boolean; refs: boolean },
  warnings: Warning[],
): FalMode {
  const has = (mode: FalMode) =>
    target.endpoint
      ? target.endpoint.modes.includes(mode)
      : target.family.endpoint(mode, size) !== undefined;
  const refuse = (what: string) =>
    providerErrors.invalidRequest(FAL_PROVIDER, `${modelId} ${what}`);
  if (given.last) {
    if (!has('frames')) throw refuse('takes no last frame');
    return 'frames';
  }
  if (given.first) {
    if (!has('image')) throw refuse('takes no start image');
    return 'image';
  }
  if (given.refs && has('references')) return 'references';
  if (!has('text')) throw refuse('needs a start image');
  if (given.refs)
    warnings.push(unsupported('inputReferences', `${modelId} takes no reference images; left out`));
  return 'text';
}

/** Duration and frame rate: seconds from a list, or a frame count at a frame rate. */
function writeLength(
  family: FalFamily,
  mode: FalMode,
  options: VideoCallOptions,
  body: Record<string, JSONValue>,
  warnings: Warning[],
): void {
  const seconds = family.seconds?.(mode);
  const frames = family.frames?.(mode);
  if (frames) {
    const wanted = options.fps ?? frames.defaultFps;
    let fps = Math.min(frames.fpsMax, Math.max(frames.fpsMin, Math.round(wanted)));
    if (options.duration !== undefined) {
      // Frame counts come in steps (LTX 8k+1): at some rates no count lasts the duration asked
      // (4 s at 25 fps is 100 frames, between 97 and 105). A nearby rate that fits exactly keeps
      // the clip the length asked; the engine converts the rate at assembly.
      const exact = (rate: number) =>
        Number.isInteger(options.duration! * rate) &&
        (options.duration! * rate) % frames.step === 0;
      if (!exact(fps)) {
        // nearest first; among equals a common rate (24 rather than 26)
        const common = new Set([16, 24, 25, 30, 48, 50, 60]);
        const near = [1, -1, 2, -2, 3, -3]
          .map((d) => fps + d)
          .filter((rate) => rate >= frames.fpsMin && rate <= frames.fpsMax && exact(rate))
          .sort(
            (a, b) =>
              Math.abs(a - fps) - Math.abs(b - fps) ||
              Number(common.has(b)) - Number(common.has(a)),
          )[0];
        if (near !== undefined) fps = near;
      }
    }
    if (fps !== wanted) {
      warnings.push({
        type: 'compatibility',
        feature: 'fps',
        details: `${wanted} fps is not offered for this length; sent ${fps}`,
      });
    }
    body[frames.fpsField] = fps;
    if (options.duration !== undefined) {
      // the shortest frame count of the model's form that covers the duration
      const count = frames.step * Math.ceil((options.duration * fps - 1) / frames.step) + 1;
      const clamped = Math.min(frames.max, Math.max(frames.min, count));
      if (clamped !== count) {
        const details = `${options.duration} s at ${fps} fps needs ${count} frames; sent ${clamped}`;
        warnings.push({ type: 'compatibility', feature: 'duration', details });
      }
      body.num_frames = clamped;
    }
    return;
  }
  if (seconds && options.duration !== undefined) {
    body.duration = seconds.encode(pickDuration(options.duration, seconds.values, warnings));
  } else if (options.duration !== undefined) {
    warnings.push(unsupported('duration', 'this endpoint sets the length itself'));
  }
  if (family.fpsValues) {
    if (options.fps !== undefined) {
      const fps = family.fpsValues.reduce((a, b) =>
        Math.abs(b - options.fps!) < Math.abs(a - options.fps!) ? b : a,
      );
      if (fps !== options.fps) {
        warnings.push({
          type: 'compatibility',
          feature: 'fps',
          details: `${options.fps} fps is not offered; sent ${fps}`,
        });
      }
      body.fps = fps;
    }
  } else {
    unsupportedOptions(options, ['fps'], 'fal', warnings, family.nativeFps);
  }
}

/** An endpoint outside the table: the prompt, a start image and the caller's own fields. */
function genericRequest(modelId: string, options: VideoCallOptions): FalRequest {
  const warnings: Warning[] = [
    {
      type: 'other',
      message: `${modelId} is not in shotrouter's fal table; only prompt, image_url and providerOptions.fal are sent`,
    },
  ];
  const body: Record<string, JSONValue> = {};
  if (options.prompt !== undefined) body.prompt = options.prompt;
  const { first, last } = frameAnchors(options);
  if (first) body.image_url = fileUrl(first);
  if (last)
    throw providerErrors.invalidRequest(FAL_PROVIDER, `${modelId}: no known last-frame field`);
  unmappedOptions(options, modelId, FAL_PROVIDER, warnings);
  Object.assign(body, providerOptionsOf(options, FAL_PROVIDER));
  return { endpoint: modelId, body, warnings };
}

export class FalVideoModel extends ConnectedVideoModel {
  readonly provider = FAL_PROVIDER;

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    throwIfAborted(this.provider, options.abortSignal);
    const { endpoint, body, warnings } = buildFalRequest(this.modelId, options);
    const reply = await this.connection
      .client()
      .post(`/${endpoint}`, body, signalOf(options.abortSignal));
    const { request_id: requestId } = parseShape(
      this.provider,
      SubmittedSchema,
      reply.body,
      'queue submission',
    );
    const operation: FalOperation = { requestId, app: falAppOf(endpoint), endpoint };
    return this.started(operation, warnings, { fal: { requestId, endpoint } }, reply.headers);
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = falOperation(options.operation);
    const base = `/${op.app}/requests/${encodeURIComponent(op.requestId)}`;
    const client = this.connection.client();
    const reply = await client.get(`${base}/status`, signalOf(options.abortSignal));
    const status = parseShape(this.provider, StatusSchema, reply.body, 'queue status');
    const metadata = { fal: { requestId: op.requestId, status: status.status } };
    if (status.status === 'IN_QUEUE' || status.status === 'IN_PROGRESS') {
      const position = status.queue_position ?? null;
      return {
        status: 'pending',
        providerMetadata: { fal: { ...metadata.fal, queuePosition: position } },
        response: this.responseOf(reply.headers),
      };
    }
    if (status.status !== 'COMPLETED') {
      throw providerErrors.malformedResponse(
        this.provider,
        `unknown queue status ${JSON.stringify(status.status)}`,
      );
    }
    if (status.error) {
      const refused = /content_policy/.test(`${status.error_type ?? ''} ${status.error}`);
      return this.failed(op, status.error, refused ? 'content_refused' : undefined);
    }
    let result: { body: unknown; headers: Record<string, string> };
    try {
      result = await client.get(base, signalOf(options.abortSignal));
    } catch (error) {
      // the request ended, but not with an output: moderation or an input the model rejected
      if (
        ShotrouterError.is(error) &&
        (error.code === 'content_refused' || error.code === 'invalid_request')
      ) {
        return this.failed(op, error.message, error.code);
      }
      throw error;
    }
    const output = parseShape(this.provider, ResultSchema, result.body, 'request result');
    const video = output.video ?? output.videos?.[0];
    if (!video)
      throw providerErrors.malformedResponse(
        this.provider,
        `request ${op.requestId} has no video in its output`,
      );
    const response = this.responseOf(result.headers);
    return completedAtUrl(video.url, metadata, response, video.content_type ?? 'video/mp4');
  }

  /** Cancels a queued (or, where fal can, running) request. Not in the AI SDK interface. */
  async cancel(operation: unknown, signal?: AbortSignal): Promise<void> {
    const op = falOperation(operation);
    await this.connection
      .client()
      .json(`/${op.app}/requests/${encodeURIComponent(op.requestId)}/cancel`, {
        method: 'PUT',
        ...signalOf(signal),
      });
  }

  private failed(op: FalOperation, message: string, code: string | undefined): VideoStatus {
    return failedStatus(
      this.modelId,
      `request ${op.requestId} failed: ${message}`,
      code,
      { requestId: op.requestId },
      this.connection.now,
    );
  }
}

function falOperation(operation: unknown): FalOperation {
  return operationOf<FalOperation>(
    FAL_PROVIDER,
    operation,
    (o) =>
      typeof o.requestId === 'string' &&
      typeof o.app === 'string' &&
      typeof o.endpoint === 'string',
    'a fal request',
  );
}
