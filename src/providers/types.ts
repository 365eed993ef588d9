/**
 * The provider contract. Every provider is an AI SDK video model
 * (`Experimental_VideoModelV4` from `@ai-sdk/provider`): `doStart` sends the paid request and
 * returns a small JSON operation handle, `doStatus` polls that handle. What the engine needs
 * beyond the AI SDK interface (how many jobs at once, how many requests a minute, how to find
 * out whether a start whose reply was lost created a job, what a clip really cost) is in
 * `ProviderInfo`, one per provider.
 *
 * Conventions every adapter follows:
 * - the engine sends one idempotency key per logical start in the `idempotency-key` header of
 *   `doStart`; an adapter forwards it to APIs that take one, and keeps it otherwise (e.g. as the
 *   job's client reference) so that `reconcileStart` can find the job later;
 * - failures are thrown as `ShotrouterError`s with the codes of ./errors.ts (or as AI SDK
 *   `APICallError`s, which `toProviderError` translates); never as bare strings;
 * - a generation that the provider reports as failed is `{ status: 'error', error }` from
 *   `doStatus`, with the error code in `providerMetadata.shotrouter.code` when known;
 * - secrets never appear in messages, handles or warnings.
 */
import type {
  Experimental_VideoModelV4,
  Experimental_VideoModelV4CallOptions,
  Experimental_VideoModelV4OperationStatusResult,
  JSONValue,
} from '@ai-sdk/provider';

export type VideoModel = Experimental_VideoModelV4;
export type VideoCallOptions = Experimental_VideoModelV4CallOptions;
export type VideoStatus = Experimental_VideoModelV4OperationStatusResult;
export type CompletedStatus = Extract<VideoStatus, { status: 'completed' }>;

/**
 * Beside the AI SDK interface, an adapter whose provider pushes news of its operations (ComfyUI's
 * websocket) lets the engine watch one: `onChange` is called when the operation may have ended,
 * and the engine polls at once instead of at the end of its wait. A push only hastens a poll (the
 * poll's answer decides), and a push that never comes leaves the polling as it was. Returns the
 * function that stops watching; never throws (a bad handle is for `doStatus` to report).
 */
export interface WatchesStatus {
  watchStatus(operation: unknown, onChange: () => void): () => void;
}

export function watchesStatus(model: VideoModel): model is VideoModel & WatchesStatus {
  return typeof (model as Partial<WatchesStatus>).watchStatus === 'function';
}

/** The header that carries the idempotency key of a logical start. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * Context the engine passes to every model in `providerOptions.shotrouter` (adapters of real
 * APIs ignore it; the preview provider draws it on the clip).
 */
export interface ShotContext {
  shotId: string;
  /** 0-based take index */
  take: number;
  /** the catalog model id the clip is made for */
  model: string;
}

/**
 * What became of a start whose reply never arrived (the process died, or the connection dropped
 * between request and reply).
 * - `started`: the provider has the job; poll `operation` (never start again).
 * - `not_started`: the provider certainly has no job for this key; the same start may be sent
 *   again with the same key.
 * - `unknown`: there is no way to tell; the engine gives up on the attempt rather than risk
 *   paying twice, and the shot moves on to its next route.
 */
export type ReconcileResult =
  | { status: 'started'; operation: JSONValue }
  | { status: 'not_started' }
  | { status: 'unknown'; reason: string };

export interface ReconcileInput {
  model: VideoModel;
  /** the key sent with the lost start */
  idempotencyKey: string;
  /** the start's call options, rebuilt exactly as they were sent */
  request: VideoCallOptions;
  /** when the start was sent (ISO-8601), to narrow a search of recent jobs */
  sentAt: string;
  abortSignal?: AbortSignal;
}

/**
 * How a provider's lost starts are reconciled, in words for logs and docs:
 * - `idempotent-resend`: the API honours idempotency keys; sending the start again with the same
 *   key returns the existing job and creates nothing;
 * - `lookup`: the adapter searches the provider's jobs by key, client reference or recent list;
 * - `deterministic`: the operation is a pure function of the request (local renderers);
 * - `none`: no way to tell; lost starts end as `unknown`.
 */
export type ReconcileMethod = 'idempotent-resend' | 'lookup' | 'deterministic' | 'none';

export interface ProviderInfo {
  /**
   * Provider id: a catalog provider (`kling`, `fal`, …) or `preview`. Limits are counted per id,
   * so in preview mode every shot shares the local renderer's limits.
   */
  id: string;
  /** operations running at once (started and not yet finished at the provider) */
  concurrency: number;
  /** requests per minute, starts and polls together; `null`: no limit */
  requestsPerMinute: number | null;
  /** how often to poll a running operation, in ms */
  pollIntervalMs: number;
  /** environment variable holding the API key (named in authentication errors), if any */
  apiKeyEnv?: string;
  /** spends no money: nothing is reserved or asked for */
  free: boolean;
  reconcileMethod: ReconcileMethod;
  /**
   * Finds out what became of a lost start (see ReconcileResult). For `idempotent-resend` the
   * adapter resends through `model.doStart` with the same key and returns `started`.
   */
  reconcileStart(input: ReconcileInput): Promise<ReconcileResult>;
  /**
   * What a completed generation really cost, in USD, when the provider says so (e.g. in
   * `providerMetadata`); `undefined`: the plan's list-price estimate is used.
   */
  actualCostUsd?(completed: CompletedStatus): number | undefined;
}

/** A provider: its engine-facing facts and a factory for its models. */
export interface Provider {
  info: ProviderInfo;
  /** the model for a provider model id (the catalog route's `model`) */
  model(modelId: string): VideoModel;
  /** the image model for a provider model id (an image card's route), where it has one */
  image?(modelId: string): ImageModel;
  /**
   * Asks the provider's server something that costs nothing (ComfyUI: its system stats) and says
   * what answered. A worker that serves a local provider calls it before it takes a job, so the
   * first job starts on a warm connection like the others, and a server that does not answer is
   * in the log before any job waits on it.
   */
  warmUp?(signal: AbortSignal): Promise<string>;
}

// ---- image models: the stills of a storyboard's `images:` ----

/** One still asked of an image model. */
export interface ImageCall {
  prompt: string;
  width: number;
  height: number;
  /** one key per logical start, kept by the engine before the start is sent */
  idempotencyKey: string;
  /** what the still is, for stand-ins that draw it (real adapters ignore it) */
  label?: { name: string; model: string };
  abortSignal?: AbortSignal;
}

/** Where a still is: a URL to download, or the bytes at hand. */
export type ImageOutput = { url: string } | { data: Uint8Array; mediaType: string };

export type ImageStatus =
  | { status: 'pending' }
  | {
      status: 'completed';
      image: ImageOutput;
      /** what it cost, when the provider says so; absent: the list price */
      costUsd?: number;
    }
  /** the provider ended the request without an image (`code`: one of providers/errors.ts) */
  | { status: 'error'; code: string; message: string };

/**
 * An image model as the engine drives it: `start` sends the paid request and returns a small
 * JSON handle that is stored before anything else happens; `status` polls that handle. Errors
 * are thrown as `ShotrouterError`s with the codes of ./errors.ts.
 */
export interface ImageModel {
  readonly provider: string;
  readonly modelId: string;
  start(call: ImageCall): Promise<{ operation: JSONValue }>;
  status(operation: JSONValue, abortSignal?: AbortSignal): Promise<ImageStatus>;
}
