/**
 * Replicate predictions API under `/replicate`: POST /v1/predictions ({version, input}),
 * POST /v1/models/{owner}/{name}/predictions ({input}), GET /v1/predictions (list),
 * GET /v1/predictions/{id}, POST /v1/predictions/{id}/cancel. Bearer token. `Prefer: wait`
 * (or `wait=N`, at most 60 s) holds the create request until the prediction ends. Errors are
 * problem documents ({title, detail, status}); output URLs live one hour.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import {
  isoTime,
  json,
  notFound,
  type Reply,
  RequestProblem,
  type SandboxRequest,
} from '../http.ts';
import { type InputField, type InputSchema, validateInput } from '../input-schema.ts';
import type { Job } from '../jobs.ts';
import { sizeFor } from '../sizes.ts';
import { base36Id, retryAfter } from './common.ts';

interface ReplicateModel extends InputSchema {
  clip(input: Record<string, unknown>): {
    seconds: number;
    width: number;
    height: number;
    fps: number;
    audio: boolean;
    /** an image model: the output is a list of one PNG per image */
    still?: boolean;
  };
}

/** FLUX schnell's aspect ratios and the 1-megapixel sizes Replicate makes for them. */
const FLUX_SIZES: Record<string, { width: number; height: number }> = {
  '1:1': { width: 1024, height: 1024 },
  '16:9': { width: 1344, height: 768 },
  '21:9': { width: 1536, height: 640 },
  '3:2': { width: 1216, height: 832 },
  '2:3': { width: 832, height: 1216 },
  '4:5': { width: 896, height: 1088 },
  '5:4': { width: 1088, height: 896 },
  '3:4': { width: 896, height: 1152 },
  '4:3': { width: 1152, height: 896 },
  '9:16': { width: 768, height: 1344 },
  '9:21': { width: 640, height: 1536 },
};

/** FLUX schnell's input on Replicate (`black-forest-labs/flux-schnell`). */
function fluxSchnell(): ReplicateModel {
  return {
    fields: {
      prompt: PROMPT,
      aspect_ratio: { enum: Object.keys(FLUX_SIZES), default: '1:1' },
      num_outputs: { type: 'integer', min: 1, max: 4, default: 1 },
      output_format: { enum: ['webp', 'jpg', 'png'], default: 'webp' },
      output_quality: { type: 'integer', min: 0, max: 100, default: 80 },
      go_fast: { type: 'boolean', default: true },
      megapixels: { enum: ['1', '0.25'], default: '1' },
      num_inference_steps: { type: 'integer', min: 1, max: 4, default: 4 },
      disable_safety_checker: { type: 'boolean', default: false },
      seed: SEED,
    },
    clip: (input) => ({
      seconds: 0,
      ...FLUX_SIZES[text(input.aspect_ratio)]!,
      fps: 1,
      audio: false,
      still: true,
    }),
  };
}

const PROMPT: InputField = { type: 'string', required: true };
const TEXT: InputField = { type: 'string' };
const AUDIO_ON: InputField = { type: 'boolean', default: true };
const SEED: InputField = { type: 'integer' };

function text(value: unknown): string {
  return String(value);
}

function veo(): ReplicateModel {
  return {
    fields: {
      prompt: PROMPT,
      duration: { enum: [4, 6, 8], default: 8 },
      resolution: { enum: ['720p', '1080p'], default: '1080p' },
      aspect_ratio: { enum: ['16:9', '9:16'], default: '16:9' },
      generate_audio: AUDIO_ON,
      image: TEXT,
      negative_prompt: TEXT,
      seed: SEED,
    },
    clip: (input) => ({
      seconds: Number(input.duration),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio)),
      fps: 24,
      audio: input.generate_audio === true,
    }),
  };
}

function kling(audio: boolean): ReplicateModel {
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    duration: { enum: [5, 10], default: 5 },
    aspect_ratio: { enum: ['16:9', '9:16', '1:1'], default: '16:9' },
    start_image: TEXT,
    negative_prompt: TEXT,
  };
  if (audio) fields.generate_audio = { type: 'boolean', default: false };
  return {
    fields,
    clip: (input) => ({
      seconds: Number(input.duration),
      ...sizeFor('1080p', text(input.aspect_ratio)),
      fps: 24,
      audio: input.generate_audio === true,
    }),
  };
}

export const REPLICATE_MODELS: Record<string, ReplicateModel> = {
  'bytedance/seedance-2.0': {
    fields: {
      prompt: PROMPT,
      duration: { type: 'integer', min: -1, max: 15, default: 5 },
      resolution: { enum: ['480p', '720p', '1080p'], default: '720p' },
      aspect_ratio: { enum: ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9'], default: '16:9' },
      generate_audio: AUDIO_ON,
      image: TEXT,
      last_frame_image: TEXT,
      reference_images: { type: 'array' },
      seed: SEED,
    },
    check: (input) => {
      const d = Number(input.duration);
      return d === -1 || (d >= 4 && d <= 15)
        ? undefined
        : ['duration', 'duration must be -1 (automatic) or 4 to 15'];
    },
    clip: (input) => ({
      seconds: Number(input.duration) === -1 ? 5 : Number(input.duration),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio)),
      fps: 24,
      audio: input.generate_audio === true,
    }),
  },
  'google/veo-3': veo(),
  'google/veo-3-fast': veo(),
  'google/veo-3.1': veo(),
  'google/veo-3.1-fast': veo(),
  'kwaivgi/kling-v2.5-turbo-pro': kling(false),
  'kwaivgi/kling-v2.6': kling(true),
  'lightricks/ltx-2-fast': {
    fields: {
      prompt: PROMPT,
      duration: { enum: [6, 8, 10, 12, 14, 16, 18, 20], default: 6 },
      resolution: { enum: ['1080p', '1440p', '2160p'], default: '1080p' },
      aspect_ratio: { enum: ['16:9', '9:16'], default: '16:9' },
      generate_audio: AUDIO_ON,
      image: TEXT,
    },
    check: (input) =>
      Number(input.duration) > 10 && input.resolution !== '1080p'
        ? ['duration', 'durations above 10 s need resolution 1080p']
        : undefined,
    clip: (input) => ({
      seconds: Number(input.duration),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio)),
      fps: 25,
      audio: input.generate_audio === true,
    }),
  },
  'wan-video/wan-2.5-t2v': {
    fields: {
      prompt: PROMPT,
      duration: { enum: [5, 10], default: 5 },
      resolution: { enum: ['480p', '720p', '1080p'], default: '720p' },
      aspect_ratio: { enum: ['16:9', '9:16', '1:1'], default: '16:9' },
      negative_prompt: TEXT,
      seed: SEED,
    },
    clip: (input) => ({
      seconds: Number(input.duration),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio)),
      fps: 24,
      audio: true,
    }),
  },
  'minimax/video-01': {
    fields: {
      prompt: PROMPT,
      first_frame_image: TEXT,
      prompt_optimizer: { type: 'boolean', default: true },
    },
    clip: () => ({ seconds: 6, width: 1280, height: 720, fps: 25, audio: false }),
  },
  'black-forest-labs/flux-schnell': fluxSchnell(),
};

/** A stable fake version id per model, as `owner/name:version` identifiers need one. */
export function replicateVersionOf(model: string): string {
  return createHash('sha256').update(`sandbox:${model}`).digest('hex');
}

const VERSIONS = new Map(Object.keys(REPLICATE_MODELS).map((m) => [replicateVersionOf(m), m]));
const OUTPUT_TTL_SECONDS = 3600;
const WAIT_LIMIT_SECONDS = 60;

interface PredictionData {
  model: string;
  version: string;
  input: Record<string, unknown>;
}

function problem(
  status: number,
  title: string,
  detail: string,
  extra?: Record<string, unknown>,
): Reply {
  return json(
    status,
    { title, detail, status, ...extra },
    { 'content-type': 'application/problem+json' },
  );
}

function invalidFields(issues: { field: string; description: string }[]): Reply {
  return problem(
    422,
    'Input validation failed',
    issues.map((i) => `- ${i.field}: ${i.description}`).join('\n'),
    {
      invalid_fields: issues.map((i) => ({
        type: 'invalid',
        field: i.field,
        description: i.description,
      })),
    },
  );
}

/** `Prefer: wait` or `Prefer: wait=N` → seconds to hold; undefined when absent. */
function preferWait(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /(?:^|[,;\s])wait(?:=(\d+))?/.exec(header);
  if (match === null) return undefined;
  return Math.min(
    WAIT_LIMIT_SECONDS,
    match[1] === undefined ? WAIT_LIMIT_SECONDS : Number(match[1]),
  );
}

export function replicateProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'replicate',
    authenticate(req) {
      if (!acceptableKey(req.credential('Bearer') ?? req.credential('Token'))) {
        return problem(401, 'Unauthenticated', 'You did not pass a valid authentication token');
      }
      return undefined;
    },
    errors: {
      invalid: (message, field) =>
        invalidFields([{ field: field === undefined ? 'input' : field, description: message }]),
      notFound: (message) => problem(404, 'Not found', message),
      unknownModel: () => problem(404, 'Not found', 'The requested resource could not be found.'),
      rateLimited: (seconds) => ({
        ...problem(
          429,
          'Request was throttled',
          `Request was throttled. Expected available in ${seconds} second.`,
        ),
        headers: { ...retryAfter(seconds), 'content-type': 'application/problem+json' },
      }),
      serverError: () =>
        problem(500, 'Internal server error', 'An internal error occurred. Please try again.'),
      expired: () => ({ status: 410, text: 'This file has expired and is no longer available.' }),
    },
    routes: [
      {
        method: 'POST',
        path: /^\/v1\/predictions$/,
        kind: 'create',
        handle: (req) => create(req, undefined),
      },
      {
        method: 'POST',
        path: /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/,
        kind: 'create',
        handle: (req, [model]) => create(req, model),
      },
      { method: 'GET', path: /^\/v1\/predictions$/, kind: 'poll', handle: list },
      { method: 'GET', path: /^\/v1\/predictions\/([^/]+)$/, kind: 'poll', handle: get },
      {
        method: 'POST',
        path: /^\/v1\/predictions\/([^/]+)\/cancel$/,
        kind: 'other',
        handle: cancel,
      },
      {
        method: 'GET',
        path: /^\/_delivery\/([^/]+)\/output\.(?:mp4|png)$/,
        kind: 'download',
        open: true,
        handle: download,
      },
    ],
  };

  function prediction(req: SandboxRequest, job: Job<PredictionData>): Record<string, unknown> {
    const status = {
      queued: 'starting',
      running: 'processing',
      succeeded: 'succeeded',
      failed: 'failed',
      canceled: 'canceled',
    }[job.phase];
    const get = `${req.base}/v1/predictions/${job.id}`;
    const out: Record<string, unknown> = {
      id: job.id,
      model: job.data.model,
      version: job.data.version,
      input: job.data.input,
      logs: '',
      output: null,
      data_removed: false,
      error: null,
      status,
      source: 'api',
      created_at: isoTime(job.createdAt),
      urls: { get, cancel: `${get}/cancel`, web: `https://replicate.com/p/${job.id}` },
    };
    if (job.startedAt !== undefined) out.started_at = isoTime(job.startedAt);
    if (job.endedAt !== undefined) out.completed_at = isoTime(job.endedAt);
    if (job.phase === 'succeeded' && job.render.still === true) {
      // an image model answers a list, one URL per image (all the same picture here)
      const url = core.media.signedUrl(
        req.origin,
        `/replicate/_delivery/${job.id}/output.png`,
        job,
        OUTPUT_TTL_SECONDS,
      );
      out.output = Array.from({ length: job.samples }, () => url);
    } else if (job.phase === 'succeeded') {
      out.output = core.media.signedUrl(
        req.origin,
        `/replicate/_delivery/${job.id}/output.mp4`,
        job,
        OUTPUT_TTL_SECONDS,
      );
    }
    if (job.phase === 'failed') {
      out.error =
        job.failure ??
        'The input or output was flagged as sensitive. Please try again with different inputs. (E005)';
    }
    if (job.startedAt !== undefined && job.endedAt !== undefined) {
      out.metrics = {
        predict_time: (job.endedAt - job.startedAt) / 1000,
        total_time: (job.endedAt - job.createdAt) / 1000,
      };
    }
    return out;
  }

  async function create(req: SandboxRequest, modelFromPath: string | undefined) {
    const body = await req.json();
    let model = modelFromPath;
    let version: string;
    if (model === undefined) {
      const given = body.version;
      if (typeof given !== 'string' || given === '') {
        return invalidFields([{ field: 'version', description: 'version is required' }]);
      }
      // `version` may be a version id, `owner/name:version`, or `owner/name` for official models
      const id = given.includes(':') ? given.slice(given.indexOf(':') + 1) : given;
      model = VERSIONS.get(id) ?? (REPLICATE_MODELS[given] === undefined ? undefined : given);
      if (model === undefined) {
        return invalidFields([
          { field: 'version', description: 'Invalid version or not permitted' },
        ]);
      }
      version = replicateVersionOf(model);
    } else {
      if (REPLICATE_MODELS[model] === undefined) throw new RequestProblem('unknown_model', model);
      version = replicateVersionOf(model);
    }
    const schema = REPLICATE_MODELS[model] as ReplicateModel;
    const rawInput = body.input;
    if (typeof rawInput !== 'object' || rawInput === null || Array.isArray(rawInput)) {
      return invalidFields([
        { field: 'input', description: 'input is required and must be an object' },
      ]);
    }
    const checked = validateInput(schema, rawInput as Record<string, unknown>, false);
    if (!checked.ok) {
      return invalidFields(
        checked.issues.map((issue) => ({
          field: `input.${issue.loc.at(-1) ?? ''}`,
          description: issue.msg,
        })),
      );
    }
    const input = checked.input;
    const prompt = typeof input.prompt === 'string' ? input.prompt : '';
    const modelName = model;
    const outcome = core.create<PredictionData>(
      spec,
      req,
      {
        // Replicate's ids: 26 lowercase letters and digits
        id: base36Id(26),
        model: modelName,
        render: { ...schema.clip(input), model: modelName, prompt },
        ...(typeof input.num_outputs === 'number' ? { samples: input.num_outputs } : {}),
        data: { model: modelName, version, input: rawInput as Record<string, unknown> },
      },
      (job) => json(201, prediction(req, job)),
    );
    const wait = preferWait(req.header('prefer'));
    if (wait === undefined || !('status' in outcome) || outcome.status !== 201 || outcome.malformed)
      return outcome;
    return waitFor(req, (outcome.json as { id: string }).id, wait);
  }

  /** Holds the request until the prediction ends or `seconds` of real time pass. */
  async function waitFor(req: SandboxRequest, id: string, seconds: number): Promise<Reply> {
    const deadline = Date.now() + seconds * 1000;
    let job = core.jobs.get<PredictionData>('replicate', id);
    while (
      job !== undefined &&
      (job.phase === 'queued' || job.phase === 'running') &&
      Date.now() < deadline
    ) {
      await sleep(20);
      job = core.jobs.get<PredictionData>('replicate', id);
    }
    if (job === undefined) throw notFound('The requested resource could not be found.');
    if (job.phase === 'succeeded') await core.clipOf(job);
    return json(201, prediction(req, job));
  }

  function find(id: string | undefined): Job<PredictionData> {
    const job = core.jobs.get<PredictionData>('replicate', id ?? '');
    if (job === undefined) throw notFound('The requested resource could not be found.');
    return job;
  }

  async function get(req: SandboxRequest, [id]: string[]): Promise<Reply> {
    const job = find(id);
    if (job.phase === 'succeeded') await core.clipOf(job);
    return json(200, prediction(req, job));
  }

  function list(req: SandboxRequest): Reply {
    const jobs = (core.jobs.list('replicate') as Job<PredictionData>[]).reverse();
    return json(200, {
      next: null,
      previous: null,
      results: jobs.slice(0, 100).map((job) => prediction(req, job)),
    });
  }

  function cancel(req: SandboxRequest, [id]: string[]): Reply {
    const job = find(id);
    core.jobs.cancel(job);
    return json(200, prediction(req, job));
  }

  async function download(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    return core.serveSigned(spec, req, core.jobs.get('replicate', id));
  }

  return spec;
}
