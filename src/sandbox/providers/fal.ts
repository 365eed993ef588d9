/**
 * fal.ai queue API under `/fal` (standing in for queue.fal.run): POST /{endpoint id} with the
 * bare input, GET /{app}/requests/{id}/status, GET /{app}/requests/{id}, PUT …/cancel, where
 * {app} is `owner/alias` as @fal-ai/client builds it (the full endpoint id is accepted too).
 * `Authorization: Key …`. Per-model input validation answers 422 with pydantic's `detail`
 * list. Storage (standing in for rest.fal.ai): POST /storage/upload/initiate, then PUT the
 * bytes to the returned upload_url; the file_url serves them back.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import { invalid, json, notFound, type Reply, type SandboxRequest, unknownModel } from '../http.ts';
import { type InputIssue, validateInput } from '../input-schema.ts';
import type { Job } from '../jobs.ts';
import { cdnExpired, openingOf, retryAfter } from './common.ts';
import { FAL_MODELS } from './fal-models.ts';

/** fal's CDN keeps outputs for days; a week here. */
const OUTPUT_TTL_SECONDS = 7 * 24 * 3600;

interface RequestData {
  /** `owner/alias`: what status, result and cancel URLs are built from */
  app: string;
  endpoint: string;
  prompt: string;
  seed: number;
}

/** `owner/alias` of an endpoint id (`fal-ai/pika/v2.2/text-to-video` → `fal-ai/pika`). */
function appOf(endpoint: string): string {
  const parts = endpoint.split('/');
  const namespaced = parts[0] === 'workflows' || parts[0] === 'comfy';
  return parts.slice(0, namespaced ? 3 : 2).join('/');
}

function detail(status: number, message: string): Reply {
  return json(status, { detail: message });
}

export function falProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'fal',
    authenticate(req) {
      const header = req.header('authorization');
      if (header === undefined)
        return detail(401, 'Missing authorization header. Use: Authorization: Key <FAL_KEY>');
      if (!acceptableKey(req.credential('Key'))) return detail(401, 'Invalid API key');
      return undefined;
    },
    errors: {
      invalid: (message, field) =>
        json(422, { detail: [{ loc: ['body', field ?? ''], msg: message, type: 'value_error' }] }),
      notFound: (message) => detail(404, message),
      unknownModel: (endpoint) => detail(404, `Application '${endpoint}' not found`),
      rateLimited: (seconds) => ({
        ...detail(429, 'Rate limit exceeded. Please retry later.'),
        headers: retryAfter(seconds),
      }),
      serverError: () => detail(503, 'Service temporarily unavailable'),
      expired: cdnExpired,
    },
    routes: [
      {
        method: 'POST',
        path: /^\/storage\/upload\/initiate$/,
        kind: 'other',
        handle: initiateUpload,
      },
      {
        method: 'PUT',
        path: /^\/storage\/upload\/([a-f0-9]+)$/,
        kind: 'other',
        open: true,
        handle: putUpload,
      },
      {
        method: 'GET',
        path: /^\/files\/([a-f0-9]+)\/[^/]+$/,
        kind: 'download',
        open: true,
        handle: getUpload,
      },
      {
        method: 'GET',
        path: /^\/media\/([^/]+)\/output\.(?:mp4|png)$/,
        kind: 'download',
        open: true,
        handle: download,
      },
      { method: 'GET', path: /^\/(.+?)\/requests\/([^/]+)\/status$/, kind: 'poll', handle: status },
      {
        method: 'PUT',
        path: /^\/(.+?)\/requests\/([^/]+)\/cancel$/,
        kind: 'other',
        handle: cancel,
      },
      { method: 'GET', path: /^\/(.+?)\/requests\/([^/]+)$/, kind: 'poll', handle: result },
      { method: 'POST', path: /^\/(.+)$/, kind: 'create', handle: submit },
    ],
  };

  function urls(req: SandboxRequest, job: Job<RequestData>) {
    const base = `${req.base}/${job.data.app}/requests/${job.id}`;
    return {
      request_id: job.id,
      response_url: base,
      status_url: `${base}/status`,
      cancel_url: `${base}/cancel`,
    };
  }

  async function submit(req: SandboxRequest, [endpoint = '']: string[]) {
    if (FAL_IMAGE_ENDPOINTS.has(endpoint)) return submitImage(req, endpoint);
    const model = FAL_MODELS[endpoint];
    if (model === undefined) throw unknownModel(endpoint);
    const body = await req.json();
    const checked = validateInput(model, body);
    if (!checked.ok) return json(422, { detail: checked.issues });
    const input = checked.input;
    const clip = model.clip(input);
    const prompt = typeof input.prompt === 'string' ? input.prompt : '';
    // fields a model does not have are ignored, as fal's input models do: an unknown `seed`
    // does not fix the output's
    const seed =
      model.fields.seed !== undefined && typeof input.seed === 'number'
        ? input.seed
        : randomBytes(4).readUInt32BE() >>> 1;
    return core.create<RequestData>(
      spec,
      req,
      {
        id: randomUUID(),
        model: endpoint,
        render: { ...clip, model: endpoint, prompt, ...openingOf(firstFrameOf(input), storedFile) },
        data: { app: appOf(endpoint), endpoint, prompt, seed },
      },
      (job) =>
        json(200, { status: 'IN_QUEUE', ...urls(req, job), queue_position: queuePosition(job) }),
    );
  }

  /** A text-to-image request (FLUX): one PNG of `image_size`, validated as fal's input model does. */
  async function submitImage(req: SandboxRequest, endpoint: string) {
    const body = await req.json();
    const issues = imageInputIssues(body);
    if (issues.length > 0) return json(422, { detail: issues });
    const size = imageSizeOf(body.image_size);
    const prompt = body.prompt as string;
    const seed = typeof body.seed === 'number' ? body.seed : randomBytes(4).readUInt32BE() >>> 1;
    return core.create<RequestData>(
      spec,
      req,
      {
        id: randomUUID(),
        model: endpoint,
        render: { ...size, seconds: 0, fps: 1, audio: false, model: endpoint, prompt, still: true },
        data: { app: appOf(endpoint), endpoint, prompt, seed },
      },
      (job) =>
        json(200, { status: 'IN_QUEUE', ...urls(req, job), queue_position: queuePosition(job) }),
    );
  }

  function queuePosition(job: Job): number {
    return Math.max(0, core.jobs.waiting('fal').indexOf(job));
  }

  function find(app: string, id: string): Job<RequestData> {
    const job = core.jobs.get<RequestData>('fal', id);
    // the app part may be `owner/alias` (the client) or the full endpoint id (status_url users)
    if (job === undefined || (app !== job.data.app && app !== job.data.endpoint)) {
      throw notFound(`Request ${id} not found`);
    }
    return job;
  }

  function status(req: SandboxRequest, [app = '', id = '']: string[]): Reply {
    const job = find(app, id);
    const logs = req.url.searchParams.get('logs') === '1' ? [] : null;
    if (job.phase === 'queued') {
      return json(202, {
        status: 'IN_QUEUE',
        ...urls(req, job),
        queue_position: queuePosition(job),
      });
    }
    if (job.phase === 'running')
      return json(202, { status: 'IN_PROGRESS', ...urls(req, job), logs });
    const done: Record<string, unknown> = { status: 'COMPLETED', ...urls(req, job), logs };
    if (job.startedAt !== undefined && job.endedAt !== undefined) {
      done.metrics = { inference_time: (job.endedAt - job.startedAt) / 1000 };
    }
    if (job.phase === 'failed') done.error = job.failure ?? 'content_policy_violation';
    if (job.phase === 'canceled') done.error = 'Request was cancelled';
    return json(200, done);
  }

  async function result(req: SandboxRequest, [app = '', id = '']: string[]): Promise<Reply> {
    const job = find(app, id);
    if (job.phase === 'queued' || job.phase === 'running')
      return detail(400, 'Request is still in progress');
    if (job.phase === 'canceled') return detail(400, 'Request was cancelled');
    const file = job.phase === 'succeeded' ? await core.clipOf(job) : undefined;
    if (job.phase === 'failed' && job.failure === undefined) {
      const issue: InputIssue & { url: string } = {
        loc: ['body', 'prompt'],
        msg: 'The content could not be processed because it contained material flagged by a content checker.',
        type: 'content_policy_violation',
        input: job.data.prompt,
        url: 'https://docs.fal.ai/errors#content_policy_violation',
      };
      return json(422, { detail: [issue] });
    }
    if (file === undefined) return detail(500, job.failure ?? 'Internal error');
    if (job.render.still === true) {
      const url = core.media.signedUrl(
        req.origin,
        `/fal/media/${job.id}/output.png`,
        job,
        OUTPUT_TTL_SECONDS,
      );
      return json(
        200,
        {
          images: [
            {
              url,
              width: job.render.width,
              height: job.render.height,
              content_type: 'image/png',
            },
          ],
          timings: { inference: 0.4 },
          seed: job.data.seed,
          has_nsfw_concepts: [false],
          prompt: job.data.prompt,
        },
        { 'x-fal-request-id': job.id },
      );
    }
    const url = core.media.signedUrl(
      req.origin,
      `/fal/media/${job.id}/output.mp4`,
      job,
      OUTPUT_TTL_SECONDS,
    );
    const { size } = await stat(file);
    return json(
      200,
      {
        video: { url, content_type: 'video/mp4', file_name: 'output.mp4', file_size: size },
        seed: job.data.seed,
        prompt: job.data.prompt,
      },
      { 'x-fal-request-id': job.id },
    );
  }

  function cancel(_req: SandboxRequest, [app = '', id = '']: string[]): Reply {
    const job = find(app, id);
    if (core.jobs.cancel(job)) return json(202, { status: 'CANCELLATION_REQUESTED' });
    return json(400, { status: 'ALREADY_COMPLETED' });
  }

  async function download(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    return core.serveSigned(spec, req, core.jobs.get('fal', id));
  }

  async function initiateUpload(req: SandboxRequest): Promise<Reply> {
    const body = await req.json();
    const contentType =
      typeof body.content_type === 'string' ? body.content_type : 'application/octet-stream';
    const fileName =
      typeof body.file_name === 'string' && body.file_name !== '' ? body.file_name : 'upload.bin';
    if (/[/\\]/.test(fileName)) throw invalid('file_name must not contain slashes', 'file_name');
    const token = randomBytes(16).toString('hex');
    core.media.putUpload(token, Buffer.alloc(0), contentType);
    return json(200, {
      upload_url: `${req.base}/storage/upload/${token}`,
      file_url: `${req.base}/files/${token}/${encodeURIComponent(fileName)}`,
    });
  }

  async function putUpload(req: SandboxRequest, [token = '']: string[]): Promise<Reply> {
    const pending = core.media.getUpload(token);
    if (pending === undefined) throw notFound('Unknown upload URL');
    core.media.putUpload(
      token,
      await req.body(),
      req.header('content-type') ?? pending.contentType,
    );
    return { status: 200 };
  }

  /** The bytes behind one of our own storage URLs (`…/files/TOKEN/NAME`). */
  function storedFile(url: string): Buffer | undefined {
    const token = /\/files\/([0-9a-f]{32})\//.exec(url)?.[1];
    return token === undefined ? undefined : core.media.getUpload(token)?.bytes;
  }

  function getUpload(_req: SandboxRequest, [token = '']: string[]): Reply {
    const upload = core.media.getUpload(token);
    if (upload === undefined || upload.bytes.length === 0) return detail(404, 'File not found');
    return { status: 200, bytes: upload.bytes, contentType: upload.contentType };
  }

  return spec;
}

/** The image an endpoint opens on, under whichever name its input gives it. */
function firstFrameOf(input: Record<string, unknown>): string | undefined {
  for (const field of ['image_url', 'first_frame_url', 'start_image_url']) {
    const value = input[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** fal's text-to-image endpoints the sandbox answers (FLUX.1 schnell and dev). */
export const FAL_IMAGE_ENDPOINTS: ReadonlySet<string> = new Set([
  'fal-ai/flux/schnell',
  'fal-ai/flux/dev',
]);

/** FLUX's `image_size` presets, as fal's input model names them. */
const IMAGE_SIZE_PRESETS: Record<string, { width: number; height: number }> = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
};

function imageSizeOf(value: unknown): { width: number; height: number } {
  if (typeof value === 'string') return IMAGE_SIZE_PRESETS[value]!;
  if (value && typeof value === 'object') return value as { width: number; height: number };
  return IMAGE_SIZE_PRESETS.landscape_4_3!;
}

/** The 422 `detail` entries fal's FLUX input model would give this body (none: valid). */
function imageInputIssues(body: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  const issue = (field: string, msg: string, type: string) =>
    issues.push({ loc: ['body', field], msg, type, input: body[field] });
  if (typeof body.prompt !== 'string' || body.prompt === '')
    issue('prompt', 'Field required', 'missing');
  const size = body.image_size;
  if (size !== undefined) {
    if (typeof size === 'string') {
      if (!(size in IMAGE_SIZE_PRESETS))
        issue(
          'image_size',
          `Input should be ${Object.keys(IMAGE_SIZE_PRESETS).join(', ')}`,
          'enum',
        );
    } else if (size && typeof size === 'object') {
      for (const side of ['width', 'height'] as const) {
        const n = (size as Record<string, unknown>)[side];
        if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 14142)
          issue('image_size', `${side} should be an integer from 1 to 14142`, 'int_parsing');
      }
    } else {
      issue('image_size', 'Input should be a valid dictionary or a preset name', 'model_type');
    }
  }
  const count = body.num_images;
  if (
    count !== undefined &&
    (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 4)
  )
    issue('num_images', 'Input should be less than or equal to 4', 'less_than_equal');
  const format = body.output_format;
  if (format !== undefined && format !== 'jpeg' && format !== 'png')
    issue('output_format', "Input should be 'jpeg' or 'png'", 'literal_error');
  return issues;
}
