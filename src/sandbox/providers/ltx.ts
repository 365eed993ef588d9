/**
 * The LTX API's async endpoints (V2, beta since 2026-05-03) under `/ltx`
 * (docs/sandbox-providers.md, "ltx"). Bearer key.
 *
 * - POST /v2/text-to-video `{prompt, model, duration, resolution: "1920x1080", fps?,
 *   generate_audio?, camera_motion?}` and POST /v2/image-to-video (the same plus `image_uri`)
 *   → 202 `{id, status: "pending", created_at}`.
 * - GET /v2/{endpoint}/{id} → `{id, status: pending | processing | completed | failed,
 *   created_at, completed_at?, result?: {video_url}, error?: {type, message}}`; result URLs
 *   expire 24 hours after completion.
 * - Errors `{type: "error", error: {type, message}}` with the HTTP status.
 */
import { randomUUID } from 'node:crypto';
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import {
  invalid,
  isoTime,
  json,
  notFound,
  type Outcome,
  type Reply,
  type SandboxRequest,
  unknownModel,
} from '../http.ts';
import type { Job } from '../jobs.ts';
import { parseSize } from '../sizes.ts';
import { cdnExpired, openingOf, retryAfter } from './common.ts';

type Endpoint = 'text-to-video' | 'image-to-video';

interface LtxModel {
  resolutions: readonly string[];
  /** seconds at every resolution and fps */
  durations: readonly number[];
  /** longer clips only at 1920x1080 and 25 fps (the fast models) */
  longDurations: readonly number[];
}

const LANDSCAPE = ['1920x1080', '2560x1440', '3840x2160'];
const ALL_SIZES = [...LANDSCAPE, '1080x1920', '1440x2560', '2160x3840'];
const SHORT = [6, 8, 10];
const LONG = [12, 14, 16, 18, 20];

const MODELS: Record<string, LtxModel> = {
  'ltx-2-fast': { resolutions: LANDSCAPE, durations: SHORT, longDurations: LONG },
  'ltx-2-pro': { resolutions: LANDSCAPE, durations: SHORT, longDurations: [] },
  'ltx-2-3-fast': { resolutions: ALL_SIZES, durations: SHORT, longDurations: LONG },
  'ltx-2-3-pro': { resolutions: ALL_SIZES, durations: SHORT, longDurations: [] },
  'ltx-2-5-fast': { resolutions: ALL_SIZES, durations: SHORT, longDurations: LONG },
  // LTX prices ltx-2-5-pro at 4K; a reseller says Pro stops at 1080p (UNCONFIRMED)
  'ltx-2-5-pro': { resolutions: ALL_SIZES, durations: SHORT, longDurations: [] },
};

const FPS = [24, 25, 48, 50];
const URL_TTL_SECONDS = 24 * 3600;
const PROMPT_LIMIT = 5000;

interface JobData {
  endpoint: Endpoint;
}

function failure(status: number, type: string, message: string): Reply {
  return json(status, { type: 'error', error: { type, message } });
}

export function ltxProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'ltx',
    authenticate(req) {
      if (!acceptableKey(req.credential('Bearer')))
        return failure(401, 'authentication_error', 'Invalid or missing API key');
      return undefined;
    },
    errors: {
      invalid: (message) => failure(400, 'invalid_request_error', message),
      notFound: (message) => failure(404, 'not_found_error', message),
      unknownModel: (model) => failure(400, 'invalid_request_error', `Unknown model: ${model}`),
      rateLimited: (seconds) => ({
        ...failure(429, 'rate_limit_error', 'Rate limit exceeded'),
        headers: retryAfter(seconds),
      }),
      serverError: () => failure(500, 'api_error', 'Internal server error'),
      expired: cdnExpired,
    },
    routes: [
      {
        method: 'POST',
        path: /^\/v2\/(text-to-video|image-to-video)$/,
        kind: 'create',
        handle: create,
      },
      {
        method: 'GET',
        path: /^\/v2\/(text-to-video|image-to-video)\/([^/]+)$/,
        kind: 'poll',
        handle: status,
      },
      {
        method: 'GET',
        path: /^\/_gcs\/([^/]+)\.mp4$/,
        kind: 'download',
        open: true,
        handle: download,
      },
    ],
  };

  async function create(
    req: SandboxRequest,
    [endpoint = 'text-to-video']: string[],
  ): Promise<Outcome> {
    const body = await req.json();
    const name = body.model;
    if (typeof name !== 'string' || name === '') throw invalid('model is required', 'model');
    const model = MODELS[name];
    if (model === undefined) throw unknownModel(name);
    const prompt = body.prompt;
    if (typeof prompt !== 'string' || prompt.trim() === '')
      throw invalid('prompt is required', 'prompt');
    if (prompt.length > PROMPT_LIMIT)
      throw invalid(`prompt must be at most ${PROMPT_LIMIT} characters`, 'prompt');
    if (
      endpoint === 'image-to-video' &&
      (typeof body.image_uri !== 'string' || body.image_uri === '')
    )
      throw invalid('image_uri is required', 'image_uri');
    if (endpoint === 'text-to-video' && body.image_uri !== undefined)
      throw invalid('image_uri belongs to /v2/image-to-video', 'image_uri');
    const resolution = String(body.resolution ?? '1920x1080');
    if (!model.resolutions.includes(resolution))
      throw invalid(
        `resolution must be one of ${model.resolutions.join(', ')} for ${name}`,
        'resolution',
      );
    const fps = body.fps ?? 25;
    if (typeof fps !== 'number' || !FPS.includes(fps))
      throw invalid(`fps must be one of ${FPS.join(', ')}`, 'fps');
    const duration = body.duration ?? 6;
    const long = resolution === '1920x1080' && fps === 25 && endpoint === 'text-to-video';
    const allowed = long ? [...model.durations, ...model.longDurations] : model.durations;
    if (typeof duration !== 'number' || !allowed.includes(duration))
      throw invalid(
        `duration must be one of ${allowed.join(', ')} for ${name} at ${resolution} and ${fps} fps`,
        'duration',
      );
    const audio = body.generate_audio ?? true;
    if (typeof audio !== 'boolean')
      throw invalid('generate_audio must be a boolean', 'generate_audio');
    const size = parseSize(resolution) ?? { width: 1920, height: 1080 };
    return core.create<JobData>(
      spec,
      req,
      {
        id: randomUUID(),
        model: name,
        render: {
          seconds: duration,
          ...size,
          fps,
          audio,
          model: name,
          prompt,
          ...openingOf(typeof body.image_uri === 'string' ? body.image_uri : undefined),
        },
        data: { endpoint: endpoint as Endpoint },
      },
      (job) => json(202, { id: job.id, status: 'pending', created_at: isoTime(job.createdAt) }),
    );
  }

  async function status(req: SandboxRequest, [endpoint, id]: string[]): Promise<Reply> {
    const job = core.jobs.get<JobData>('ltx', id ?? '') as Job<JobData> | undefined;
    if (job === undefined || job.data.endpoint !== endpoint) throw notFound(`Job ${id} not found`);
    if (job.phase === 'succeeded') await core.clipOf(job);
    const out: Record<string, unknown> = {
      id: job.id,
      status: {
        queued: 'pending',
        running: 'processing',
        succeeded: 'completed',
        failed: 'failed',
        canceled: 'failed',
      }[job.phase],
      created_at: isoTime(job.createdAt),
    };
    if (job.endedAt !== undefined) out.completed_at = isoTime(job.endedAt);
    if (job.phase === 'succeeded') {
      out.result = {
        video_url: core.media.signedUrl(
          req.origin,
          `/ltx/_gcs/${job.id}.mp4`,
          job,
          URL_TTL_SECONDS,
        ),
      };
    }
    if (job.phase === 'failed' || job.phase === 'canceled') {
      out.error =
        job.failure === undefined
          ? {
              type: 'content_policy_violation',
              message: 'The request was flagged by content moderation',
            }
          : { type: 'generation_error', message: job.failure };
    }
    return json(200, out);
  }

  async function download(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    return core.serveSigned(spec, req, core.jobs.get('ltx', id));
  }

  return spec;
}
