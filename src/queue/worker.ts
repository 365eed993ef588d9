/**
 * `shotrouter worker`, as a library: a process that takes generation jobs from the queue and
 * makes their clips with the engine's own code, on any number of machines at once.
 *
 * Per job: take its lease (a job acts through one worker at a time), build an engine context
 * whose provider limits and budget are shared through the database, and produce the job from
 * where its row stands: kept segments are reused, an attempt in flight is polled through its
 * stored operation handle (never started again), the rest is started. The job ends `done` or
 * `failed` in the store; the coordinator sees it there.
 *
 * Losing a worker loses nothing: its heartbeat stops, its leases lapse, pg-boss hands its queue
 * jobs to the others, and they resume from the store. A worker told to stop (SIGTERM) takes no
 * more jobs, lets the ones in hand finish for a grace period, then hands the rest back.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { PgBoss } from 'pg-boss';
import { LOCAL_PROVIDERS } from '../catalog/schema.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../engine/backoff.ts';
import { type Clock, systemClock } from '../engine/clock.ts';
import {
  type ClipTools,
  EngineContext,
  type LiveJob,
  type ProviderLimits,
} from '../engine/context.ts';
import { EngineEvents } from '../engine/events.ts';
import { RateLimiter, Semaphore } from '../engine/limits.ts';
import { GenerationPace } from '../engine/pace.ts';
import { produceJob } from '../engine/run-engine.ts';
import { ShotrouterError } from '../errors.ts';
import { PREVIEW_PROVIDER } from '../providers/preview/index.ts';
import { PROVIDERS_EXECUTOR, type ProviderRegistry } from '../providers/registry.ts';
import type { ProviderInfo } from '../providers/types.ts';
import { MediaFolder } from '../store/media-folder.ts';
import { openStore } from '../store/store.ts';
import { ClaimAhead } from './claim-ahead.ts';
import { announceJobEnd } from './job-ends.ts';
import {
  type Db,
  heartbeat,
  registerWorker,
  releaseJobLease,
  retireWorker,
  takeJobLease,
} from './leases.ts';
import { errorText, type Logger, silentLogger } from './log.ts';
import {
  DEFAULT_HEARTBEAT_SECONDS,
  ensureQueue,
  HOSTED_QUEUE,
  type JobMessage,
  localQueue,
  startBoss,
} from './pg-queue.ts';
import { SharedBudget } from './shared-budget.ts';
import { SharedPace, SharedSlots } from './shared-limits.ts';
import { fromWire } from './wire.ts';
import { workerConforms } from './worker-conform.ts';

export interface WorkerOptions {
  /** the PostgreSQL URL every worker and coordinator shares */
  url: string;
  /** the shared folder (a network mount) where clips are kept by content */
  mediaRoot: string;
  /** who makes the clips of a run, by the run's executor (`preview`, `providers`) */
  registryFor(executor: string): ProviderRegistry;
  /** how clips are checked and joined (default: ffmpeg, given by the caller) */
  tools: ClipTools;
  /** local providers this machine serves (e.g. `comfyui`): their jobs come only here */
  serves?: string[];
  /** take jobs of hosted providers too (default true; a GPU box may serve its GPU only) */
  hosted?: boolean;
  /** hosted jobs in hand at once (default 8) */
  concurrency?: number;
  /** jobs of each served local provider in hand at once (default: the provider's concurrency, 1) */
  localJobs?: number;
  /**
   * take a served local provider's next job as soon as its GPU is free, while the previous one
   * is downloaded and kept (default true; see claim-ahead.ts)
   */
  claimAhead?: boolean;
  /** how long a silent worker keeps its jobs and slots, ms (default 30 s; pg-boss gets the same) */
  leaseMs?: number;
  /** how often pg-boss looks for jobs of silent workers, s (default 10) */
  superviseSeconds?: number;
  /** how often an idle worker asks for jobs, s (default 1) */
  pollSeconds?: number;
  /** how often a job waiting for a provider slot or for money looks again, ms (default 500) */
  waitPollMs?: number;
  /** the store's schema and pg-boss's (tests isolate themselves with these) */
  schema?: string;
  bossSchema?: string;
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
  /** downloads and checks at once on this machine (default 4) */
  downloads?: number;
  log?: Logger;
  /** default: host-pid-random */
  id?: string;
}

export interface WorkerHandle {
  id: string;
  /** jobs in hand now */
  readonly busy: number;
  /**
   * Takes no more jobs; waits up to `graceMs` (default 0) for the jobs in hand, then hands the
   * rest back (they resume elsewhere from their stored state) and leaves.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

const FINAL = new Set(['done', 'failed', 'skipped', 'superseded']);

/** The engine's context for one job on a worker: shared limits and budget, worker-wide downloads. */
class WorkerContext extends EngineContext {
  override readonly downloads: Semaphore;
  /** providers that refused this worker's credentials, for all of the run's jobs it makes */
  override readonly disabled: Map<string, string>;
  readonly #limits: (provider: ProviderInfo) => ProviderLimits;

  constructor(
    init: ConstructorParameters<typeof EngineContext>[0],
    downloads: Semaphore,
    limits: (provider: ProviderInfo) => ProviderLimits,
    disabled: Map<string, string>,
  ) {
    super(init);
    this.downloads = downloads;
    this.#limits = limits;
    this.disabled = disabled;
  }

  override limits(provider: ProviderInfo): ProviderLimits {
    return this.#limits(provider);
  }
}

/** A job to pass to the queue of a local provider that this worker does not serve. */
class HandOver extends ShotrouterError {
  readonly provider: string;
  constructor(provider: string) {
    super('aborted', `the next route runs on ${provider}, which this machine does not serve`);
    this.provider = provider;
  }
}

export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const leaseMs = options.leaseMs ?? DEFAULT_HEARTBEAT_SECONDS * 1000;
  const clock = options.clock ?? systemClock;
  const waitPollMs = options.waitPollMs ?? 500;
  const serves = new Set(options.serves ?? []);
  for (const provider of serves) {
    if (!LOCAL_PROVIDERS.has(provider as never)) {
      throw new ShotrouterError(
        'usage',
        `--serve takes local providers (${[...LOCAL_PROVIDERS].join(', ')}), not '${provider}'`,
      );
    }
  }
  const hosted = options.hosted ?? true;
  if (!hosted && serves.size === 0) {
    throw new ShotrouterError(
      'usage',
      'a worker that takes no hosted jobs must serve a local provider',
    );
  }
  const log = (options.log ?? silentLogger).with({ worker: id });
  const store = await openStore({
    url: options.url,
    ...(options.schema ? { schema: options.schema } : {}),
  });
  const db = store.db as Db;
  const concurrency = options.concurrency ?? 8;
  await registerWorker(db, { id, serves: [...serves], concurrency }, store.now());

  const media = new MediaFolder(options.mediaRoot);
  const conformLanded = workerConforms(store, options.mediaRoot);
  const downloads = new Semaphore(options.downloads ?? 4);
  /** how long this machine's generations take, learnt across its jobs (for their first poll) */
  const pace = new GenerationPace();
  /** local providers' limits are this machine's own (its GPU), shared by its jobs */
  const localLimits = new Map<string, ProviderLimits>();
  const inHand = new Map<string, AbortController>();
  /** per run: providers whose key was refused here are not tried again by its other jobs */
  const disabledByRun = new Map<string, Map<string, string>>();
  let state: 'running' | 'draining' = 'running';
  /** per served local provider, when claim-ahead is on */
  const ahead = new Map<string, ClaimAhead>();
  const draining = new AbortController();

  const limitsFor = (jobId: string, signal: AbortSignal) => {
    const cache = new Map<string, ProviderLimits>();
    return (provider: ProviderInfo): ProviderLimits => {
      if (LOCAL_PROVIDERS.has(provider.id as never)) {
        let limits = localLimits.get(provider.id);
        if (!limits) {
          limits = {
            slots:
              ahead.get(provider.id)?.slots(provider.concurrency) ??
              new Semaphore(provider.concurrency),
            rate: provider.requestsPerMinute
              ? new RateLimiter(provider.requestsPerMinute, clock)
              : null,
          };
          localLimits.set(provider.id, limits);
        }
        return limits;
      }
      let limits = cache.get(provider.id);
      if (!limits) {
        limits = {
          slots: new SharedSlots({
            db,
            provider: provider.id,
            capacity: provider.concurrency,
            owner: { jobId, workerId: id, signal },
            leaseMs,
            clock,
            pollMs: waitPollMs,
            onReleaseError: (error) =>
              log.log('warn', 'a provider slot was not released', { error: errorText(error) }),
          }),
          rate: provider.requestsPerMinute
            ? new SharedPace(db, provider.id, provider.requestsPerMinute, clock)
            : null,
        };
        cache.set(provider.id, limits);
      }
      return limits;
    };
  };

  const disabledFor = (runId: string): Map<string, string> => {
    let disabled = disabledByRun.get(runId);
    if (!disabled) {
      disabled = new Map();
      disabledByRun.set(runId, disabled);
    }
    return disabled;
  };

  async function handle(boss: PgBoss, message: JobMessage, claim: AbortSignal): Promise<string> {
    const jobLog = log.with({ run_id: message.runId, job_id: message.jobId, shot: message.key });
    if (!(await takeJobLease(db, message.jobId, id, leaseMs))) {
      const held = await store.job(message.jobId);
      if (!held || FINAL.has(held.state)) return 'nothing to do';
      // The lease holder still looks alive. pg-boss may hand a dead worker's job over before our
      // lease on it lapses (both wait about one heartbeat), so completing the message here could
      // strand the job: hand it back, and pg-boss offers it again after its retry back-off.
      jobLog.log('info', 'another worker holds this job; asking the queue to offer it again later');
      throw new ShotrouterError('server_error', 'job lease held by another worker', {
        retryable: true,
      });
    }
    const controller = new AbortController();
    inHand.set(message.jobId, controller);
    const onClaimLost = () =>
      controller.abort(new ShotrouterError('aborted', 'the queue gave the job to another worker'));
    claim.addEventListener('abort', onClaimLost, { once: true });
    try {
      // both at once: one round trip less on every job's claim
      const [run, row] = await Promise.all([store.run(message.runId), store.job(message.jobId)]);
      if (!run || !row || run.state === 'superseded' || FINAL.has(row.state)) {
        jobLog.log('info', 'nothing to do', { state: row?.state ?? 'missing' });
        return 'nothing to do';
      }
      jobLog.log('info', 'job taken', { state: row.state, route: row.route_index });
      const spec = fromWire(message.spec, options.mediaRoot);
      const job: LiveJob = { spec, row };
      const events = new EngineEvents();
      events.on((event) => {
        if (event.type === 'job') {
          jobLog.log('info', `job ${event.state}`, {
            model: event.model,
            provider: event.provider,
            attempts: event.attempts,
            reason: event.reason,
          });
        } else if (event.type === 'retry' || event.type === 'fallback') {
          jobLog.log('warn', event.type, {
            reason: event.type === 'retry' ? event.message : event.reason,
          });
        }
      });
      const ctx = new WorkerContext(
        {
          store,
          runId: run.id,
          registry: guardLocal(options.registryFor(run.executor), serves, (provider) => {
            const handOver = new HandOver(provider);
            controller.abort(handOver);
            return handOver;
          }),
          media,
          clock,
          random: Math.random,
          signal: controller.signal,
          retry: { ...DEFAULT_RETRY, ...options.retry },
          tools: options.tools,
          fetch: options.fetch,
          events,
          budget: new SharedBudget({
            db,
            runId: run.id,
            jobId: row.id,
            workerId: id,
            budgetMicro: run.budget_micro,
            clock,
            pollMs: waitPollMs,
            onError: (error) =>
              jobLog.log('warn', 'a budget hold was not removed', { error: errorText(error) }),
          }),
          downloads: 1,
          pace,
        },
        downloads,
        limitsFor(row.id, controller.signal),
        disabledFor(run.id),
      );
      await produceJob(ctx, job);
      // under the job's lease: the coordinator waits for it
      await conformLanded(message, job.row, jobLog, controller.signal);
      jobLog.log('info', `job finished: ${job.row.state}`, { spend_micro: job.row.spend_micro });
      return job.row.state;
    } catch (error) {
      const reason: unknown = controller.signal.reason;
      if (reason instanceof HandOver) {
        await ensureQueue(boss, localQueue(reason.provider), leaseMs / 1000);
        await boss.send(localQueue(reason.provider), message, { singletonKey: message.jobId });
        jobLog.log('info', 'handed over to the machines that serve it', {
          provider: reason.provider,
        });
        return `handed over to ${reason.provider}`;
      }
      jobLog.log(controller.signal.aborted ? 'info' : 'error', 'job handed back', {
        error: errorText(controller.signal.aborted ? reason : error),
      });
      // thrown: pg-boss makes the job available again and another worker resumes it
      throw error;
    } finally {
      claim.removeEventListener('abort', onClaimLost);
      inHand.delete(message.jobId);
      await releaseJobLease(db, message.jobId, id).catch(() => {});
      // the coordinator reads the store at once (it polls anyway: a lost word loses nothing)
      await announceJobEnd(db, message.runId).catch(() => {});
    }
  }

  // Heartbeats: a worker that cannot beat for a whole lease may have lost its jobs to others.
  let lastBeat = Date.now();
  const beat = async () => {
    try {
      const held = await heartbeat(db, id, state);
      lastBeat = Date.now();
      for (const [jobId, controller] of inHand) {
        if (!held.has(jobId)) {
          controller.abort(new ShotrouterError('aborted', 'another worker took the job over'));
        }
      }
    } catch (error) {
      log.log('warn', 'heartbeat failed', { error: errorText(error) });
      if (Date.now() - lastBeat > leaseMs) {
        for (const controller of inHand.values()) {
          controller.abort(new ShotrouterError('aborted', 'lost touch with the database'));
        }
      }
    }
  };
  const beating = setInterval(beat, Math.max(100, Math.floor(leaseMs / 3)));

  // while the queue starts: the served GPUs' servers, so their first jobs start as fast as the rest
  const warming = warmUpServed(() => options.registryFor(PROVIDERS_EXECUTOR), serves, log);
  const boss = await startBoss({
    url: options.url,
    ...(options.bossSchema ? { schema: options.bossSchema } : {}),
    heartbeatSeconds: leaseMs / 1000,
    ...(options.superviseSeconds ? { superviseSeconds: options.superviseSeconds } : {}),
    log,
    name: `shotrouter-worker-${id}`,
  });
  const queues: Array<{ name: string; jobs: number; provider?: string }> = [];
  if (hosted) queues.push({ name: HOSTED_QUEUE, jobs: concurrency });
  for (const provider of serves)
    queues.push({ name: localQueue(provider), jobs: options.localJobs ?? 1, provider });
  await warming;
  for (const queue of queues) {
    await ensureQueue(boss, queue.name, leaseMs / 1000);
    let claims: ClaimAhead | undefined;
    const consume = (jobs: number) =>
      boss.work<JobMessage>(
        queue.name,
        {
          localConcurrency: jobs,
          batchSize: 1,
          pollingIntervalSeconds: Math.max(0.5, options.pollSeconds ?? 1),
          // NOTIFY wakes the worker when a job is sent; the poll stays as frequent for retries,
          // which become available after their back-off without a NOTIFY
          notifyPollingIntervalSeconds: Math.max(0.5, options.pollSeconds ?? 1),
        },
        async ([job]) => {
          if (!job) return 'empty';
          claims?.taken();
          try {
            return await handle(boss, job.data, job.signal);
          } finally {
            await claims?.ended(draining.signal);
          }
        },
      );
    if (queue.provider !== undefined && (options.claimAhead ?? true)) {
      claims = new ClaimAhead({
        consumers: queue.jobs,
        add: () => consume(1),
        remove: (workId) => boss.offWork(queue.name, { id: workId, wait: false }),
        onError: (error) =>
          log.log('warn', 'claim-ahead failed', { queue: queue.name, error: errorText(error) }),
      });
      ahead.set(queue.provider, claims);
    }
    await consume(queue.jobs);
  }
  log.log('info', 'worker started', {
    queues: queues.map((q) => q.name),
    hosted_jobs: hosted ? concurrency : 0,
  });

  let stopping: Promise<void> | undefined;
  return {
    id,
    get busy() {
      return inHand.size;
    },
    stop({ graceMs = 0 } = {}) {
      stopping ??= (async () => {
        state = 'draining';
        for (const claims of ahead.values()) claims.stop();
        draining.abort();
        log.log('info', 'stopping', { in_hand: inHand.size, grace_ms: graceMs });
        await beat();
        const offWork = Promise.all(queues.map((q) => boss.offWork(q.name, { wait: true })));
        const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
        await Promise.race([offWork, grace]);
        for (const controller of inHand.values()) {
          controller.abort(new ShotrouterError('aborted', 'the worker is stopping'));
        }
        await offWork;
        clearInterval(beating);
        await boss.stop({ graceful: true, timeout: 10_000 });
        await retireWorker(db, id);
        await store.close();
        log.log('info', 'worker stopped');
      })();
      return stopping;
    },
  };
}

/** How long a worker waits at start for a served provider's server to answer before it goes on. */
const WARM_UP_MS = 5000;

/**
 * Asks each served provider's server something free (see `Provider.warmUp`) and logs what
 * answered, or warns that it did not: the worker starts either way, and its jobs report (and
 * retry) a server that is still down.
 */
async function warmUpServed(
  registry: () => ProviderRegistry,
  serves: ReadonlySet<string>,
  log: Logger,
): Promise<void> {
  await Promise.all(
    [...serves].map(async (provider) => {
      try {
        const server = await registry().warmUp?.(provider, AbortSignal.timeout(WARM_UP_MS));
        if (server !== undefined) log.log('info', 'provider answered', { provider, server });
      } catch (error) {
        log.log('warn', 'provider did not answer; its jobs wait for it', {
          provider,
          error: errorText(error),
        });
      }
    }),
  );
}

/**
 * The run's registry, except that a route to a local provider this machine does not serve ends
 * the job here with a hand-over (a preview renders anywhere: no GPU needed).
 */
function guardLocal(
  inner: ProviderRegistry,
  serves: ReadonlySet<string>,
  handOver: (provider: string) => ShotrouterError,
): ProviderRegistry {
  if (inner.executor === PREVIEW_PROVIDER) return inner;
  return {
    executor: inner.executor,
    has: (provider) => inner.has(provider),
    resolve(provider, model) {
      if (LOCAL_PROVIDERS.has(provider as never) && !serves.has(provider)) throw handOver(provider);
      return inner.resolve(provider, model);
    },
  };
}
