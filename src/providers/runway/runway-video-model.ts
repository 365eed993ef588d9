/**
 * Runway's developer API (api.dev.runwayml.com, `X-Runway-Version: 2024-11-06`).
 *
 * - start: `POST /v1/image_to_video` when a frame is given, else `POST /v1/text_to_video`;
 *   camelCase JSON: `model`, `promptText`, `promptImage` (a URL or data URI, or
 *   `[{uri, position: "first" | "last"}]` when a last frame goes too), `ratio` as pixel sizes
 *   (`1280:720`), integer `duration`, `seed`, and `audio` for the resold Veo models only.
 *   `gen4_turbo` makes video from an image only; `gen4.5` from text or an image.
 * - status: `GET /v1/tasks/{id}`: PENDING | THROTTLED (waiting for a slot of the tier) |
 *   RUNNING | SUCCEEDED | FAILED | CANCELLED. A failed task has `failureCode`: `SAFETY.*` is a
 *   refusal; `INTERNAL.BAD_OUTPUT.*` is worth another try; `ASSET.INVALID` is a bad input.
 * - result: `output[0]`, a signed URL valid 24–48 hours (a fresh one comes with every poll);
 *   `cost.credits` is what the task was charged.
 */
import type { JSONObject } from '@ai-sdk/provider';
import { z } from 'zod';
import { ShotrouterError } from '../../errors.ts';
import {
  fileUrl,
  frameAnchors,
  operationOf,
  ownProviderOptions,
  ratioValue,
  requestedSize,
  throwIfAborted,
  unsupported,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, completedAtUrl, type StartResult } from '../connected-video-model.ts';
import { providerErrors } from '../errors.ts';
import { type HttpFailure, parseShape } from '../http.ts';
import type { VideoCallOptions, VideoStatus } from '../types.ts';

export const RUNWAY_PROVIDER = 'runway';
export const RUNWAY_API_VERSION = '2024-11-06';

type Endpoint = 'text_to_video' | 'image_to_video';

interface RunwayModel {
  /** the `ratio` values each endpoint takes; an endpoint left out is not offered */
  ratios: Partial<Record<Endpoint, readonly string[]>>;
  /** takes `audio` (the resold Veo models) */
  audio: boolean;
  /** takes a last frame (`position: "last"`) */
  lastFrame: boolean;
}

const GEN4_RATIOS = ['1280:720', '720:1280', '1104:832', '832:1104', '960:960', '1584:672'];
const VEO_RATIOS = ['1280:720', '720:1280', '1080:1920', '1920:1080'];
const VEO: RunwayModel = {
  ratios: { text_to_video: VEO_RATIOS, image_to_video: VEO_RATIOS },
  audio: true,
  lastFrame: true,
};

/** What this adapter knows of Runway's models (SDK 4.x / API 2024-11-06). */
const MODELS: Record<string, RunwayModel> = {
  gen4_turbo: { ratios: { image_to_video: GEN4_RATIOS }, audio: false, lastFrame: false },
  'gen4.5': {
    ratios: { text_to_video: ['1280:720', '720:1280'], image_to_video: GEN4_RATIOS },
    audio: false,
    lastFrame: false,
  },
  'veo3.1': VEO,
  'veo3.1_fast': VEO,
  veo3: VEO,
};

/** Runway's own models and the resold Veo render at 24 fps (the API has no fps field). */
const RUNWAY_FPS = 24;

/** `providerOptions.runway`. */
const optionsSchema = z
  .object({
    /** how strictly recognisable public figures are refused: `auto` (default) or `low` */
    publicFigureThreshold: z.enum(['auto', 'low']).optional(),
    /** the exact `ratio` to send (e.g. `1104:832`), instead of the one derived from the size */
    ratio: z
      .string()
      .regex(/^\d+:\d+$/)
      .optional(),
  })
  .strict();

export interface RunwayOperation extends JSONObject {
  taskId: string;
}

export interface RunwayRequest {
  endpoint: Endpoint;
  body: Record<string, unknown>;
  warnings: Warning[];
}

export function buildRunwayRequest(modelId: string, options: VideoCallOptions): RunwayRequest {
  const warnings: Warning[] = [];
  const own = ownProviderOptions(options, RUNWAY_PROVIDER, optionsSchema);
  const model = MODELS[modelId];
  const { first, last } = frameAnchors(options);
  const endpoint: Endpoint = first ? 'image_to_video' : 'text_to_video';
  if (model && !model.ratios[endpoint]) {
    throw providerErrors.invalidRequest(
      RUNWAY_PROVIDER,
      `${modelId} makes video from an image only: give it a first frame`,
    );
  }
  const body: Record<string, unknown> = { model: modelId };
  if (options.prompt) body.promptText = options.prompt;
  if (first) {
    if (last && (model?.lastFrame ?? true)) {
      body.promptImage = [
        { uri: fileUrl(first), position: 'first' },
        { uri: fileUrl(last), position: 'last' },
      ];
    } else {
      body.promptImage = fileUrl(first);
      if (last)
        warnings.push(
          unsupported('frameImages', `${modelId} takes no last frame; it was left out`),
        );
    }
  } else if (last) {
    warnings.push(
      unsupported(
        'frameImages',
        'Runway takes a last frame only with a first frame; it was left out',
      ),
    );
  }
  const ratio = own.ratio ?? pickRunwayRatio(options, model?.ratios[endpoint], warnings);
  if (ratio) body.ratio = ratio;
  if (options.duration !== undefined) body.duration = options.duration;
  if (options.seed !== undefined) body.seed = options.seed;
  if (model?.audio) {
    if (options.generateAudio !== undefined) body.audio = options.generateAudio;
  } else if (options.generateAudio) {
    warnings.push(unsupported('generateAudio', `${modelId} makes no sound`));
  }
  if (own.publicFigureThreshold)
    body.contentModeration = { publicFigureThreshold: own.publicFigureThreshold };
  if (options.n > 1) warnings.push(unsupported('n', 'Runway makes one video per task'));
  unsupportedOptions(options, ['fps', 'inputReferences'], RUNWAY_PROVIDER, warnings, RUNWAY_FPS);
  return { endpoint, body, warnings };
}

/**
 * Runway's `ratio` is a pixel size (`1280:720`). The requested size when offered; else the
 * offered size nearest in shape, then in area, with a `compatibility` warning.
 */
function pickRunwayRatio(
  options: VideoCallOptions,
  offered: readonly string[] | undefined,
  warnings: Warning[],
): string | undefined {
  const size = requestedSize(RUNWAY_PROVIDER, options);
  const wanted = size ? size.width / size.height : ratioValue(options.aspectRatio);
  if (wanted === undefined) return offered?.[0];
  const exact = size ? `${size.width}:${size.height}` : undefined;
  if (!offered) return exact;
  if (exact && offered.includes(exact)) return exact;
  const area = size ? size.width * size.height : 1280 * 720;
  const distance = (candidate: string) => {
    const [w = 1, h = 1] = candidate.split(':').map(Number);
    return Math.abs(Math.log(w / h / wanted)) * 100 + Math.abs(Math.log((w * h) / area));
  };
  const chosen = [...offered].sort((a, b) => distance(a) - distance(b))[0]!;
  warnings.push({
    type: 'compatibility',
    feature: 'resolution',
    details: `${options.resolution ?? options.aspectRatio} is not offered; sent ratio ${chosen}`,
  });
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// Replies and errors

export const taskSchema = z.object({
  id: z.string().min(1),
  status: z.enum(['PENDING', 'THROTTLED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']),
  createdAt: z.string().nullish(),
  progress: z.number().nullish(),
  output: z.array(z.string()).nullish(),
  failure: z.string().nullish(),
  failureCode: z.string().nullish(),
  cost: z.object({ credits: z.number() }).nullish(),
  estimatedCost: z.object({ credits: z.number() }).nullish(),
});
export type RunwayTask = z.infer<typeof taskSchema>;

/** A failed task's `failureCode` as one of the engine's codes (`undefined`: unknown). */
export function failureCodeOf(failureCode: string | undefined): string | undefined {
  if (!failureCode) return undefined;
  if (failureCode.includes('SAFETY')) return 'content_refused';
  if (failureCode.startsWith('ASSET')) return 'invalid_request';
  if (failureCode.startsWith('INTERNAL')) return 'server_error';
  return undefined;
}

/**
 * Runway's error replies are `{error, issues?}`: validation issues are added to the message so
 * that the user sees which field; a lack of credits is `out_of_credit`.
 */
export function mapRunwayError(failure: HttpFailure): ShotrouterError | undefined {
  const body = failure.body as { error?: unknown; issues?: unknown } | undefined;
  const message = typeof body?.error === 'string' ? body.error : undefined;
  if (message && /credit/i.test(message) && failure.status < 500 && failure.status !== 429) {
    return new ShotrouterError('out_of_credit', `runway: ${message}`);
  }
  if (failure.status === 400 && message && Array.isArray(body?.issues)) {
    const issues = body.issues
      .map((issue) => {
        const { path, message: what } = (issue ?? {}) as { path?: unknown; message?: unknown };
        const at = Array.isArray(path) && path.length > 0 ? `${path.join('.')}: ` : '';
        return typeof what === 'string' ? `${at}${what}` : undefined;
      })
      .filter(Boolean);
    if (issues.length > 0)
      return providerErrors.invalidRequest(RUNWAY_PROVIDER, `${message}: ${issues.join('; ')}`);
  }
  return undefined;
}

export class RunwayVideoModel extends ConnectedVideoModel {
  readonly provider = RUNWAY_PROVIDER;

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    const { endpoint, body, warnings } = buildRunwayRequest(this.modelId, options);
    const reply = await this.connection.client().post(`/v1/${endpoint}`, body, {
      // Runway documents no idempotency keys; the header goes out for proxies that honour it
      headers: options.headers,
      signal: options.abortSignal,
    });
    const created = parseShape(
      RUNWAY_PROVIDER,
      z.object({ id: z.string().min(1) }),
      reply.body,
      'created task',
    );
    const operation: RunwayOperation = { taskId: created.id };
    return this.started(operation, warnings, { runway: { taskId: created.id } }, reply.headers);
  }

  async doStatus(options: {
    operation: unknown;
    abortSignal?: AbortSignal;
    headers?: Record<string, string | undefined>;
  }): Promise<VideoStatus> {
    const { taskId } = operationOf<RunwayOperation>(
      RUNWAY_PROVIDER,
      options.operation,
      (op) => typeof op.taskId === 'string',
      'a Runway task',
    );
    throwIfAborted(RUNWAY_PROVIDER, options.abortSignal);
    const reply = await this.connection.client().get(`/v1/tasks/${encodeURIComponent(taskId)}`, {
      signal: options.abortSignal,
    });
    const task = parseShape(RUNWAY_PROVIDER, taskSchema, reply.body, 'task');
    const response = this.responseOf(reply.headers);
    const providerMetadata = { runway: metadataOf(task) };
    switch (task.status) {
      case 'PENDING':
      case 'THROTTLED':
      case 'RUNNING':
        return { status: 'pending', providerMetadata, response };
      case 'FAILED':
      case 'CANCELLED': {
        const code =
          task.status === 'FAILED' ? failureCodeOf(task.failureCode ?? undefined) : undefined;
        return {
          status: 'error',
          error:
            task.failure ??
            (task.status === 'CANCELLED' ? 'the task was cancelled' : 'the task failed'),
          providerMetadata: { ...providerMetadata, shotrouter: code ? { code } : {} },
          response,
        };
      }
      case 'SUCCEEDED': {
        const url = task.output?.[0];
        if (!url)
          throw providerErrors.malformedResponse(RUNWAY_PROVIDER, 'a finished task without output');
        return completedAtUrl(url, providerMetadata, response);
      }
    }
  }
}

function metadataOf(task: RunwayTask): JSONObject {
  return {
    taskId: task.id,
    status: task.status,
    ...(task.progress != null ? { progress: task.progress } : {}),
    ...(task.cost ? { credits: task.cost.credits } : {}),
    ...(task.estimatedCost ? { estimatedCredits: task.estimatedCost.credits } : {}),
    ...(task.failureCode ? { failureCode: task.failureCode } : {}),
  };
}
