/**
 * Runway developer API under `/runway`: POST /v1/image_to_video and /v1/text_to_video,
 * GET and DELETE /v1/tasks/{id}. Requires `Authorization: Bearer` and
 * `X-Runway-Version: 2024-11-06`. A task waiting for a concurrency slot is THROTTLED; refusals
 * end the task FAILED with a `SAFETY.*` failureCode. Output URLs are signed and expire.
 */
import { randomUUID } from 'node:crypto';
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import {
  invalid,
  isoTime,
  json,
  notFound,
  type Reply,
  type SandboxRequest,
  unknownModel,
} from '../http.ts';
import { type Job, progressOf } from '../jobs.ts';
import { cdnExpired, retryAfter } from './common.ts';

const API_VERSION = '2024-11-06';

type Endpoint = 'image_to_video' | 'text_to_video';

interface RunwayModel {
  ratios: Partial<Record<Endpoint, readonly string[]>>;
  durations: readonly number[];
  defaultDuration: number;
  /** veo models take `audio` (default on); Runway's own models are silent */
  audio: boolean;
}

const GEN4_RATIOS = ['1280:720', '720:1280', '1104:832', '832:1104', '960:960', '1584:672'];
const VEO_RATIOS = ['1280:720', '720:1280', '1080:1920', '1920:1080'];
const TWO_TO_TEN = [2, 3, 4, 5, 6, 7, 8, 9, 10];

const MODELS: Record<string, RunwayModel> = {
  gen4_turbo: {
    ratios: { image_to_video: GEN4_RATIOS },
    durations: TWO_TO_TEN,
    defaultDuration: 5,
    audio: false,
  },
  'gen4.5': {
    ratios: { image_to_video: GEN4_RATIOS, text_to_video: ['1280:720', '720:1280'] },
    durations: TWO_TO_TEN,
    defaultDuration: 5,
    audio: false,
  },
  gen3a_turbo: {
    ratios: { image_to_video: ['1280:768', '768:1280'] },
    durations: [5, 10],
    defaultDuration: 5,
    audio: false,
  },
  'veo3.1': {
    ratios: { image_to_video: VEO_RATIOS, text_to_video: VEO_RATIOS },
    durations: [4, 6, 8],
    defaultDuration: 8,
    audio: true,
  },
  'veo3.1_fast': {
    ratios: { image_to_video: VEO_RATIOS, text_to_video: VEO_RATIOS },
    durations: [4, 6, 8],
    defaultDuration: 8,
    audio: true,
  },
  veo3: {
    ratios: { image_to_video: VEO_RATIOS, text_to_video: VEO_RATIOS },
    durations: [8],
    defaultDuration: 8,
    audio: true,
  },
};

/** Output URLs "expire within 24-48 hours"; the sandbox uses the short end. */
const OUTPUT_TTL_SECONDS = 24 * 3600;
const PROMPT_LIMIT = 1000;

interface TaskData {
  endpoint: Endpoint;
}

function failure(status: number, message: string, issues?: unknown[]): Reply {
  return json(status, issues === undefined ? { error: message } : { error: message, issues });
}

function hasPromptImage(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0;
  if (!Array.isArray(value) || value.length === 0) return false;
  return value.every((item) => {
    const entry = item as Record<string, unknown> | null;
    return (
      entry !== null &&
      typeof entry.uri === 'string' &&
      (entry.position === 'first' || entry.position === 'last')
    );
  });
}

export function runwayProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'runway',
    authenticate(req) {
      const key = req.credential('Bearer');
      if (key === undefined)
        return failure(
          401,
          'Missing or malformed Authorization header. Use: Authorization: Bearer <key>',
        );
      if (!acceptableKey(key)) return failure(401, 'Invalid API key');
      const version = req.header('x-runway-version');
      if (version === undefined)
        return failure(
          400,
          `The X-Runway-Version header is required. Use: X-Runway-Version: ${API_VERSION}`,
        );
      if (version !== API_VERSION)
        return failure(400, `Unsupported API version: ${version}. Use ${API_VERSION}.`);
      return undefined;
    },
    errors: {
      invalid: (message, field) =>
        failure(400, 'Validation of body failed', [
          { code: 'custom', message, path: field === undefined ? [] : [field] },
        ]),
      notFound: (message) => failure(404, message),
      unknownModel: (model) =>
        failure(400, 'Validation of body failed', [
          { code: 'invalid_enum_value', message: `Invalid model '${model}'`, path: ['model'] },
        ]),
      rateLimited: (seconds) => ({
        ...failure(
          429,
          'You have exceeded the rate limit for this model. Please retry after a short wait.',
        ),
        headers: retryAfter(seconds),
      }),
      serverError: () => failure(503, 'The service is temporarily overloaded. Please try again.'),
      expired: cdnExpired,
    },
    routes: [
      {
        method: 'POST',
        path: /^\/v1\/(image_to_video|text_to_video)$/,
        kind: 'create',
        handle: create,
      },
      { method: 'GET', path: /^\/v1\/tasks\/([^/]+)$/, kind: 'poll', handle: retrieve },
      {
        method: 'DELETE',
        path: /^\/v1\/tasks\/([^/]+)$/,
        kind: 'other',
        handle: (_req, [id]) => cancel(id),
      },
      {
        method: 'GET',
        path: /^\/_cdn\/([^/]+)\.mp4$/,
        kind: 'download',
        open: true,
        handle: download,
      },
    ],
  };

  function task(req: SandboxRequest, job: Job<TaskData>): Record<string, unknown> {
    const base = { id: job.id, createdAt: isoTime(job.createdAt) };
    switch (job.phase) {
      case 'queued':
        return { ...base, status: job.throttled ? 'THROTTLED' : 'PENDING' };
      case 'running':
        return {
          ...base,
          status: 'RUNNING',
          progress: Math.round(progressOf(job, core.now()) * 100) / 100,
        };
      case 'canceled':
        return { ...base, status: 'CANCELLED' };
      case 'failed':
        return job.failure === undefined
          ? {
              ...base,
              status: 'FAILED',
              failure: 'The input was flagged by our content moderation system.',
              failureCode: 'SAFETY.INPUT.TEXT',
            }
          : { ...base, status: 'FAILED', failure: job.failure, failureCode: 'INTERNAL' };
      case 'succeeded':
        return {
          ...base,
          status: 'SUCCEEDED',
          output: [
            core.media.signedUrl(req.origin, `/runway/_cdn/${job.id}.mp4`, job, OUTPUT_TTL_SECONDS),
          ],
        };
    }
  }

  async function create(req: SandboxRequest, [endpoint = 'image_to_video']: string[]) {
    const body = await req.json();
    const name = body.model;
    if (typeof name !== 'string') throw invalid('model is required', 'model');
    const model = MODELS[name];
    if (model === undefined) throw unknownModel(name);
    const ratios = model.ratios[endpoint as Endpoint];
    if (ratios === undefined) {
      throw invalid(`${name} is not available on /v1/${endpoint}`, 'model');
    }
    if (endpoint === 'image_to_video' && !hasPromptImage(body.promptImage)) {
      throw invalid(
        'promptImage is required: a URL, a data URI, or [{ uri, position }]',
        'promptImage',
      );
    }
    const promptText = body.promptText;
    if (promptText !== undefined && typeof promptText !== 'string')
      throw invalid('promptText must be a string', 'promptText');
    if (endpoint === 'text_to_video' && (promptText === undefined || promptText.trim() === '')) {
      throw invalid('promptText is required', 'promptText');
    }
    if (promptText !== undefined && promptText.length > PROMPT_LIMIT) {
      throw invalid(`promptText must be at most ${PROMPT_LIMIT} characters`, 'promptText');
    }
    const ratio = body.ratio;
    if (typeof ratio !== 'string' || !ratios.includes(ratio)) {
      throw invalid(`ratio must be one of ${ratios.join(', ')} for ${name}`, 'ratio');
    }
    const duration = body.duration ?? model.defaultDuration;
    if (typeof duration !== 'number' || !model.durations.includes(duration)) {
      throw invalid(
        `duration must be one of ${model.durations.join(', ')} for ${name}`,
        'duration',
      );
    }
    const audio = body.audio;
    if (audio !== undefined && (typeof audio !== 'boolean' || !model.audio)) {
      throw invalid(
        model.audio ? 'audio must be a boolean' : `${name} does not take audio`,
        'audio',
      );
    }
    const [width = 1280, height = 720] = ratio.split(':').map(Number);
    return core.create<TaskData>(
      spec,
      req,
      {
        id: randomUUID(),
        model: name,
        render: {
          seconds: duration,
          width,
          height,
          fps: 24,
          audio: model.audio && audio !== false,
          model: name,
          prompt: promptText ?? '',
        },
        data: { endpoint: endpoint as Endpoint },
      },
      (job) => json(200, { id: job.id }),
    );
  }

  function find(id: string | undefined): Job<TaskData> {
    const job = core.jobs.get<TaskData>('runway', id ?? '');
    if (job === undefined) throw notFound('Task not found');
    return job;
  }

  async function retrieve(req: SandboxRequest, [id]: string[]): Promise<Reply> {
    const job = find(id);
    if (job.phase === 'succeeded') await core.clipOf(job);
    return json(200, task(req, job));
  }

  function cancel(id: string | undefined): Reply {
    const job = find(id);
    // DELETE cancels a task in progress and deletes a finished one
    if (!core.jobs.cancel(job)) core.jobs.forget(job);
    return { status: 204 };
  }

  async function download(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    return core.serveSigned(spec, req, core.jobs.get('runway', id));
  }

  return spec;
}
