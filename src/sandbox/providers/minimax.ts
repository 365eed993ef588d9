/**
 * MiniMax video generation under `/minimax` (docs/sandbox-providers.md, "minimax"). Bearer key.
 *
 * - Hailuo (v1): POST /v1/video_generation `{model, prompt, duration, resolution,
 *   first_frame_image?, last_frame_image?, prompt_optimizer?}` → `{task_id, base_resp}`;
 *   GET /v1/query/video_generation?task_id= → `{task_id, status: Preparing | Queueing |
 *   Processing | Success | Fail, file_id?, video_width, video_height, base_resp}`;
 *   GET /v1/files/retrieve?file_id= → `{file: {file_id, bytes, filename, download_url}, base_resp}`.
 * - H3 (v2): POST /v2/video_generation `{model, content: [{type, text | image_url, role}],
 *   duration, resolution, ratio}` → the task; GET /v2/query/video_generation/{id} → `{id, model,
 *   status: queued | running | succeeded | failed | cancelled, content: {url, duration},
 *   resolution, ratio, error?}`.
 *
 * MiniMax reports failures in `base_resp: {status_code, status_msg}`, usually with HTTP 200:
 * 1002 rate limit, 1004 authentication, 1008 insufficient balance, 1026 sensitive input,
 * 2013 invalid parameters. The sandbox answers them with HTTP 200 too, except rate limits
 * (HTTP 429 with Retry-After, as every stand-in's rate-limit fault), server errors (HTTP 500)
 * and unknown paths or tasks (HTTP 404), so a client must read `base_resp`.
 */
import { randomInt } from 'node:crypto';
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import {
  epochSeconds,
  invalid,
  json,
  notFound,
  type Outcome,
  type Reply,
  type SandboxRequest,
  unknownModel,
} from '../http.ts';
import type { Job } from '../jobs.ts';
import { sizeFor } from '../sizes.ts';
import { cdnExpired, openingOf, retryAfter } from './common.ts';
import { minimaxSpeech } from './speech.ts';

type Api = 'v1' | 'v2';

interface MiniMaxModel {
  api: Api;
  /** seconds each resolution allows */
  durations: Record<string, readonly number[]>;
  defaultResolution: string;
  /** needs a first frame (image-to-video only) */
  imageRequired: boolean;
  lastFrame: boolean;
  references: boolean;
  audio: boolean;
}

const H3_SECONDS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

const MODELS: Record<string, MiniMaxModel> = {
  'MiniMax-Hailuo-2.3': {
    api: 'v1',
    durations: { '768P': [6, 10], '1080P': [6] },
    defaultResolution: '768P',
    imageRequired: false,
    lastFrame: false,
    references: false,
    audio: false,
  },
  'MiniMax-Hailuo-2.3-Fast': {
    api: 'v1',
    durations: { '768P': [6, 10], '1080P': [6] },
    defaultResolution: '768P',
    imageRequired: true,
    lastFrame: false,
    references: false,
    audio: false,
  },
  'MiniMax-Hailuo-02': {
    api: 'v1',
    durations: { '512P': [6, 10], '768P': [6, 10], '1080P': [6] },
    defaultResolution: '768P',
    imageRequired: false,
    lastFrame: true,
    references: false,
    audio: false,
  },
  'MiniMax-H3': {
    api: 'v2',
    durations: { '768P': H3_SECONDS, '2K': H3_SECONDS },
    defaultResolution: '768P',
    imageRequired: false,
    lastFrame: true,
    references: true,
    audio: true,
  },
};

/** Short side in pixels of MiniMax's resolution names. */
const SHORT_SIDE: Record<string, string> = {
  '512P': '540p',
  '768P': '720p',
  '1080P': '1080p',
  '2K': '1440p',
};
const RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '21:9'];
const FPS = 24;
const URL_TTL_SECONDS = 9 * 3600;

interface TaskData {
  api: Api;
  fileId: number;
  resolution: string;
  ratio: string;
  duration: number;
}

const OK = { status_code: 0, status_msg: 'success' };

function baseResp(status: number, code: number, message: string): Reply {
  return json(status, { base_resp: { status_code: code, status_msg: message } });
}

/** 768P at 16:9 is 1366x768; the other names scale the same way. */
function pixelsOf(resolution: string, ratio: string): { width: number; height: number } {
  if (resolution === '768P') {
    const size = sizeFor('720p', ratio);
    return {
      width: Math.round((size.width * 768) / 720 / 2) * 2,
      height: (size.height * 768) / 720,
    };
  }
  return sizeFor(SHORT_SIDE[resolution] ?? '720p', ratio);
}

export function minimaxProvider(core: SandboxCore): ProviderSpec {
  let nextFileId = 301_000_000_000_000;
  const spec: ProviderSpec = {
    name: 'minimax',
    authenticate(req) {
      if (!acceptableKey(req.credential('Bearer')))
        return baseResp(
          200,
          1004,
          'login fail: Please carry the API secret key in the Authorization field',
        );
      return undefined;
    },
    errors: {
      invalid: (message) => baseResp(200, 2013, `invalid params, ${message}`),
      notFound: (message) => baseResp(404, 2013, message),
      unknownModel: (model) => baseResp(200, 2013, `invalid params, unknown model ${model}`),
      rateLimited: (seconds) => ({
        ...baseResp(429, 1002, 'rate limit exceeded (RPM)'),
        headers: retryAfter(seconds),
      }),
      serverError: () => baseResp(500, 1000, 'unknown error'),
      refusedAtCreate: () => baseResp(200, 1026, 'input new_sensitive'),
      expired: cdnExpired,
    },
    routes: [
      {
        method: 'POST',
        path: /^\/v1\/video_generation$/,
        kind: 'create',
        handle: (r) => create(r, 'v1'),
      },
      { method: 'GET', path: /^\/v1\/query\/video_generation$/, kind: 'poll', handle: queryV1 },
      // the stand-in voice (./speech.ts)
      {
        method: 'POST',
        path: /^\/v1\/t2a_v2$/,
        kind: 'call',
        handle: (req) => minimaxSpeech(req, (e) => core.recordSpeech(e)),
      },
      { method: 'GET', path: /^\/v1\/files\/retrieve$/, kind: 'poll', handle: retrieveFile },
      {
        method: 'POST',
        path: /^\/v2\/video_generation$/,
        kind: 'create',
        handle: (r) => create(r, 'v2'),
      },
      {
        method: 'GET',
        path: /^\/v2\/query\/video_generation\/([^/]+)$/,
        kind: 'poll',
        handle: queryV2,
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

  function downloadUrl(req: SandboxRequest, job: Job<TaskData>): string {
    return core.media.signedUrl(req.origin, `/minimax/_cdn/${job.id}.mp4`, job, URL_TTL_SECONDS);
  }

  /** The v2 task object. */
  function taskV2(req: SandboxRequest, job: Job<TaskData>): Record<string, unknown> {
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
      resolution: job.data.resolution,
      ratio: job.data.ratio,
    };
    if (job.phase === 'succeeded')
      out.content = { url: downloadUrl(req, job), duration: job.data.duration };
    if (job.phase === 'failed') {
      out.error =
        job.failure === undefined
          ? { code: 1027, message: 'output new_sensitive' }
          : { code: 1000, message: job.failure };
    }
    return out;
  }

  async function create(req: SandboxRequest, api: Api): Promise<Outcome> {
    const body = await req.json();
    const name = body.model;
    if (typeof name !== 'string' || name === '') throw invalid('model is required', 'model');
    const model = MODELS[name];
    if (model === undefined) throw unknownModel(name);
    if (model.api !== api)
      throw invalid(`${name} is served by /${model.api}/video_generation`, 'model');
    let prompt = '';
    let first: string | undefined;
    let last: string | undefined;
    let references = 0;
    if (api === 'v1') {
      if (body.prompt !== undefined && typeof body.prompt !== 'string')
        throw invalid('prompt must be a string', 'prompt');
      prompt = (body.prompt as string | undefined) ?? '';
      if (typeof body.first_frame_image === 'string') first = body.first_frame_image;
      if (typeof body.last_frame_image === 'string') last = body.last_frame_image;
    } else {
      const content = body.content;
      if (!Array.isArray(content) || content.length === 0)
        throw invalid('content must be a non-empty list', 'content');
      for (const item of content as Record<string, unknown>[]) {
        if (item?.type === 'text' && typeof item.text === 'string') prompt += item.text;
        else if (item?.type === 'image_url') {
          const url = (item.image_url as { url?: unknown } | undefined)?.url;
          if (typeof url !== 'string' || url === '')
            throw invalid('image_url.url is required', 'content');
          if (item.role === 'first_frame' || item.role === undefined) first = url;
          else if (item.role === 'last_frame') last = url;
          else if (item.role === 'reference_image') references++;
          else throw invalid(`unknown image role ${String(item.role)}`, 'content');
        } else if (item?.type !== 'video_url' && item?.type !== 'audio_url') {
          throw invalid(`unknown content type ${String(item?.type)}`, 'content');
        }
      }
      if (prompt.trim() === '') throw invalid('content needs one non-empty text item', 'content');
      if (references > 0 && (first !== undefined || last !== undefined))
        throw invalid(
          'reference_* roles cannot be combined with first_frame/last_frame',
          'content',
        );
    }
    if (prompt.length > 7000) throw invalid('prompt is longer than 7000 characters', 'prompt');
    if (prompt.trim() === '' && first === undefined) throw invalid('prompt is required', 'prompt');
    if (model.imageRequired && first === undefined)
      throw invalid(`${name} needs first_frame_image`, 'first_frame_image');
    if (last !== undefined && !model.lastFrame)
      throw invalid(`${name} takes no last frame`, 'last_frame_image');
    if (references > 0 && !model.references)
      throw invalid(`${name} takes no references`, 'content');

    const resolution = String(body.resolution ?? model.defaultResolution);
    const allowed = model.durations[resolution];
    if (allowed === undefined) {
      throw invalid(
        `resolution must be one of ${Object.keys(model.durations).join(', ')} for ${name}`,
        'resolution',
      );
    }
    const duration = body.duration ?? allowed[0];
    if (typeof duration !== 'number' || !allowed.includes(duration))
      throw invalid(`duration must be one of ${allowed.join(', ')} at ${resolution}`, 'duration');
    const ratio = api === 'v2' ? String(body.ratio ?? '16:9') : '16:9';
    if (!RATIOS.includes(ratio))
      throw invalid(`ratio must be one of ${RATIOS.join(', ')}`, 'ratio');
    const pixels = pixelsOf(resolution, ratio);
    // MiniMax's task ids are long decimal numbers
    const id = `${randomInt(100_000, 999_999)}${randomInt(100_000_000, 999_999_999)}`;
    return core.create<TaskData>(
      spec,
      req,
      {
        id,
        model: name,
        render: {
          seconds: duration,
          ...pixels,
          fps: FPS,
          audio: model.audio,
          model: name,
          prompt,
          ...openingOf(first),
        },
        data: { api, fileId: nextFileId++, resolution, ratio, duration },
      },
      (job) =>
        api === 'v1'
          ? json(200, { task_id: job.id, base_resp: OK })
          : json(200, { ...taskV2(req, job), task_id: job.id, base_resp: OK }),
    );
  }

  function find(id: string | null | undefined, api: Api): Job<TaskData> {
    const job = core.jobs.get<TaskData>('minimax', id ?? '');
    if (job === undefined || job.data.api !== api) throw notFound(`task ${id} not found`);
    return job;
  }

  async function queryV1(req: SandboxRequest): Promise<Reply> {
    const job = find(req.url.searchParams.get('task_id'), 'v1');
    if (job.phase === 'succeeded') await core.clipOf(job);
    const status = {
      queued: job.readyAt > core.now() ? 'Preparing' : 'Queueing',
      running: 'Processing',
      succeeded: 'Success',
      failed: 'Fail',
      canceled: 'Fail',
    }[job.phase];
    const out: Record<string, unknown> = { task_id: job.id, status, base_resp: OK };
    if (job.phase === 'succeeded') {
      out.file_id = String(job.data.fileId);
      out.video_width = job.render.width;
      out.video_height = job.render.height;
    }
    if (job.phase === 'failed' && job.failure === undefined) {
      out.base_resp = { status_code: 1027, status_msg: 'output new_sensitive' };
    }
    return json(200, out);
  }

  async function retrieveFile(req: SandboxRequest): Promise<Reply> {
    const fileId = Number(req.url.searchParams.get('file_id'));
    const job = (core.jobs.list('minimax') as Job<TaskData>[]).find(
      (j) => j.data.fileId === fileId && j.phase === 'succeeded',
    );
    if (job === undefined) throw notFound(`file ${fileId} not found`);
    await core.clipOf(job);
    return json(200, {
      file: {
        file_id: fileId,
        bytes: 0,
        created_at: epochSeconds(job.endedAt ?? job.createdAt),
        filename: 'output_aigc.mp4',
        purpose: 'video_generation',
        download_url: downloadUrl(req, job),
      },
      base_resp: OK,
    });
  }

  async function queryV2(req: SandboxRequest, [id]: string[]): Promise<Reply> {
    const job = find(id, 'v2');
    if (job.phase === 'succeeded') await core.clipOf(job);
    return json(200, { ...taskV2(req, job), base_resp: OK });
  }

  async function download(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    return core.serveSigned(spec, req, core.jobs.get('minimax', id));
  }

  return spec;
}
