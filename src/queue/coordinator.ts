/**
 * Running a storyboard on many workers: the coordinator (`run`, `serve`) keeps everything the
 * engine decides about a run (which job leads a cache key, stand-by jobs of a group, the run's
 * start and end) and hands only the making of each clip to the queue. It then follows the store:
 * a job is over when its row says `done` or `failed`, and the progress events the workers store
 * are passed on to the caller's listeners in order, as if the engine ran here.
 *
 * The run folder gets the run's clips (linked from the shared folder) as they land and at the
 * end, so the cut, the report and the timelines are made from it exactly as after a local
 * run. The worker that keeps a clip also conforms it as the run asks (worker-conform.ts); the
 * run's landing conform of that job waits until the worker lets the job go, then takes the clip
 * from the shared folder's `conformed/` (or conforms it itself when it is not there).
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { LOCAL_PROVIDERS } from '../catalog/schema.ts';
import { abortReason } from '../engine/clock.ts';
import type { EngineContext, LiveJob } from '../engine/context.ts';
import { type EngineEvent, EngineEvents } from '../engine/events.ts';
import {
  type EngineOptions,
  type EngineOutcome,
  type JobProducer,
  runEngine,
} from '../engine/run-engine.ts';
import { ShotrouterError } from '../errors.ts';
import { PREVIEW_PROVIDER } from '../providers/preview/index.ts';
import { checkSchemaName } from '../store/postgres.ts';
import type { JobRow, Store } from '../store/store.ts';
import { listenForJobEnds } from './job-ends.ts';
import { type Db, jobLeaseHeld } from './leases.ts';
import { errorText, type Logger, silentLogger } from './log.ts';
import {
  DEFAULT_BOSS_SCHEMA,
  DEFAULT_HEARTBEAT_SECONDS,
  HOSTED_QUEUE,
  type JobMessage,
  localQueue,
  queueEnsurer,
  startBoss,
} from './pg-queue.ts';
import { toWire } from './wire.ts';

export interface DistributedOptions {
  /** the PostgreSQL URL the workers use */
  url: string;
  /** the shared folder the workers keep clips in (default: the run folder) */
  mediaRoot?: string;
  /** pg-boss's schema (default `pgboss`) */
  bossSchema?: string;
  /** how often the store is read for progress, ms (default 250) */
  pollMs?: number;
  /** must match the workers' lease (default 30 s) */
  leaseMs?: number;
  log?: Logger;
}

/**
 * The `execute` seam of the library's `run` (src/lib/run.ts) for a shared PostgreSQL store:
 * `run({ ..., openStore: sharedStoreOpener(url), execute: distributedExecutor({ url }) })`.
 * Jobs go to the workers (`shotrouter worker`); the outcome is the engine's, as if local.
 */
export function distributedExecutor(
  distributed: DistributedOptions,
): (options: EngineOptions) => Promise<EngineOutcome> {
  return (options) => runDistributed(options, distributed);
}

export async function runDistributed(
  options: EngineOptions,
  distributed: DistributedOptions,
): Promise<EngineOutcome> {
  const { store, runId } = options;
  if (store.flavor !== 'postgres') {
    throw new ShotrouterError('internal', 'distributed runs need the PostgreSQL store');
  }
  const log = (distributed.log ?? silentLogger).with({ run_id: runId });
  const mediaRoot = path.resolve(distributed.mediaRoot ?? options.media.root);
  const run = await store.run(runId);
  if (!run) throw new ShotrouterError('internal', `run ${runId} not found`);
  const leaseMs = distributed.leaseMs ?? DEFAULT_HEARTBEAT_SECONDS * 1000;
  const heartbeatSeconds = leaseMs / 1000;
  const bossSchema = checkSchemaName(distributed.bossSchema ?? DEFAULT_BOSS_SCHEMA);
  const boss = await startBoss({
    url: distributed.url,
    schema: bossSchema,
    heartbeatSeconds,
    log,
    name: 'shotrouter-coordinator',
    sendsOnly: true,
  });
  const signal = options.signal ?? new AbortController().signal;
  const follower = new RunFollower(store, runId, options.events ?? new EngineEvents(), bossSchema);
  const pollMs = distributed.pollMs ?? 250;
  // the workers' word when a job ends; without it (no connection) the store is polled only.
  // Not awaited: the run starts meanwhile, and an end heard before it listens is polled for.
  const listening = listenForJobEnds(distributed.url, runId, () => follower.nudge()).catch(
    (error: unknown) => {
      log.log('warn', 'not told when jobs end; following the run by polling only', {
        error: errorText(error),
      });
      return async () => {};
    },
  );
  const following = follower.follow(pollMs, signal);
  // awaited below; a failure before then must not be an unhandled rejection
  following.catch(() => {});
  /** the run's jobs this coordinator put on the queue */
  const sent: string[] = [];
  /** the jobs whose workers were asked to conform their clips */
  const conforming = new Set<string>();
  options.conformsElsewhere?.serve(mediaRoot, async (jobId) => {
    if (conforming.has(jobId)) {
      await letGo(store.db as Db, jobId, leaseMs, () => follower.nextEnd(pollMs, signal), signal);
    }
    // the run conforms what its worker did not: from the run folder
    const row = await store.job(jobId);
    if (row) await linkJobClips(store, [row], mediaRoot, options.media.root);
  });
  try {
    const ensure = queueEnsurer(boss, heartbeatSeconds);
    const produce: JobProducer = async (ctx, job) => {
      const queue = queueFor(run.executor, job);
      await ensure(queue);
      const conform = options.conformsElsewhere?.orders(job.spec);
      const message: JobMessage = {
        runId,
        jobId: job.row.id,
        key: job.spec.key,
        spec: toWire(job.spec, mediaRoot),
        ...(conform ? { conform } : {}),
      };
      if (conform) conforming.add(job.row.id);
      await boss.send(queue, message, { singletonKey: job.row.id });
      sent.push(job.row.id);
      log.log('info', 'job queued', { job_id: job.row.id, shot: job.spec.key, queue });
      await finish(ctx, job, await follower.outcome(job.row.id, ctx.signal));
    };
    // the engine's own events reach the caller through the store, with the workers' (in order)
    const outcome = await runEngine({ ...options, events: new EngineEvents(), produce });
    follower.stop();
    await following;
    await follower.relay();
    await linkJobClips(store, outcome.jobs, mediaRoot, options.media.root);
    return outcome;
  } finally {
    follower.stop();
    await following.catch(() => {});
    await (await listening)();
    if (signal.aborted) {
      await withdrawJobs(boss, store, bossSchema, sent).catch((error: unknown) =>
        log.log('warn', 'the stopped run’s jobs could not be taken off the queue', {
          error: errorText(error),
        }),
      );
    }
    await boss.stop({ graceful: false, close: true }).catch(() => {});
  }
}

/**
 * A stopped run starts nothing more, as a local run does: its queued jobs are cancelled, and the
 * workers holding its active ones let go of them (at their next queue heartbeat). Generations
 * already in flight stay stored with their handles; the next run polls them.
 */
async function withdrawJobs(
  boss: PgBoss,
  store: Store,
  bossSchema: string,
  jobIds: string[],
): Promise<void> {
  if (jobIds.length === 0) return;
  const { rows } = await sql<{ name: string; id: string }>`
    select name, id from ${sql.id(bossSchema, 'job')}
    where singleton_key = any(${jobIds}) and name like 'shotrouter.%'
      and state in ('created', 'retry', 'active')
  `.execute(store.db);
  const byQueue = new Map<string, string[]>();
  for (const row of rows) byQueue.set(row.name, [...(byQueue.get(row.name) ?? []), row.id]);
  for (const [queue, ids] of byQueue) await boss.cancel(queue, ids);
}

/** Which queue makes a job now: its current route's local provider's, or the hosted one. */
function queueFor(executor: string, job: LiveJob): string {
  const provider = job.spec.routes[job.row.route_index]?.provider;
  const local = executor !== PREVIEW_PROVIDER && provider && LOCAL_PROVIDERS.has(provider as never);
  return local ? localQueue(provider) : HOSTED_QUEUE;
}

/** Copies the worker's outcome into the engine's live row (or fails the job the queue gave up on). */
async function finish(ctx: EngineContext, job: LiveJob, outcome: JobRow | string): Promise<void> {
  if (typeof outcome === 'string') {
    await ctx.setJob(job, 'failed', { error_code: 'internal', error_message: outcome }, outcome);
    return;
  }
  Object.assign(job.row, outcome);
}

interface Waiter {
  resolve(outcome: JobRow | string): void;
  reject(error: unknown): void;
}

/**
 * Reads the run's jobs and events from the store on a timer: resolves the wait of each job that
 * is over, and passes stored events on to the listeners.
 */
class RunFollower {
  readonly #store: Store;
  readonly #runId: string;
  readonly #events: EngineEvents;
  readonly #bossSchema: string;
  readonly #waiters = new Map<string, Waiter>();
  #lastEvent = 0;
  #stopped = false;
  #wake: (() => void) | undefined;
  /** a worker said a job ended since the last round began */
  #nudged = false;
  readonly #onNudge = new Set<() => void>();

  constructor(store: Store, runId: string, events: EngineEvents, bossSchema: string) {
    this.#store = store;
    this.#runId = runId;
    this.#events = events;
    this.#bossSchema = bossSchema;
  }

  outcome(jobId: string, signal: AbortSignal): Promise<JobRow | string> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        this.#waiters.delete(jobId);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.set(jobId, {
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject,
      });
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** A worker said a job of the run ended: read the store now rather than at the next poll. */
  nudge(): void {
    this.#nudged = true;
    this.#wake?.();
    for (const listener of [...this.#onNudge]) listener();
  }

  /** Resolves at the next job end a worker announces, after `ms`, or when `signal` aborts. */
  nextEnd(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#onNudge.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#onNudge.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async follow(pollMs: number, signal: AbortSignal): Promise<void> {
    for (let round = 0; !this.#stopped && !signal.aborted; round++) {
      const roundAt = performance.now();
      this.#nudged = false;
      try {
        await this.relay();
        await this.#settleWaiters(round % 20 === 19);
      } catch (error) {
        for (const waiter of this.#waiters.values()) waiter.reject(error);
        this.#waiters.clear();
        throw error;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (this.#nudged || this.#stopped) this.#wake();
      });
      // jobs that end together are read in one round: at most one round per MIN_ROUND_MS
      const since = performance.now() - roundAt;
      if (since < MIN_ROUND_MS && !this.#stopped) await sleep(MIN_ROUND_MS - since);
    }
  }

  /** Passes the events stored since the last call on to the listeners. */
  async relay(): Promise<void> {
    for (const row of await this.#store.events(this.#runId, this.#lastEvent)) {
      this.#lastEvent = row.id;
      if (!ENGINE_EVENT_TYPES.has(row.type)) continue;
      const data = JSON.parse(row.data_json) as Record<string, unknown>;
      this.#events.emit({ ...data, type: row.type, at: row.at, runId: row.run_id } as EngineEvent);
    }
  }

  async #settleWaiters(checkQueue: boolean): Promise<void> {
    if (this.#waiters.size === 0) return;
    for (const row of await this.#store.jobs(this.#runId)) {
      const waiter = this.#waiters.get(row.id);
      if (waiter && (row.state === 'done' || row.state === 'failed')) {
        this.#waiters.delete(row.id);
        waiter.resolve(row);
      }
    }
    if (checkQueue && this.#waiters.size > 0) await this.#settleAbandoned();
  }

  /** Jobs the queue gave up on (every retry failed: a worker crashing on them, say) fail here. */
  async #settleAbandoned(): Promise<void> {
    const keys = [...this.#waiters.keys()];
    const { rows } = await sql<{ key: string; output: unknown }>`
      select singleton_key as key, max(output::text) as output
      from ${sql.id(this.#bossSchema, 'job')}
      where singleton_key = any(${keys}) and name like 'shotrouter.%'
      group by singleton_key
      having bool_and(state = 'failed')
    `.execute(this.#store.db);
    for (const row of rows) {
      const waiter = this.#waiters.get(row.key);
      if (!waiter) continue;
      this.#waiters.delete(row.key);
      waiter.resolve(`the workers gave up on this job: ${String(row.output ?? 'no reason given')}`);
    }
  }
}

/** The shortest time between two reads of the store, however many job ends are announced. */
const MIN_ROUND_MS = 20;

const ENGINE_EVENT_TYPES = new Set(['job', 'retry', 'fallback', 'spend', 'run']);

/** Makes the jobs' clips visible in the run folder (symbolic links into the shared folder). */
async function linkJobClips(
  store: Store,
  jobs: JobRow[],
  sharedRoot: string,
  runFolder: string,
): Promise<void> {
  if (path.resolve(sharedRoot) === path.resolve(runFolder)) return;
  const paths = new Map<string, string>();
  for (const job of jobs) {
    if (!job.media_sha256 || paths.has(job.media_sha256)) continue;
    const media = await store.media(job.media_sha256);
    if (media) paths.set(media.sha256, media.path);
  }
  for (const job of jobs) {
    const relative = job.media_sha256 ? paths.get(job.media_sha256) : undefined;
    if (!relative) continue;
    const target = path.join(runFolder, relative);
    if (fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      fs.symlinkSync(path.join(sharedRoot, relative), target);
    } catch (error) {
      throw new ShotrouterError(
        'media_failed',
        `cannot link ${relative} into the run folder: ${errorText(error)}`,
        { cause: error },
      );
    }
  }
}

/**
 * Resolves once no live worker holds the job's lease: its worker is through conforming the
 * job's clip, or gone (then its lease lapses). A database error or a stopped run ends the wait
 * too: the run then conforms the clip itself.
 */
async function letGo(
  db: Db,
  jobId: string,
  leaseMs: number,
  /** resolves when it is worth looking again (a job ended, or a poll interval passed) */
  nextLook: () => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  try {
    while (!signal.aborted && (await jobLeaseHeld(db, jobId, leaseMs))) {
      await nextLook();
    }
  } catch {
    // stopped, or the database is unreachable: nothing more to wait for
  }
}
