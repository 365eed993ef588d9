/**
 * What every part of a running engine shares: the store, time, limits, the budget, the event
 * stream, and the live mirror of each job row. Writes go through `commit`, which stores the
 * state change and its events in one transaction and only then tells listeners.
 */
import { ShotrouterError } from '../errors.ts';
import type { ProbeInfo } from '../media/probe.ts';
import type { ClipExpectation } from '../media/verify.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { ProviderInfo } from '../providers/types.ts';
import type { Check, TakeExpectations } from '../qc/index.ts';
import type { MediaFolder } from '../store/media-folder.ts';
import type { JobState } from '../store/schema.ts';
import type { JobRow, Store } from '../store/store.ts';
import type { RetryPolicy } from './backoff.ts';
import type { BudgetGate } from './budget.ts';
import type { Clock } from './clock.ts';
import type { EngineEvent, EngineEvents, JobEvent } from './events.ts';
import type { JobSpec } from './job-spec.ts';
import { RateLimiter, Semaphore } from './limits.ts';
import { GenerationPace } from './pace.ts';
import { qcRetakes, type RetakePolicy } from './retake-policy.ts';

/** What a clip must be: the media layer's expectation, which verifies it. */
export type ExpectedClip = ClipExpectation;

export interface ClipFacts {
  duration: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  /** the probe the check made, when it made one (the take checks reuse it: one decode pass) */
  probe?: ProbeInfo;
}

/** The media row of a kept clip, with the facts its check found. */
export function mediaRow(
  clip: { sha256: string; path: string; bytes: number; mediaType: string },
  facts: ClipFacts,
  createdAt: string,
) {
  return {
    sha256: clip.sha256,
    path: clip.path,
    bytes: clip.bytes,
    media_type: clip.mediaType,
    duration: facts.duration,
    width: facts.width,
    height: facts.height,
    fps: facts.fps,
    audio: facts.audio ? 1 : 0,
    created_at: createdAt,
  };
}

/** The media operations the engine needs (ffmpeg by default; fakes in tests and benchmarks). */
export interface ClipTools {
  /** checks a clip against what was asked (throws `verification_failed`); returns its facts */
  inspect(file: string, expected: ExpectedClip, signal?: AbortSignal): Promise<ClipFacts>;
  /** joins clips, in order, into `output` */
  join(inputs: string[], output: string, signal?: AbortSignal): Promise<void>;
  /**
   * The take checks (QC) of a clip that passed `inspect`, given its probe; absent: no take
   * checks (fakes in tests). Throws only when the clip cannot be decoded.
   */
  check?(
    file: string,
    expect: TakeExpectations,
    probe: ProbeInfo | undefined,
    signal?: AbortSignal,
  ): Promise<Check[]>;
  /** writes the frame shown at `atSeconds` as a PNG (default: ffmpeg, media/frame.ts) */
  frame?(input: string, atSeconds: number, output: string, signal?: AbortSignal): Promise<void>;
}

/**
 * The seam for a judge that looks at a take after its checks (`policy.qc.judge`: a vision
 * model). Called only when the job's policy names a judge; its checks join the take's verdict.
 * The judge itself is built elsewhere; the engine only calls it.
 */
export type TakeJudge = (take: {
  /** the clip, an absolute path */
  file: string;
  spec: JobSpec;
  /** the judge model's catalog id (`policy.qc.judge`) */
  model: string;
  /** the checks made so far */
  checks: Check[];
  signal: AbortSignal;
}) => Promise<Check[]>;

/** A job as the engine tracks it: its spec and an up-to-date copy of its row. */
export interface LiveJob {
  spec: JobSpec;
  row: JobRow;
}

type Unstamped<E> = E extends EngineEvent ? Omit<E, 'at' | 'runId'> : never;
export type EventDraft = Unstamped<EngineEvent>;

export interface ProviderLimits {
  slots: Semaphore;
  rate: RateLimiter | null;
}

export class EngineContext {
  readonly store: Store;
  readonly runId: string;
  readonly registry: ProviderRegistry;
  readonly media: MediaFolder;
  readonly clock: Clock;
  readonly random: () => number;
  readonly signal: AbortSignal;
  readonly retry: RetryPolicy;
  readonly tools: ClipTools;
  readonly fetch: typeof fetch | undefined;
  readonly events: EngineEvents;
  readonly budget: BudgetGate;
  /** what may be bought after a paid take failed its checks */
  readonly retakePolicy: RetakePolicy;
  /** judges each take after its checks when the job's `policy.qc.judge` names a model */
  readonly judge: TakeJudge | undefined;
  /** downloads and checks at once, across providers (they use local disk and CPU) */
  readonly downloads: Semaphore;
  /** how long generations take, for their first poll (shared by the jobs of a worker) */
  readonly pace: GenerationPace;
  /** providers that refused our credentials or credit this run: no more starts there */
  readonly disabled = new Map<string, string>();
  /** the local fault that halted the run (engine/local-fault.ts), once one did */
  fault: ShotrouterError | undefined;
  readonly #halt = new AbortController();
  readonly #limits = new Map<string, ProviderLimits>();

  constructor(init: {
    store: Store;
    runId: string;
    registry: ProviderRegistry;
    media: MediaFolder;
    clock: Clock;
    random: () => number;
    signal: AbortSignal;
    retry: RetryPolicy;
    tools: ClipTools;
    fetch: typeof fetch | undefined;
    events: EngineEvents;
    budget: BudgetGate;
    downloads: number;
    retakePolicy?: RetakePolicy;
    judge?: TakeJudge;
    pace?: GenerationPace;
  }) {
    this.store = init.store;
    this.runId = init.runId;
    this.registry = init.registry;
    this.media = init.media;
    this.clock = init.clock;
    this.random = init.random;
    // a local fault stops the run as an abort would: no new starts, in-flight work left stored
    this.signal = AbortSignal.any([init.signal, this.#halt.signal]);
    this.retry = init.retry;
    this.tools = init.tools;
    this.fetch = init.fetch;
    this.events = init.events;
    this.budget = init.budget;
    this.retakePolicy = init.retakePolicy ?? qcRetakes;
    this.judge = init.judge;
    this.downloads = new Semaphore(init.downloads);
    this.pace = init.pace ?? new GenerationPace();
  }

  /** Stops the run for a fault of this machine; the first fault is the one reported. */
  halt(fault: ShotrouterError): void {
    this.fault ??= fault;
    this.#halt.abort(fault);
  }

  limits(provider: ProviderInfo): ProviderLimits {
    let limits = this.#limits.get(provider.id);
    if (!limits) {
      limits = {
        slots: new Semaphore(provider.concurrency),
        rate: provider.requestsPerMinute
          ? new RateLimiter(provider.requestsPerMinute, this.clock)
          : null,
      };
      this.#limits.set(provider.id, limits);
    }
    return limits;
  }

  at(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Stores `work` and the events in one transaction, then hands the events to listeners. */
  async commit(work: (tx: Store) => Promise<void>, drafts: EventDraft[]): Promise<void> {
    const at = this.at();
    const events = drafts.map((draft) => ({ ...draft, at, runId: this.runId }) as EngineEvent);
    await this.store.transaction(async (tx) => {
      await work(tx);
      for (const event of events) {
        const { type, at: when, runId, ...data } = event;
        const ids = event as { jobId?: string };
        await tx.appendEvent({ run_id: runId, job_id: ids.jobId ?? null, type, data, at: when });
      }
    });
    for (const event of events) this.events.emit(event);
  }

  jobEvent(job: LiveJob, state: JobState, reason?: string): Omit<JobEvent, 'at' | 'runId'> {
    return {
      type: 'job',
      jobId: job.row.id,
      key: job.spec.key,
      shotIds: job.spec.shotIds,
      take: job.spec.take,
      state,
      model: job.row.model,
      provider: job.row.provider,
      attempts: job.row.attempts,
      ...(reason === undefined ? {} : { reason }),
    };
  }

  /** Moves a job to `state`, with a patch of other columns, and tells listeners. */
  async setJob(
    job: LiveJob,
    state: JobState,
    patch: Partial<Omit<JobRow, 'id' | 'run_id' | 'state'>> = {},
    reason?: string,
    extra: (tx: Store) => Promise<void> = async () => {},
  ): Promise<void> {
    await this.commit(
      async (tx) => {
        await tx.updateJob(job.row.id, { ...patch, state });
        await extra(tx);
      },
      [this.jobEvent({ ...job, row: { ...job.row, ...patch, state } }, state, reason)],
    );
    Object.assign(job.row, patch, { state });
  }

  spendEvent(): EventDraft {
    const { budgetMicro, reservedMicro, spentMicro } = this.budget.snapshot();
    return {
      type: 'spend',
      reservedUsd: reservedMicro / 1e6,
      spentUsd: spentMicro / 1e6,
      budgetUsd: budgetMicro === null ? null : budgetMicro / 1e6,
    };
  }
}

export function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (ShotrouterError.is(error) ? error.code === 'aborted' : true);
}

/** A retryable error that ran out of retries becomes final, so the job moves to its next route. */
export function finalError(error: ShotrouterError, tries: number): ShotrouterError {
  if (!error.retryable) return error;
  return new ShotrouterError(error.code, `${error.message} (gave up after ${tries} tries)`, {
    retryable: false,
    cause: error,
  });
}
