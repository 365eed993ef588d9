/**
 * Seedance on BytePlus ModelArk as an AI SDK video model.
 *
 * Start: `POST /api/v3/contents/generations/tasks` with a `content` list (the prompt as a
 * `text` item, images as `image_url` items with the roles `first_frame`, `last_frame` or
 * `reference_image`) and the body fields `resolution`, `ratio`, `duration`, `seed`,
 * `generate_audio` (the legacy `--rs/--rt/--dur` prompt flags are not used). Reply: `{id}`.
 * Poll: `GET …/tasks/{id}`: `queued` | `running` | `succeeded` (with `content.video_url`, valid
 * 24 hours, and `usage.completion_tokens`) | `failed` (with `error.code`) | `cancelled` | `expired`.
 *
 * ModelArk takes no idempotency key. The adapter sends a seed derived from the engine's key
 * (when the caller gives none): tasks echo their seed, so a start whose reply was lost is found
 * again in the task list.
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
  LOOKUP_SKEW_MS,
  operationOf,
  pickDuration,
  pickRatio,
  pickTier,
  providerOptionsOf,
  pushReferenceContent,
  references,
  requestAsSent,
  requestedSize,
  seedOrKeySeed,
  signalOf,
  throwIfAborted,
  tierOf,
  timeOf,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, completedAtUrl, type StartResult } from '../connected-video-model.ts';
import { providerErrors } from '../errors.ts';
import { type HttpFailure, parseShape } from '../http.ts';
import type { ReconcileInput, VideoCallOptions, VideoStatus } from '../types.ts';
import { SEEDANCE_FPS, SEEDANCE_RATIOS, seedanceModel } from './seedance-models.ts';

export const BYTEPLUS_PROVIDER = 'byteplus';
const TASKS = '/api/v3/contents/generations/tasks';

/** The operation handle: the task and the model it runs on. */
export interface SeedanceOperation extends JSONObject {
  taskId: string;
  model: string;
}

/** What a finished task reports, kept in `providerMetadata.byteplus` (and read for its cost). */
export interface SeedanceResult extends JSONObject {
  taskId: string;
  model: string;
  resolution: string | null;
  ratio: string | null;
  duration: number | null;
  fps: number | null;
  seed: number | null;
  generateAudio: boolean | null;
  completionTokens: number | null;
  lastFrameUrl: string | null;
}

const TaskSchema = z.looseObject({
  id: z.string(),
  model: z.string().nullish(),
  status: z.string(),
  created_at: z.number().nullish(),
  content: z
    .looseObject({ video_url: z.string().nullish(), last_frame_url: z.string().nullish() })
    .nullish(),
  usage: z
    .looseObject({ completion_tokens: z.number().nullish(), total_tokens: z.number().nullish() })
    .nullish(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
  seed: z.number().nullish(),
  resolution: z.string().nullish(),
  ratio: z.string().nullish(),
  duration: z.number().nullish(),
  framespersecond: z.number().nullish(),
  generate_audio: z.boolean().nullish(),
});
type Task = z.infer<typeof TaskSchema>;

const CreatedSchema = z.looseObject({ id: z.string().min(1) });
const TaskListSchema = z.looseObject({ items: z.array(TaskSchema).nullish() });

/** A request body field the caller may not override through providerOptions. */
const OWN_FIELDS = new Set(['model', 'content']);

/**
 * ModelArk's error codes in `{error: {code, message}}`, where they say more than the status:
 * moderation (HTTP 400), a model not activated (404) and an unpaid account (code names from the
 * error-code page as quoted by research; the overdue names are UNCONFIRMED).
 */
export function arkError(failure: HttpFailure): ShotrouterError | undefined {
  const code = (failure.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  if (typeof code !== 'string') return undefined;
  const message = failure.message ?? code;
  if (/SensitiveContentDetected/.test(code)) {
    return providerErrors.contentRefused(BYTEPLUS_PROVIDER, `${message} (${code})`);
  }
  if (/ModelNotOpen/.test(code)) {
    return providerErrors.invalidRequest(
      BYTEPLUS_PROVIDER,
      `${message} (${code}); activate the model in the ModelArk console`,
    );
  }
  if (/Overdue|InsufficientBalance|Arrear/i.test(code))
    return providerErrors.outOfCredit(BYTEPLUS_PROVIDER);
  return undefined;
}

/** The shotrouter code of a failed task's `error.code`. */
function taskErrorCode(code: string | null | undefined): string | undefined {
  if (!code) return undefined;
  if (/SensitiveContentDetected/.test(code)) return 'content_refused';
  if (/^InvalidParameter/.test(code)) return 'invalid_request';
  return undefined;
}

export class SeedanceVideoModel extends ConnectedVideoModel {
  readonly provider = BYTEPLUS_PROVIDER;

  /** The create body for the call options, and what could not be sent as asked. */
  buildRequest(options: VideoCallOptions): {
    body: Record<string, JSONValue>;
    warnings: Warning[];
  } {
    const warnings: Warning[] = [];
    const facts = seedanceModel(this.modelId);
    const content: JSONObject[] = [];
    if (options.prompt) content.push({ type: 'text', text: options.prompt });

    const { first, last } = frameAnchors(options);
    if (first)
      content.push({ type: 'image_url', image_url: { url: fileUrl(first) }, role: 'first_frame' });
    if (last) {
      if (!first)
        throw providerErrors.invalidRequest(this.provider, 'a last frame needs a first frame');
      if (facts && !facts.lastFrame) {
        throw providerErrors.invalidRequest(
          this.provider,
          `${this.modelId} animates from a first frame only`,
        );
      }
      content.push({ type: 'image_url', image_url: { url: fileUrl(last) }, role: 'last_frame' });
    }
    const refs = references(options);
    // the API's modes are exclusive: first/last frame, or omni-reference
    pushReferenceContent(
      content,
      refs,
      {
        modelId: this.modelId,
        vendor: 'Seedance',
        takesReferences: !facts || facts.references,
        hasFrames: Boolean(first || last),
      },
      warnings,
    );
    if (content.length === 0)
      throw providerErrors.invalidRequest(this.provider, 'a prompt or an image is required');

    const body: Record<string, JSONValue> = { model: this.modelId, content };
    const size = requestedSize(this.provider, options);
    if (size)
      body.resolution = facts ? pickTier(size, facts.resolutions, options, warnings) : tierOf(size);
    if (options.aspectRatio === 'adaptive' && (facts?.adaptive !== false || first)) {
      body.ratio = 'adaptive';
    } else {
      const ratio = pickRatio(this.provider, options, SEEDANCE_RATIOS, warnings);
      if (ratio) body.ratio = ratio;
    }
    if (options.duration !== undefined) {
      const allowed = facts
        ? Array.from(
            { length: facts.maxSeconds - facts.minSeconds + 1 },
            (_, i) => facts.minSeconds + i,
          )
        : [Math.max(1, Math.round(options.duration))];
      body.duration = pickDuration(options.duration, allowed, warnings);
    }
    const seed = seedOrKeySeed(options);
    if (seed !== undefined) body.seed = seed;
    if (options.generateAudio !== undefined) {
      if (facts && !facts.audio)
        unsupportedOptions(options, ['generateAudio'], this.modelId, warnings);
      else body.generate_audio = options.generateAudio;
    }
    unsupportedOptions(options, ['fps'], 'Seedance', warnings, SEEDANCE_FPS);
    for (const [name, value] of Object.entries(providerOptionsOf(options, BYTEPLUS_PROVIDER))) {
      if (!OWN_FIELDS.has(name) && value !== undefined) body[name] = value;
    }
    return { body, warnings };
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    throwIfAborted(this.provider, options.abortSignal);
    const { body, warnings } = this.buildRequest(options);
    const reply = await this.connection.client().post(TASKS, body, signalOf(options.abortSignal));
    const { id } = parseShape(this.provider, CreatedSchema, reply.body, 'task creation');
    const operation: SeedanceOperation = { taskId: id, model: this.modelId };
    return this.started(operation, warnings, { byteplus: { taskId: id } }, reply.headers);
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = operationOf<SeedanceOperation>(
      this.provider,
      options.operation,
      (o) => typeof o.taskId === 'string' && o.taskId !== '',
      'a Seedance task',
    );
    const reply = await this.connection
      .client()
      .get(`${TASKS}/${encodeURIComponent(op.taskId)}`, signalOf(options.abortSignal));
    const task = parseShape(this.provider, TaskSchema, reply.body, 'task status');
    const response = this.responseOf(reply.headers);
    switch (task.status) {
      case 'queued':
      case 'running':
        return {
          status: 'pending',
          providerMetadata: { byteplus: { taskId: task.id, status: task.status } },
          response,
        };
      case 'succeeded': {
        const url = task.content?.video_url;
        if (!url)
          throw providerErrors.malformedResponse(
            this.provider,
            `task ${task.id} succeeded without a video_url`,
          );
        return completedAtUrl(url, { byteplus: resultOf(task, op) }, response);
      }
      case 'failed': {
        const detail = task.error?.message ?? task.error?.code ?? 'no reason given';
        const code = task.error?.code ? ` (${task.error.code})` : '';
        return failedStatus(
          this.modelId,
          `task ${task.id} failed: ${detail}${code}`,
          taskErrorCode(task.error?.code),
          {
            taskId: task.id,
          },
          this.connection.now,
        );
      }
      case 'cancelled':
      case 'canceled':
        return cancelledTask(this.modelId, task.id, this.connection.now);
      case 'expired':
        // it waited in BytePlus's queue past `execution_expires_after`
        return expiredTask(this.modelId, task.id, this.connection.now);
      default:
        throw providerErrors.malformedResponse(
          this.provider,
          `unknown task status ${JSON.stringify(task.status)}`,
        );
    }
  }

  /**
   * Cancels a task that is still queued (BytePlus refuses while it runs, and deletes a finished
   * one). Not part of the AI SDK interface: for callers that abandon a job on purpose.
   */
  async cancel(operation: unknown, signal?: AbortSignal): Promise<void> {
    const op = operationOf<SeedanceOperation>(
      this.provider,
      operation,
      (o) => typeof o.taskId === 'string',
      'a Seedance task',
    );
    await this.connection
      .client()
      .json(`${TASKS}/${encodeURIComponent(op.taskId)}`, { method: 'DELETE', ...signalOf(signal) });
  }

  /** Recent tasks that are the lost start's (same model, seed, resolution and duration, sent after it). */
  async findLostStart(input: ReconcileInput): Promise<JSONValue[]> {
    const { body } = this.buildRequest(requestAsSent(input));
    const since = (timeOf(input.sentAt) ?? 0) - LOOKUP_SKEW_MS;
    const reply = await this.connection.client().get(TASKS, {
      query: { page_num: 1, page_size: 50, 'filter.model': this.modelId },
      ...signalOf(input.abortSignal),
    });
    const items = parseShape(this.provider, TaskListSchema, reply.body, 'task list').items ?? [];
    return items
      .filter(
        (task) =>
          (task.model ?? this.modelId) === this.modelId &&
          (timeOf(task.created_at) ?? since) >= since &&
          (body.seed === undefined || task.seed === body.seed) &&
          (body.resolution === undefined ||
            task.resolution == null ||
            task.resolution === body.resolution) &&
          (body.duration === undefined || task.duration == null || task.duration === body.duration),
      )
      .map((task): SeedanceOperation => ({ taskId: task.id, model: this.modelId }));
  }
}

function resultOf(task: Task, op: SeedanceOperation): SeedanceResult {
  return {
    taskId: task.id,
    model: task.model ?? op.model,
    resolution: task.resolution ?? null,
    ratio: task.ratio ?? null,
    duration: task.duration ?? null,
    fps: task.framespersecond ?? null,
    seed: task.seed ?? null,
    generateAudio: task.generate_audio ?? null,
    completionTokens: task.usage?.completion_tokens ?? task.usage?.total_tokens ?? null,
    lastFrameUrl: task.content?.last_frame_url ?? null,
  };
}
