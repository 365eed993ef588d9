/**
 * Luma Dream Machine API under `/luma`: POST /dream-machine/v1/generations/video (what the
 * `lumaai` client's generations.create sends) and the legacy POST /dream-machine/v1/generations,
 * GET/DELETE /dream-machine/v1/generations/{id}, GET /dream-machine/v1/generations (list).
 * States queued → dreaming → completed | failed; `assets.video` is a signed URL.
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

interface GenerationData {
  request: Record<string, unknown>;
}

/** Luma validates like FastAPI: 422 with a `detail` list of {type, loc, msg, input}. */
function validationError(field: string | undefined, message: string, input?: unknown): Reply {
  return json(422, {
    detail: [
      {
        type: 'value_error',
        loc: field === undefined ? ['body'] : ['body', field],
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
): string {
  const value = body[field] ?? fallback;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalidField(field, `Input should be ${allowed.map((a) => `'${a}'`).join(', ')}`);
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
        data: { request },
      },
      (job) => json(201, generation(req, job)),
    );
  }

  function find(id: string | undefined): Job<GenerationData> {
    const job = core.jobs.get<GenerationData>('luma', id ?? '');
    if (job === undefined) throw notFound('Generation not found');
    return job;
  }

  async function get(req: SandboxRequest, [id]: string[]): Promise<Reply> {
    const job = find(id);
    if (job.phase === 'succeeded') await core.clipOf(job);
    return json(200, generation(req, job));
  }

  function list(req: SandboxRequest): Reply {
    const limit = Math.max(1, Number(req.url.searchParams.get('limit') ?? 10) || 10);
    const offset = Math.max(0, Number(req.url.searchParams.get('offset') ?? 0) || 0);
    const jobs = (core.jobs.list('luma') as Job<GenerationData>[]).reverse();
    const page = jobs.slice(offset, offset + limit);
    return json(200, {
      generations: page.map((job) => generation(req, job)),
      has_more: offset + limit < jobs.length,
      count: page.length,
    });
  }

  function remove(_req: SandboxRequest, [id]: string[]): Reply {
    const job = find(id);
    core.jobs.cancel(job);
    core.jobs.forget(job);
    return { status: 204 };
  }

  async function download(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    return core.serveSigned(spec, req, core.jobs.get('luma', id));
  }

  return spec;
}
