/**
 * Veo as an AI SDK video model, on either surface: the surface says where to start, how to
 * poll and how to turn a finished operation into videos (./google-provider.ts,
 * ./vertex-provider.ts); everything else is the same.
 *
 * The operation handle is `{name, model}`: the long-running operation's name, which both
 * surfaces poll by, and the model (Vertex polls through the model's resource).
 */
import type {
  JSONObject,
  Experimental_VideoModelV4OperationStartResult as StartResult,
  Experimental_VideoModelV4VideoData as VideoData,
} from '@ai-sdk/provider';
import { type Connection, operationOf, responseInfo, throwIfAborted } from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { type JsonResponse, parseShape } from '../http.ts';
import type { VideoCallOptions, VideoModel, VideoStatus } from '../types.ts';
import {
  buildVeoRequest,
  operationErrorCode,
  operationMetadata,
  operationSchema,
  type SafetyFiltered,
  type VeoSurface,
} from './veo.ts';

export interface VeoOperation extends JSONObject {
  name: string;
  model: string;
}

export interface VeoResult {
  videos: VideoData[];
  filtered: SafetyFiltered;
}

export interface VeoSurfaceConfig {
  surface: VeoSurface;
  connection: Connection;
  fetch?: typeof fetch;
  /** path of `:predictLongRunning` for a model */
  startPath(modelId: string): string;
  /** one poll of an operation */
  poll(operation: VeoOperation, signal: AbortSignal | undefined): Promise<JsonResponse>;
  /** the videos of a finished operation's `response` (empty when none), and what safety removed */
  result(response: Record<string, unknown>, signal: AbortSignal | undefined): Promise<VeoResult>;
}

export class VeoVideoModel implements VideoModel {
  readonly specificationVersion = 'v4';
  readonly provider: string;
  readonly modelId: string;
  /** `sampleCount` goes up to 4 */
  readonly maxVideosPerCall = 4;
  private readonly config: VeoSurfaceConfig;

  constructor(modelId: string, config: VeoSurfaceConfig) {
    this.modelId = modelId;
    this.provider = config.surface;
    this.config = config;
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    const { body, warnings } = await buildVeoRequest(this.config.surface, options, {
      fetch: this.config.fetch,
    });
    const reply = await this.config.connection
      .client()
      .post(this.config.startPath(this.modelId), body, {
        // Google ignores the idempotency key; it goes out anyway for proxies that honour it
        headers: options.headers,
        signal: options.abortSignal,
      });
    const started = parseShape(
      this.provider,
      operationSchema,
      reply.body,
      'predictLongRunning reply',
    );
    const operation: VeoOperation = { name: started.name, model: this.modelId };
    return {
      operation,
      warnings,
      providerMetadata: { [this.provider]: operationMetadata(started) },
      response: responseInfo(this.modelId, reply.headers, this.config.connection.now),
    };
  }

  async doStatus(options: {
    operation: unknown;
    abortSignal?: AbortSignal;
    headers?: Record<string, string | undefined>;
  }): Promise<VideoStatus> {
    const operation = operationOf<VeoOperation>(
      this.provider,
      options.operation,
      (op) => typeof op.name === 'string' && typeof op.model === 'string',
      'a Veo',
    );
    throwIfAborted(this.provider, options.abortSignal);
    const reply = await this.config.poll(operation, options.abortSignal);
    const op = parseShape(this.provider, operationSchema, reply.body, 'operation');
    const response = responseInfo(this.modelId, reply.headers, this.config.connection.now);
    if (op.done !== true) {
      return {
        status: 'pending',
        providerMetadata: { [this.provider]: operationMetadata(op) },
        response,
      };
    }
    if (op.error) {
      const code = operationErrorCode(op.error);
      return {
        status: 'error',
        error: op.error.message ?? 'the video generation failed',
        providerMetadata: {
          [this.provider]: operationMetadata(op),
          shotrouter: code ? { code } : {},
        },
        response,
      };
    }
    const { videos, filtered } = await this.config.result(op.response ?? {}, options.abortSignal);
    const providerMetadata = {
      [this.provider]: operationMetadata(op, { raiMediaFilteredCount: filtered.count }),
    };
    if (videos.length === 0) {
      if (filtered.count > 0) {
        return {
          status: 'error',
          error: filtered.reasons[0] ?? 'Veo’s safety filter removed every video',
          providerMetadata: { ...providerMetadata, shotrouter: { code: 'content_refused' } },
          response,
        };
      }
      throw providerErrors.malformedResponse(this.provider, 'a finished operation without videos');
    }
    return { status: 'completed', videos, warnings: [], providerMetadata, response };
  }
}
