/**
 * Kling on its own API (api-singapore.klingai.com): text-to-video and image-to-video.
 *
 * - start: `POST /v1/videos/text2video`, or `/v1/videos/image2video` when a first or last frame
 *   is given; snake_case JSON: `model_name`, `prompt`, `mode` (`std` 720p, `pro` 1080p, `4k`
 *   on kling-v3), `duration` as a STRING, `aspect_ratio` (text-to-video; image-to-video follows
 *   the image), `sound` (`on`/`off`, kling-v2-6 and kling-v3 only), `image` / `image_tail` as
 *   raw base64 (no `data:` prefix) or URL, and `external_task_id` = the engine's idempotency key.
 * - multi-shot (kling-v3): `providerOptions.kling.multiPrompt: [{prompt, duration}, …]` (1–6
 *   shots whose whole seconds add up to the clip's) is sent as `multi_shot: true`,
 *   `shot_type: "customize"`, `multi_prompt: [{index, prompt, duration}]`; or
 *   `shotType: "intelligence"` lets Kling cut the prompt itself.
 * - status: `GET /v1/videos/{action}/{task_id}`; `task_status` submitted | processing |
 *   succeed | failed. Every reply is the envelope `{code, message, request_id, data}`, where a
 *   non-zero `code` is an error even under HTTP 200.
 * - result: `task_result.videos[0].url`, a public CDN URL (kept 30 days), handed to the engine
 *   as a URL; `final_unit_deduction` (Kling units) is kept for the cost.
 */
import type { JSONObject } from '@ai-sdk/provider';
import { z } from 'zod';
import { ShotrouterError } from '../../errors.ts';
import {
  frameAnchors,
  idempotencyKeyOf,
  negativePromptOf,
  operationOf,
  ownProviderOptions,
  pickRatio,
  requestedSize,
  throwIfAborted,
  unsupported,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, completedAtUrl, type StartResult } from '../connected-video-model.ts';
import { providerError, providerErrors } from '../errors.ts';
import { type HttpFailure, type JsonResponse, parseShape, type VideoFile } from '../http.ts';
import type { VideoCallOptions, VideoStatus } from '../types.ts';

export const KLING_PROVIDER = 'kling';

export type KlingAction = 'text2video' | 'image2video';

/** Kling renders at 24 fps (capability map; kling-v3's rate is unconfirmed). */
const KLING_FPS = 24;
const RATIOS = ['16:9', '9:16', '1:1'] as const;
/** Models that take `sound` (v3 Omni and v4 included). */
const SOUND_MODELS = /^kling-v(2-6|3|4)/;

/** `providerOptions.kling` (camelCase here, snake_case on the wire). */
const optionsSchema = z
  .object({
    /** `std` (720p), `pro` (1080p) or `4k` (kling-v3); default: from `resolution` */
    mode: z.enum(['std', 'pro', '4k']).optional(),
    negativePrompt: z.string().max(2500).optional(),
    /** 0..1, how closely to follow the prompt (not on v2.x) */
    cfgScale: z.number().min(0).max(1).optional(),
    /** Kling's `camera_control` object, sent as is */
    cameraControl: z.record(z.string(), z.unknown()).optional(),
    /** kling-v3 multi-shot: the shots of one generation, in order */
    multiPrompt: z
      .array(z.object({ prompt: z.string().min(1).max(512), duration: z.number().int().min(1) }))
      .min(1)
      .max(6)
      .optional(),
    /** `customize` (default with multiPrompt) or `intelligence` (Kling cuts the prompt itself) */
    shotType: z.enum(['customize', 'intelligence']).optional(),
    /** element ids registered with Kling (`element_list`, ≤3) */
    elementIds: z.array(z.string()).max(3).optional(),
    /** voice ids (`voice_list`, ≤2; needs sound) */
    voiceIds: z.array(z.string()).max(2).optional(),
    /** ask for a watermarked copy as well */
    watermark: z.boolean().optional(),
  })
  .strict();

export type KlingOptions = z.infer<typeof optionsSchema>;

export interface KlingOperation extends JSONObject {
  taskId: string;
  action: KlingAction;
}

export interface KlingRequest {
  action: KlingAction;
  body: Record<string, unknown>;
  warnings: Warning[];
}

/** The create request for a call (pure apart from reading the options). */
export function buildKlingRequest(modelId: string, options: VideoCallOptions): KlingRequest {
  const warnings: Warning[] = [];
  const own = ownProviderOptions(options, KLING_PROVIDER, optionsSchema);
  const { first, last } = frameAnchors(options);
  const action: KlingAction = first || last ? 'image2video' : 'text2video';
  const body: Record<string, unknown> = { model_name: modelId };
  if (options.prompt) body.prompt = options.prompt;
  // Kling takes at most 2500 characters of negative prompt
  const negative = own.negativePrompt ?? negativePromptOf(options)?.slice(0, 2500);
  if (negative) body.negative_prompt = negative;
  if (own.cfgScale !== undefined) body.cfg_scale = own.cfgScale;
  if (own.cameraControl) body.camera_control = own.cameraControl;

  const mode = own.mode ?? modeOf(requestedSize(KLING_PROVIDER, options));
  if (mode) body.mode = mode;
  let seconds = options.duration;
  const multiShot = multiShotFields(withEngineCuts(own, modelId, options), seconds);
  if (multiShot) {
    Object.assign(body, multiShot.fields);
    seconds = multiShot.seconds;
  }
  if (seconds !== undefined) body.duration = String(seconds);
  if (action === 'text2video') {
    const ratio = pickRatio(KLING_PROVIDER, options, RATIOS, warnings);
    if (ratio) body.aspect_ratio = ratio;
  }
  if (SOUND_MODELS.test(modelId)) {
    if (options.generateAudio !== undefined) body.sound = options.generateAudio ? 'on' : 'off';
  } else if (options.generateAudio) {
    warnings.push(
      unsupported(
        'generateAudio',
        `${modelId} makes no sound; only kling-v2-6 (pro), kling-v3 and kling-v4 do`,
      ),
    );
  }
  if (first) body.image = klingImage(first);
  if (last) {
    if (multiShot)
      warnings.push(
        unsupported('frameImages', 'Kling multi-shot takes no end frame; it was left out'),
      );
    else body.image_tail = klingImage(last);
  }
  if (own.elementIds) body.element_list = own.elementIds.map((element_id) => ({ element_id }));
  if (own.voiceIds) body.voice_list = own.voiceIds.map((voice_id) => ({ voice_id }));
  if (own.watermark !== undefined) body.watermark_info = { enabled: own.watermark };
  const key = idempotencyKeyOf(options);
  if (key) body.external_task_id = key;

  if (options.n > 1) warnings.push(unsupported('n', 'Kling makes one video per task'));
  unsupportedOptions(options, ['seed', 'fps'], KLING_PROVIDER, warnings, KLING_FPS);
  if ((options.inputReferences?.length ?? 0) > 0) {
    warnings.push(
      unsupported(
        'inputReferences',
        'Kling takes references as registered elements (providerOptions.kling.elementIds)',
      ),
    );
  }
  return { action, body, warnings };
}

/** `std` up to 720p, `pro` up to 1080p, `4k` above (by the frame's short side). */
function modeOf(
  size: { width: number; height: number } | undefined,
): 'std' | 'pro' | '4k' | undefined {
  if (!size) return undefined;
  const short = Math.min(size.width, size.height);
  return short <= 720 ? 'std' : short <= 1080 ? 'pro' : '4k';
}

/**
 * The engine describes a multi-shot generation provider-neutrally in
 * `providerOptions.shotrouter.cuts`; on kling-v3 that becomes native multi-shot, unless the
 * caller gave `multiPrompt` itself.
 */
function withEngineCuts(
  own: KlingOptions,
  modelId: string,
  options: VideoCallOptions,
): KlingOptions {
  // native multi-shot is kling-v3's (not its Omni sibling's)
  const multiShotModel = modelId.startsWith('kling-v3') && !modelId.startsWith('kling-v3-omni');
  if (own.multiPrompt || own.shotType || !multiShotModel) return own;
  const cuts = (options.providerOptions?.shotrouter as { cuts?: unknown } | undefined)?.cuts;
  if (!Array.isArray(cuts) || cuts.length < 2 || cuts.length > 6) return own;
  return {
    ...own,
    multiPrompt: cuts.map((cut: { prompt: string; seconds: number }) => ({
      prompt: cut.prompt.slice(0, 512),
      duration: cut.seconds,
    })),
  };
}

function multiShotFields(
  own: KlingOptions,
  duration: number | undefined,
): { fields: Record<string, unknown>; seconds: number | undefined } | undefined {
  if (own.multiPrompt) {
    if (own.shotType === 'intelligence') {
      throw providerErrors.invalidRequest(KLING_PROVIDER, 'multiPrompt needs shotType "customize"');
    }
    const total = own.multiPrompt.reduce((sum, shot) => sum + shot.duration, 0);
    if (duration !== undefined && total !== duration) {
      throw providerErrors.invalidRequest(
        KLING_PROVIDER,
        `the multiPrompt shots add up to ${total} s, not the clip's ${duration} s`,
      );
    }
    return {
      fields: {
        multi_shot: true,
        shot_type: 'customize',
        multi_prompt: own.multiPrompt.map((shot, i) => ({
          index: i + 1,
          prompt: shot.prompt,
          duration: String(shot.duration),
        })),
      },
      seconds: total,
    };
  }
  if (own.shotType === 'intelligence') {
    return { fields: { multi_shot: true, shot_type: 'intelligence' }, seconds: duration };
  }
  return undefined;
}

/** Kling takes an image as a URL, or as raw base64 with no `data:` prefix. */
function klingImage(file: VideoFile): string {
  if (file.type === 'url') {
    const inline = /^data:[^,]*;base64,(.*)$/s.exec(file.url);
    return inline ? inline[1]! : file.url;
  }
  return typeof file.data === 'string' ? file.data : Buffer.from(file.data).toString('base64');
}

// ---------------------------------------------------------------------------------------------
// Replies and errors

const envelopeSchema = z.object({
  code: z.number(),
  message: z.string().nullish(),
  request_id: z.string().nullish(),
  data: z.unknown().optional(),
});

export const taskSchema = z.object({
  task_id: z.string().min(1),
  task_status: z.enum(['submitted', 'processing', 'succeed', 'failed']),
  task_status_msg: z.string().nullish(),
  task_info: z.object({ external_task_id: z.string().nullish() }).nullish(),
  final_unit_deduction: z.union([z.string(), z.number()]).nullish(),
  task_result: z
    .object({
      videos: z
        .array(
          z.object({
            id: z.string().nullish(),
            url: z.string().min(1),
            watermark_url: z.string().nullish(),
            duration: z.union([z.string(), z.number()]).nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
export type KlingTask = z.infer<typeof taskSchema>;

export function parseTask(data: unknown): KlingTask {
  return parseShape(KLING_PROVIDER, taskSchema, data, 'task');
}

/**
 * Kling's body `code`s as typed errors (`undefined`: not one of them).
 * 1000–1004 authentication (bad, expired or not-yet-valid token), 1100–1102 account or
 * resource pack empty, 1103 no access to the resource, 1200–1203 bad request / unknown model,
 * 1300–1301 content policy, 1302–1303 request rate / parallel tasks over the pack's limit,
 * 1304 IP not allowed, 5000–5002 server trouble.
 */
export function klingCodeError(
  code: number,
  message: string,
  apiKeyEnv: string | undefined,
  retryAfterSeconds?: number,
): ShotrouterError | undefined {
  const check = apiKeyEnv ? `; check ${apiKeyEnv} and KLING_ACCESS_KEY` : '';
  const said = `${message} (code ${code})`;
  if ((code >= 1000 && code <= 1004) || code === 1103 || code === 1304) {
    return new ShotrouterError('authentication', `kling: ${said}${check}`);
  }
  if (code >= 1100 && code <= 1102) {
    return new ShotrouterError(
      'out_of_credit',
      `kling: ${said}; top up the account or resource pack`,
    );
  }
  if (code >= 1200 && code <= 1203) return providerErrors.invalidRequest(KLING_PROVIDER, said);
  if (code === 1300 || code === 1301) return providerErrors.contentRefused(KLING_PROVIDER, said);
  if (code === 1302 || code === 1303) {
    const error = providerErrors.rateLimited(KLING_PROVIDER, retryAfterSeconds);
    return providerError('rate_limited', `${error.message}: ${said}`, { retryAfterSeconds });
  }
  if (code >= 5000 && code <= 5002) {
    return providerError('server_error', `kling: server error: ${said}`);
  }
  return undefined;
}

/** The HTTP client's hook: error replies carry the same envelope. */
export function mapKlingError(
  failure: HttpFailure,
  apiKeyEnv: string | undefined,
): ShotrouterError | undefined {
  const code = (failure.body as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'number') return undefined;
  return klingCodeError(
    code,
    failure.message ?? `HTTP ${failure.status}`,
    apiKeyEnv,
    failure.retryAfterSeconds,
  );
}

/** The `data` of a 2xx envelope; a non-zero `code` is thrown as its error. */
export function envelopeData(reply: JsonResponse, apiKeyEnv: string | undefined): unknown {
  const envelope = parseShape(KLING_PROVIDER, envelopeSchema, reply.body, 'reply envelope');
  if (envelope.code !== 0) {
    throw (
      klingCodeError(envelope.code, envelope.message ?? 'error', apiKeyEnv) ??
      providerErrors.malformedResponse(
        KLING_PROVIDER,
        `code ${envelope.code}: ${envelope.message ?? ''}`,
      )
    );
  }
  return envelope.data;
}

/** Task paths: `/v1/videos/{action}` and `/v1/videos/{action}/{id}` (id: task or external id). */
export function taskPath(action: KlingAction, id?: string): string {
  return id === undefined
    ? `/v1/videos/${action}`
    : `/v1/videos/${action}/${encodeURIComponent(id)}`;
}

const REFUSAL = /risk|security|policy|sensitive|moderat|violat|inappropriate/i;

export class KlingVideoModel extends ConnectedVideoModel {
  readonly provider = KLING_PROVIDER;

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    const { action, body, warnings } = buildKlingRequest(this.modelId, options);
    const reply = await this.connection.client().post(taskPath(action), body, {
      headers: options.headers,
      signal: options.abortSignal,
    });
    const task = parseTask(envelopeData(reply, this.connection.apiKeyEnv));
    const operation: KlingOperation = { taskId: task.task_id, action };
    return this.started(operation, warnings, { kling: metadataOf(task) }, reply.headers);
  }

  async doStatus(options: {
    operation: unknown;
    abortSignal?: AbortSignal;
    headers?: Record<string, string | undefined>;
  }): Promise<VideoStatus> {
    const { taskId, action } = operationOf<KlingOperation>(
      KLING_PROVIDER,
      options.operation,
      (op) =>
        typeof op.taskId === 'string' &&
        (op.action === 'text2video' || op.action === 'image2video'),
      'a Kling task',
    );
    throwIfAborted(KLING_PROVIDER, options.abortSignal);
    const reply = await this.connection
      .client()
      .get(taskPath(action, taskId), { signal: options.abortSignal });
    const task = parseTask(envelopeData(reply, this.connection.apiKeyEnv));
    const response = this.responseOf(reply.headers);
    const providerMetadata = { kling: metadataOf(task) };
    if (task.task_status === 'submitted' || task.task_status === 'processing') {
      return { status: 'pending', providerMetadata, response };
    }
    if (task.task_status === 'failed') {
      const message = task.task_status_msg || 'the task failed';
      return {
        status: 'error',
        error: message,
        providerMetadata: {
          ...providerMetadata,
          shotrouter: REFUSAL.test(message) ? { code: 'content_refused' } : {},
        },
        response,
      };
    }
    const video = task.task_result?.videos?.[0];
    if (!video)
      throw providerErrors.malformedResponse(KLING_PROVIDER, 'a finished task without a video');
    return completedAtUrl(video.url, providerMetadata, response);
  }
}

function metadataOf(task: KlingTask): JSONObject {
  const units = task.final_unit_deduction == null ? undefined : Number(task.final_unit_deduction);
  const video = task.task_result?.videos?.[0];
  return {
    taskId: task.task_id,
    status: task.task_status,
    ...(units !== undefined && Number.isFinite(units) ? { units } : {}),
    ...(video?.duration != null ? { duration: Number(video.duration) } : {}),
    ...(video?.watermark_url ? { watermarkUrl: video.watermark_url } : {}),
  };
}
