/**
 * Gemini API (Veo) under `/google`: POST /v1beta/models/{model}:predictLongRunning,
 * GET /v1beta/{operation name} until `done`, and the generated file's download URI, which
 * needs the API key (header `x-goog-api-key` or `?key=`) like the real Files API. Gemini Omni
 * Flash: POST /v1beta/interactions and GET /v1beta/interactions/{id} (./omni.ts), its video a
 * file URI of the same kind. POST /v1beta/models/{model}:generateContent: the stand-in vision
 * judge (./judge.ts).
 */
import { readFile } from 'node:fs/promises';
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import {
  invalid,
  isReply,
  json,
  notFound,
  type Reply,
  type SandboxRequest,
  unknownModel,
} from '../http.ts';
import type { Job } from '../jobs.ts';
import { base36Id, whenEnded } from './common.ts';
import { geminiGenerateContent } from './judge.ts';
import { interactionOf, OMNI_MODELS, parseOmniRequest } from './omni.ts';
import { geminiSpeech, knowsSpeechModel } from './speech.ts';
import {
  GEMINI_VEO_MODELS,
  googleError,
  googleRateLimited,
  parseVeoRequest,
  RAI_REASON,
} from './veo.ts';

/** Generated files are kept two days on the Gemini API (commonly cited; not documented). */
const FILE_TTL_SECONDS = 2 * 24 * 3600;

const RESPONSE_TYPE =
  'type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse';

interface OperationData {
  fileId: string;
}

/** Imagen models the sandbox answers on `:predict`. */
const IMAGEN_MODELS: ReadonlySet<string> = new Set([
  'imagen-4.0-generate-001',
  'imagen-4.0-fast-generate-001',
  'imagen-4.0-ultra-generate-001',
]);

/** The picture each aspect ratio comes out at (1K). */
const IMAGEN_SIZES: Record<string, { width: number; height: number }> = {
  '1:1': { width: 1024, height: 1024 },
  '3:4': { width: 896, height: 1280 },
  '4:3': { width: 1280, height: 896 },
  '9:16': { width: 768, height: 1408 },
  '16:9': { width: 1408, height: 768 },
};

export function googleProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'google',
    authenticate(req) {
      const key = req.header('x-goog-api-key') ?? req.url.searchParams.get('key') ?? undefined;
      if (key === undefined || key === '') {
        return googleError(
          403,
          'PERMISSION_DENIED',
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        );
      }
      if (!acceptableKey(key)) {
        return googleError(
          400,
          'INVALID_ARGUMENT',
          'API key not valid. Please pass a valid API key.',
          [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'API_KEY_INVALID',
              domain: 'googleapis.com',
              metadata: { service: 'generativelanguage.googleapis.com' },
            },
          ],
        );
      }
      return undefined;
    },
    errors: {
      invalid: (message) => googleError(400, 'INVALID_ARGUMENT', message),
      notFound: (message) => googleError(404, 'NOT_FOUND', message),
      unknownModel: (model) =>
        googleError(
          404,
          'NOT_FOUND',
          `models/${model} is not found for API version v1beta, or is not supported for predictLongRunning. Call ListModels to see the list of available models and their supported methods.`,
        ),
      rateLimited: googleRateLimited,
      serverError: () =>
        googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
      expired: () =>
        googleError(403, 'PERMISSION_DENIED', 'The download link of this file has expired.'),
    },
    routes: [
      {
        method: 'POST',
        path: /^\/v1beta\/models\/([^/:]+):predictLongRunning$/,
        kind: 'create',
        handle: create,
      },
      {
        method: 'GET',
        path: /^\/v1beta\/((?:models\/[^/]+\/)?operations\/[^/]+)$/,
        kind: 'poll',
        handle: (req, [name]) => operation(req, name),
      },
      {
        // Imagen stills: synchronous, the image inline in the reply
        method: 'POST',
        path: /^\/v1beta\/models\/([^/:]+):predict$/,
        kind: 'create',
        handle: predictImage,
      },
      {
        // the vision judge (./judge.ts)
        method: 'POST',
        path: /^\/v1beta\/models\/([^/:]+):generateContent$/,
        kind: 'call',
        // a TTS model answers with speech (./speech.ts), the others as the judge
        handle: (req, [modelId = '']) =>
          knowsSpeechModel('google', modelId)
            ? geminiSpeech(req, modelId, (e) => core.recordSpeech(e))
            : geminiGenerateContent(req, modelId),
      },
      {
        method: 'POST',
        path: /^\/v1beta\/interactions$/,
        kind: 'create',
        handle: createInteraction,
      },
      {
        method: 'GET',
        path: /^\/v1beta\/interactions\/([^/]+)$/,
        kind: 'poll',
        handle: getInteraction,
      },
      {
        method: 'GET',
        path: /^\/v1beta\/files\/([^/:]+):download$/,
        kind: 'download',
        handle: download,
      },
    ],
  };

  /** Imagen on the Gemini API: `instances[0].prompt`, `parameters.{sampleCount, aspectRatio}`. */
  async function predictImage(req: SandboxRequest, [modelId = '']: string[]) {
    if (!IMAGEN_MODELS.has(modelId)) throw unknownModel(modelId);
    const body = await req.json();
    const instance = Array.isArray(body.instances) ? body.instances[0] : undefined;
    const prompt = (instance as { prompt?: unknown } | undefined)?.prompt;
    if (typeof prompt !== 'string' || prompt.trim() === '')
      throw invalid('* GenerateImagesRequest.prompt: must not be empty', 'instances');
    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    const ratio = parameters.aspectRatio ?? '1:1';
    const size = typeof ratio === 'string' ? IMAGEN_SIZES[ratio] : undefined;
    if (size === undefined) {
      throw invalid(
        `aspectRatio must be one of ${Object.keys(IMAGEN_SIZES).join(', ')}`,
        'parameters.aspectRatio',
      );
    }
    const count = parameters.sampleCount ?? 4;
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 4)
      throw invalid('sampleCount must be from 1 to 4', 'parameters.sampleCount');
    let made: Job<OperationData> | undefined;
    const outcome = core.create<OperationData>(
      spec,
      req,
      {
        id: `imagen-${base36Id(12)}`,
        model: modelId,
        render: { ...size, seconds: 0, fps: 1, audio: false, model: modelId, prompt, still: true },
        samples: count as number,
        data: { fileId: '' },
      },
      (job) => {
        made = job;
        return { status: 200 };
      },
    );
    if (made === undefined || !isReply(outcome)) return outcome;
    const job = await whenEnded(core, 'google', made);
    // a filtered image is left out of `predictions`, as the real API does
    const file = job.phase === 'succeeded' ? await core.clipOf(job) : undefined;
    const bytes = file === undefined ? undefined : await readFile(file);
    const predictions =
      bytes === undefined
        ? []
        : Array.from({ length: job.samples }, () => ({
            mimeType: 'image/png',
            bytesBase64Encoded: bytes.toString('base64'),
          }));
    const reply = json(200, { predictions });
    return outcome.malformed ? { ...reply, malformed: true } : reply;
  }

  function operationReply(req: SandboxRequest, job: Job<OperationData>): Reply {
    if (job.phase === 'queued' || job.phase === 'running') return json(200, { name: job.id });
    if (job.phase === 'failed' && job.failure !== undefined) {
      return json(200, { name: job.id, done: true, error: { code: 13, message: job.failure } });
    }
    if (job.phase === 'failed') {
      return json(200, {
        name: job.id,
        done: true,
        response: {
          '@type': RESPONSE_TYPE,
          generateVideoResponse: {
            raiMediaFilteredCount: job.samples,
            raiMediaFilteredReasons: [RAI_REASON],
          },
        },
      });
    }
    const uri = fileUri(req, job);
    const samples = Array.from({ length: job.samples }, () => ({ video: { uri } }));
    return json(200, {
      name: job.id,
      done: true,
      response: { '@type': RESPONSE_TYPE, generateVideoResponse: { generatedSamples: samples } },
    });
  }

  async function create(req: SandboxRequest, [modelId = '']: string[]) {
    const model = GEMINI_VEO_MODELS[modelId];
    if (model === undefined) throw unknownModel(modelId);
    const veo = parseVeoRequest(await req.json(), modelId, model, 'gemini');
    const opId = base36Id(12);
    return core.create<OperationData>(
      spec,
      req,
      {
        id: `models/${modelId}/operations/${opId}`,
        model: modelId,
        render: veo.render,
        samples: veo.samples,
        data: { fileId: opId },
      },
      (job) => json(200, { name: job.id }),
    );
  }

  async function operation(req: SandboxRequest, name: string | undefined): Promise<Reply> {
    // the short form `operations/ID` names the same operation as `models/M/operations/ID`
    const job =
      core.jobs.get<OperationData>('google', name ?? '') ??
      (core.jobs.list('google').find((j) => j.id.endsWith(`/${name}`)) as
        | Job<OperationData>
        | undefined);
    if (job === undefined) throw notFound(`Operation ${name} not found.`);
    if (job.phase === 'succeeded') await core.clipOf(job);
    return operationReply(req, job);
  }

  /** The file URI of a finished job's clip: Google's carry alt=media; clients append key=… */
  function fileUri(req: SandboxRequest, job: Job<OperationData>): string {
    const pathname = `/google/v1beta/files/${job.data.fileId}:download`;
    const uri = core.media.signedUrl(req.origin, pathname, job, FILE_TTL_SECONDS);
    return uri.replace('?', '?alt=media&');
  }

  async function createInteraction(req: SandboxRequest) {
    const body = await req.json();
    const modelId = typeof body.model === 'string' ? body.model : '';
    if (OMNI_MODELS[modelId] === undefined) throw unknownModel(modelId);
    const render = parseOmniRequest(body, modelId);
    const fileId = base36Id(12);
    return core.create<OperationData>(
      spec,
      req,
      { id: `v1_${base36Id(24)}`, model: modelId, render, data: { fileId } },
      (job) =>
        json(
          200,
          interactionOf(job, () => ({})),
        ),
    );
  }

  async function getInteraction(req: SandboxRequest, [id = '']: string[]): Promise<Reply> {
    const job = core.jobs.get<OperationData>('google', id);
    if (job === undefined || OMNI_MODELS[job.model] === undefined)
      throw notFound(`Interaction ${id} not found.`);
    if (job.phase === 'succeeded') await core.clipOf(job);
    return json(
      200,
      interactionOf(job, () => ({ uri: fileUri(req, job) })),
    );
  }

  async function download(req: SandboxRequest, [fileId]: string[]): Promise<Reply> {
    const job = core.jobs.list('google').find((j) => (j.data as OperationData).fileId === fileId);
    return core.serveSigned(spec, req, job);
  }

  return spec;
}
