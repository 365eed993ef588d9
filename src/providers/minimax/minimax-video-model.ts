/**
 * MiniMax's video generation API (api.minimax.io; docs/sandbox-providers.md "minimax") as an AI
 * SDK video model. Two generations of the API, chosen by model:
 *
 * - Hailuo (v1): `POST /v1/video_generation` with `model`, `prompt`, `duration`, `resolution`
 *   (`512P` | `768P` | `1080P`), `first_frame_image` / `last_frame_image` (URL or data URI);
 *   reply `{task_id}`. Poll `GET /v1/query/video_generation?task_id=`: `Preparing` | `Queueing` |
 *   `Processing` | `Success` (with `file_id`) | `Fail`. The clip's URL comes from
 *   `GET /v1/files/retrieve?file_id=` (`file.download_url`).
 * - H3 (v2): `POST /v2/video_generation` with a `content` list (a `text` item; `image_url` items
 *   with the roles `first_frame`, `last_frame` or `reference_image`), `duration` (4–15),
 *   `resolution` (`768P` | `2K`), `ratio`. Poll `GET /v2/query/video_generation/{id}`: `queued` |
 *   `running` | `succeeded` (with `content.url`) | `failed` | `cancelled` | `expired`.
 *
 * Every reply carries `base_resp: {status_code, status_msg}`; a non-zero code is an error even
 * with HTTP 200 (see `baseRespError`). MiniMax takes no seed and no idempotency key.
 */
import type { JSONObject, JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import type { ShotrouterError } from '../../errors.ts';
import {
  cancelledTask,
  expiredTask,
  failedStatus,
  fileUrl,
  frameAnchors,
  operationOf,
  pickDuration,
  pickRatio,
  pickTier,
  providerOptionsOf,
  pushReferenceContent,
  references,
  requestedRatio,
  requestedSize,
  signalOf,
  throwIfAborted,
  unsupported,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, completedAtUrl, type StartResult } from '../connected-video-model.ts';
import { providerErrors, retryAfterSeconds } from '../errors.ts';
import { type HttpFailure, type JsonResponse, parseShape } from '../http.ts';
import type { VideoCallOptions, VideoStatus } from '../types.ts';

export const MINIMAX_PROVIDER = 'minimax';

type Api = 'v1' | 'v2';

export interface MiniMaxModel {
  api: Api;
  /** MiniMax's resolution name → the seconds it allows */
  durations: Readonly<Record<string, readonly number[]>>;
  imageRequired: boolean;
  lastFrame: boolean;
  references: boolean;
  /** `always`: the model adds sound by itself (H3); `none`: silent (Hailuo) */
  audio: 'none' | 'always';
}

const H3_SECONDS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const HAILUO_2_3 = { '768P': [6, 10], '1080P': [6] };

/** What this adapter knows of MiniMax's video models. */
const MODELS: Record<string, MiniMaxModel> = {
  'MiniMax-H3': {
    api: 'v2',
    durations: { '768P': H3_SECONDS, '2K': H3_SECONDS },
    imageRequired: false,
    lastFrame: true,
    references: true,
    audio: 'always',
  },
  'MiniMax-Hailuo-2.3': {
    api: 'v1',
    durations: HAILUO_2_3,
    imageRequired: false,
    lastFrame: false,
    references: false,
    audio: 'none',
  },
  'MiniMax-Hailuo-2.3-Fast': {
    api: 'v1',
    durations: HAILUO_2_3,
    imageRequired: true,
    lastFrame: false,
    references: false,
    audio: 'none',
  },
  'MiniMax-Hailuo-02': {
    api: 'v1',
    durations: { '512P': [6, 10], '768P': [6, 10], '1080P': [6] },
    imageRequired: false,
    lastFrame: true,
    references: false,
    audio: 'none',
  },
};

/** The model's facts; an id not in the table is sent as asked (H3 variants on v2). */
export function minimaxModel(modelId: string): MiniMaxModel | undefined {
  return MODELS[modelId];
}

function apiOf(modelId: string): Api {
  return MODELS[modelId]?.api ?? (/^MiniMax-H\d/i.test(modelId) ? 'v2' : 'v1');
}

/** MiniMax's resolution names by the catalog tier they are nearest to. */
const NAME_OF_TIER: Record<string, string> = {
  '540p': '512P',
  '720p': '768P',
  '1080p': '1080P',
  '1440p': '2K',
};
const TIER_OF_NAME = Object.fromEntries(Object.entries(NAME_OF_TIER).map(([t, n]) => [n, t]));
const V2_RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '21:9'] as const;
/** MiniMax renders at 24 fps and has no frame-rate field. */
export const MINIMAX_FPS = 24;

/** A request body field the caller may not override through providerOptions. */
const OWN_FIELDS = new Set(['model', 'content', 'prompt']);

export interface MiniMaxOperation extends JSONObject {
  taskId: string;
  api: Api;
}

const BaseResp = z
  .looseObject({ status_code: z.number(), status_msg: z.string().nullish() })
  .nullish();
const CreatedSchema = z.looseObject({
  task_id: z.union([z.string(), z.number()]).nullish(),
  id: z.union([z.string(), z.number()]).nullish(),
});
const QueryV1Schema = z.looseObject({
  task_id: z.union([z.string(), z.number()]).nullish(),
  status: z.string(),
  file_id: z.union([z.string(), z.number()]).nullish(),
  video_width: z.number().nullish(),
  video_height: z.number().nullish(),
  base_resp: BaseResp,
});
const FileSchema = z.looseObject({
  file: z.looseObject({ download_url: z.string().min(1) }),
});
const TaskV2Schema = z.looseObject({
  id: z.union([z.string(), z.number()]).nullish(),
  status: z.string(),
  content: z.looseObject({ url: z.string().nullish(), duration: z.number().nullish() }).nullish(),
  resolution: z.string().nullish(),
  ratio: z.string().nullish(),
  error: z
    .looseObject({
      code: z.union([z.string(), z.number()]).nullish(),
      message: z.string().nullish(),
    })
    .nullish(),
});

/**
 * MiniMax's `base_resp.status_code` as the engine's error (codes from the API's error-code
 * list: 1002 rate limit, 1004 / 2049 key refused, 1008 balance, 1026 / 1027 sensitive content,
 * 2013 invalid parameters, 1000 / 1001 / 1024 / 1033 server side); undefined for 0.
 */
export function baseRespError(
  code: number,
  message: string | null | undefined,
  headers: Record<string, string> | undefined,
  apiKeyEnv: string | undefined,
): ShotrouterError | undefined {
  if (code === 0) return undefined;
  const words = `${message ?? 'no message'} (status_code ${code})`;
  switch (code) {
    case 1002:
    case 1039:
      return providerErrors.rateLimited(MINIMAX_PROVIDER, retryAfterSeconds(headers));
    case 1004:
    case 2049:
      return providerErrors.authentication(MINIMAX_PROVIDER, apiKeyEnv);
    case 1008:
      return providerErrors.outOfCredit(MINIMAX_PROVIDER);
    case 1026:
    case 1027:
      return providerErrors.contentRefused(MINIMAX_PROVIDER, words);
    case 1000:
    case 1001:
    case 1024:
    case 1033:
      return providerErrors.serverError(MINIMAX_PROVIDER);
    default:
      return providerErrors.invalidRequest(MINIMAX_PROVIDER, words);
  }
}

/** A non-2xx reply that carries `base_resp` (else the default mapping by HTTP status). */
export function mapMiniMaxError(
  failure: HttpFailure,
  apiKeyEnv: string | undefined,
): ShotrouterError | undefined {
  const resp = (failure.body as { base_resp?: { status_code?: unknown; status_msg?: unknown } })
    ?.base_resp;
  if (typeof resp?.status_code !== 'number' || failure.status >= 500) return undefined;
  return baseRespError(
    resp.status_code,
    typeof resp.status_msg === 'string' ? resp.status_msg : undefined,
    failure.headers,
    apiKeyEnv,
  );
}

/** Throws the error a 2xx reply's non-zero `base_resp` stands for. */
function checkBaseResp(reply: JsonResponse, apiKeyEnv: string | undefined): void {
  const resp = parseShape(
    MINIMAX_PROVIDER,
    z.looseObject({ base_resp: BaseResp }),
    reply.body,
    'reply',
  ).base_resp;
  const error = resp
    ? baseRespError(resp.status_code, resp.status_msg, reply.headers, apiKeyEnv)
    : undefined;
  if (error) throw error;
}

/** The shotrouter code of a failed task's error code. */
function taskErrorCode(code: unknown): string | undefined {
  return code === 1026 || code === 1027 || code === '1026' || code === '1027'
    ? 'content_refused'
    : undefined;
}

export class MiniMaxVideoModel extends ConnectedVideoModel {
  readonly provider = MINIMAX_PROVIDER;

  /** The create request for the call options, and what could not be sent as asked. */
  buildRequest(options: VideoCallOptions): {
    path: string;
    body: Record<string, JSONValue>;
    warnings: Warning[];
  } {
    const warnings: Warning[] = [];
    const api = apiOf(this.modelId);
    const facts = minimaxModel(this.modelId);
    const { first, last } = frameAnchors(options);
    if (last && !first)
      throw providerErrors.invalidRequest(this.provider, 'a last frame needs a first frame');
    if (facts?.imageRequired && !first) {
      throw providerErrors.invalidRequest(
        this.provider,
        `${this.modelId} makes video from an image only: give it a first frame`,
      );
    }
    const body: Record<string, JSONValue> = { model: this.modelId };
    const useLast = last && (facts?.lastFrame ?? true);
    if (last && !useLast)
      warnings.push(unsupported('frameImages', `${this.modelId} takes no last frame; left out`));
    const refs = references(options);
    const refCount = refs.images.length + refs.videos.length;

    if (api === 'v1') {
      if (options.prompt) body.prompt = options.prompt;
      if (first) body.first_frame_image = fileUrl(first);
      if (last && useLast) body.last_frame_image = fileUrl(last);
      if (!options.prompt && !first)
        throw providerErrors.invalidRequest(this.provider, 'a prompt or an image is required');
      if (refCount > 0)
        warnings.push(unsupported('inputReferences', `${this.modelId} takes no reference files`));
      const ratio = requestedRatio(this.provider, options);
      if (!first && ratio !== undefined && Math.abs(Math.log(ratio / (16 / 9))) > 0.01) {
        warnings.push({
          type: 'compatibility',
          feature: 'aspectRatio',
          details: `${this.modelId} renders 16:9 from text; ${options.aspectRatio ?? options.resolution} is not offered`,
        });
      }
    } else {
      if (!options.prompt)
        throw providerErrors.invalidRequest(this.provider, `${this.modelId} needs a text prompt`);
      const content: JSONObject[] = [{ type: 'text', text: options.prompt }];
      if (first)
        content.push({
          type: 'image_url',
          image_url: { url: fileUrl(first) },
          role: 'first_frame',
        });
      if (last && useLast)
        content.push({ type: 'image_url', image_url: { url: fileUrl(last) }, role: 'last_frame' });
      pushReferenceContent(
        content,
        refs,
        {
          modelId: this.modelId,
          vendor: 'MiniMax',
          takesReferences: !facts || facts.references,
          hasFrames: Boolean(first || last),
        },
        warnings,
      );
      body.content = content;
      const ratio = pickRatio(this.provider, options, V2_RATIOS, warnings);
      if (ratio) body.ratio = ratio;
    }

    const size = requestedSize(this.provider, options);
    let resolution: string | undefined;
    if (size && facts) {
      const tiers = Object.keys(facts.durations).map((name) => TIER_OF_NAME[name] ?? '720p');
      resolution = NAME_OF_TIER[pickTier(size, tiers, options, warnings)];
      if (resolution) body.resolution = resolution;
    }
    if (options.duration !== undefined) {
      const allowed = facts
        ? (facts.durations[resolution ?? Object.keys(facts.durations)[0]!] ?? [6])
        : [Math.max(1, Math.round(options.duration))];
      body.duration = pickDuration(options.duration, allowed, warnings);
    }
    if (facts?.audio === 'none')
      unsupportedOptions(options, ['generateAudio'], this.modelId, warnings);
    else if (options.generateAudio === false)
      warnings.push(unsupported('generateAudio', `${this.modelId} always adds sound`));
    unsupportedOptions(options, ['seed', 'fps'], 'MiniMax', warnings, MINIMAX_FPS);
    for (const [name, value] of Object.entries(providerOptionsOf(options, MINIMAX_PROVIDER))) {
      if (!OWN_FIELDS.has(name) && value !== undefined) body[name] = value;
    }
    return { path: `/${api}/video_generation`, body, warnings };
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    throwIfAborted(this.provider, options.abortSignal);
    const { path, body, warnings } = this.buildRequest(options);
    const reply = await this.connection.client().post(path, body, signalOf(options.abortSignal));
    checkBaseResp(reply, this.connection.apiKeyEnv);
    const created = parseShape(this.provider, CreatedSchema, reply.body, 'task creation');
    const id = created.task_id ?? created.id;
    if (id === null || id === undefined || id === '')
      throw providerErrors.malformedResponse(this.provider, 'task creation without a task_id');
    const operation: MiniMaxOperation = { taskId: String(id), api: apiOf(this.modelId) };
    return this.started(operation, warnings, { minimax: { taskId: String(id) } }, reply.headers);
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = operationOf<MiniMaxOperation>(
      this.provider,
      options.operation,
      (o) => typeof o.taskId === 'string' && (o.api === 'v1' || o.api === 'v2'),
      'a MiniMax task',
    );
    throwIfAborted(this.provider, options.abortSignal);
    return op.api === 'v1'
      ? this.statusV1(op, options.abortSignal)
      : this.statusV2(op, options.abortSignal);
  }

  private async statusV1(op: MiniMaxOperation, signal?: AbortSignal): Promise<VideoStatus> {
    const client = this.connection.client();
    const reply = await client.get('/v1/query/video_generation', {
      query: { task_id: op.taskId },
      ...signalOf(signal),
    });
    // a failed task reports its reason in base_resp; any other non-zero code is the query's own error
    if ((reply.body as { status?: unknown } | null)?.status !== 'Fail')
      checkBaseResp(reply, this.connection.apiKeyEnv);
    const task = parseShape(this.provider, QueryV1Schema, reply.body, 'task status');
    const response = this.responseOf(reply.headers);
    if (task.status === 'Fail') {
      const code = task.base_resp?.status_code;
      return failedStatus(
        this.modelId,
        `task ${op.taskId} failed: ${task.base_resp?.status_msg ?? 'no reason given'}`,
        taskErrorCode(code),
        { taskId: op.taskId },
        this.connection.now,
      );
    }
    switch (task.status) {
      case 'Preparing':
      case 'Queueing':
      case 'Processing':
        return {
          status: 'pending',
          providerMetadata: { minimax: { taskId: op.taskId, status: task.status } },
          response,
        };
      case 'Success': {
        if (task.file_id === null || task.file_id === undefined)
          throw providerErrors.malformedResponse(
            this.provider,
            `task ${op.taskId} succeeded without a file_id`,
          );
        const file = await client.get('/v1/files/retrieve', {
          query: { file_id: String(task.file_id) },
          ...signalOf(signal),
        });
        checkBaseResp(file, this.connection.apiKeyEnv);
        const url = parseShape(this.provider, FileSchema, file.body, 'file').file.download_url;
        return completedAtUrl(
          url,
          {
            minimax: {
              taskId: op.taskId,
              fileId: String(task.file_id),
              width: task.video_width ?? null,
              height: task.video_height ?? null,
            },
          },
          this.responseOf(file.headers),
        );
      }
      default:
        throw providerErrors.malformedResponse(
          this.provider,
          `unknown task status ${JSON.stringify(task.status)}`,
        );
    }
  }

  private async statusV2(op: MiniMaxOperation, signal?: AbortSignal): Promise<VideoStatus> {
    const reply = await this.connection
      .client()
      .get(`/v2/query/video_generation/${encodeURIComponent(op.taskId)}`, signalOf(signal));
    checkBaseResp(reply, this.connection.apiKeyEnv);
    const task = parseShape(this.provider, TaskV2Schema, reply.body, 'task status');
    const response = this.responseOf(reply.headers);
    const meta = { taskId: op.taskId, status: task.status };
    switch (task.status) {
      case 'queued':
      case 'running':
        return { status: 'pending', providerMetadata: { minimax: meta }, response };
      case 'succeeded': {
        const url = task.content?.url;
        if (!url)
          throw providerErrors.malformedResponse(
            this.provider,
            `task ${op.taskId} succeeded without content.url`,
          );
        return completedAtUrl(
          url,
          {
            minimax: {
              ...meta,
              resolution: task.resolution ?? null,
              ratio: task.ratio ?? null,
              duration: task.content?.duration ?? null,
            },
          },
          response,
        );
      }
      case 'failed':
        return failedStatus(
          this.modelId,
          `task ${op.taskId} failed: ${task.error?.message ?? 'no reason given'}${task.error?.code != null ? ` (${task.error.code})` : ''}`,
          taskErrorCode(task.error?.code),
          { taskId: op.taskId },
          this.connection.now,
        );
      case 'cancelled':
        return cancelledTask(this.modelId, op.taskId, this.connection.now);
      case 'expired':
        return expiredTask(this.modelId, op.taskId, this.connection.now);
      default:
        throw providerErrors.malformedResponse(
          this.provider,
          `unknown task status ${JSON.stringify(task.status)}`,
        );
    }
  }
}
