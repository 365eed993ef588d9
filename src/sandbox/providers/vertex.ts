/**
 * Vertex AI (Veo) under `/vertex`: POST …/publishers/google/models/{model}:predictLongRunning
 * and :fetchPredictOperation, either under `projects/{p}/locations/{l}/` (regional endpoint) or
 * without it (the global express path the AI SDK defaults to). Auth: `Authorization: Bearer`
 * (OAuth token) or `x-goog-api-key` (express mode). Output: inline `bytesBase64Encoded`, or
 * `gcsUri` when `storageUri` is given, downloadable through the GCS JSON API path
 * GET /storage/v1/b/{bucket}/o/{object}?alt=media. Gemini Omni Flash: POST
 * /v1beta1/projects/{p}/locations/{l}/interactions and GET …/interactions/{id} (./omni.ts),
 * the video inline as base64 `data`.
 */

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import { invalid, json, notFound, type Reply, type SandboxRequest, unknownModel } from '../http.ts';
import type { Job } from '../jobs.ts';
import { interactionOf, OMNI_MODELS, parseOmniRequest } from './omni.ts';
import {
  googleError,
  googleRateLimited,
  parseVeoRequest,
  RAI_REASON,
  VERTEX_VEO_MODELS,
} from './veo.ts';

const RESPONSE_TYPE = 'type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse';

interface OperationData {
  /** gs://bucket/object of each sample when the request gave a storageUri */
  gcs: { bucket: string; object: string } | undefined;
}

const MODEL_PATH = String.raw`^\/(v1|v1beta1)\/((?:projects\/[^/]+\/locations\/[^/]+\/)?publishers\/google\/models\/([^/:]+))`;

const INTERACTIONS = /^\/v1beta1\/(projects\/[^/]+\/locations\/[^/]+)\/interactions$/;
const INTERACTION = /^\/v1beta1\/(projects\/[^/]+\/locations\/[^/]+)\/interactions\/([^/]+)$/;

export function vertexProvider(core: SandboxCore): ProviderSpec {
  const spec: ProviderSpec = {
    name: 'vertex',
    authenticate(req) {
      const token = req.credential('Bearer') ?? req.header('x-goog-api-key');
      if (token === undefined) {
        return googleError(
          401,
          'UNAUTHENTICATED',
          'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        );
      }
      if (!acceptableKey(token)) {
        return googleError(
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
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
          `Publisher Model \`publishers/google/models/${model}\` was not found or your project does not have access to it.`,
        ),
      rateLimited: googleRateLimited,
      serverError: () => googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.'),
      // GCS objects past their lifecycle are simply gone
      expired: () =>
        json(404, {
          error: { code: 404, message: 'No such object.', errors: [{ reason: 'notFound' }] },
        }),
    },
    routes: [
      {
        method: 'POST',
        path: INTERACTIONS,
        kind: 'create',
        handle: createInteraction,
      },
      {
        method: 'GET',
        path: INTERACTION,
        kind: 'poll',
        handle: (_req, [, id]) => getInteraction(id),
      },
      {
        method: 'POST',
        path: new RegExp(`${MODEL_PATH}:predictLongRunning$`),
        kind: 'create',
        handle: create,
      },
      {
        method: 'POST',
        path: new RegExp(`${MODEL_PATH}:fetchPredictOperation$`),
        kind: 'poll',
        handle: fetchOperation,
      },
      {
        method: 'GET',
        path: /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/,
        kind: 'download',
        handle: gcsObject,
      },
    ],
  };

  async function create(req: SandboxRequest, [, resource = '', modelId = '']: string[]) {
    const model = VERTEX_VEO_MODELS[modelId];
    if (model === undefined) throw unknownModel(modelId);
    const veo = parseVeoRequest(await req.json(), modelId, model, 'vertex');
    const id = `${resource}/operations/${randomUUID()}`;
    let gcs: OperationData['gcs'];
    if (veo.storageUri !== undefined) {
      const [bucket = '', ...rest] = veo.storageUri.slice('gs://'.length).split('/');
      if (bucket === '') throw invalid('storageUri must name a bucket.', 'storageUri');
      const folder = rest.filter((part) => part !== '').join('/');
      const opId = id.slice(id.lastIndexOf('/') + 1);
      gcs = { bucket, object: `${folder === '' ? '' : `${folder}/`}${opId}/sample_0.mp4` };
    }
    return core.create<OperationData>(
      spec,
      req,
      { id, model: modelId, render: veo.render, samples: veo.samples, data: { gcs } },
      (job) => json(200, { name: job.id }),
    );
  }

  async function createInteraction(req: SandboxRequest) {
    const body = await req.json();
    const modelId = typeof body.model === 'string' ? body.model : '';
    if (OMNI_MODELS[modelId] === undefined) throw unknownModel(modelId);
    const render = parseOmniRequest(body, modelId);
    return core.create<OperationData>(
      spec,
      req,
      { id: randomUUID(), model: modelId, render, data: { gcs: undefined } },
      (job) =>
        json(
          200,
          interactionOf(job, () => ({})),
        ),
    );
  }

  async function getInteraction(id = ''): Promise<Reply> {
    const job = core.jobs.get<OperationData>('vertex', id);
    if (job === undefined || OMNI_MODELS[job.model] === undefined)
      throw notFound(`Interaction ${id} not found.`);
    const file = job.phase === 'succeeded' ? await core.clipOf(job) : undefined;
    const data = file === undefined ? '' : (await readFile(file)).toString('base64');
    return json(
      200,
      interactionOf(job, () => ({ data })),
    );
  }

  async function fetchOperation(req: SandboxRequest): Promise<Reply> {
    const body = await req.json();
    const name = body.operationName;
    if (typeof name !== 'string' || name === '')
      throw invalid('operationName is required.', 'operationName');
    const job = core.jobs.get<OperationData>('vertex', name);
    if (job === undefined) throw notFound(`Operation ${name} not found.`);
    if (job.phase === 'queued' || job.phase === 'running') return json(200, { name: job.id });
    const file = job.phase === 'succeeded' ? await core.clipOf(job) : undefined;
    if (job.phase === 'failed' && job.failure !== undefined) {
      return json(200, { name: job.id, done: true, error: { code: 13, message: job.failure } });
    }
    if (job.phase !== 'succeeded' || file === undefined) {
      return json(200, {
        name: job.id,
        done: true,
        response: {
          '@type': RESPONSE_TYPE,
          raiMediaFilteredCount: job.samples,
          raiMediaFilteredReasons: [RAI_REASON],
        },
      });
    }
    const videos = await outputs(job, file);
    return json(200, {
      name: job.id,
      done: true,
      response: { '@type': RESPONSE_TYPE, raiMediaFilteredCount: 0, videos },
    });
  }

  async function outputs(job: Job<OperationData>, file: string): Promise<Record<string, string>[]> {
    const gcs = job.data.gcs;
    if (gcs !== undefined) {
      return Array.from({ length: job.samples }, (_, i) => ({
        gcsUri: `gs://${gcs.bucket}/${gcs.object.replace(/sample_0\.mp4$/, `sample_${i}.mp4`)}`,
        mimeType: 'video/mp4',
      }));
    }
    const bytesBase64Encoded = (await readFile(file)).toString('base64');
    return Array.from({ length: job.samples }, () => ({
      bytesBase64Encoded,
      mimeType: 'video/mp4',
    }));
  }

  async function gcsObject(req: SandboxRequest, [bucket, object = '']: string[]): Promise<Reply> {
    if (req.url.searchParams.get('alt') !== 'media') {
      throw invalid('The sandbox serves object contents only (alt=media).');
    }
    const sample0 = object.replace(/sample_\d+\.mp4$/, 'sample_0.mp4');
    const job = core.jobs.list('vertex').find((j) => {
      const gcs = (j.data as OperationData).gcs;
      return gcs !== undefined && gcs.bucket === bucket && gcs.object === sample0;
    });
    if (job === undefined || job.phase !== 'succeeded') return spec.errors.expired();
    if (core.media.takeExpiredDownload(job)) return spec.errors.expired();
    const file = await core.clipOf(job);
    if (file === undefined) return spec.errors.expired();
    return { status: 200, file, contentType: 'video/mp4' };
  }

  return spec;
}
