/**
 * Who is alive and who acts for what, on the shared PostgreSQL database. A worker is alive while
 * its heartbeat (written every third of the lease) is younger than the lease; everything it
 * holds (its jobs, the provider slots its jobs use) lasts exactly as long. Times come from the
 * database's clock, so the machines' clocks never have to agree.
 */
import { hostname } from 'node:os';
import { type Kysely, sql } from 'kysely';
import type { Database, WorkerState } from '../store/schema.ts';

export type Db = Kysely<Database>;

/** Now, in epoch milliseconds, by the database's clock. */
export const DB_NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** SQL: whether the worker named by `workerColumn` is alive (fresh heartbeat, not stopped). */
export function workerAlive(workerColumn: string, leaseMs: number) {
  return sql<boolean>`exists (select 1 from worker w where w.id = ${sql.ref(workerColumn)} and w.state <> 'stopped' and w.heartbeat_ms > ${DB_NOW_MS} - ${leaseMs})`;
}

export interface WorkerInfo {
  id: string;
  serves: string[];
  concurrency: number;
}

export async function registerWorker(db: Db, info: WorkerInfo, startedAt: string): Promise<void> {
  await db
    .insertInto('worker')
    .values({
      id: info.id,
      host: hostname(),
      pid: process.pid,
      serves_json: JSON.stringify(info.serves),
      concurrency: info.concurrency,
      state: 'running',
      started_at: startedAt,
      heartbeat_ms: DB_NOW_MS,
    })
    .execute();
}

/**
 * The heartbeat: renews the worker (and so everything it holds) and returns the jobs whose
 * lease it still holds; a job missing from the answer was taken over by another worker.
 */
export async function heartbeat(
  db: Db,
  workerId: string,
  state: WorkerState,
): Promise<Set<string>> {
  await db
    .updateTable('worker')
    .set({ heartbeat_ms: DB_NOW_MS, state })
    .where('id', '=', workerId)
    .execute();
  const held = await db
    .selectFrom('job_lease')
    .select('job_id')
    .where('worker_id', '=', workerId)
    .execute();
  return new Set(held.map((row) => row.job_id));
}

/** A stopped worker holds nothing: its free slots and its leases go at once. */
export async function retireWorker(db: Db, workerId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('worker')
      .set({ state: 'stopped', heartbeat_ms: DB_NOW_MS })
      .where('id', '=', workerId)
      .execute();
    await tx.deleteFrom('job_lease').where('worker_id', '=', workerId).execute();
  });
}

/**
 * Takes the lease of a job: free, already ours, or held by a worker that is no longer alive.
 * False when a live worker holds it (this delivery is a duplicate).
 */
export async function takeJobLease(
  db: Db,
  jobId: string,
  workerId: string,
  leaseMs: number,
): Promise<boolean> {
  const taken = await db
    .insertInto('job_lease')
    .values({ job_id: jobId, worker_id: workerId, taken_ms: DB_NOW_MS })
    .onConflict((oc) =>
      oc
        .column('job_id')
        .doUpdateSet({ worker_id: workerId, taken_ms: DB_NOW_MS })
        .where((eb) =>
          eb.or([
            eb('job_lease.worker_id', '=', workerId),
            eb.not(workerAlive('job_lease.worker_id', leaseMs)),
          ]),
        ),
    )
    .returning('job_id')
    .executeTakeFirst();
  return taken !== undefined;
}

export async function releaseJobLease(db: Db, jobId: string, workerId: string): Promise<void> {
  await db
    .deleteFrom('job_lease')
    .where('job_id', '=', jobId)
    .where('worker_id', '=', workerId)
    .execute();
}

/** Whether a live worker holds the job's lease (it is making the job, or conforming its clip). */
export async function jobLeaseHeld(db: Db, jobId: string, leaseMs: number): Promise<boolean> {
  const held = await db
    .selectFrom('job_lease')
    .select('job_id')
    .where('job_id', '=', jobId)
    .where(workerAlive('job_lease.worker_id', leaseMs))
    .executeTakeFirst();
  return held !== undefined;
}
