/**
 * The job store: every provider's jobs, their idempotency keys, their queue and their counts.
 *
 * Time is simulated lazily: a job's life is a few timestamps (ready, started, finished), and
 * `advance` replays the events up to the clock's "now" in order whenever somebody looks. So an
 * injected clock moves jobs without any timer, a per-provider concurrency limit is exact
 * (a queued job starts at the very moment a slot frees), and `max_in_flight` is exact too.
 */
import type { ClipDefect, FaultKind, ProviderName, ProviderStats } from './types.ts';
import { PROVIDER_NAMES } from './types.ts';

export type JobPhase = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** What the output clip must be, as the request asked for it. */
export interface RenderSpec {
  seconds: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  model: string;
  prompt: string;
  /** a clip-defect fault drawn for the job: the clip is delivered with this defect */
  defect?: ClipDefect;
  /** the image the request gave as the first frame (bytes at hand): the clip opens on it */
  firstFrame?: Buffer;
  /** an image request: the output is one PNG of width×height (seconds, fps and audio unused) */
  still?: boolean;
}

export interface Job<D = unknown> {
  readonly id: string;
  readonly provider: ProviderName;
  readonly model: string;
  readonly createdAt: number;
  readonly key: string | undefined;
  readonly render: RenderSpec;
  /** outputs the job returns (Veo's sampleCount); all of them are the same clip */
  readonly samples: number;
  /** what the job ends in once it has run: a clip, or a moderation refusal */
  readonly fate: 'success' | 'refuse';
  /** the `expired` fault: the first download URL (or download) is already expired */
  readonly expiredFault: boolean;
  /** the `corrupt` fault: the finished job's download is not a readable video (billed all the same) */
  readonly corruptFault: boolean;
  /** provider-specific request echo and bookkeeping */
  readonly data: D;
  /** the create request's body as parsed (see SandboxRequest.recorded); undefined: not parsed */
  readonly request: Record<string, unknown> | undefined;
  phase: JobPhase;
  /** the job had to wait for a free slot (Runway shows THROTTLED meanwhile) */
  throttled: boolean;
  /** earliest start: creation plus the service's dispatch delay */
  readonly readyAt: number;
  /** how long it runs once started */
  readonly runMs: number;
  startedAt: number | undefined;
  endedAt: number | undefined;
  /** why a failed job failed when not by refusal (e.g. the render broke) */
  failure: string | undefined;
  /** set once the expired URL of the `expired` fault has been handed out or used */
  expiredSpent: boolean;
}

export interface NewJob<D> {
  id: string;
  model: string;
  key: string | undefined;
  render: RenderSpec;
  samples?: number;
  fate: 'success' | 'refuse';
  expiredFault: boolean;
  corruptFault?: boolean;
  latencyMs: number;
  data: D;
  request?: Record<string, unknown>;
}

export type PhaseListener = (job: Job, from: JobPhase, at: number) => void;

interface Lane {
  jobs: Map<string, Job>;
  keys: Map<string, Job>;
  waiting: Job[];
  running: Set<Job>;
  /** time of the last replayed event: events never go back in time */
  cursor: number;
  stats: ProviderStats;
}

/** Share of a job's latency spent in the service's queue before it runs, even with free slots. */
const DISPATCH_SHARE = 0.15;

function emptyStats(): ProviderStats {
  return {
    created: 0,
    completed: 0,
    failed: 0,
    idempotency_keys: 0,
    duplicate_keys: 0,
    max_in_flight: 0,
    canceled: 0,
    in_flight: 0,
    queued: 0,
    billable_seconds: 0,
    faults: {},
  };
}

export class JobStore {
  private readonly now: () => number;
  private readonly limits: Record<ProviderName, number>;
  private readonly listeners = new Set<PhaseListener>();
  private lanes: Record<ProviderName, Lane>;
  /** listeners may look at jobs while a replay runs; they see it as it stands, without a nested replay */
  private replaying = false;

  constructor(now: () => number, limits: Record<ProviderName, number>) {
    this.now = now;
    this.limits = limits;
    this.lanes = this.freshLanes();
  }

  private freshLanes(): Record<ProviderName, Lane> {
    const lanes = {} as Record<ProviderName, Lane>;
    for (const name of PROVIDER_NAMES) {
      lanes[name] = {
        jobs: new Map(),
        keys: new Map(),
        waiting: [],
        running: new Set(),
        cursor: Number.NEGATIVE_INFINITY,
        stats: emptyStats(),
      };
    }
    return lanes;
  }

  reset(): void {
    this.lanes = this.freshLanes();
  }

  onPhase(listener: PhaseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  add<D>(provider: ProviderName, spec: NewJob<D>): Job<D> {
    const lane = this.lanes[provider];
    const createdAt = this.now();
    const dispatchMs = Math.round(spec.latencyMs * DISPATCH_SHARE);
    const job: Job<D> = {
      id: spec.id,
      provider,
      model: spec.model,
      createdAt,
      key: spec.key,
      render: spec.render,
      samples: spec.samples ?? 1,
      fate: spec.fate,
      expiredFault: spec.expiredFault,
      corruptFault: spec.corruptFault ?? false,
      data: spec.data,
      request: spec.request,
      phase: 'queued',
      throttled: false,
      readyAt: createdAt + dispatchMs,
      runMs: Math.max(1, spec.latencyMs - dispatchMs),
      startedAt: undefined,
      endedAt: undefined,
      failure: undefined,
      expiredSpent: false,
    };
    this.advance(provider);
    lane.jobs.set(job.id, job);
    lane.waiting.push(job);
    lane.stats.created += 1;
    if (spec.key !== undefined) {
      lane.keys.set(spec.key, job);
      lane.stats.idempotency_keys += 1;
    }
    this.advance(provider);
    return job;
  }

  get<D = unknown>(provider: ProviderName, id: string): Job<D> | undefined {
    this.advance(provider);
    return this.lanes[provider].jobs.get(id) as Job<D> | undefined;
  }

  /** The job created with this idempotency key, counting the request as a duplicate. */
  claimDuplicate<D = unknown>(provider: ProviderName, key: string): Job<D> | undefined {
    this.advance(provider);
    const lane = this.lanes[provider];
    const job = lane.keys.get(key);
    if (job !== undefined) lane.stats.duplicate_keys += 1;
    return job as Job<D> | undefined;
  }

  /** Every job of a provider, oldest first. */
  list(provider: ProviderName): Job[] {
    this.advance(provider);
    return [...this.lanes[provider].jobs.values()];
  }

  /** Jobs waiting for a slot, in the order they will start. */
  waiting(provider: ProviderName): readonly Job[] {
    this.advance(provider);
    return this.lanes[provider].waiting;
  }

  /** Cancel a queued or running job; false when it had already ended. */
  cancel(job: Job): boolean {
    this.advance(job.provider);
    if (job.phase !== 'queued' && job.phase !== 'running') return false;
    const lane = this.lanes[job.provider];
    const at = Math.max(this.now(), lane.cursor);
    lane.waiting = lane.waiting.filter((j) => j !== job);
    lane.running.delete(job);
    this.settle(lane, job, 'canceled', at);
    this.advance(job.provider);
    return true;
  }

  /** Remove a finished job (DELETE on several APIs). */
  forget(job: Job): void {
    const lane = this.lanes[job.provider];
    lane.jobs.delete(job.id);
  }

  /** A job that counted as completed turned out to have no clip (the render failed). */
  failAfterTheFact(job: Job, message: string): void {
    if (job.phase !== 'succeeded') return;
    const stats = this.lanes[job.provider].stats;
    stats.completed -= 1;
    stats.billable_seconds -= job.render.seconds * job.samples;
    stats.failed += 1;
    job.phase = 'failed';
    job.failure = message;
  }

  countFault(provider: ProviderName, kind: FaultKind): void {
    const faults = this.lanes[provider].stats.faults;
    faults[kind] = (faults[kind] ?? 0) + 1;
  }

  stats(): Record<ProviderName, ProviderStats> {
    const out = {} as Record<ProviderName, ProviderStats>;
    for (const name of PROVIDER_NAMES) {
      this.advance(name);
      const lane = this.lanes[name];
      out[name] = {
        ...lane.stats,
        in_flight: lane.running.size,
        queued: lane.waiting.length,
        faults: { ...lane.stats.faults },
      };
    }
    return out;
  }

  /** Replay every start and finish up to now, in time order. */
  advance(provider: ProviderName): void {
    if (this.replaying) return;
    this.replaying = true;
    try {
      this.replay(provider);
    } finally {
      this.replaying = false;
    }
  }

  private replay(provider: ProviderName): void {
    const lane = this.lanes[provider];
    const limit = this.limits[provider];
    const now = this.now();
    for (;;) {
      let nextFinish = Number.POSITIVE_INFINITY;
      let finishing: Job | undefined;
      for (const job of lane.running) {
        const end = (job.startedAt ?? 0) + job.runMs;
        if (end < nextFinish) {
          nextFinish = end;
          finishing = job;
        }
      }
      const head = lane.waiting[0];
      const nextStart =
        head !== undefined && lane.running.size < limit
          ? Math.max(head.readyAt, lane.cursor)
          : Number.POSITIVE_INFINITY;
      const at = Math.min(nextFinish, nextStart);
      if (at > now || at === Number.POSITIVE_INFINITY) break;
      lane.cursor = at;
      if (finishing !== undefined && nextFinish <= nextStart) {
        lane.running.delete(finishing);
        this.settle(lane, finishing, finishing.fate === 'success' ? 'succeeded' : 'failed', at);
      } else if (head !== undefined) {
        lane.waiting.shift();
        // it waited beyond its dispatch delay because every slot was taken
        head.throttled = at > head.readyAt;
        head.startedAt = at;
        lane.running.add(head);
        lane.stats.max_in_flight = Math.max(lane.stats.max_in_flight, lane.running.size);
        this.transition(head, 'running', at);
      }
    }
    // a job that cannot start yet because every slot is taken is throttled
    if (lane.running.size >= limit) {
      for (const job of lane.waiting) if (job.readyAt <= now) job.throttled = true;
    }
  }

  private settle(lane: Lane, job: Job, phase: JobPhase, at: number): void {
    job.endedAt = at;
    if (phase === 'succeeded') {
      lane.stats.completed += 1;
      lane.stats.billable_seconds += job.render.seconds * job.samples;
    } else if (phase === 'failed') {
      lane.stats.failed += 1;
    } else if (phase === 'canceled') {
      lane.stats.canceled += 1;
    }
    this.transition(job, phase, at);
  }

  private transition(job: Job, phase: JobPhase, at: number): void {
    const from = job.phase;
    job.phase = phase;
    for (const listener of this.listeners) listener(job, from, at);
  }
}

/** How far a running job is, 0..1. */
export function progressOf(job: Job, now: number): number {
  if (job.phase === 'succeeded') return 1;
  if (job.phase !== 'running' || job.startedAt === undefined) return 0;
  return Math.min(1, Math.max(0, (now - job.startedAt) / job.runMs));
}
