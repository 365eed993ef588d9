/**
 * Luma's two video APIs under `/luma`.
 *
 * Dream Machine API (Ray 2): POST /dream-machine/v1/generations/video (what the `lumaai`
 * client's generations.create sends) and the legacy POST /dream-machine/v1/generations,
 * GET/DELETE /dream-machine/v1/generations/{id}, GET /dream-machine/v1/generations (list).
 * States queued → dreaming → completed | failed; `assets.video` is a signed URL.
 *
 * Agents API (Ray 3.2; agents.lumalabs.ai/v1, here /luma/agents/v1): POST /generations with
 * `type: 'video'`, `model`, `prompt`, `aspect_ratio` and `video: {duration, resolution,
 * start_frame, end_frame, loop, hdr, exr_export}`; GET /generations/{id}. States queued →
 * processing → completed | failed, `output[{type, url}]`, `failure_code`. No list, no delete
 * (Luma's Agents API pages, as of late 2026).
 */
import { randomUUID } from 'node:crypto';
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import {
  invalid,
  isoTime,
  json,
  notFound,
  type Reply,
  RequestProblem,
  type SandboxRequest,
} from '../http.ts';
import type { Job } from '../jobs.ts';
import { sizeFor } from '../sizes.ts';
import { cdnExpired, retryAfter } from './common.ts';

interface LumaModel {
  durations: readonly string[];
  resolutions: readonly string[];
}

const MODELS: Record<string, LumaModel> = {
  'ray-2': { durations: ['5s', '9s'], resolutions: ['540p', '720p', '1080p', '4k'] },
  'ray-flash-2': { durations: ['5s', '9s'], resolutions: ['540p', '720p', '1080p', '4k'] },
  'ray-1-6': { durations: ['5s'], resolutions: ['720p'] },
};

const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '21:9', '9:21'];
/** Asset URL lifetime is undocumented; a day keeps rehearsals honest about copying outputs. */
const ASSET_TTL_SECONDS = 24 * 3600;

const RAY3_MODELS = ['ray-3.2'];
const RAY3_RATIOS = ['9:16', '3:4', '1:1', '4:3', '16:9', '21:9'];
const RAY3_DURATIONS = ['5s', '10s'];
const RAY3_RESOLUTIONS = ['540p', '720p', '1080p'];
/** Agents API output URLs are presigned for an hour. */
const AGENTS_TTL_SECONDS = 3600;
const AGENTS_API_VERSION = '2026-04-01';

interface GenerationData {
  api: 'dream-machine' | 'agents';
  request: Record<string, unknown>;
}

/** Luma validates like FastAPI: 422 with a `detail` list of {type, loc, msg, input}. */
function validationError(field: string | undefined, message: string, input?: unknown): Reply {
  return json(422, {
    detail: [
      {
        type: 'value_error',
        loc: field === undefined ? ['body'] : ['body', ...field.split('.')],
        msg: message,
        input: input ?? null,
      },
    ],
  });
}

/** The provider's 422 for one field (argument order: field first, as Luma reports it). */
function invalidField(field: string, message: string): RequestProblem {
  return invalid(message, field);
}

function pick(
  body: Record<string, unknown>,
  field: string,
  allowed: readonly string[],
  fallback: string,
  /** where `body` sits in the request, e.g. `video.` */
  prefix = '',
): string {
  const value = body[field] ?? fallback;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalidField(
      `${prefix}${field}`,
      `Input should be ${allowed.map((a) => `'${a}'`).join(', ')}`,
    );
  }
  return value;
}

export function lumaProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'luma',
    authenticate(req) {
      const key = req.credential('Bearer');
      if (!acceptableKey(key)) return json(401, { detail: 'Invalid or missing API key' });
      return undefined;
    },
    errors: {
      invalid: (message, field) => validationError(field, message),
      notFound: (message) => json(404, { detail: message }),
      unknownModel: (model) =>
        validationError(
          'model',
          `Input should be ${Object.keys(MODELS)
            .map((m) => `'${m}'`)
            .join(', ')}`,
          model,
        ),
      rateLimited: (seconds) => ({
        ...json(429, { detail: 'Too many requests' }),
        headers: retryAfter(seconds),
      }),
      serverError: () => json(500, { detail: 'Internal server error' }),
      expired: cdnExpired,
    },
    routes: [
      {
        method: 'POST',
        path: /^\/dream-machine\/v1\/generations(?:\/video)?$/,
        kind: 'create',
        handle: create,
      },
      { method: 'GET', path: /^\/dream-machine\/v1\/generations$/, kind: 'poll', handle: list },
      {
        method: 'GET',
        path: /^\/dream-machine\/v1\/generations\/([^/]+)$/,
        kind: 'poll',
        handle: get,
      },
      {
        method: 'DELETE',
        path: /^\/dream-machine\/v1\/generations\/([^/]+)$/,
        kind: 'other',
        handle: remove,
      },
      { method: 'POST', path: /^\/agents\/v1\/generations$/, kind: 'create', handle: createAgents },
      {
        method: 'GET',
        path: /^\/agents\/v1\/generations\/([^/]+)$/,
        kind: 'poll',
        handle: getAgents,
      },
      {
        method: 'GET',
        path: /^\/_cdn\/([^/]+)\/video\.mp4$/,
        kind: 'download',
        open: true,
        handle: download,
      },
    ],
  };

  function generation(req: SandboxRequest, job: Job<GenerationData>): Record<string, unknown> {
    const state = {
      queued: 'queued',
      running: 'dreaming',
      succeeded: 'completed',
      failed: 'failed',
      canceled: 'failed',
    }[job.phase];
    let failureReason: string | null = null;
    if (job.phase === 'failed')
      failureReason = job.failure ?? 'Prompt not allowed because it violates our content policy';
    if (job.phase === 'canceled') failureReason = 'Generation was cancelled';
    const assets =
      job.phase === 'succeeded'
        ? {
            video: core.media.signedUrl(
              req.origin,
              `/luma/_cdn/${job.id}/video.mp4`,
              job,
              ASSET_TTL_SECONDS,
            ),
          }
        : null;
    return {
      id: job.id,
      generation_type: 'video',
      state,
      failure_reason: failureReason,
      created_at: isoTime(job.createdAt),
      assets,
      model: job.model,
      request: job.data.request,
    };
  }

  async function create(req: SandboxRequest) {
    const body = await req.json();
    const modelName = body.model;
    if (typeof modelName !== 'string') throw invalidField('model', 'Field required');
    const model = MODELS[modelName];
    if (model === undefined) throw new RequestProblem('unknown_model', modelName);
    if (body.generation_type !== undefined && body.generation_type !== 'video') {
      throw invalidField('generation_type', "Input should be 'video'");
    }
    const prompt = body.prompt ?? '';
    if (typeof prompt !== 'string') throw invalidField('prompt', 'Input should be a valid string');
    const keyframes = body.keyframes;
    if (prompt.trim() === '' && (keyframes === undefined || keyframes === null)) {
      throw invalidField('prompt', 'A prompt or keyframes are required');
    }
    const aspect = pick(body, 'aspect_ratio', ASPECT_RATIOS, '16:9');
    const duration = pick(body, 'duration', model.durations, '5s');
    const resolution = pick(body, 'resolution', model.resolutions, '720p');
    const request = {
      ...body,
      generation_type: 'video',
      model: modelName,
      aspect_ratio: aspect,
      duration,
      resolution,
    };
    return core.create<GenerationData>(
      spec,
      req,
      {
        id: randomUUID(),
        model: modelName,
        render: {
          seconds: Number.parseInt(duration, 10),
          ...sizeFor(resolution, aspect),
          fps: 24,
          audio: false,
          model: modelName,
          prompt,
        },
        data: { api: 'dream-machine', request },
      },
      (job) => json(201, generation(req, job)),
    );
  }

  /** A generation of one API: the other API does not know its ids. */
  function find(id: string | undefined, api: GenerationData['api']): Job<GenerationData> {
    const job = core.jobs.get<GenerationData>('luma', id ?? '');
    if (job === undefined || job.data.api !== api) throw notFound('Generation not found');
    return job;
  }

  async function get(req: SandboxRequest, [id]: string[]): Promise<Reply> {
    const job = find(id, 'dream-machine');
    if (job.phase === 'succeeded') await core.clipOf(job);
    return json(200, generation(req, job));
  }

  function agentsGeneration(
    req: SandboxRequest,
    job: Job<GenerationData>,
  ): Record<string, unknown> {
    const state = {
      queued: 'queued',
      running: 'processing',
      succeeded: 'completed',
      failed: 'failed',
      canceled: 'failed',
    }[job.phase];
    let failureCode: string | null = null;
    let failureReason: string | null = null;
    if (job.phase === 'failed' && job.failure === undefined) {
      failureCode = 'content_moderated';
      failureReason = 'The request was flagged by content moderation';
    } else if (job.phase === 'failed') {
      failureCode = 'internal_error';
      failureReason = job.failure ?? null;
    }
    const output =
      job.phase === 'succeeded'
        ? [
            {
              type: 'video',
              url: core.media.signedUrl(
                req.origin,
                `/luma/_cdn/${job.id}/video.mp4`,
                job,
                AGENTS_TTL_SECONDS,
              ),
            },
          ]
        : [];
    return {
      id: job.id,
      type: 'video',
      model: job.model,
      state,
      created_at: isoTime(job.createdAt),
      output,
      failure_code: failureCode,
      failure_reason: failureReason,
    };
  }

  const agentsHeaders = { 'x-api-version': AGENTS_API_VERSION };

  /** The frame of an Agents API image: `{url}` or inline `{data, media_type}`. */
  function checkFrame(field: string, value: unknown): void {
    if (value === undefined || value === null) return;
    const frame = value as Record<string, unknown>;
    const byUrl = typeof frame.url === 'string' && frame.url !== '';
    const inline = typeof frame.data === 'string' && typeof frame.media_type === 'string';
    if (typeof value !== 'object' || Array.isArray(value) || !(byUrl || inline)) {
      throw invalidField(field, 'An image is {url} or {data, media_type}');
    }
  }

  async function createAgents(req: SandboxRequest) {
    const body = await req.json();
    const type = body.type ?? 'video';
    if (!['video', 'video_edit', 'video_reframe'].includes(String(type))) {
      throw invalidField('type', "Input should be 'video', 'video_edit' or 'video_reframe'");
    }
    if (type !== 'video') throw invalidField('type', `the sandbox makes type 'video' only`);
    const modelName = body.model;
    if (typeof modelName !== 'string' || !RAY3_MODELS.includes(modelName)) {
      throw invalidField('model', `Input should be ${RAY3_MODELS.map((m) => `'${m}'`).join(', ')}`);
    }
    if (typeof body.prompt !== 'string') throw invalidField('prompt', 'Field required');
    const aspect = pick(body, 'aspect_ratio', RAY3_RATIOS, '16:9');
    const video = (body.video ?? {}) as Record<string, unknown>;
    if (typeof video !== 'object' || video === null || Array.isArray(video)) {
      throw invalidField('video', 'Input should be a valid dictionary');
    }
    const duration = pick(video, 'duration', RAY3_DURATIONS, '5s', 'video.');
    const resolution = pick(video, 'resolution', RAY3_RESOLUTIONS, '720p', 'video.');
    checkFrame('video.start_frame', video.start_frame);
    checkFrame('video.end_frame', video.end_frame);
    const anchored = video.start_frame != null || video.end_frame != null;
    // 10-s clips are text-to-video only; HDR needs 720p or more and no loop; EXR needs HDR
    if (duration === '10s' && (anchored || video.loop === true)) {
      throw invalidField('video.duration', '10s clips take no start/end frame and no loop');
    }
    if (video.hdr === true && resolution === '540p') {
      throw invalidField('video.hdr', 'HDR needs resolution 720p or 1080p');
    }
    if (video.hdr === true && video.loop === true) {
      throw invalidField('video.hdr', 'HDR cannot be combined with loop');
    }
    if (video.exr_export === true && video.hdr !== true) {
      throw invalidField('video.exr_export', 'exr_export requires hdr');
    }
    return core.create<GenerationData>(
      spec,
      req,
      {
        id: randomUUID(),
        model: modelName,
        render: {
          seconds: Number.parseInt(duration, 10),
          ...sizeFor(resolution, aspect),
          fps: 24,
          audio: false,
          model: modelName,
          prompt: body.prompt,
        },
        data: { api: 'agents', request: body },
      },
      (job) => json(201, agentsGeneration(req, job), agentsHeaders),
    );
  }

  async function getAgents(req: SandboxRequest, [id]: string[]): Promise<Reply> {
    const job = find(id, 'agents');
    if (job.phase === 'succeeded') await core.clipOf(job);
    return json(200, agentsGeneration(req, job), agentsHeaders);
  }

  function list(req: SandboxRequest): Reply {
    const limit = Math.max(1, Number(req.url.searchParams.get('limit') ?? 10) || 10);
    const offset = Math.max(0, Number(req.url.searchParams.get('offset') ?? 0) || 0);
    const jobs = (core.jobs.list('luma') as Job<GenerationData>[])
      .filter((job) => job.data.api === 'dream-machine')
      .reverse();
    const page = jobs.slice(offset, offset + limit);
    return json(200, {
      generations: page.map((job) => generation(req, job)),
      has_more: offset + limit < jobs.length,
      count: page.length,
    });
  }

  function remove(_req: SandboxRequest, [id]: string[]): Reply {
    const job = find(id, 'dream-machine');
    core.jobs.cancel(job);
    core.jobs.forget(job);
    return { status: 204 };
  }

  async function download(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    return core.serveSigned(spec, req, core.jobs.get('luma', id));
  }

  return spec;
}
