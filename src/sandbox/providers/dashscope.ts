/**
 * Alibaba Cloud Model Studio (DashScope) video synthesis under `/dashscope`
 * (docs/sandbox-providers.md, "dashscope"). Bearer key.
 *
 * - POST /api/v1/services/aigc/video-generation/video-synthesis with `X-DashScope-Async: enable`
 *   (without it: 403 AccessDenied, "does not support synchronous calls"). Body `{model, input:
 *   {prompt, negative_prompt?, img_url? | media?: [{type, url}]}, parameters: {size? | resolution?,
 *   ratio?, duration, audio?, seed?, prompt_extend?, watermark?}}` → `{request_id, output:
 *   {task_id, task_status: PENDING}}`.
 * - GET /api/v1/tasks/{task_id} → `{request_id, output: {task_id, task_status: PENDING | RUNNING |
 *   SUCCEEDED | FAILED | CANCELED | UNKNOWN, submit_time, end_time?, video_url?, code?, message?},
 *   usage?: {duration, video_count, SR}}`; `video_url` is valid 24 hours.
 * - Errors `{request_id, code, message}`: 400 InvalidParameter, 401 InvalidApiKey,
 *   429 Throttling.RateQuota, 500 InternalError; moderation refuses at create (400
 *   DataInspectionFailed).
 */
import { randomUUID } from 'node:crypto';
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import {
  invalid,
  json,
  type Outcome,
  type Reply,
  type SandboxRequest,
  unknownModel,
} from '../http.ts';
import type { Job } from '../jobs.ts';
import { sizeFor } from '../sizes.ts';
import { cdnExpired, retryAfter } from './common.ts';

interface WanModel {
  /** what the input needs: text only, a first frame, or reference media */
  mode: 't2v' | 'i2v' | 'r2v';
  /** `size: "1280*720"` (Wan 2.6 text-to-video) or `resolution: "720P"` (+ `ratio` for 2.7) */
  sizing: 'size' | 'resolution';
  durations: readonly number[];
  /** takes `input.media` (2.7) instead of `img_url` (2.6) */
  media: boolean;
}

const TWO_TO_FIFTEEN = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

const MODELS: Record<string, WanModel> = {
  'wan2.6-t2v': { mode: 't2v', sizing: 'size', durations: [5, 10, 15], media: false },
  'wan2.6-i2v': { mode: 'i2v', sizing: 'resolution', durations: [5, 10, 15], media: false },
  'wan2.6-i2v-flash': { mode: 'i2v', sizing: 'resolution', durations: [5, 10, 15], media: false },
  'wan2.6-r2v': { mode: 'r2v', sizing: 'size', durations: [5, 10], media: false },
  'wan2.7-t2v': { mode: 't2v', sizing: 'resolution', durations: TWO_TO_FIFTEEN, media: true },
  'wan2.7-i2v': { mode: 'i2v', sizing: 'resolution', durations: TWO_TO_FIFTEEN, media: true },
  'wan2.7-r2v': { mode: 'r2v', sizing: 'resolution', durations: TWO_TO_FIFTEEN, media: true },
};

/** The `size` values Wan 2.6 takes, by tier. */
const SIZES = [
  '1280*720',
  '720*1280',
  '960*960',
  '1088*832',
  '832*1088',
  '1920*1080',
  '1080*1920',
  '1440*1440',
  '1632*1248',
  '1248*1632',
];
const RESOLUTIONS = ['720P', '1080P'];
const RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4'];
const FPS = 24;
const URL_TTL_SECONDS = 24 * 3600;
const PROMPT_LIMIT = 1500;

interface TaskData {
  resolution: number;
}

function failure(status: number, code: string, message: string): Reply {
  return json(status, { request_id: randomUUID(), code, message });
}

export function dashscopeProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'dashscope',
    authenticate(req) {
      if (!acceptableKey(req.credential('Bearer')))
        return failure(401, 'InvalidApiKey', 'Invalid API-key provided.');
      return undefined;
    },
    errors: {
      invalid: (message) => failure(400, 'InvalidParameter', message),
      notFound: (message) => failure(404, 'NotFound', message),
      unknownModel: (model) => failure(400, 'InvalidParameter', `Model not exist: ${model}`),
      rateLimited: (seconds) => ({
        ...failure(
          429,
          'Throttling.RateQuota',
          'Requests rate limit exceeded, please try again later.',
        ),
        headers: retryAfter(seconds),
      }),
      serverError: () =>
        failure(500, 'InternalError', 'An internal error has occured, please try again later.'),
      refusedAtCreate: () =>
        failure(400, 'DataInspectionFailed', 'Input data may contain inappropriate content.'),
      expired: cdnExpired,
    },
    routes: [
      {
        method: 'POST',
        path: /^\/api\/v1\/services\/aigc\/video-generation\/video-synthesis$/,
        kind: 'create',
        handle: create,
      },
      { method: 'GET', path: /^\/api\/v1\/tasks\/([^/]+)$/, kind: 'poll', handle: query },
      {
        method: 'GET',
        path: /^\/_oss\/([^/]+)\.mp4$/,
        kind: 'download',
        open: true,
        handle: download,
      },
    ],
  };

  async function create(req: SandboxRequest): Promise<Outcome> {
    if (req.header('x-dashscope-async') !== 'enable')
      return failure(403, 'AccessDenied', 'current user api does not support synchronous calls');
    const body = await req.json();
    const name = body.model;
    if (typeof name !== 'string' || name === '') throw invalid('Field required: model', 'model');
    const model = MODELS[name];
    if (model === undefined) throw unknownModel(name);
    const input = (body.input ?? {}) as Record<string, unknown>;
    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    if (typeof input !== 'object' || typeof parameters !== 'object')
      throw invalid('input and parameters must be objects', 'input');
    const prompt = input.prompt;
    if (prompt !== undefined && typeof prompt !== 'string')
      throw invalid('input.prompt must be a string', 'prompt');
    if ((prompt ?? '').length > PROMPT_LIMIT)
      throw invalid(`input.prompt must be at most ${PROMPT_LIMIT} characters`, 'prompt');

    const media = Array.isArray(input.media) ? (input.media as Record<string, unknown>[]) : [];
    if (input.media !== undefined && !model.media)
      throw invalid(`${name} does not take input.media; use input.img_url`, 'media');
    if (input.img_url !== undefined && model.media)
      throw invalid(`${name} takes input.media, not input.img_url`, 'img_url');
    for (const item of media) {
      if (typeof item?.url !== 'string' || item.url === '')
        throw invalid('input.media[].url is required', 'media');
    }
    const types = media.map((m) => String(m.type));
    const hasFirst = typeof input.img_url === 'string' || types.includes('first_frame');
    const hasRefs =
      types.some((t) => t.startsWith('reference_')) || Array.isArray(input.reference_video_urls);
    if (model.mode === 'i2v' && !hasFirst)
      throw invalid(`${name} needs a first frame image`, 'img_url');
    if (model.mode === 't2v' && (hasFirst || hasRefs))
      throw invalid(`${name} makes video from text only`, 'media');
    if (model.mode === 'r2v' && !hasRefs) throw invalid(`${name} needs reference media`, 'media');
    if (model.mode !== 't2v' && hasFirst && hasRefs)
      throw invalid('reference media cannot be combined with first/last frames', 'media');
    if (model.mode === 't2v' && (prompt ?? '').trim() === '')
      throw invalid('input.prompt is required', 'prompt');

    let pixels: { width: number; height: number };
    if (model.sizing === 'size') {
      const size = String(parameters.size ?? '1920*1080');
      if (!SIZES.includes(size))
        throw invalid(`parameters.size must be one of ${SIZES.join(', ')}`, 'size');
      const [width = 1920, height = 1080] = size.split('*').map(Number);
      pixels = { width, height };
    } else {
      const resolution = String(parameters.resolution ?? '1080P');
      if (!RESOLUTIONS.includes(resolution))
        throw invalid(
          `parameters.resolution must be one of ${RESOLUTIONS.join(', ')}`,
          'resolution',
        );
      const ratio = String(parameters.ratio ?? '16:9');
      if (!RATIOS.includes(ratio))
        throw invalid(`parameters.ratio must be one of ${RATIOS.join(', ')}`, 'ratio');
      pixels = sizeFor(resolution.toLowerCase(), ratio);
    }
    const duration = parameters.duration ?? 5;
    if (typeof duration !== 'number' || !model.durations.includes(duration))
      throw invalid(
        `parameters.duration must be one of ${model.durations.join(', ')} for ${name}`,
        'duration',
      );
    const audio = parameters.audio ?? true;
    if (typeof audio !== 'boolean') throw invalid('parameters.audio must be a boolean', 'audio');
    const seed = parameters.seed;
    if (
      seed !== undefined &&
      (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 2147483647)
    )
      throw invalid('parameters.seed must be an integer in [0, 2147483647]', 'seed');

    return core.create<TaskData>(
      spec,
      req,
      {
        id: randomUUID(),
        model: name,
        render: {
          seconds: duration,
          ...pixels,
          fps: FPS,
          audio,
          model: name,
          prompt: prompt ?? '',
        },
        data: { resolution: Math.min(pixels.width, pixels.height) },
      },
      (job) =>
        json(200, {
          request_id: randomUUID(),
          output: { task_id: job.id, task_status: 'PENDING' },
        }),
    );
  }

  async function query(req: SandboxRequest, [id]: string[]): Promise<Reply> {
    const job = core.jobs.get<TaskData>('dashscope', id ?? '') as Job<TaskData> | undefined;
    // DashScope answers an unknown or forgotten task with UNKNOWN rather than 404
    if (job === undefined)
      return json(200, {
        request_id: randomUUID(),
        output: { task_id: id, task_status: 'UNKNOWN' },
      });
    if (job.phase === 'succeeded') await core.clipOf(job);
    const status = {
      queued: 'PENDING',
      running: 'RUNNING',
      succeeded: 'SUCCEEDED',
      failed: 'FAILED',
      canceled: 'CANCELED',
    }[job.phase];
    const output: Record<string, unknown> = {
      task_id: job.id,
      task_status: status,
      submit_time: stamp(job.createdAt),
    };
    if (job.startedAt !== undefined) output.scheduled_time = stamp(job.startedAt);
    if (job.endedAt !== undefined) output.end_time = stamp(job.endedAt);
    const reply: Record<string, unknown> = { request_id: randomUUID(), output };
    if (job.phase === 'succeeded') {
      output.video_url = core.media.signedUrl(
        req.origin,
        `/dashscope/_oss/${job.id}.mp4`,
        job,
        URL_TTL_SECONDS,
      );
      reply.usage = { duration: job.render.seconds, video_count: 1, SR: job.data.resolution };
    }
    if (job.phase === 'failed') {
      output.code = job.failure === undefined ? 'DataInspectionFailed' : 'InternalError';
      output.message = job.failure ?? 'Output data may contain inappropriate content.';
    }
    return json(200, reply);
  }

  async function download(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    return core.serveSigned(spec, req, core.jobs.get('dashscope', id));
  }

  return spec;
}

/** DashScope's time stamps: `2026-12-06 10:00:00.000`. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
