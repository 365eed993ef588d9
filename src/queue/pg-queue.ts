/**
 * The job queue on PostgreSQL: pg-boss in the same database as the store. One queue for jobs any
 * worker can take (hosted providers, previews) and one per local provider (`comfyui`): only the
 * workers that serve it, on machines with the GPU, take those.
 *
 * Queue settings, and why:
 * - `stately`: a job (by its engine job id, the singleton key) is queued at most once and
 *   active at most once, so a coordinator that starts again does not double the work;
 * - heartbeats: a worker that dies stops beating, and pg-boss hands its jobs to another worker
 *   after `heartbeatSeconds`; the expiry only bounds a job that beats forever (a day);
 * - retries with backoff: a job whose worker died or handed it back is taken again; the engine's
 *   own failures (a shot that fails on every model) complete the queue job, they never retry it;
 * - LISTEN/NOTIFY: sending a job wakes the idle workers of its queue at once, instead of at their
 *   next poll (up to a poll interval per job taken by an idle worker); polling stays as the
 *   backstop (retries after their back-off, a listener that could not connect).
 */
import { PgBoss } from 'pg-boss';
import { checkSchemaName } from '../store/postgres.ts';
import { errorText, type Logger } from './log.ts';

export const HOSTED_QUEUE = 'shotrouter.jobs';
export const LOCAL_QUEUE_PREFIX = 'shotrouter.local.';
export const localQueue = (provider: string): string => `${LOCAL_QUEUE_PREFIX}${provider}`;
export const DEFAULT_BOSS_SCHEMA = 'pgboss';

export interface BossOptions {
  url: string;
  /** pg-boss's own schema (default `pgboss`) */
  schema?: string;
  /** a worker that misses its heartbeats this long loses its jobs (pg-boss: at least 10) */
  heartbeatSeconds?: number;
  /** how often pg-boss looks for jobs whose worker went quiet (default 10) */
  superviseSeconds?: number;
  log: Logger;
  /** shown in pg_stat_activity and pg-boss's instance registry */
  name: string;
  /**
   * A process that only sends and cancels jobs (a run's coordinator): it does not listen for
   * them (a NOTIFY comes from the insert itself), so it holds one connection less and starts
   * sooner (about 48 against 60 ms here). It still looks after the queues: its pass when a run
   * starts spares the workers one in the middle of their jobs (bench:scale, three workers: about
   * 25 ms a job slower when only the workers did it).
   */
  sendsOnly?: boolean;
}

export const DEFAULT_HEARTBEAT_SECONDS = 30;

export async function startBoss(options: BossOptions): Promise<PgBoss> {
  const supervise = options.superviseSeconds ?? 10;
  const boss = new PgBoss({
    connectionString: options.url,
    schema: checkSchemaName(options.schema ?? DEFAULT_BOSS_SCHEMA),
    max: 4,
    application_name: options.name,
    instanceName: options.name,
    schedule: false,
    // one more connection per process, for LISTEN; pg-boss falls back to polling without it
    useListenNotify: !options.sendsOnly,
    superviseIntervalSeconds: supervise,
    monitorIntervalSeconds: supervise,
  });
  boss.on('error', (error) => options.log.log('warn', 'queue error', { error: errorText(error) }));
  await boss.start();
  return boss;
}

/** Creates the queue when missing (any number of processes may do this at once). */
export async function ensureQueue(
  boss: PgBoss,
  name: string,
  heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS,
): Promise<void> {
  try {
    await boss.createQueue(name, {
      policy: 'stately',
      notify: true,
      heartbeatSeconds: Math.max(10, Math.round(heartbeatSeconds)),
      expireInSeconds: 23 * 3600,
      retryLimit: 100,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 30,
    });
  } catch (error) {
    // another process created it between our look and our write
    if ((await boss.getQueue(name)) === null) throw error;
  }
  // a queue made before workers were woken by NOTIFY (creating an existing queue changes nothing)
  const queue = await boss.getQueue(name);
  if (queue !== null && !queue.notify) await boss.updateQueue(name, { notify: true });
}

/**
 * `ensureQueue` for each queue once, however many callers ask at the same time (a run's jobs
 * all start at once); a failure goes to the callers waiting on it, and the next caller tries again.
 */
export function queueEnsurer(
  boss: PgBoss,
  heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS,
): (queue: string) => Promise<void> {
  const made = new Map<string, Promise<void>>();
  return (queue) => {
    let making = made.get(queue);
    if (!making) {
      making = ensureQueue(boss, queue, heartbeatSeconds);
      making.catch(() => made.delete(queue));
      made.set(queue, making);
    }
    return making;
  };
}

/** What a queue message carries: which job of which run (the spec comes with it, see wire.ts). */
export interface JobMessage {
  runId: string;
  jobId: string;
  /** `<unit>#<take>` */
  key: string;
  spec: import('./wire.ts').WireSpec;
  /**
   * What the worker conforms from the job's clip once it is kept, by the route that made it
   * (engine/landing-conform.ts). Absent (a coordinator that asks none): nothing.
   */
  conform?: import('../engine/landing-conform.ts').JobConforms;
}
