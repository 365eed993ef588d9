/**
 * Gemini API (Veo) under `/google`: POST /v1beta/models/{model}:predictLongRunning,
 * GET /v1beta/{operation name} until `done`, and the generated file's download URI, which
 * needs the API key (header `x-goog-api-key` or `?key=`) like the real Files API. Gemini Omni
 * Flash: POST /v1beta/interactions and GET /v1beta/interactions/{id} (./omni.ts), its video a
 * file URI of the same kind. POST /v1beta/models/{model}:generateContent: the stand-in vision
 * judge (./judge.ts).
 */
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import { json, notFound, type Reply, type SandboxRequest, unknownModel } from '../http.ts';
import type { Job } from '../jobs.ts';
import { base36Id } from './common.ts';
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
