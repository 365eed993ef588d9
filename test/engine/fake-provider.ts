/**
 * A scripted provider for engine tests: an in-memory API that honours idempotency keys, counts
 * every call, runs each job for a number of polls, and fails on command.
 */
import type { JSONValue } from '@ai-sdk/provider';
import type { ShotrouterError } from '../../src/errors.ts';
import { providerErrors } from '../../src/providers/errors.ts';
import type {
  CompletedStatus,
  Provider,
  ProviderInfo,
  ShotContext,
  VideoCallOptions,
  VideoModel,
  VideoStatus,
} from '../../src/providers/types.ts';
import { IDEMPOTENCY_HEADER } from '../../src/providers/types.ts';

/** What happens to one doStart call. */
export type StartScript =
  | 'ok'
  /** the job is created, then the reply is lost */
  | 'drop-after-create'
  /** the request is lost before the provider sees it */
  | 'drop-before-create'
  | { error: ShotrouterError };

/** What a job does when polled, once its polls are used up. */
export type Finish =
  | 'ok'
  | { error: string; code?: string }
  /** the first download URL has expired; the next status gives a fresh one */
  | 'expired-once';

export interface FakeJob {
  id: string;
  key: string;
  model: string;
  shotId: string;
  options: VideoCallOptions;
  polls: number;
  finish: Finish;
  statusCalls: number;
}

export interface FakeProviderOptions {
  id?: string;
  concurrency?: number;
  requestsPerMinute?: number | null;
  pollIntervalMs?: number;
  /** polls a job stays pending (default 2) */
  polls?: number | ((shotId: string) => number);
  /** the job outcome for a shot (default 'ok') */
  finish?: (shotId: string, model: string, n: number) => Finish;
  /** scripted start outcomes, consumed in order; then 'ok' */
  starts?: StartScript[];
  /** a start outcome per call, overrides `starts` when it returns something */
  onStart?: (call: {
    shotId: string;
    model: string;
    key: string;
    n: number;
  }) => StartScript | undefined;
  /** errors thrown by doStatus, consumed in order */
  statusErrors?: ShotrouterError[];
  reconcile?: 'lookup' | 'unknown';
  costUsd?: (shotId: string, model: string) => number | undefined;
}

export class FakeProvider implements Provider {
  readonly info: ProviderInfo;
  /** every doStart call, in order: the key it carried */
  readonly startCalls: Array<{ key: string; shotId: string; model: string }> = [];
  /** jobs by id; jobs created per key */
  readonly jobs = new Map<string, FakeJob>();
  readonly byKey = new Map<string, FakeJob>();
  readonly statusCallsTotal = { count: 0 };
  /** most operations in flight at once (created and not yet finished) */
  maxInFlight = 0;
  #inFlight = new Set<string>();
  readonly #options: FakeProviderOptions;
  readonly #starts: StartScript[];
  readonly #statusErrors: ShotrouterError[];
  #nextId = 1;

  constructor(options: FakeProviderOptions = {}) {
    this.#options = options;
    this.#starts = [...(options.starts ?? [])];
    this.#statusErrors = [...(options.statusErrors ?? [])];
    const id = options.id ?? 'fake';
    this.info = {
      id,
      concurrency: options.concurrency ?? 4,
      requestsPerMinute: options.requestsPerMinute ?? null,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      apiKeyEnv: 'FAKE_API_KEY',
      free: false,
      reconcileMethod: 'lookup',
      reconcileStart: async ({ idempotencyKey }) => {
        if (options.reconcile === 'unknown') return { status: 'unknown', reason: 'no lookup' };
        const job = this.byKey.get(idempotencyKey);
        return job ? { status: 'started', operation: { id: job.id } } : { status: 'not_started' };
      },
      actualCostUsd: (completed: CompletedStatus) => {
        const meta = completed.providerMetadata?.fake as
          | { shotId?: string; model?: string }
          | undefined;
        return meta?.shotId === undefined
          ? undefined
          : options.costUsd?.(meta.shotId, meta.model ?? '');
      },
    };
  }

  get created(): number {
    return this.jobs.size;
  }

  model(modelId: string): VideoModel {
    return {
      specificationVersion: 'v4',
      provider: this.info.id,
      modelId,
      maxVideosPerCall: 1,
      doStart: (options) => this.#start(modelId, options),
      doStatus: (options) => this.#status(modelId, options.operation),
    };
  }

  async #start(model: string, options: VideoCallOptions) {
    const key = options.headers?.[IDEMPOTENCY_HEADER];
    if (!key) throw new Error('no idempotency key sent');
    const shotId = (options.providerOptions.shotrouter as unknown as ShotContext).shotId;
    this.startCalls.push({ key, shotId, model });
    const n = this.startCalls.length;
    const script =
      this.#options.onStart?.({ shotId, model, key, n }) ?? this.#starts.shift() ?? 'ok';
    if (script === 'drop-before-create') throw providerErrors.connectionDropped(this.info.id);
    if (typeof script === 'object') throw script.error;
    let job = this.byKey.get(key);
    if (!job) {
      const polls = this.#options.polls;
      job = {
        id: `job-${this.#nextId++}`,
        key,
        model,
        shotId,
        options,
        polls: typeof polls === 'function' ? polls(shotId) : (polls ?? 2),
        finish: this.#options.finish?.(shotId, model, n) ?? 'ok',
        statusCalls: 0,
      };
      this.jobs.set(job.id, job);
      this.byKey.set(key, job);
      this.#inFlight.add(job.id);
      this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight.size);
    }
    if (script === 'drop-after-create') throw providerErrors.connectionDropped(this.info.id);
    return {
      operation: { id: job.id } as JSONValue,
      warnings: [],
      response: { timestamp: new Date(0), modelId: model, headers: undefined },
    };
  }

  async #status(model: string, operation: JSONValue): Promise<VideoStatus> {
    this.statusCallsTotal.count++;
    const error = this.#statusErrors.shift();
    if (error) throw error;
    const job = this.jobs.get((operation as { id: string }).id);
    if (!job) throw providerErrors.invalidRequest(this.info.id, 'no such job');
    job.statusCalls++;
    const response = { timestamp: new Date(0), modelId: model, headers: undefined };
    if (job.statusCalls <= job.polls) return { status: 'pending', response };
    this.#inFlight.delete(job.id);
    if (typeof job.finish === 'object') {
      return {
        status: 'error',
        error: job.finish.error,
        response,
        ...(job.finish.code ? { providerMetadata: { shotrouter: { code: job.finish.code } } } : {}),
      };
    }
    const expired = job.finish === 'expired-once' && job.statusCalls === job.polls + 1;
    const url = expired
      ? 'https://fake.invalid/expired.mp4'
      : `data:video/mp4;base64,${Buffer.from(`clip ${job.key}`).toString('base64')}`;
    return {
      status: 'completed',
      videos: [{ type: 'url', url, mediaType: 'video/mp4' }],
      warnings: [],
      providerMetadata: { fake: { shotId: job.shotId, model: job.model } },
      response,
    };
  }
}
