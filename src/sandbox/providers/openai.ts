/**
 * OpenAI Videos API (Sora 2) under `/openai`: POST /v1/videos (multipart, or JSON as relays
 * accept), GET /v1/videos, GET/DELETE /v1/videos/{id}, GET /v1/videos/{id}/content.
 * Audio is always generated; there is no cancel; refusals end the job as `failed`.
 * POST /v1/responses: the stand-in vision judge (./judge.ts). POST /v1/audio/speech: the
 * stand-in voice (./speech.ts).
 */

import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import {
  epochSeconds,
  invalid,
  json,
  notFound,
  oneOf,
  type Reply,
  type SandboxRequest,
  unknownModel,
} from '../http.ts';
import { type Job, progressOf } from '../jobs.ts';
import { parseSize } from '../sizes.ts';
import { dataUriBytes, hexId, pngSize, retryAfter } from './common.ts';
import { openaiResponses } from './judge.ts';
import { openaiSpeech } from './speech.ts';

const SORA_2_SIZES = ['720x1280', '1280x720'];
const SORA_2_PRO_SIZES = [...SORA_2_SIZES, '1024x1792', '1792x1024', '1080x1920', '1920x1080'];

const MODELS: Record<string, readonly string[]> = {
  'sora-2': SORA_2_SIZES,
  'sora-2-2025-10-06': SORA_2_SIZES,
  'sora-2-2025-12-08': SORA_2_SIZES,
  'sora-2-pro': SORA_2_PRO_SIZES,
  'sora-2-pro-2025-10-06': SORA_2_PRO_SIZES,
};

const SECONDS = ['4', '8', '12'];
/** Sora's frame rate is not documented; 30 is what its files have been reported with. */
const SORA_FPS = 30;
/** Downloadable assets expire; third parties report about an hour. */
const ASSET_TTL_SECONDS = 3600;

interface VideoData {
  prompt: string;
  seconds: string;
  size: string;
}

function error(
  status: number,
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): Reply {
  return json(status, { error: { message, type, param, code } });
}

/** The create fields, from multipart form data or from JSON. */
async function readCreate(
  req: SandboxRequest,
): Promise<{ fields: Record<string, unknown>; image?: Uint8Array }> {
  if (req.isMultipart()) {
    const form = await req.form();
    const fields: Record<string, unknown> = {};
    let image: Uint8Array | undefined;
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else if (name === 'input_reference') image = new Uint8Array(await value.arrayBuffer());
    }
    return image === undefined ? { fields } : { fields, image };
  }
  const body = await req.json();
  const reference = body.input_reference;
  if (reference !== undefined && reference !== null) {
    const url =
      typeof reference === 'object' ? (reference as Record<string, unknown>).image_url : undefined;
    const bytes = typeof url === 'string' ? dataUriBytes(url) : undefined;
    return bytes === undefined ? { fields: body } : { fields: body, image: bytes };
  }
  return { fields: body };
}

export function openaiProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'openai',
    authenticate(req) {
      const key = req.credential('Bearer');
      if (key === undefined) {
        return error(
          401,
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          'invalid_request_error',
          null,
          null,
        );
      }
      if (!acceptableKey(key)) {
        return error(
          401,
          'Incorrect API key provided.',
          'invalid_request_error',
          null,
          'invalid_api_key',
        );
      }
      return undefined;
    },
    errors: {
      invalid: (message, field) =>
        error(400, message, 'invalid_request_error', field ?? null, 'invalid_value'),
      notFound: (message) => error(404, message, 'invalid_request_error', null, null),
      unknownModel: (model) =>
        error(
          400,
          `Invalid value: '${model}'. Supported values are: ${Object.keys(MODELS)
            .map((m) => `'${m}'`)
            .join(', ')}.`,
          'invalid_request_error',
          'model',
          'invalid_value',
        ),
      rateLimited: (seconds) => ({
        ...error(
          429,
          'Rate limit reached for requests. Please try again later.',
          'requests',
          null,
          'rate_limit_exceeded',
        ),
        headers: retryAfter(seconds),
      }),
      serverError: () =>
        error(
          500,
          'The server had an error while processing your request. Sorry about that!',
          'server_error',
          null,
          null,
        ),
      expired: () =>
        error(
          404,
          'The downloadable assets of this video have expired.',
          'invalid_request_error',
          null,
          null,
        ),
    },
    routes: [
      { method: 'POST', path: /^\/v1\/videos$/, kind: 'create', handle: create },
      // the vision judge (./judge.ts)
      {
        method: 'POST',
        path: /^\/v1\/responses$/,
        kind: 'call',
        handle: (req) => openaiResponses(req, core.now()),
      },
      // the stand-in voices (./speech.ts)
      {
        method: 'POST',
        path: /^\/v1\/audio\/speech$/,
        kind: 'call',
        handle: (req) => openaiSpeech(req, (e) => core.recordSpeech(e)),
      },
      { method: 'GET', path: /^\/v1\/videos$/, kind: 'poll', handle: list },
      {
        method: 'GET',
        path: /^\/v1\/videos\/([^/]+)$/,
        kind: 'poll',
        handle: (_req, [id]) => retrieve(id),
      },
      {
        method: 'DELETE',
        path: /^\/v1\/videos\/([^/]+)$/,
        kind: 'other',
        handle: (_req, [id]) => remove(id),
      },
      {
        method: 'GET',
        path: /^\/v1\/videos\/([^/]+)\/content$/,
        kind: 'download',
        handle: content,
      },
    ],
  };

  function video(job: Job<VideoData>): Record<string, unknown> {
    const now = core.now();
    const status = {
      queued: 'queued',
      running: 'in_progress',
      succeeded: 'completed',
      failed: 'failed',
      canceled: 'failed',
    }[job.phase];
    let error: { code: string; message: string } | null = null;
    if (job.phase === 'failed') {
      error =
        job.failure === undefined
          ? {
              code: 'moderation_blocked',
              message: 'Your request was blocked by our moderation system.',
            }
          : { code: 'internal_error', message: job.failure };
    }
    const completedAt =
      job.phase === 'succeeded' && job.endedAt !== undefined ? epochSeconds(job.endedAt) : null;
    return {
      id: job.id,
      object: 'video',
      model: job.model,
      status,
      progress: Math.round(progressOf(job, now) * 100),
      created_at: epochSeconds(job.createdAt),
      completed_at: completedAt,
      expires_at: completedAt === null ? null : completedAt + ASSET_TTL_SECONDS,
      seconds: job.data.seconds,
      size: job.data.size,
      prompt: job.data.prompt,
      remixed_from_video_id: null,
      error,
    };
  }

  function reply(job: Job<VideoData>): Reply {
    const pending = job.phase === 'queued' || job.phase === 'running';
    return json(200, video(job), pending ? { 'openai-poll-after-ms': '1000' } : undefined);
  }

  function find(id: string | undefined): Job<VideoData> {
    const job = core.jobs.get<VideoData>('openai', id ?? '');
    if (job === undefined) throw notFound(`Video with id '${id}' not found.`);
    return job;
  }

  async function create(req: SandboxRequest) {
    const { fields, image } = await readCreate(req);
    const prompt = fields.prompt;
    if (typeof prompt !== 'string' || prompt.trim() === '')
      throw invalid("Missing required parameter: 'prompt'.", 'prompt');
    const model = fields.model ?? 'sora-2';
    if (typeof model !== 'string')
      throw invalid('Invalid type for model: expected a string.', 'model');
    const sizes = MODELS[model];
    if (sizes === undefined) throw unknownModel(model);
    const seconds = fields.seconds ?? '4';
    if (typeof seconds !== 'string')
      throw invalid("Invalid type for 'seconds': expected one of '4', '8', '12'.", 'seconds');
    oneOf(seconds, SECONDS, 'seconds');
    const size = fields.size ?? '720x1280';
    if (typeof size !== 'string')
      throw invalid("Invalid type for 'size': expected a string.", 'size');
    oneOf(size, sizes, 'size');
    const pixels = parseSize(size) ?? { width: 720, height: 1280 };
    const imageSize = image === undefined ? undefined : pngSize(image);
    if (
      imageSize !== undefined &&
      (imageSize.width !== pixels.width || imageSize.height !== pixels.height)
    ) {
      throw invalid('Inpaint image must match the requested width and height', 'input_reference');
    }
    return core.create<VideoData>(
      spec,
      req,
      {
        id: `video_${hexId(32)}`,
        model,
        render: { seconds: Number(seconds), ...pixels, fps: SORA_FPS, audio: true, model, prompt },
        data: { prompt, seconds, size },
      },
      reply,
    );
  }

  function list(req: SandboxRequest): Reply {
    const order = req.url.searchParams.get('order') === 'asc' ? 'asc' : 'desc';
    const limit = Math.min(100, Math.max(1, Number(req.url.searchParams.get('limit') ?? 20) || 20));
    let jobs = core.jobs.list('openai') as Job<VideoData>[];
    if (order === 'desc') jobs = jobs.reverse();
    const after = req.url.searchParams.get('after');
    if (after !== null) jobs = jobs.slice(jobs.findIndex((j) => j.id === after) + 1);
    const page = jobs.slice(0, limit).map(video);
    return json(200, {
      object: 'list',
      data: page,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: jobs.length > limit,
    });
  }

  function retrieve(id: string | undefined): Reply {
    return reply(find(id));
  }

  function remove(id: string | undefined): Reply {
    const job = find(id);
    if (job.phase === 'queued' || job.phase === 'running') {
      throw invalid('Only completed or failed videos can be deleted.');
    }
    core.jobs.forget(job);
    return json(200, { id: job.id, object: 'video.deleted', deleted: true });
  }

  async function content(req: SandboxRequest, [id]: string[]): Promise<Reply> {
    const job = find(id);
    const variant = req.url.searchParams.get('variant') ?? 'video';
    oneOf(variant, ['video', 'thumbnail', 'spritesheet'], 'variant');
    if (variant !== 'video')
      throw invalid(`The sandbox serves only the 'video' variant, not '${variant}'.`, 'variant');
    if (job.phase !== 'succeeded') {
      throw invalid(`Video ${job.id} is not ready yet; its status is '${video(job).status}'.`);
    }
    if (core.media.takeExpiredDownload(job)) return spec.errors.expired();
    const file = await core.clipOf(job);
    if (file === undefined) throw notFound(`Video with id '${id}' has no content.`);
    return { status: 200, file, contentType: 'video/mp4' };
  }

  return spec;
}
