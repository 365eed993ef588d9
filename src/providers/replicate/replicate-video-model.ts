/**
 * Replicate's predictions API as an AI SDK video model (Replicate's HTTP API reference):
 * `POST /v1/models/{owner}/{name}/predictions` with `{input}` (official models) or
 * `POST /v1/predictions` with `{version, input}` (an id `owner/name:version`); `GET
 * /v1/predictions/{id}`: `starting` | `processing` | `succeeded` | `failed` | `canceled` |
 * `aborted` (its deadline passed before it ran); `POST /v1/predictions/{id}/cancel`.
 * `Prefer: wait` is not sent: a video takes longer than the 60 s it may hold a request.
 *
 * Outputs are deleted an hour after the prediction (API data retention): the engine downloads
 * as soon as the status is `succeeded`, and a status whose files are gone says so.
 *
 * Replicate takes no idempotency key. Predictions echo their `input`; with a seed derived from
 * the engine's key (for models that take a seed), a lost start is found again in the list.
 */
import type { JSONObject, JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import {
  failedStatus,
  fileUrl,
  frameAnchors,
  LOOKUP_SKEW_MS,
  operationOf,
  pickDuration,
  pickRatio,
  pickTier,
  providerOptionsOf,
  references,
  requestAsSent,
  requestedSize,
  seedOrKeySeed,
  signalOf,
  throwIfAborted,
  timeOf,
  unmappedOptions,
  unsupported,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, completedAtUrl, type StartResult } from '../connected-video-model.ts';
import { providerErrors } from '../errors.ts';
import { parseShape } from '../http.ts';
import type { ReconcileInput, VideoCallOptions, VideoStatus } from '../types.ts';
import { replicateInputs, replicateModelRef } from './replicate-models.ts';

export const REPLICATE_PROVIDER = 'replicate';

/** The operation handle: the prediction. */
export interface ReplicateOperation extends JSONObject {
  predictionId: string;
}

export interface ReplicateRequest {
  path: string;
  body: { version?: string; input: Record<string, JSONValue> };
  warnings: Warning[];
}

const PredictionSchema = z.looseObject({
  id: z.string(),
  model: z.string().nullish(),
  version: z.string().nullish(),
  status: z.string(),
  input: z.record(z.string(), z.unknown()).nullish(),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  created_at: z.string().nullish(),
  data_removed: z.boolean().nullish(),
  metrics: z.looseObject({ predict_time: z.number().nullish() }).nullish(),
});
type Prediction = z.infer<typeof PredictionSchema>;

const ListSchema = z.looseObject({
  results: z.array(PredictionSchema),
  next: z.string().nullish(),
});

/** Pages of the prediction list looked at, at most, for a lost start. */
const MAX_LIST_PAGES = 3;

/** Input names whose echo is compared when looking for a lost start (files may be rewritten). */
const COMPARED = ['prompt', 'duration', 'resolution', 'aspect_ratio', 'seed', 'generate_audio'];

/** The create request for the call options. */
export function buildReplicateRequest(
  modelId: string,
  options: VideoCallOptions,
): ReplicateRequest {
  const { model, version } = replicateModelRef(modelId);
  const path = version ? '/v1/predictions' : `/v1/models/${model}/predictions`;
  const known = replicateInputs(modelId);
  const warnings: Warning[] = [];
  const input: Record<string, JSONValue> = {};
  if (options.prompt !== undefined) input.prompt = options.prompt;
  const { first, last } = frameAnchors(options);
  const refs = references(options);

  if (!known) {
    warnings.push({
      type: 'other',
      message: `${model} is not in shotrouter's Replicate table; only prompt, image and providerOptions.replicate are sent`,
    });
    if (first) input.image = fileUrl(first);
    if (last)
      throw providerErrors.invalidRequest(
        REPLICATE_PROVIDER,
        `${model}: no known last-frame input`,
      );
    unmappedOptions(options, model, REPLICATE_PROVIDER, warnings);
  } else {
    if (first) {
      if (!known.image)
        throw providerErrors.invalidRequest(REPLICATE_PROVIDER, `${model} takes no start image`);
      input[known.image] = fileUrl(first);
    }
    if (last) {
      if (!known.lastImage)
        throw providerErrors.invalidRequest(REPLICATE_PROVIDER, `${model} takes no last frame`);
      input[known.lastImage] = fileUrl(last);
    }
    if (refs.images.length > 0 && known.references && !first && !last) {
      input[known.references] = refs.images.map(fileUrl);
    } else if (refs.images.length + refs.videos.length > 0) {
      warnings.push(
        unsupported('inputReferences', `${model} takes no reference files here; left out`),
      );
    }
    if (options.duration !== undefined) {
      if (known.seconds) input.duration = pickDuration(options.duration, known.seconds, warnings);
      else warnings.push(unsupported('duration', `${model} makes clips of one length`));
    }
    const size = requestedSize(REPLICATE_PROVIDER, options);
    if (size && known.resolutions) {
      input.resolution = pickTier(size, known.resolutions, options, warnings);
    }
    if (known.ratios) {
      const ratio = pickRatio(REPLICATE_PROVIDER, options, known.ratios, warnings);
      if (ratio) input.aspect_ratio = ratio;
    }
    if (known.audio) {
      if (options.generateAudio !== undefined) input.generate_audio = options.generateAudio;
    } else {
      unsupportedOptions(options, ['generateAudio'], model, warnings);
    }
    if (known.seed) {
      const seed = seedOrKeySeed(options);
      if (seed !== undefined) input.seed = seed;
    } else {
      unsupportedOptions(options, ['seed'], model, warnings);
    }
    unsupportedOptions(options, ['fps'], model, warnings, known.nativeFps);
  }
  Object.assign(input, providerOptionsOf(options, REPLICATE_PROVIDER));
  return { path, body: version ? { version, input } : { input }, warnings };
}

/** The video URL in a prediction's output: a string, a list of them, or an object holding one. */
export function videoUrlOf(output: unknown): string | undefined {
  const urls: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (typeof value === 'string' && /^(https?:|data:)/.test(value)) urls.push(value);
    else if (Array.isArray(value) && depth < 2) for (const item of value) visit(item, depth + 1);
    else if (typeof value === 'object' && value !== null && depth < 2) {
      for (const item of Object.values(value)) visit(item, depth + 1);
    }
  };
  visit(output, 0);
  return urls.find((u) => /\.(mp4|webm|mov)(?:[?#]|$)/i.test(u)) ?? urls[0];
}

/** Replicate's moderation failures: code E005, "flagged as sensitive", NSFW. */
function refusalIn(error: string): boolean {
  return /\bE005\b|flagged as sensitive|nsfw|content polic/i.test(error);
}

export class ReplicateVideoModel extends ConnectedVideoModel {
  readonly provider = REPLICATE_PROVIDER;

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    throwIfAborted(this.provider, options.abortSignal);
    const { path, body, warnings } = buildReplicateRequest(this.modelId, options);
    const reply = await this.connection.client().post(path, body, signalOf(options.abortSignal));
    const prediction = parseShape(this.provider, PredictionSchema, reply.body, 'prediction');
    const operation: ReplicateOperation = { predictionId: prediction.id };
    const metadata = { replicate: { predictionId: prediction.id } };
    return this.started(operation, warnings, metadata, reply.headers);
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = replicateOperation(options.operation);
    const reply = await this.connection
      .client()
      .get(`/v1/predictions/${encodeURIComponent(op.predictionId)}`, signalOf(options.abortSignal));
    const prediction = parseShape(this.provider, PredictionSchema, reply.body, 'prediction');
    const response = this.responseOf(reply.headers);
    const failed = (message: string, code: string | undefined) =>
      failedStatus(
        this.modelId,
        `prediction ${prediction.id} ${message}`,
        code,
        { predictionId: prediction.id },
        this.connection.now,
      );
    switch (prediction.status) {
      case 'starting':
      case 'processing':
        return {
          status: 'pending',
          providerMetadata: {
            replicate: { predictionId: prediction.id, status: prediction.status },
          },
          response,
        };
      case 'succeeded': {
        const url = videoUrlOf(prediction.output);
        if (!url) {
          if (prediction.data_removed) {
            // Replicate deletes API outputs after an hour; the clip cannot be had any more
            return failed(
              'succeeded, but its output was deleted (kept for one hour)',
              'expired_url',
            );
          }
          throw providerErrors.malformedResponse(
            this.provider,
            `prediction ${prediction.id} succeeded without a video URL`,
          );
        }
        const metadata = {
          replicate: {
            predictionId: prediction.id,
            predictTimeSeconds: prediction.metrics?.predict_time ?? null,
          },
        };
        return completedAtUrl(url, metadata, response);
      }
      case 'failed': {
        const error =
          typeof prediction.error === 'string'
            ? prediction.error
            : JSON.stringify(prediction.error ?? 'no reason given');
        return failed(`failed: ${error}`, refusalIn(error) ? 'content_refused' : undefined);
      }
      case 'canceled':
        return failed('was canceled', undefined);
      case 'aborted':
        // its deadline passed before it started; Replicate does not charge for it
        return failed('was aborted before it started (deadline passed)', 'timeout');
      default:
        throw providerErrors.malformedResponse(
          this.provider,
          `unknown prediction status ${JSON.stringify(prediction.status)}`,
        );
    }
  }

  /** Cancels a prediction. Not part of the AI SDK interface. */
  async cancel(operation: unknown, signal?: AbortSignal): Promise<void> {
    const op = replicateOperation(operation);
    await this.connection
      .client()
      .json(`/v1/predictions/${encodeURIComponent(op.predictionId)}/cancel`, {
        method: 'POST',
        ...signalOf(signal),
      });
  }

  /** Recent predictions of this model whose echoed input is the lost start's. */
  async findLostStart(input: ReconcileInput): Promise<JSONValue[]> {
    const { body } = buildReplicateRequest(this.modelId, requestAsSent(input));
    const { model, version } = replicateModelRef(this.modelId);
    const since = (timeOf(input.sentAt) ?? 0) - LOOKUP_SKEW_MS;
    const matches: ReplicateOperation[] = [];
    let path: string | undefined = '/v1/predictions';
    for (let page = 0; page < MAX_LIST_PAGES && path; page++) {
      const reply: { body: unknown } = await this.connection
        .client()
        .get(path, signalOf(input.abortSignal));
      const list: z.infer<typeof ListSchema> = parseShape(
        this.provider,
        ListSchema,
        reply.body,
        'prediction list',
      );
      let older = false;
      for (const prediction of list.results) {
        if ((timeOf(prediction.created_at) ?? since) < since) {
          older = true;
          continue;
        }
        if (sameStart(prediction, model, version, body.input))
          matches.push({ predictionId: prediction.id });
      }
      path = older ? undefined : (list.next ?? undefined);
    }
    return matches;
  }
}

function sameStart(
  prediction: Prediction,
  model: string,
  version: string | undefined,
  input: Record<string, JSONValue>,
): boolean {
  if (
    version
      ? prediction.version !== version
      : prediction.model != null && prediction.model !== model
  )
    return false;
  const echo = prediction.input ?? {};
  return COMPARED.every(
    (name) => input[name] === undefined || echo[name] === undefined || echo[name] === input[name],
  );
}

function replicateOperation(operation: unknown): ReplicateOperation {
  return operationOf<ReplicateOperation>(
    REPLICATE_PROVIDER,
    operation,
    (o) => typeof o.predictionId === 'string' && o.predictionId !== '',
    'a Replicate prediction',
  );
}
