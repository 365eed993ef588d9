/**
 * BytePlus ModelArk (Seedance) under `/byteplus`: POST /api/v3/contents/generations/tasks,
 * GET …/tasks/{id}, GET …/tasks (list), DELETE …/tasks/{id}. Bearer key. Tasks go
 * queued → running → succeeded | failed | cancelled, carry `usage` tokens
 * ((frames) × width × height / 1024 at 24 fps) and a `video_url` valid 24 hours.
 * Moderation refuses at create (`InputTextSensitiveContentDetected`).
 */
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import {
  epochSeconds,
  invalid,
  isReply,
  json,
  notFound,
  type Reply,
  type SandboxRequest,
  unknownModel,
} from '../http.ts';
import type { Job } from '../jobs.ts';
import { sizeFor } from '../sizes.ts';
import {
  base36Id,
  cdnExpired,
  dataUriBytes,
  openingOf,
  pngSize,
  retryAfter,
  whenEnded,
} from './common.ts';

interface SeedanceModel {
  minSeconds: number;
  maxSeconds: number;
  /** accepts duration -1: the model picks the length */
  auto: boolean;
  resolutions: readonly string[];
  defaultResolution: string;
  /** generate_audio exists and defaults to true */
  audio: boolean;
  /** Seedance 1.0 renders 16:9 at its own sizes */
  legacySizes: boolean;
}

/** Seedream image models the sandbox answers on /api/v3/images/generations. */
const SEEDREAM_MODELS: ReadonlySet<string> = new Set([
  'seedream-4-5-251128',
  'seedream-4-0-250828',
]);

const MODELS: Record<string, SeedanceModel> = {
  'seedance-1-0-pro-250528': {
    minSeconds: 2,
    maxSeconds: 12,
    auto: false,
    resolutions: ['480p', '720p', '1080p'],
    defaultResolution: '1080p',
    audio: false,
    legacySizes: true,
  },
  'seedance-1-0-pro-fast-251015': {
    minSeconds: 2,
    maxSeconds: 12,
    auto: false,
    resolutions: ['480p', '720p', '1080p'],
    defaultResolution: '1080p',
    audio: false,
    legacySizes: true,
  },
  'seedance-1-5-pro-251215': {
    minSeconds: 4,
    maxSeconds: 12,
    auto: true,
    resolutions: ['480p', '720p', '1080p'],
    defaultResolution: '720p',
    audio: true,
    legacySizes: false,
  },
  'dreamina-seedance-2-0-260128': {
    minSeconds: 4,
    maxSeconds: 15,
    auto: true,
    resolutions: ['480p', '720p', '1080p', '4k'],
    defaultResolution: '720p',
    audio: true,
    legacySizes: false,
  },
  'dreamina-seedance-2-0-fast-260128': {
    minSeconds: 4,
    maxSeconds: 15,
    auto: true,
    resolutions: ['480p', '720p'],
    defaultResolution: '720p',
    audio: true,
    legacySizes: false,
  },
  'dreamina-seedance-2-0-mini-260615': {
    minSeconds: 4,
    maxSeconds: 15,
    auto: true,
    resolutions: ['480p', '720p'],
    defaultResolution: '720p',
    audio: true,
    legacySizes: false,
  },
  'dreamina-seedance-2-5-flash-261115': {
    minSeconds: 4,
    maxSeconds: 30,
    auto: true,
    resolutions: ['480p', '720p'],
    defaultResolution: '720p',
    audio: true,
    legacySizes: false,
  },
  'dreamina-seedance-2-5-260628': {
    minSeconds: 4,
    maxSeconds: 30,
    auto: true,
    resolutions: ['480p', '720p', '1080p'],
    defaultResolution: '720p',
    audio: true,
    legacySizes: false,
  },
};

const RATIOS = ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9', 'adaptive'];
const LEGACY_16_9: Record<string, { width: number; height: number }> = {
  '480p': { width: 864, height: 480 },
  '720p': { width: 1248, height: 704 },
  '1080p': { width: 1920, height: 1088 },
};
/** What a model picks for duration -1 in the sandbox. */
const AUTO_SECONDS = 5;
const FPS = 24;
const VIDEO_URL_TTL_SECONDS = 24 * 3600;

interface TaskData {
  seed: number;
  resolution: string;
  ratio: string;
  duration: number;
  generateAudio: boolean;
  tokens: number;
}

function arkError(status: number, code: string, message: string, type: string, param = ''): Reply {
  return json(status, { error: { code, message, param, type } });
}

/** The legacy flags inside the prompt text: `--rs 720p --rt 16:9 --dur 5 --seed 11 …`. */
function promptFlags(text: string): { prompt: string; flags: Record<string, string> } {
  const names: Record<string, string> = {
    rs: 'resolution',
    resolution: 'resolution',
    rt: 'ratio',
    ratio: 'ratio',
    dur: 'duration',
    duration: 'duration',
    seed: 'seed',
    cf: 'camera_fixed',
    camerafixed: 'camera_fixed',
    wm: 'watermark',
    watermark: 'watermark',
  };
  const flags: Record<string, string> = {};
  const prompt = text
    .replace(/\s--([a-z]+)\s+(\S+)/g, (whole, name: string, value: string) => {
      const field = names[name];
      if (field === undefined) return whole;
      flags[field] = value;
      return '';
    })
    .trim();
  return { prompt, flags };
}

interface ContentItem {
  type?: unknown;
  text?: unknown;
  role?: unknown;
  image_url?: { url?: unknown };
}

export function byteplusProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'byteplus',
    authenticate(req) {
      if (!acceptableKey(req.credential('Bearer'))) {
        return arkError(
          401,
          'AuthenticationError',
          'The API key in the request is missing or invalid.',
          'Unauthorized',
        );
      }
      return undefined;
    },
    errors: {
      invalid: (message, field) =>
        arkError(400, 'InvalidParameter', message, 'BadRequest', field ?? ''),
      notFound: (message) => arkError(404, 'ResourceNotFound', message, 'NotFound'),
      unknownModel: (model) =>
        arkError(
          404,
          'InvalidEndpointOrModel.NotFound',
          `The model or endpoint ${model} does not exist or you do not have access to it.`,
          'NotFound',
        ),
      rateLimited: (seconds) => ({
        ...arkError(
          429,
          'RateLimitExceeded.EndpointRPMExceeded',
          'The request has exceeded the RPM limit of the model. Please try again later.',
          'TooManyRequests',
        ),
        headers: retryAfter(seconds),
      }),
      serverError: () =>
        arkError(
          500,
          'InternalServiceError',
          'The service encountered an unexpected internal error.',
          'InternalServerError',
        ),
      refusedAtCreate: () =>
        arkError(
          400,
          'InputTextSensitiveContentDetected',
          'The request failed because the input text may contain sensitive information.',
          'BadRequest',
        ),
      expired: cdnExpired,
    },
    routes: [
      {
        method: 'POST',
        path: /^\/api\/v3\/contents\/generations\/tasks$/,
        kind: 'create',
        handle: create,
      },
      {
        method: 'GET',
        path: /^\/api\/v3\/contents\/generations\/tasks$/,
        kind: 'poll',
        handle: list,
      },
      {
        method: 'GET',
        path: /^\/api\/v3\/contents\/generations\/tasks\/([^/]+)$/,
        kind: 'poll',
        handle: get,
      },
      {
        method: 'DELETE',
        path: /^\/api\/v3\/contents\/generations\/tasks\/([^/]+)$/,
        kind: 'other',
        handle: remove,
      },
      {
        method: 'GET',
        path: /^\/_tos\/([^/]+)\.(?:mp4|png)$/,
        kind: 'download',
        open: true,
        handle: download,
      },
      {
        method: 'POST',
        path: /^\/api\/v3\/images\/generations$/,
        kind: 'create',
        handle: generateImage,
      },
    ],
  };

  /**
   * Seedream's image generation: synchronous, so the reply waits for the job (its simulated
   * latency) and carries the image's URL. A refused job answers as moderation does.
   */
  async function generateImage(req: SandboxRequest) {
    const body = await req.json();
    const model = typeof body.model === 'string' ? body.model : '';
    if (!SEEDREAM_MODELS.has(model)) throw unknownModel(model);
    if (typeof body.prompt !== 'string' || body.prompt.trim() === '')
      throw invalid('The parameter `prompt` specified in the request is not valid.', 'prompt');
    const size = /^(\d{2,5})x(\d{2,5})$/.exec(typeof body.size === 'string' ? body.size : '');
    const width = size ? Number(size[1]) : 2048;
    const height = size ? Number(size[2]) : 2048;
    if (body.size !== undefined && (!size || width > 8192 || height > 8192))
      throw invalid('The parameter `size` specified in the request is not valid.', 'size');
    if (
      body.response_format !== undefined &&
      body.response_format !== 'url' &&
      body.response_format !== 'b64_json'
    )
      throw invalid(
        'The parameter `response_format` specified in the request is not valid.',
        'response_format',
      );
    let made: Job<TaskData> | undefined;
    const outcome = core.create<TaskData>(
      spec,
      req,
      {
        id: `img-${base36Id(12)}`,
        model,
        render: {
          width,
          height,
          seconds: 0,
          fps: 1,
          audio: false,
          model,
          prompt: body.prompt,
          still: true,
        },
        data: {
          seed: 0,
          resolution: `${width}x${height}`,
          ratio: 'adaptive',
          duration: 0,
          generateAudio: false,
          tokens: 0,
        },
      },
      (job) => {
        made = job;
        return { status: 200 };
      },
    );
    if (made === undefined || !isReply(outcome)) return outcome;
    // the call holds until the job ends, as the real synchronous API does
    const job = await whenEnded(core, 'byteplus', made);
    if (job.phase !== 'succeeded') {
      return arkError(
        400,
        'OutputImageSensitiveContentDetected',
        'The request failed because the output image may contain sensitive information.',
        'BadRequest',
      );
    }
    const url = core.media.signedUrl(
      req.origin,
      `/byteplus/_tos/${job.id}.png`,
      job,
      VIDEO_URL_TTL_SECONDS,
    );
    const reply = json(200, {
      model,
      created: epochSeconds(job.createdAt),
      data: [{ url, size: `${width}x${height}` }],
      usage: {
        generated_images: 1,
        output_tokens: Math.round((width * height) / 256),
        total_tokens: Math.round((width * height) / 256),
      },
    });
    return outcome.malformed ? { ...reply, malformed: true } : reply;
  }

  function task(req: SandboxRequest, job: Job<TaskData>): Record<string, unknown> {
    const status = {
      queued: 'queued',
      running: 'running',
      succeeded: 'succeeded',
      failed: 'failed',
      canceled: 'cancelled',
    }[job.phase];
    const out: Record<string, unknown> = {
      id: job.id,
      model: job.model,
      status,
      created_at: epochSeconds(job.createdAt),
      updated_at: epochSeconds(job.endedAt ?? job.startedAt ?? job.createdAt),
      seed: job.data.seed,
      resolution: job.data.resolution,
      ratio: job.data.ratio,
      duration: job.data.duration,
      framespersecond: FPS,
      generate_audio: job.data.generateAudio,
      service_tier: 'default',
      execution_expires_after: 172800,
    };
    if (job.phase === 'succeeded') {
      out.content = {
        video_url: core.media.signedUrl(
          req.origin,
          `/byteplus/_tos/${job.id}.mp4`,
          job,
          VIDEO_URL_TTL_SECONDS,
        ),
      };
      out.usage = { completion_tokens: job.data.tokens, total_tokens: job.data.tokens };
    }
    if (job.phase === 'failed') {
      out.error =
        job.failure === undefined
          ? {
              code: 'OutputVideoSensitiveContentDetected',
              message:
                'The request failed because the output video may contain sensitive information.',
            }
          : { code: 'InternalServiceError', message: job.failure };
    }
    return out;
  }

  async function create(req: SandboxRequest) {
    const body = await req.json();
    const modelName = body.model;
    if (typeof modelName !== 'string' || modelName === '')
      throw invalid('The parameter `model` is required.', 'model');
    const model = MODELS[modelName];
    if (model === undefined) throw unknownModel(modelName);
    const content = body.content;
    if (!Array.isArray(content) || content.length === 0) {
      throw invalid('The parameter `content` must be a non-empty list.', 'content');
    }
    let text = '';
    const roles: string[] = [];
    let firstImage: string | undefined;
    let firstFrame: string | undefined;
    for (const raw of content as ContentItem[]) {
      if (raw?.type === 'text' && typeof raw.text === 'string') text += raw.text;
      else if (raw?.type === 'image_url') {
        const url = raw.image_url?.url;
        if (typeof url !== 'string' || url === '')
          throw invalid('image_url.url is required.', 'content');
        const role = typeof raw.role === 'string' ? raw.role : 'first_frame';
        if (!['first_frame', 'last_frame', 'reference_image'].includes(role)) {
          throw invalid(`Unknown image role ${role}.`, 'content');
        }
        roles.push(role);
        firstImage ??= url;
        if (role === 'first_frame') firstFrame ??= url;
      } else if (
        raw?.type !== 'video_url' &&
        raw?.type !== 'audio_url' &&
        raw?.type !== 'draft_task'
      ) {
        throw invalid(`Unknown content type ${String(raw?.type)}.`, 'content');
      }
    }
    if (
      roles.includes('reference_image') &&
      (roles.includes('first_frame') || roles.includes('last_frame'))
    ) {
      throw invalid('Reference images cannot be combined with first or last frames.', 'content');
    }
    if (roles.includes('last_frame') && !roles.includes('first_frame')) {
      throw invalid('A last frame needs a first frame.', 'content');
    }
    const { prompt, flags } = promptFlags(` ${text}`);
    if (prompt === '' && firstImage === undefined)
      throw invalid('A text prompt or an image is required.', 'content');

    const resolution = String(body.resolution ?? flags.resolution ?? model.defaultResolution);
    if (!model.resolutions.includes(resolution)) {
      throw invalid(
        `The parameter \`resolution\` specified in the request is not valid: ${resolution}.`,
        'resolution',
      );
    }
    const ratio = String(body.ratio ?? flags.ratio ?? (model.legacySizes ? '16:9' : 'adaptive'));
    if (!RATIOS.includes(ratio))
      throw invalid(
        `The parameter \`ratio\` specified in the request is not valid: ${ratio}.`,
        'ratio',
      );
    const durationValue = Number(body.duration ?? flags.duration ?? (model.auto ? -1 : 5));
    const durationOk =
      Number.isInteger(durationValue) &&
      ((durationValue >= model.minSeconds && durationValue <= model.maxSeconds) ||
        (model.auto && durationValue === -1));
    if (!durationOk) {
      throw invalid(
        `The parameter \`duration\` specified in the request is not valid for model ${modelName}: ${durationValue}.`,
        'duration',
      );
    }
    const generateAudio = body.generate_audio ?? true;
    if (typeof generateAudio !== 'boolean')
      throw invalid('generate_audio must be a boolean.', 'generate_audio');
    if (body.generate_audio !== undefined && !model.audio) {
      throw invalid(
        `The parameter \`generate_audio\` is not supported by model ${modelName}.`,
        'generate_audio',
      );
    }
    const seed = Number(body.seed ?? flags.seed ?? -1);
    const seconds = durationValue === -1 ? AUTO_SECONDS : durationValue;
    let aspect = ratio;
    if (ratio === 'adaptive') {
      const bytes = firstImage === undefined ? undefined : dataUriBytes(firstImage);
      const size = bytes === undefined ? undefined : pngSize(bytes);
      aspect = size === undefined ? '16:9' : `${size.width}:${size.height}`;
    }
    const pixels =
      (model.legacySizes && aspect === '16:9' ? LEGACY_16_9[resolution] : undefined) ??
      sizeFor(resolution, aspect);
    const audio = model.audio && generateAudio;
    const tokens = Math.round(((seconds * FPS + 1) * pixels.width * pixels.height) / 1024);
    const now = new Date(core.now());
    const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
    return core.create<TaskData>(
      spec,
      req,
      {
        id: `cgt-${stamp}-${base36Id(5)}`,
        model: modelName,
        render: {
          seconds,
          ...pixels,
          fps: FPS,
          audio,
          model: modelName,
          prompt,
          ...openingOf(firstFrame),
        },
        data: {
          seed: seed === -1 ? Math.floor((core.now() % 2147483647) + 1) : seed,
          resolution,
          ratio,
          duration: seconds,
          generateAudio: audio,
          tokens,
        },
      },
      (job) => json(200, { id: job.id }),
    );
  }

  function find(id: string | undefined): Job<TaskData> {
    const job = core.jobs.get<TaskData>('byteplus', id ?? '');
    if (job === undefined) throw notFound(`The specified task ${id} is not found.`);
    return job;
  }

  async function get(req: SandboxRequest, [id]: string[]): Promise<Reply> {
    const job = find(id);
    if (job.phase === 'succeeded') await core.clipOf(job);
    return json(200, task(req, job));
  }

  function list(req: SandboxRequest): Reply {
    const pageNum = Math.max(1, Number(req.url.searchParams.get('page_num') ?? 1) || 1);
    const pageSize = Math.min(
      500,
      Math.max(1, Number(req.url.searchParams.get('page_size') ?? 10) || 10),
    );
    const status = req.url.searchParams.get('filter.status');
    const items = (core.jobs.list('byteplus') as Job<TaskData>[])
      .reverse()
      .map((job) => task(req, job))
      .filter((t) => status === null || t.status === status);
    return json(200, {
      items: items.slice((pageNum - 1) * pageSize, pageNum * pageSize),
      total: items.length,
    });
  }

  function remove(_req: SandboxRequest, [id]: string[]): Reply {
    const job = find(id);
    if (job.phase === 'running') {
      return arkError(
        400,
        'InvalidAction.TaskRunning',
        'A running task can be neither cancelled nor deleted.',
        'BadRequest',
      );
    }
    // cancels a queued task; deletes a finished one
    if (!core.jobs.cancel(job)) core.jobs.forget(job);
    return json(200, {});
  }

  async function download(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    return core.serveSigned(spec, req, core.jobs.get('byteplus', id));
  }

  return spec;
}
