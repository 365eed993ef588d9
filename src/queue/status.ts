/** What the workers of a shared database are doing: for `shotrouter status --db URL`. */
import { sql } from 'kysely';
import { checkSchemaName } from '../store/postgres.ts';
import type { Store } from '../store/store.ts';
import { DB_NOW_MS, type Db } from './leases.ts';
import { DEFAULT_BOSS_SCHEMA, DEFAULT_HEARTBEAT_SECONDS } from './pg-queue.ts';

export interface WorkerStatus {
  id: string;
  host: string;
  pid: number;
  state: 'running' | 'draining' | 'stopped' | 'lost';
  /** local providers it serves */
  serves: string[];
  /** jobs it holds now */
  jobs: number;
  started_at: string;
  /** seconds since its last heartbeat */
  seen_seconds_ago: number;
}

export interface QueueDepth {
  queue: string;
  /** waiting to be taken (new or to be retried) */
  waiting: number;
  /** in a worker's hands */
  active: number;
}

export interface ClusterStatus {
  workers: WorkerStatus[];
  queues: QueueDepth[];
}

export async function clusterStatus(
  store: Store,
  options: { bossSchema?: string; leaseMs?: number } = {},
): Promise<ClusterStatus> {
  const db = store.db as Db;
  const leaseMs = options.leaseMs ?? DEFAULT_HEARTBEAT_SECONDS * 1000;
  const { rows: workers } = await sql<{
    id: string;
    host: string;
    pid: number;
    state: WorkerStatus['state'];
    serves_json: string;
    started_at: string;
    age_ms: number;
    jobs: number;
  }>`
    select w.id, w.host, w.pid, w.state, w.serves_json, w.started_at,
      ${DB_NOW_MS} - w.heartbeat_ms as age_ms,
      (select count(*) from job_lease l where l.worker_id = w.id) as jobs
    from worker w
    where w.state <> 'stopped' or w.heartbeat_ms > ${DB_NOW_MS} - 3600000
    order by w.started_at
  `.execute(db);
  const queues = await queueDepths(db, checkSchemaName(options.bossSchema ?? DEFAULT_BOSS_SCHEMA));
  return {
    workers: workers.map((w) => ({
      id: w.id,
      host: w.host,
      pid: w.pid,
      state: w.state !== 'stopped' && w.age_ms > leaseMs ? 'lost' : w.state,
      serves: JSON.parse(w.serves_json) as string[],
      jobs: Number(w.jobs),
      started_at: w.started_at,
      seen_seconds_ago: Math.max(0, Math.round(w.age_ms / 1000)),
    })),
    queues,
  };
}

async function queueDepths(db: Db, bossSchema: string): Promise<QueueDepth[]> {
  const installed = await sql<{ found: boolean }>`
    select to_regclass(${`${bossSchema}.job`}) is not null as found
  `.execute(db);
  if (!installed.rows[0]?.found) return [];
  const { rows } = await sql<{ name: string; waiting: number; active: number }>`
    select name,
      count(*) filter (where state in ('created', 'retry')) as waiting,
      count(*) filter (where state = 'active') as active
    from ${sql.id(bossSchema, 'job')}
    where name like 'shotrouter.%' and state in ('created', 'retry', 'active')
    group by name order by name
  `.execute(db);
  return rows.map((r) => ({ queue: r.name, waiting: Number(r.waiting), active: Number(r.active) }));
}
