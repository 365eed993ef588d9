/**
 * Wan on Alibaba Cloud Model Studio (DashScope; docs/sandbox-providers.md "dashscope") as an AI
 * SDK video model.
 *
 * Start: `POST /api/v1/services/aigc/video-generation/video-synthesis` with
 * `X-DashScope-Async: enable` and `{model, input: {prompt, negative_prompt?, img_url? | media?},
 * parameters: {size? | resolution + ratio?, duration, audio?, seed?}}`; reply `{output: {task_id,
 * task_status}}`. Wan 2.6 text-to-video takes a pixel `size` (`1280*720`); its image and
 * reference models and every Wan 2.7 model take `resolution` (`720P` | `1080P`), and 2.7 takes
 * frames and references as `input.media: [{type, url}]` instead of `input.img_url`.
 * Poll: `GET /api/v1/tasks/{task_id}`: `PENDING` | `RUNNING` | `SUCCEEDED` (with
 * `output.video_url`, valid 24 hours) | `FAILED` (with `code`, `message`) | `CANCELED` |
 * `UNKNOWN` (no such task, or it expired after 24 hours).
 *
 * A route names the version's text-to-video id (`wan2.6-t2v`); a shot with a first frame goes
 * to the same version's `-i2v` model and one with reference files to its `-r2v` model.
 */
import type { JSONObject, JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import type { ShotrouterError } from '../../errors.ts';
import {
  cancelledTask,
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
  unsupported,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, completedAtUrl, type StartResult } from '../connected-video-model.ts';
import { providerErrors } from '../errors.ts';
import { type HttpFailure, parseShape } from '../http.ts';
import type { VideoCallOptions, VideoStatus } from '../types.ts';

export const DASHSCOPE_PROVIDER = 'dashscope';
const CREATE = '/api/v1/services/aigc/video-generation/video-synthesis';

type Mode = 't2v' | 'i2v' | 'r2v';

export interface WanModel {
  mode: Mode;
  /** `size` (a pixel size) or `resolution` (a tier name) */
  sizing: 'size' | 'resolution';
  durations: readonly number[];
  /** frames and references as `input.media` (2.7) rather than `img_url` (2.6) */
  media: boolean;
  lastFrame: boolean;
}

const TWO_TO_FIFTEEN = Array.from({ length: 14 }, (_, i) => i + 2);

/** What this adapter knows of Model Studio's Wan models. */
const MODELS: Record<string, WanModel> = {
  'wan2.6-t2v': {
    mode: 't2v',
    sizing: 'size',
    durations: [5, 10, 15],
    media: false,
    lastFrame: false,
  },
  'wan2.6-i2v': {
    mode: 'i2v',
    sizing: 'resolution',
    durations: [5, 10, 15],
    media: false,
    lastFrame: false,
  },
  'wan2.6-i2v-flash': {
    mode: 'i2v',
    sizing: 'resolution',
    durations: [5, 10, 15],
    media: false,
    lastFrame: false,
  },
  'wan2.6-r2v': { mode: 'r2v', sizing: 'size', durations: [5, 10], media: false, lastFrame: false },
  'wan2.7-t2v': {
    mode: 't2v',
    sizing: 'resolution',
    durations: TWO_TO_FIFTEEN,
    media: true,
    lastFrame: false,
  },
  'wan2.7-i2v': {
    mode: 'i2v',
    sizing: 'resolution',
    durations: TWO_TO_FIFTEEN,
    media: true,
    lastFrame: true,
  },
  'wan2.7-r2v': {
    mode: 'r2v',
    sizing: 'resolution',
    durations: TWO_TO_FIFTEEN,
    media: true,
    lastFrame: false,
  },
};

export function wanModel(modelId: string): WanModel | undefined {
  return MODELS[modelId];
}

/** Pixel sizes Wan 2.6 takes, by tier and aspect ratio. */
const SIZES: Record<string, Record<string, string>> = {
  '720p': {
    '16:9': '1280*720',
    '9:16': '720*1280',
    '1:1': '960*960',
    '4:3': '1088*832',
    '3:4': '832*1088',
  },
  '1080p': {
    '16:9': '1920*1080',
    '9:16': '1080*1920',
    '1:1': '1440*1440',
    '4:3': '1632*1248',
    '3:4': '1248*1632',
  },
};
const RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4'] as const;
const TIERS = ['720p', '1080p'] as const;
/** Wan renders at 24 fps on Model Studio (UNCONFIRMED; no fps field). */
export const WAN_FPS = 24;

export interface WanOperation extends JSONObject {
  taskId: string;
  model: string;
}

const ErrorBody = z.looseObject({ code: z.string().nullish(), message: z.string().nullish() });
const CreatedSchema = z.looseObject({
  output: z.looseObject({ task_id: z.string().min(1) }),
});
const TaskSchema = z.looseObject({
  output: z.looseObject({
    task_id: z.string().nullish(),
    task_status: z.string(),
    video_url: z.string().nullish(),
    code: z.string().nullish(),
    message: z.string().nullish(),
  }),
  usage: z.looseObject({ duration: z.number().nullish(), SR: z.number().nullish() }).nullish(),
});

/** Model Studio's `{code, message}` where the code says more than the HTTP status. */
export function mapDashScopeError(
  failure: HttpFailure,
  apiKeyEnv: string | undefined,
): ShotrouterError | undefined {
  const parsed = ErrorBody.safeParse(failure.body);
  const code = parsed.success ? parsed.data.code : undefined;
  if (!code) return undefined;
  const words = `${parsed.data?.message ?? code} (${code})`;
  if (/DataInspection/i.test(code)) return providerErrors.contentRefused(DASHSCOPE_PROVIDER, words);
  if (/Arrearage|InsufficientBalance/i.test(code))
    return providerErrors.outOfCredit(DASHSCOPE_PROVIDER);
  if (/InvalidApiKey/i.test(code))
    return providerErrors.authentication(DASHSCOPE_PROVIDER, apiKeyEnv);
  if (/^Throttling/i.test(code) && failure.status === 429) return undefined;
  if (failure.status === 400) return providerErrors.invalidRequest(DASHSCOPE_PROVIDER, words);
  return undefined;
}

/** The model a request goes to: the version's model of the mode the inputs call for. */
function modelFor(modelId: string, mode: Mode): string {
  const match = /^(wan\d+\.\d+)-(t2v|i2v|r2v)$/.exec(modelId);
  if (!match || match[2] === mode) return modelId;
  const sibling = `${match[1]}-${mode}`;
  return MODELS[sibling] ? sibling : modelId;
}

export class WanVideoModel extends ConnectedVideoModel {
  readonly provider = DASHSCOPE_PROVIDER;

  /** The create body for the call options, and what could not be sent as asked. */
  buildRequest(options: VideoCallOptions): {
    body: Record<string, JSONValue>;
    warnings: Warning[];
  } {
    const warnings: Warning[] = [];
    const { first, last } = frameAnchors(options);
    const refs = references(options);
    const refCount = refs.images.length + refs.videos.length;
    const wanted: Mode = first ? 'i2v' : refCount > 0 ? 'r2v' : 't2v';
    const model = modelFor(this.modelId, wanted);
    const facts = MODELS[model];
    if (facts && facts.mode === 'i2v' && !first) {
      throw providerErrors.invalidRequest(
        this.provider,
        `${model} makes video from an image: give it a first frame`,
      );
    }
    if (last && !first)
      throw providerErrors.invalidRequest(this.provider, 'a last frame needs a first frame');

    const input: JSONObject = {};
    if (options.prompt) input.prompt = options.prompt;
    const media: JSONObject[] = [];
    if (first) {
      if (facts && !facts.media) input.img_url = fileUrl(first);
      else media.push({ type: 'first_frame', url: fileUrl(first) });
    }
    if (last) {
      if (facts?.lastFrame) media.push({ type: 'last_frame', url: fileUrl(last) });
      else warnings.push(unsupported('frameImages', `${model} takes no last frame; left out`));
    }
    if (refCount > 0) {
      if (first || (facts && facts.mode !== 'r2v')) {
        warnings.push(
          unsupported(
            'inputReferences',
            `${model} cannot take reference files with a first frame; left out`,
          ),
        );
      } else {
        const urls = [...refs.images, ...refs.videos].filter((file) => {
          // Model Studio fetches references itself: only URLs can go
          if (file.type === 'url') return true;
          warnings.push(
            unsupported(
              'inputReferences',
              'reference files must be URLs; an inline one was left out',
            ),
          );
          return false;
        });
        for (const file of urls) {
          const kind = refs.videos.includes(file) ? 'reference_video' : 'reference_image';
          if (facts?.media === false && kind === 'reference_video') {
            input.reference_video_urls = [
              ...((input.reference_video_urls as string[] | undefined) ?? []),
              fileUrl(file),
            ];
          } else if (facts?.media === false) {
            warnings.push(
              unsupported(
                'inputReferences',
                `${model} takes reference videos only; an image was left out`,
              ),
            );
          } else {
            media.push({ type: kind, url: fileUrl(file) });
          }
        }
      }
    }
    if (media.length > 0) input.media = media;
    if (!input.prompt && !first)
      throw providerErrors.invalidRequest(this.provider, 'a prompt or an image is required');

    const parameters: JSONObject = {};
    const size = requestedSize(this.provider, options);
    if (facts?.sizing === 'size') {
      const tier = size ? pickTier(size, TIERS, options, warnings) : '1080p';
      const ratio = pickRatio(this.provider, options, RATIOS, warnings) ?? '16:9';
      parameters.size = SIZES[tier]![ratio]!;
    } else if (facts) {
      if (size) parameters.resolution = pickTier(size, TIERS, options, warnings).toUpperCase();
      // an image-to-video clip takes its shape from the image
      if (facts.media && facts.mode !== 'i2v') {
        const ratio = pickRatio(this.provider, options, RATIOS, warnings);
        if (ratio) parameters.ratio = ratio;
      }
    }
    if (options.duration !== undefined) {
      parameters.duration = pickDuration(
        options.duration,
        facts?.durations ?? [Math.max(1, Math.round(options.duration))],
        warnings,
      );
    }
    if (options.generateAudio !== undefined) parameters.audio = options.generateAudio;
    if (options.seed !== undefined) parameters.seed = options.seed;
    unsupportedOptions(options, ['fps'], 'Wan on Model Studio', warnings, WAN_FPS);
    const negative = negativePromptOf(options);
    if (negative !== undefined) input.negative_prompt = negative;
    const own = providerOptionsOf(options, DASHSCOPE_PROVIDER);
    for (const [name, value] of Object.entries(own)) {
      if (value === undefined) continue;
      if (name === 'negative_prompt') input.negative_prompt = value;
      else if (name !== 'model' && name !== 'input') parameters[name] = value;
    }
    return { body: { model, input, parameters }, warnings };
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    throwIfAborted(this.provider, options.abortSignal);
    const { body, warnings } = this.buildRequest(options);
    const reply = await this.connection.client().post(CREATE, body, {
      // the HTTP API only runs video synthesis as a background task
      headers: { 'x-dashscope-async': 'enable' },
      ...signalOf(options.abortSignal),
    });
    const taskId = parseShape(this.provider, CreatedSchema, reply.body, 'task creation').output
      .task_id;
    const operation: WanOperation = { taskId, model: String(body.model) };
    return this.started(operation, warnings, { dashscope: { taskId } }, reply.headers);
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = operationOf<WanOperation>(
      this.provider,
      options.operation,
      (o) => typeof o.taskId === 'string' && o.taskId !== '',
      'a Model Studio task',
    );
    throwIfAborted(this.provider, options.abortSignal);
    const reply = await this.connection
      .client()
      .get(`/api/v1/tasks/${encodeURIComponent(op.taskId)}`, signalOf(options.abortSignal));
    const { output, usage } = parseShape(this.provider, TaskSchema, reply.body, 'task status');
    const response = this.responseOf(reply.headers);
    const meta = { taskId: op.taskId, model: op.model, status: output.task_status };
    switch (output.task_status) {
      case 'PENDING':
      case 'RUNNING':
        return { status: 'pending', providerMetadata: { dashscope: meta }, response };
      case 'SUCCEEDED': {
        if (!output.video_url)
          throw providerErrors.malformedResponse(
            this.provider,
            `task ${op.taskId} succeeded without a video_url`,
          );
        return completedAtUrl(
          output.video_url,
          {
            dashscope: { ...meta, seconds: usage?.duration ?? null, shortSide: usage?.SR ?? null },
          },
          response,
        );
      }
      case 'FAILED': {
        const code = output.code ?? undefined;
        return failedStatus(
          this.modelId,
          `task ${op.taskId} failed: ${output.message ?? 'no reason given'}${code ? ` (${code})` : ''}`,
          code && /DataInspection/i.test(code)
            ? 'content_refused'
            : code === 'InvalidParameter'
              ? 'invalid_request'
              : undefined,
          { taskId: op.taskId },
          this.connection.now,
        );
      }
      case 'CANCELED':
        return cancelledTask(this.modelId, op.taskId, this.connection.now);
      case 'UNKNOWN':
        // Model Studio forgets tasks after 24 hours
        return failedStatus(
          this.modelId,
          `task ${op.taskId} is unknown to Model Studio (never created, or expired after 24 hours)`,
          undefined,
          { taskId: op.taskId },
          this.connection.now,
        );
      default:
        throw providerErrors.malformedResponse(
          this.provider,
          `unknown task status ${JSON.stringify(output.task_status)}`,
        );
    }
  }
}
