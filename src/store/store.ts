/**
 * The run's durable state: runs, jobs, attempts, the ledger, media and an append-only event log.
 * Every method is one statement or one transaction; the engine composes them with
 * `transaction()` so that a state change and its event (and its money) are written together.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  type Insertable,
  Kysely,
  type Selectable,
  type Transaction,
  type Updateable,
} from 'kysely';
import { Migrator } from 'kysely/migration';
import { ShotrouterError } from '../errors.ts';
import { migrationProvider, type SqlFlavor } from './migrations.ts';
import type { Database, JobState, RunState } from './schema.ts';
import { NodeSqliteDialect } from './sqlite-dialect.ts';

export type RunRow = Selectable<Database['run']>;
export type JobRow = Selectable<Database['job']>;
export type AttemptRow = Selectable<Database['attempt']>;
export type LedgerRow = Selectable<Database['ledger']>;
export type MediaRow = Selectable<Database['media']>;
export type EventRow = Selectable<Database['event']>;
export type NewJob = Insertable<Database['job']>;
export type NewAttempt = Insertable<Database['attempt']>;
export type JobPatch = Updateable<Database['job']>;
export type AttemptPatch = Updateable<Database['attempt']>;

export const DATABASE_FILE = 'shotrouter.db';

export interface OpenStoreOptions {
  /** the run folder: the database is `<dir>/shotrouter.db` */
  dir?: string;
  /** an explicit database file (or ':memory:'); overrides `dir` */
  file?: string;
  /** the time written in `updated_at` columns (the engine's clock) */
  now?: () => number;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const file = options.file ?? path.join(options.dir ?? '.', DATABASE_FILE);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect({ path: file }) });
  await migrate(db, 'sqlite');
  return new Store(db, db, options.now ?? Date.now);
}

async function migrate(db: Kysely<Database>, flavor: SqlFlavor): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(flavor) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new ShotrouterError('internal', `database migration ${failed} failed`, { cause: error });
  }
}

export class Store {
  readonly #root: Kysely<Database>;
  /** the root database or the current transaction */
  readonly db: Kysely<Database> | Transaction<Database>;
  readonly #clock: () => number;

  constructor(
    root: Kysely<Database>,
    db: Kysely<Database> | Transaction<Database>,
    clock: () => number,
  ) {
    this.#root = root;
    this.db = db;
    this.#clock = clock;
  }

  /** the current time as stored: ISO-8601 UTC */
  now(): string {
    return new Date(this.#clock()).toISOString();
  }

  async close(): Promise<void> {
    await this.#root.destroy();
  }

  /** Runs `work` in one transaction (nested calls join the outer one). */
  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    return this.#root.transaction().execute((trx) => work(new Store(this.#root, trx, this.#clock)));
  }

  // runs

  async insertRun(run: Insertable<Database['run']>): Promise<void> {
    await this.db.insertInto('run').values(run).execute();
  }

  async run(id: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('run').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The newest run that is not superseded, optionally for one plan. */
  async latestRun(planSha256?: string): Promise<RunRow | undefined> {
    let query = this.db.selectFrom('run').selectAll().where('state', '!=', 'superseded');
    if (planSha256) query = query.where('plan_sha256', '=', planSha256);
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  }

  async setRunState(id: string, state: RunState): Promise<void> {
    await this.db
      .updateTable('run')
      .set({ state, updated_at: this.now() })
      .where('id', '=', id)
      .execute();
  }

  async supersedeOtherRuns(keepRunId: string): Promise<void> {
    await this.db
      .updateTable('run')
      .set({ state: 'superseded', updated_at: this.now() })
      .where('id', '!=', keepRunId)
      .where('state', '!=', 'superseded')
      .execute();
  }

  // jobs

  async insertJobs(jobs: NewJob[]): Promise<void> {
    // SQLite caps bound parameters per statement; 20 columns × 40 rows stays well under it
    for (let i = 0; i < jobs.length; i += 40) {
      await this.db
        .insertInto('job')
        .values(jobs.slice(i, i + 40))
        .execute();
    }
  }

  async jobs(runId: string): Promise<JobRow[]> {
    return this.db
      .selectFrom('job')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('shot_index')
      .orderBy('take')
      .execute();
  }

  async job(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('job').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async updateJob(id: string, patch: JobPatch): Promise<void> {
    await this.db
      .updateTable('job')
      .set({ ...patch, updated_at: this.now() })
      .where('id', '=', id)
      .execute();
  }

  /** Failed jobs get another chance from their first route (the next `run` after a failure). */
  async requeueFailedJobs(runId: string): Promise<void> {
    await this.db
      .updateTable('job')
      .set({
        state: 'queued',
        route_index: 0,
        error_code: null,
        error_message: null,
        updated_at: this.now(),
      })
      .where('run_id', '=', runId)
      .where('state', '=', 'failed')
      .execute();
  }

  /** Counts one more logical start and applies `patch`. */
  async countAttempt(id: string, patch: JobPatch): Promise<void> {
    await this.db
      .updateTable('job')
      .set((eb) => ({ ...patch, attempts: eb('attempts', '+', 1), updated_at: this.now() }))
      .where('id', '=', id)
      .execute();
  }

  async addJobSpend(id: string, micro: number): Promise<void> {
    if (micro === 0) return;
    await this.db
      .updateTable('job')
      .set((eb) => ({ spend_micro: eb('spend_micro', '+', micro), updated_at: this.now() }))
      .where('id', '=', id)
      .execute();
  }

  /**
   * Jobs of other runs with this cache key that still matter: done with a clip, or with an
   * attempt in flight (money already committed). Newest first.
   */
  async reusableJobs(cacheKey: string, exceptRunId: string): Promise<JobRow[]> {
    return this.db
      .selectFrom('job')
      .selectAll()
      .where('cache_key', '=', cacheKey)
      .where('run_id', '!=', exceptRunId)
      .where('state', 'in', ['done', 'starting', 'running', 'downloading'] satisfies JobState[])
      .orderBy('updated_at', 'desc')
      .execute();
  }

  // attempts

  async insertAttempt(attempt: NewAttempt): Promise<void> {
    await this.db.insertInto('attempt').values(attempt).execute();
  }

  async updateAttempt(id: string, patch: AttemptPatch): Promise<void> {
    await this.db
      .updateTable('attempt')
      .set({ ...patch, updated_at: this.now() })
      .where('id', '=', id)
      .execute();
  }

  async attempts(jobId: string): Promise<AttemptRow[]> {
    return this.db
      .selectFrom('attempt')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** Attempts of a run whose outcome is not settled yet: `starting` (unknown) or `running`. */
  async openAttempts(runId: string): Promise<AttemptRow[]> {
    return this.db
      .selectFrom('attempt')
      .innerJoin('job', 'job.id', 'attempt.job_id')
      .selectAll('attempt')
      .where('job.run_id', '=', runId)
      .where('attempt.state', 'in', ['starting', 'running'])
      .execute();
  }

  /** Moves a job's attempts and their ledger rows to another job (used when a run is superseded). */
  async moveAttempts(fromJobId: string, toJob: { id: string; run_id: string }): Promise<void> {
    await this.db
      .updateTable('attempt')
      .set({ job_id: toJob.id })
      .where('job_id', '=', fromJobId)
      .execute();
    await this.db
      .updateTable('ledger')
      .set({ job_id: toJob.id, run_id: toJob.run_id })
      .where('job_id', '=', fromJobId)
      .execute();
  }

  // ledger

  async reserve(entry: {
    attempt_id: string;
    job_id: string;
    run_id: string;
    reserved_micro: number;
  }): Promise<void> {
    await this.db
      .insertInto('ledger')
      .values({ ...entry, spent_micro: 0, state: 'reserved', updated_at: this.now() })
      .execute();
  }

  /** Releases the attempt's reservation and records what it really cost. */
  async settle(attemptId: string, spentMicro: number): Promise<void> {
    await this.db
      .updateTable('ledger')
      .set({ reserved_micro: 0, spent_micro: spentMicro, state: 'settled', updated_at: this.now() })
      .where('attempt_id', '=', attemptId)
      .execute();
  }

  async ledgerEntry(attemptId: string): Promise<LedgerRow | undefined> {
    return this.db
      .selectFrom('ledger')
      .selectAll()
      .where('attempt_id', '=', attemptId)
      .executeTakeFirst();
  }

  /** Reserved and spent micro-USD of a run's attempts (or of the whole database). */
  async ledgerTotals(runId?: string): Promise<{ reservedMicro: number; spentMicro: number }> {
    let query = this.db
      .selectFrom('ledger')
      .select((eb) => [
        eb.fn.coalesce(eb.fn.sum<number>('reserved_micro'), eb.lit(0)).as('reserved'),
        eb.fn.coalesce(eb.fn.sum<number>('spent_micro'), eb.lit(0)).as('spent'),
      ]);
    if (runId) query = query.where('run_id', '=', runId);
    const row = await query.executeTakeFirstOrThrow();
    return { reservedMicro: Number(row.reserved), spentMicro: Number(row.spent) };
  }

  // media

  async putMedia(media: Insertable<Database['media']>): Promise<void> {
    await this.db
      .insertInto('media')
      .values(media)
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
  }

  async media(sha256: string): Promise<MediaRow | undefined> {
    return this.db.selectFrom('media').selectAll().where('sha256', '=', sha256).executeTakeFirst();
  }

  // events

  async appendEvent(event: {
    run_id: string;
    job_id?: string | null;
    attempt_id?: string | null;
    type: string;
    data?: unknown;
    at?: string;
  }): Promise<void> {
    await this.db
      .insertInto('event')
      .values({
        run_id: event.run_id,
        job_id: event.job_id ?? null,
        attempt_id: event.attempt_id ?? null,
        type: event.type,
        data_json: JSON.stringify(event.data ?? {}),
        at: event.at ?? this.now(),
      })
      .execute();
  }

  async events(runId: string, afterId = 0): Promise<EventRow[]> {
    return this.db
      .selectFrom('event')
      .selectAll()
      .where('run_id', '=', runId)
      .where('id', '>', afterId)
      .orderBy('id')
      .execute();
  }
}
