/**
 * What every adapter model that talks to one HTTP API has in common: the AI SDK's fixed fields,
 * the model id and the provider's connection, and the result blocks built the same way in each
 * (`response` from the reply's headers on the connection's clock, one URL video when done).
 */
import type {
  SharedV4ProviderMetadata,
  Experimental_VideoModelV4OperationStartResult as StartResult,
} from '@ai-sdk/provider';
import { type Connection, responseInfo, type Warning } from './adapter-kit.ts';
import type { VideoCallOptions, VideoModel, VideoStatus } from './types.ts';

export type { StartResult };

export abstract class ConnectedVideoModel implements VideoModel {
  readonly specificationVersion = 'v4';
  abstract readonly provider: string;
  readonly maxVideosPerCall = 1;
  readonly modelId: string;
  protected readonly connection: Connection;

  constructor(modelId: string, connection: Connection) {
    this.modelId = modelId;
    this.connection = connection;
  }

  abstract doStart(options: VideoCallOptions): Promise<StartResult>;
  abstract doStatus(options: {
    operation: unknown;
    abortSignal?: AbortSignal;
  }): Promise<VideoStatus>;

  /** The `response` block for a reply with these headers (none: answered without a request). */
  protected responseOf(headers?: Record<string, string>): ReturnType<typeof responseInfo> {
    return responseInfo(this.modelId, headers, this.connection.now);
  }

  /** What `doStart` returns once the API has accepted the job. */
  protected started(
    operation: StartResult['operation'],
    warnings: Warning[],
    providerMetadata: SharedV4ProviderMetadata,
    headers: Record<string, string>,
  ): StartResult {
    return { operation, warnings, providerMetadata, response: this.responseOf(headers) };
  }
}

/** A finished job's status with its one clip, handed to the engine as a URL. */
export function completedAtUrl(
  url: string,
  providerMetadata: SharedV4ProviderMetadata,
  response: ReturnType<typeof responseInfo>,
  mediaType = 'video/mp4',
): VideoStatus {
  return {
    status: 'completed',
    videos: [{ type: 'url', url, mediaType }],
    warnings: [],
    providerMetadata,
    response,
  };
}
