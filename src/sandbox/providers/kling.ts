/**
 * Kling AI under `/kling`: POST/GET /v1/videos/text2video and /v1/videos/image2video (one task,
 * or the list with pageNum/pageSize), `Authorization: Bearer <JWT>` signed HS256 with the
 * configured secret, the `{code, message, request_id, data}` envelope, `external_task_id` as
 * native idempotency, and kling-v3 multi-shot (`multi_shot` + `shot_type` + `multi_prompt`).
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { ProviderSpec, SandboxCore } from '../core.ts';
import { invalid, json, notFound, type Reply, type SandboxRequest, unknownModel } from '../http.ts';
import type { Job } from '../jobs.ts';
import { verifyKlingToken } from '../jwt.ts';
import { sizeFor } from '../sizes.ts';
import { cdnExpired, dataUriBytes, pngSize, retryAfter } from './common.ts';

type Action = 'text2video' | 'image2video';

interface KlingModel {
  durations: readonly string[];
  modes: readonly string[];
  /** `sound: on` allowed: never, in pro mode only (v2.6), or always (v3) */
  sound: 'never' | 'pro' | 'always';
  actions: readonly Action[];
  multiShot: boolean;
  /** Kling units: per second (v3) or per 5-second clip, by mode and sound */
  units: { perSecond: boolean; table: Record<string, number> };
}

const FIVE_TEN = ['5', '10'];
const THREE_TO_FIFTEEN = Array.from({ length: 13 }, (_, i) => String(i + 3));
const BOTH: readonly Action[] = ['text2video', 'image2video'];
const CLIP_UNITS_V21 = { perSecond: false, table: { std: 2, pro: 3.5 } };
const CLIP_UNITS_MASTER = { perSecond: false, table: { std: 10, pro: 10 } };
const CLIP_UNITS_TURBO = { perSecond: false, table: { std: 1.5, pro: 2.5 } };

const MODELS: Record<string, KlingModel> = {
  'kling-v1': {
    durations: FIVE_TEN,
    modes: ['std', 'pro'],
    sound: 'never',
    actions: BOTH,
    multiShot: false,
    units: CLIP_UNITS_V21,
  },
  'kling-v1-5': {
    durations: FIVE_TEN,
    modes: ['std', 'pro'],
    sound: 'never',
    actions: BOTH,
    multiShot: false,
    units: CLIP_UNITS_V21,
  },
  'kling-v1-6': {
    durations: FIVE_TEN,
    modes: ['std', 'pro'],
    sound: 'never',
    actions: BOTH,
    multiShot: false,
    units: CLIP_UNITS_V21,
  },
  'kling-v2-master': {
    durations: FIVE_TEN,
    modes: ['std', 'pro'],
    sound: 'never',
    actions: BOTH,
    multiShot: false,
    units: CLIP_UNITS_MASTER,
  },
  'kling-v2-1': {
    durations: FIVE_TEN,
    modes: ['std', 'pro'],
    sound: 'never',
    actions: ['image2video'],
    multiShot: false,
    units: CLIP_UNITS_V21,
  },
  'kling-v2-1-master': {
    durations: FIVE_TEN,
    modes: ['std', 'pro'],
    sound: 'never',
    actions: BOTH,
    multiShot: false,
    units: CLIP_UNITS_MASTER,
  },
  'kling-v2-5-turbo': {
    durations: FIVE_TEN,
    modes: ['std', 'pro'],
    sound: 'never',
    actions: BOTH,
    multiShot: false,
    units: CLIP_UNITS_TURBO,
  },
  'kling-v2-6': {
    durations: FIVE_TEN,
    modes: ['std', 'pro'],
    sound: 'pro',
    actions: BOTH,
    multiShot: false,
    units: { perSecond: false, table: { std: 1.5, pro: 2.5, 'pro+sound': 5 } },
  },
  'kling-v3': {
    durations: THREE_TO_FIFTEEN,
    modes: ['std', 'pro', '4k'],
    sound: 'always',
    actions: BOTH,
    multiShot: true,
    units: {
      perSecond: true,
      table: { std: 0.6, 'std+sound': 0.9, pro: 0.8, 'pro+sound': 1.2, '4k': 3, '4k+sound': 3 },
    },
  },
  // December 2026 models (docs/sandbox-providers.md): model names from resellers, units
  // priced as kling-v3 (O3) and at fal's per-second prices over $0.14 a unit (v4)
  'kling-v3-omni': {
    durations: THREE_TO_FIFTEEN,
    modes: ['std', 'pro', '4k'],
    sound: 'always',
    actions: BOTH,
    multiShot: false,
    units: {
      perSecond: true,
      table: { std: 0.6, 'std+sound': 0.9, pro: 0.8, 'pro+sound': 1.2, '4k': 3, '4k+sound': 3 },
    },
  },
  'kling-v4': {
    durations: Array.from({ length: 28 }, (_, i) => String(i + 3)),
    modes: ['std', 'pro'],
    sound: 'always',
    actions: BOTH,
    multiShot: false,
    units: { perSecond: true, table: { std: 1.12, pro: 1.68 } },
  },
  'kling-v4-flash': {
    durations: Array.from({ length: 18 }, (_, i) => String(i + 3)),
    modes: ['std'],
    sound: 'always',
    actions: BOTH,
    multiShot: false,
    units: { perSecond: true, table: { std: 0.84 } },
  },
};

const ASPECT_RATIOS = ['16:9', '9:16', '1:1'];
const RESOLUTION_OF_MODE: Record<string, string> = { std: '720p', pro: '1080p', '4k': '4k' };
/** Generated videos are kept 30 days. */
const VIDEO_TTL_SECONDS = 30 * 24 * 3600;

interface TaskData {
  action: Action;
  externalTaskId: string | null;
  duration: string;
  videoId: string;
  units: number;
}

function envelope(status: number, code: number, message: string, data?: unknown): Reply {
  const body: Record<string, unknown> = { code, message, request_id: randomUUID() };
  if (data !== undefined) body.data = data;
  return json(status, body);
}

function str(body: Record<string, unknown>, field: string, fallback: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw invalid(`${field} must be a string`, field);
  return value;
}

function checkOneOf(value: string, allowed: readonly string[], field: string, model: string): void {
  if (!allowed.includes(value)) {
    throw invalid(
      `${field} value '${value}' is invalid for ${model}; allowed: ${allowed.join(', ')}`,
      field,
    );
  }
}

/** The aspect ratio of an image given as raw base64 or a data URI, when it is a PNG. */
function imageAspect(image: unknown): string | undefined {
  if (typeof image !== 'string') return undefined;
  const bytes =
    dataUriBytes(image) ??
    (/^[A-Za-z0-9+/=\s]+$/.test(image) ? Buffer.from(image, 'base64') : undefined);
  const size = bytes === undefined ? undefined : pngSize(bytes);
  return size === undefined ? undefined : `${size.width}:${size.height}`;
}

export function klingProvider(
  core: SandboxCore,
  keys: { accessKey: string; secretKey: string },
): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'kling',
    authenticate(req) {
      const header = req.header('authorization');
      if (header === undefined) return envelope(401, 1001, 'Authorization is empty');
      const token = req.credential('Bearer');
      if (token === undefined) return envelope(401, 1002, 'Authorization is invalid');
      const verdict = verifyKlingToken(token, keys.accessKey, keys.secretKey, core.now());
      if (verdict === 'invalid') return envelope(401, 1002, 'Authorization is invalid');
      if (verdict === 'not_yet_valid') return envelope(401, 1003, 'Authorization is not yet valid');
      if (verdict === 'expired') return envelope(401, 1004, 'Authorization has expired');
      return undefined;
    },
    errors: {
      invalid: (message) => envelope(400, 1201, `Invalid request parameters: ${message}`),
      notFound: (message) => envelope(404, 1203, message),
      unknownModel: (model) => envelope(404, 1203, `The requested model does not exist: ${model}`),
      rateLimited: (seconds) => ({
        ...envelope(429, 1302, 'API request too fast, please slow down'),
        headers: retryAfter(seconds),
      }),
      serverError: () => envelope(500, 5000, 'Server internal error'),
      refusedAtCreate: () =>
        envelope(400, 1301, 'Trying to generate content that violates the content security policy'),
      expired: cdnExpired,
    },
    routes: [
      {
        method: 'POST',
        path: /^\/v1\/videos\/(text2video|image2video)$/,
        kind: 'create',
        handle: create,
      },
      {
        method: 'GET',
        path: /^\/v1\/videos\/(text2video|image2video)$/,
        kind: 'poll',
        handle: list,
      },
      {
        method: 'GET',
        path: /^\/v1\/videos\/(text2video|image2video)\/([^/]+)$/,
        kind: 'poll',
        handle: query,
      },
      {
        method: 'GET',
        path: /^\/_cdn\/([^/]+)\/([^/]+)\.mp4$/,
        kind: 'download',
        open: true,
        handle: download,
      },
    ],
  };

  function taskData(req: SandboxRequest, job: Job<TaskData>): Record<string, unknown> {
    const status = {
      queued: 'submitted',
      running: 'processing',
      succeeded: 'succeed',
      failed: 'failed',
      canceled: 'failed',
    }[job.phase];
    const data: Record<string, unknown> = {
      task_id: job.id,
      task_status: status,
      task_status_msg: '',
      task_info: { external_task_id: job.data.externalTaskId },
      watermark_info: { enabled: false },
      created_at: job.createdAt,
      updated_at: job.endedAt ?? job.startedAt ?? job.createdAt,
    };
    if (job.phase === 'failed') {
      data.task_status_msg = job.failure ?? 'Failure to pass the risk control system';
    }
    if (job.phase === 'succeeded') {
      const pathname = `/kling/_cdn/${job.id}/${job.data.videoId}.mp4`;
      data.final_unit_deduction = String(job.data.units);
      data.task_result = {
        videos: [
          {
            id: job.data.videoId,
            url: core.media.signedUrl(req.origin, pathname, job, VIDEO_TTL_SECONDS),
            duration: job.data.duration,
          },
        ],
      };
    }
    return data;
  }

  async function create(req: SandboxRequest, [action = 'text2video']: string[]) {
    const body = await req.json();
    const modelName = str(body, 'model_name', 'kling-v1');
    const model = MODELS[modelName];
    if (model === undefined) throw unknownModel(modelName);
    const act = action as Action;
    if (!model.actions.includes(act))
      throw invalid(`${modelName} does not support ${act}`, 'model_name');
    const mode = str(body, 'mode', 'std');
    checkOneOf(mode, model.modes, 'mode', modelName);
    const duration = str(body, 'duration', '5');
    checkOneOf(duration, model.durations, 'duration', modelName);
    const sound = str(body, 'sound', 'off');
    checkOneOf(sound, ['on', 'off'], 'sound', modelName);
    if (sound === 'on' && (model.sound === 'never' || (model.sound === 'pro' && mode !== 'pro'))) {
      throw invalid(
        model.sound === 'pro' ? 'sound requires mode pro' : `${modelName} does not support sound`,
        'sound',
      );
    }
    let prompt = str(body, 'prompt', '');
    if (prompt.length > 2500) throw invalid('prompt must be at most 2500 characters', 'prompt');

    const multiShot = body.multi_shot === true;
    if (multiShot) {
      if (!model.multiShot) throw invalid(`${modelName} does not support multi_shot`, 'multi_shot');
      const shotType = str(body, 'shot_type', '');
      checkOneOf(shotType, ['customize', 'intelligence'], 'shot_type', modelName);
      if (shotType === 'customize') prompt = checkMultiPrompt(body.multi_prompt, Number(duration));
      if (body.image_tail !== undefined)
        throw invalid('image_tail is not supported with multi_shot', 'image_tail');
    } else if (act === 'text2video' && prompt.trim() === '') {
      throw invalid('prompt is required', 'prompt');
    }

    let aspect = str(body, 'aspect_ratio', '16:9');
    checkOneOf(aspect, ASPECT_RATIOS, 'aspect_ratio', modelName);
    if (act === 'image2video') {
      if (body.image === undefined && body.image_tail === undefined)
        throw invalid('image is required', 'image');
      aspect = imageAspect(body.image) ?? aspect;
    }
    const externalTaskId =
      body.external_task_id === undefined ? undefined : str(body, 'external_task_id', '');
    const seconds = Number(duration);
    const rateKey = sound === 'on' ? `${mode}+sound` : mode;
    const rate = model.units.table[rateKey] ?? model.units.table[mode] ?? 0;
    const units = model.units.perSecond ? rate * seconds : (rate * seconds) / 5;
    return core.create<TaskData>(
      spec,
      req,
      {
        // Kling's task ids are 18-digit strings
        id: `${randomInt(100_000_000, 1_000_000_000)}${randomInt(100_000_000, 1_000_000_000)}`,
        model: modelName,
        nativeKey: externalTaskId === '' ? undefined : externalTaskId,
        render: {
          seconds,
          ...sizeFor(RESOLUTION_OF_MODE[mode] ?? '720p', aspect),
          fps: 24,
          audio: sound === 'on',
          model: modelName,
          prompt,
        },
        data: {
          action: act,
          externalTaskId: externalTaskId ?? null,
          duration,
          videoId: randomUUID(),
          units: Math.round(units * 100) / 100,
        },
      },
      (job) => envelope(200, 0, 'SUCCEED', taskData(req, job)),
    );
  }

  function find(action: string, id: string): Job<TaskData> | undefined {
    const direct = core.jobs.get<TaskData>('kling', id);
    const job =
      direct ??
      (core.jobs.list('kling').find((j) => (j.data as TaskData).externalTaskId === id) as
        | Job<TaskData>
        | undefined);
    return job?.data.action === action ? job : undefined;
  }

  async function query(req: SandboxRequest, [action = '', id = '']: string[]): Promise<Reply> {
    const job = find(action, id);
    if (job === undefined) throw notFound(`task ${id} does not exist`);
    if (job.phase === 'succeeded') await core.clipOf(job);
    return envelope(200, 0, 'SUCCEED', taskData(req, job));
  }

  function list(req: SandboxRequest, [action = '']: string[]): Reply {
    const pageNum = Math.max(1, Number(req.url.searchParams.get('pageNum') ?? 1) || 1);
    const pageSize = Math.min(
      500,
      Math.max(1, Number(req.url.searchParams.get('pageSize') ?? 30) || 30),
    );
    const jobs = (core.jobs.list('kling') as Job<TaskData>[])
      .filter((j) => j.data.action === action)
      .reverse();
    const page = jobs.slice((pageNum - 1) * pageSize, pageNum * pageSize);
    return envelope(
      200,
      0,
      'SUCCEED',
      page.map((job) => taskData(req, job)),
    );
  }

  async function download(req: SandboxRequest, [taskId = '']: string[]): Promise<Reply> {
    const job = core.jobs.get('kling', taskId);
    return core.serveSigned(spec, req, job);
  }

  return spec;
}

/** Checks customize multi-shot prompts; returns the shots' prompts joined, for the clip label. */
function checkMultiPrompt(value: unknown, total: number): string {
  if (!Array.isArray(value) || value.length < 1 || value.length > 6) {
    throw invalid('multi_prompt must hold 1 to 6 shots', 'multi_prompt');
  }
  let sum = 0;
  const prompts: string[] = [];
  for (const [i, item] of value.entries()) {
    const shot = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const prompt = shot.prompt;
    if (typeof prompt !== 'string' || prompt.trim() === '' || prompt.length > 512) {
      throw invalid(`multi_prompt[${i}].prompt must be 1 to 512 characters`, 'multi_prompt');
    }
    const seconds = Number(shot.duration);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > total) {
      throw invalid(
        `multi_prompt[${i}].duration must be a whole number of seconds from 1 to ${total}`,
        'multi_prompt',
      );
    }
    sum += seconds;
    prompts.push(prompt);
  }
  if (sum !== total) {
    throw invalid(
      `the durations of multi_prompt add up to ${sum}, not the task duration ${total}`,
      'multi_prompt',
    );
  }
  return prompts.join(' | ');
}
