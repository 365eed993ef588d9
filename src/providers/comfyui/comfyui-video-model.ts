/**
 * A ComfyUI server (the user's own GPU) as an AI SDK video model
 * (ComfyUI's server.py and its websocket API example). The model id names a workflow template
 * (./workflow.ts). Start: upload the start image (`POST /upload/image`), fill the template,
 * `POST /prompt` with a `client_id` and `extra_data.shotrouter.idempotency_key` → `prompt_id`.
 * Poll: `GET /history/{prompt_id}` (empty until the prompt has run; then its `status` and
 * `outputs`), and `GET /queue` while it is empty, to tell "waiting" from "lost". The video is
 * served by `GET /view?filename=&subfolder=&type=output`.
 *
 * The websocket (`GET /ws?clientId=`, ./messages.ts) says when a prompt ended: the engine polls
 * the history at once instead of at its next poll (`watchStatus`). Prompts are queued under the
 * socket's client id, one per provider. The polls go on beside it and decide: a socket that
 * cannot open, drops or says nothing leaves the polling as it was. Progress messages are not
 * used.
 * A start whose reply was lost is found in `/queue` or `/history` by its idempotency key.
 */
import { createHash, randomUUID } from 'node:crypto';
import type {
  JSONObject,
  JSONValue,
  Experimental_VideoModelV4OperationStartResult as StartResult,
  Experimental_VideoModelV4File as VideoFile,
} from '@ai-sdk/provider';
import { z } from 'zod';
import type { ShotrouterError } from '../../errors.ts';
import {
  type Connection,
  failedStatus,
  frameAnchors,
  idempotencyKeyOf,
  negativePromptOf,
  operationOf,
  providerOptionsOf,
  requestedSize,
  responseInfo,
  seedFromKey,
  signalOf,
  throwIfAborted,
  unsupported,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { type HttpFailure, parseShape, readInputFile } from '../http.ts';
import type {
  ReconcileInput,
  VideoCallOptions,
  VideoModel,
  VideoStatus,
  WatchesStatus,
} from '../types.ts';
import type { ComfyUiMessages } from './messages.ts';
import {
  type ApiGraph,
  COMFYUI_PROVIDER,
  fillTemplate,
  frameCount,
  loadTemplate,
  type WorkflowParams,
  type WorkflowTemplate,
} from './workflow.ts';

/** The operation handle: the prompt, and the client id it was queued under (its socket's). */
export interface ComfyUiOperation extends JSONObject {
  promptId: string;
  clientId: string;
}

const QueuedSchema = z.looseObject({ prompt_id: z.string().min(1), number: z.number().nullish() });
const UploadedSchema = z.looseObject({ name: z.string().min(1), subfolder: z.string().nullish() });
/** A queue entry: [number, prompt_id, prompt, extra_data, outputs_to_execute]. */
const QueueEntry = z.array(z.unknown());
const QueueSchema = z.looseObject({
  queue_running: z.array(QueueEntry).nullish(),
  queue_pending: z.array(QueueEntry).nullish(),
});
const FileSchema = z.looseObject({
  filename: z.string(),
  subfolder: z.string().nullish(),
  type: z.string().nullish(),
});
const HistoryEntrySchema = z.looseObject({
  prompt: z.array(z.unknown()).nullish(),
  outputs: z.record(z.string(), z.record(z.string(), z.unknown())).nullish(),
  status: z
    .looseObject({
      status_str: z.string().nullish(),
      completed: z.boolean().nullish(),
      messages: z.array(z.tuple([z.string(), z.unknown()]).rest(z.unknown())).nullish(),
    })
    .nullish(),
});
const HistorySchema = z.record(z.string(), HistoryEntrySchema);
type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** History entries looked at for a lost start. */
const HISTORY_LOOKUP_ITEMS = 64;
const VIDEO_FILE = /\.(mp4|webm|mov|mkv)$/i;
const MEDIA_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
};

/**
 * ComfyUI's 400 on `/prompt`: `{error: {message, details}, node_errors: {id: {class_type,
 * errors: [{message, details}]}}}`, said as one line naming the first broken node (a missing
 * model file shows here as "Value not in list").
 */
export function comfyError(failure: HttpFailure): ShotrouterError | undefined {
  const body = failure.body as
    | {
        error?: { message?: unknown; details?: unknown };
        node_errors?: Record<
          string,
          { class_type?: unknown; errors?: { message?: unknown; details?: unknown }[] }
        >;
      }
    | undefined;
  if (failure.status !== 400 || typeof body?.error !== 'object') return undefined;
  const parts = [String(body.error.message ?? 'invalid prompt')];
  if (typeof body.error.details === 'string' && body.error.details) parts.push(body.error.details);
  for (const [node, entry] of Object.entries(body.node_errors ?? {})) {
    const first = entry.errors?.[0];
    if (!first) continue;
    parts.push(
      `node ${node} (${String(entry.class_type)}): ${String(first.message)}${first.details ? ` ${String(first.details)}` : ''}`,
    );
    break;
  }
  return providerErrors.invalidRequest(COMFYUI_PROVIDER, parts.join('; '));
}

export interface ComfyUiModelConfig {
  connection: Connection;
  /** folders searched for `<model id>.json`, first match wins */
  workflowFolders: readonly string[];
  fetch?: typeof fetch;
  /** the provider's websocket; without it, prompts are only polled */
  messages?: ComfyUiMessages;
}

export class ComfyUiVideoModel implements VideoModel, WatchesStatus {
  readonly specificationVersion = 'v4';
  readonly provider = COMFYUI_PROVIDER;
  readonly maxVideosPerCall = 1;
  readonly modelId: string;
  private readonly config: ComfyUiModelConfig;
  private template: WorkflowTemplate | undefined;

  constructor(modelId: string, config: ComfyUiModelConfig) {
    this.modelId = modelId;
    this.config = config;
  }

  private get connection(): Connection {
    return this.config.connection;
  }

  /** the provider's websocket, shared by its models */
  get messages(): ComfyUiMessages | undefined {
    return this.config.messages;
  }

  /** The template, read once (an unknown name is an invalid request, at start). */
  workflow(): WorkflowTemplate {
    this.template ??= loadTemplate(this.modelId, this.config.workflowFolders);
    return this.template;
  }

  /** The template's values for the call options, and what could not be honoured as asked. */
  plan(options: VideoCallOptions): {
    params: Omit<WorkflowParams, 'startImage'>;
    warnings: Warning[];
  } {
    const template = this.workflow();
    const warnings: Warning[] = [];
    const { last } = frameAnchors(options);
    if (last) {
      throw providerErrors.invalidRequest(
        this.provider,
        `template ${template.name} takes no last frame`,
      );
    }
    unsupportedOptions(options, ['inputReferences'], `template ${template.name}`, warnings);
    const size = requestedSize(this.provider, options);
    const multiple = template.size.multiple;
    const snap = (n: number) => Math.max(multiple, Math.round(n / multiple) * multiple);
    const [defaultWidth, defaultHeight] = template.size.default;
    const width = size ? snap(size.width) : defaultWidth;
    const height = size ? snap(size.height) : defaultHeight;
    if (size && (width !== size.width || height !== size.height)) {
      warnings.push({
        type: 'compatibility',
        feature: 'resolution',
        details: `${template.name} needs multiples of ${multiple}; rendered ${width}x${height}`,
      });
    }
    const wantedFps = options.fps ?? template.fps[0]!;
    const fps = template.fps.reduce((a, b) =>
      Math.abs(b - wantedFps) < Math.abs(a - wantedFps) ? b : a,
    );
    if (fps !== wantedFps) {
      warnings.push({
        type: 'compatibility',
        feature: 'fps',
        details: `${template.name} runs at ${template.fps.join('/')} fps; sent ${fps}`,
      });
    }
    const seconds = options.duration ?? 5;
    const frames = frameCount(template, seconds, fps);
    if (frames < seconds * fps - 1e-9) {
      warnings.push({
        type: 'compatibility',
        feature: 'duration',
        details: `${seconds} s at ${fps} fps is longer than ${template.name} makes; ${frames} frames sent`,
      });
    }
    let audio = template.audio !== 'none';
    if (options.generateAudio === true && template.audio === 'none') {
      warnings.push(unsupported('generateAudio', `${template.name} makes no audio`));
    } else if (options.generateAudio === false) {
      if (template.audio === 'optional') audio = false;
      else if (template.audio === 'always')
        warnings.push(unsupported('generateAudio', `${template.name} always makes audio`));
    }
    const key = idempotencyKeyOf(options);
    const own = providerOptionsOf(options, this.provider);
    // the shot's negative prompt goes before the template's own (its model's usual defects)
    const shots = negativePromptOf(options);
    const negative =
      typeof own.negativePrompt === 'string'
        ? own.negativePrompt
        : shots === undefined
          ? template.negative_prompt
          : [shots, template.negative_prompt].filter((t) => t.trim() !== '').join(', ');
    return {
      params: {
        prompt: options.prompt ?? '',
        negativePrompt: negative,
        width,
        height,
        frames,
        fps,
        seed: options.seed ?? (key ? seedFromKey(key) : Math.floor(Math.random() * 2 ** 31)),
        audio,
        filenamePrefix: `shotrouter/${template.name}/${(key ?? randomUUID()).replace(/[^\w-]/g, '').slice(0, 36)}`,
      },
      warnings,
    };
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    throwIfAborted(this.provider, options.abortSignal);
    const { params, warnings } = this.plan(options);
    const { first } = frameAnchors(options);
    const startImage = first ? await this.upload(first, options.abortSignal) : undefined;
    const graph = fillTemplate(this.workflow(), {
      ...params,
      ...(startImage ? { startImage } : {}),
    });
    const key = idempotencyKeyOf(options);
    const clientId = this.config.messages?.clientId ?? `shotrouter-${key ?? randomUUID()}`;
    const reply = await this.connection.client().post(
      '/prompt',
      {
        prompt: graph,
        client_id: clientId,
        extra_data: { shotrouter: { idempotency_key: key ?? null, template: this.modelId } },
      },
      signalOf(options.abortSignal),
    );
    const queued = parseShape(this.provider, QueuedSchema, reply.body, 'queued prompt');
    const operation: ComfyUiOperation = { promptId: queued.prompt_id, clientId };
    return {
      operation,
      warnings,
      providerMetadata: { comfyui: { promptId: queued.prompt_id, number: queued.number ?? null } },
      response: responseInfo(this.modelId, reply.headers, this.connection.now),
    };
  }

  /** The graph a request would send (for inspection and tests). */
  graphFor(options: VideoCallOptions, startImage?: string): ApiGraph {
    return fillTemplate(this.workflow(), {
      ...this.plan(options).params,
      ...(startImage ? { startImage } : {}),
    });
  }

  /**
   * Uploads the start image into ComfyUI's input folder under a name from its content, so a
   * resent start uploads the same file again rather than a new one.
   */
  private async upload(file: VideoFile, signal: AbortSignal | undefined): Promise<string> {
    const input = await readInputFile(file, {
      provider: this.provider,
      ...(this.config.fetch ? { fetch: this.config.fetch } : {}),
      ...signalOf(signal),
    });
    const extension = input.mediaType.split('/')[1]?.replace('jpeg', 'jpg') ?? 'png';
    const name = `${createHash('sha256').update(input.data).digest('hex').slice(0, 24)}.${extension}`;
    const form = new FormData();
    form.set('image', new Blob([Buffer.from(input.data)], { type: input.mediaType }), name);
    form.set('type', 'input');
    form.set('subfolder', 'shotrouter');
    form.set('overwrite', 'true');
    const reply = await this.connection
      .client()
      .json('/upload/image', { method: 'POST', form, ...signalOf(signal) });
    const uploaded = parseShape(this.provider, UploadedSchema, reply.body, 'image upload');
    return uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name;
  }

  watchStatus(operation: unknown, onChange: () => void): () => void {
    const op = operation as Partial<ComfyUiOperation> | null;
    // a handle doStatus refuses (and reports) has nothing to watch
    if (typeof op?.promptId !== 'string' || typeof op.clientId !== 'string') return () => {};
    return this.messages?.watch(op.promptId, op.clientId, onChange) ?? (() => {});
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = comfyOperation(options.operation);
    const client = this.connection.client();
    const readHistory = async () => {
      const reply = await client.get(
        `/history/${encodeURIComponent(op.promptId)}`,
        signalOf(options.abortSignal),
      );
      const history = parseShape(this.provider, HistorySchema, reply.body, 'history');
      return { entry: history[op.promptId], headers: reply.headers };
    };
    const first = await readHistory();
    const response = responseInfo(this.modelId, first.headers, this.connection.now);
    if (first.entry) return this.outcome(op, first.entry, response);

    const queue = parseShape(
      this.provider,
      QueueSchema,
      (await client.get('/queue', signalOf(options.abortSignal))).body,
      'queue',
    );
    const running = (queue.queue_running ?? []).some((e) => e[1] === op.promptId);
    const position = (queue.queue_pending ?? []).findIndex((e) => e[1] === op.promptId);
    if (running || position >= 0) {
      return {
        status: 'pending',
        providerMetadata: {
          comfyui: {
            promptId: op.promptId,
            state: running ? 'running' : 'queued',
            position: running ? 0 : position + 1,
          },
        },
        response,
      };
    }
    // Not in the queue: it may have finished between the two reads, so look at the history once
    // more before calling it lost.
    const again = await readHistory();
    if (again.entry) return this.outcome(op, again.entry, response);
    // neither waiting nor done: the server restarted (its queue is in memory) or the history was cleared
    return failedStatus(
      this.modelId,
      `ComfyUI no longer has prompt ${op.promptId} (restarted, or its history was cleared)`,
      'server_error',
      { promptId: op.promptId },
      this.connection.now,
    );
  }

  private outcome(
    op: ComfyUiOperation,
    entry: HistoryEntry,
    response: ReturnType<typeof responseInfo>,
  ): VideoStatus {
    const status = entry.status;
    if (status?.status_str === 'error') {
      const messages = status.messages ?? [];
      const error = messages.find(([event]) => event === 'execution_error')?.[1] as
        | Record<string, unknown>
        | undefined;
      if (error) {
        const where = `${String(error.node_type ?? 'a node')} (node ${String(error.node_id ?? '?')})`;
        const what = `${String(error.exception_type ?? 'Error')}: ${String(error.exception_message ?? '').trim()}`;
        // a graph that failed to run fails the same way again: no retry on this route
        return failedStatus(
          this.modelId,
          `prompt ${op.promptId} failed in ${where}: ${what}`,
          'invalid_request',
          { promptId: op.promptId },
          this.connection.now,
        );
      }
      const interrupted = messages.some(([event]) => event === 'execution_interrupted');
      return failedStatus(
        this.modelId,
        `prompt ${op.promptId} ${interrupted ? 'was interrupted' : 'failed'}`,
        undefined,
        { promptId: op.promptId },
        this.connection.now,
      );
    }
    if (status && status.completed === false && status.status_str !== 'success') {
      return {
        status: 'pending',
        providerMetadata: { comfyui: { promptId: op.promptId, state: 'running' } },
        response,
      };
    }
    const file = videoFileOf(entry);
    if (!file) {
      return failedStatus(
        this.modelId,
        `prompt ${op.promptId} finished without a video output`,
        'invalid_request',
        { promptId: op.promptId },
        this.connection.now,
      );
    }
    const url = this.connection.client().url('/view', {
      filename: file.filename,
      subfolder: file.subfolder ?? '',
      type: file.type ?? 'output',
    });
    const extension = VIDEO_FILE.exec(file.filename)?.[1]?.toLowerCase() ?? 'mp4';
    return {
      status: 'completed',
      videos: [{ type: 'url', url, mediaType: MEDIA_TYPES[extension] ?? 'video/mp4' }],
      warnings: [],
      providerMetadata: {
        comfyui: {
          promptId: op.promptId,
          filename: file.filename,
          subfolder: file.subfolder ?? '',
        },
      },
      response,
    };
  }

  /** Removes a waiting prompt from the queue, or interrupts it when it runs. Not in the AI SDK interface. */
  async cancel(operation: unknown, signal?: AbortSignal): Promise<void> {
    const op = comfyOperation(operation);
    const client = this.connection.client();
    const queue = parseShape(
      this.provider,
      QueueSchema,
      (await client.get('/queue', signalOf(signal))).body,
      'queue',
    );
    const running = (queue.queue_running ?? []).some((e) => e[1] === op.promptId);
    // servers of 2025 on interrupt only the named prompt; older ones whatever runs, which is it
    const reply = running
      ? await client.request('/interrupt', {
          method: 'POST',
          json: { prompt_id: op.promptId },
          ...signalOf(signal),
        })
      : await client.request('/queue', {
          method: 'POST',
          json: { delete: [op.promptId] },
          ...signalOf(signal),
        });
    await reply.arrayBuffer();
  }

  /** Prompts in the queue or the recent history that carry the lost start's key. */
  async findLostStart(input: ReconcileInput): Promise<JSONValue[]> {
    const client = this.connection.client();
    const clientId = `shotrouter-${input.idempotencyKey}`;
    const ours = (extra: unknown) => {
      const data = extra as
        | { client_id?: unknown; shotrouter?: { idempotency_key?: unknown } }
        | undefined;
      return (
        data?.shotrouter?.idempotency_key === input.idempotencyKey || data?.client_id === clientId
      );
    };
    /** prompt id → the client id it was queued under */
    const found = new Map<string, string>();
    const clientOf = (extra: unknown) => {
      const id = (extra as { client_id?: unknown } | undefined)?.client_id;
      return typeof id === 'string' ? id : clientId;
    };
    const queue = parseShape(
      this.provider,
      QueueSchema,
      (await client.get('/queue', signalOf(input.abortSignal))).body,
      'queue',
    );
    for (const entry of [...(queue.queue_running ?? []), ...(queue.queue_pending ?? [])]) {
      if (ours(entry[3]) && typeof entry[1] === 'string') found.set(entry[1], clientOf(entry[3]));
    }
    const history = parseShape(
      this.provider,
      HistorySchema,
      (
        await client.get('/history', {
          query: { max_items: HISTORY_LOOKUP_ITEMS },
          ...signalOf(input.abortSignal),
        })
      ).body,
      'history',
    );
    for (const [promptId, entry] of Object.entries(history))
      if (ours(entry.prompt?.[3])) found.set(promptId, clientOf(entry.prompt?.[3]));
    return [...found].map(
      ([promptId, queuedBy]): ComfyUiOperation => ({
        promptId,
        clientId: queuedBy,
      }),
    );
  }
}

/** The first video file among a history entry's outputs (`images` of SaveVideo, `gifs` of VHS). */
export function videoFileOf(entry: HistoryEntry): z.infer<typeof FileSchema> | undefined {
  for (const output of Object.values(entry.outputs ?? {})) {
    for (const key of ['videos', 'video', 'images', 'gifs']) {
      const list = output[key];
      for (const item of Array.isArray(list) ? list : []) {
        const file = FileSchema.safeParse(item);
        if (file.success && VIDEO_FILE.test(file.data.filename)) return file.data;
      }
    }
  }
  return undefined;
}

function comfyOperation(operation: unknown): ComfyUiOperation {
  return operationOf<ComfyUiOperation>(
    COMFYUI_PROVIDER,
    operation,
    (o) => typeof o.promptId === 'string' && typeof o.clientId === 'string',
    'a ComfyUI prompt',
  );
}
