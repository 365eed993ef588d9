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
  sql,
  type Transaction,
  type Updateable,
} from 'kysely';
import { Migrator } from 'kysely/migration';
import { ShotrouterError } from '../errors.ts';
import { migrationProvider, type SqlFlavor } from './migrations.ts';
import { type Database, type JobState, PAID_TAKE_CODES, type RunState } from './schema.ts';
import { NodeSqliteDialect } from './sqlite-dialect.ts';

export type RunRow = Selectable<Database['run']>;
export type JobRow = Selectable<Database['job']>;
export type AttemptRow = Selectable<Database['attempt']>;
export type LedgerRow = Selectable<Database['ledger']>;
export type MediaRow = Selectable<Database['media']>;
export type EventRow = Selectable<Database['event']>;
export type TakePickRow = Selectable<Database['take_pick']>;
export type ShotReviewRow = Selectable<Database['shot_review']>;
export type TakeCommentRow = Selectable<Database['take_comment']>;
export type AppUserRow = Selectable<Database['app_user']>;
export type StillRow = Selectable<Database['still']>;
export type StillPatch = Updateable<Database['still']>;
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
  /**
   * A PostgreSQL URL (`postgres://user:password@host/db`): the state lives there, shared by
   * every process given the same URL, instead of in a SQLite file. Overrides `dir` and `file`.
   */
  url?: string;
  /** PostgreSQL only: the schema holding the tables (created when missing; default search_path) */
  schema?: string;
  /** PostgreSQL only: connections in the pool (default 10) */
  poolSize?: number;
  /**
   * PostgreSQL only: the space this store sees, as a run folder does for SQLite: runs of one
   * space supersede each other and `latestRun` looks only there (default '').
   */
  space?: string;
  /** the time written in `updated_at` columns (the engine's clock) */
  now?: () => number;
}

/** Opens the run database (SQLite by default, PostgreSQL with `url`) and migrates it to the latest. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.url) return openPostgresStore(options.url, options);
  const file = options.file ?? path.join(options.dir ?? '.', DATABASE_FILE);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect({ path: file }) });
  await migrate(db, 'sqlite');
  return new Store(db, db, options.now ?? Date.now);
}

/** The migration lock's name: one process at a time migrates a PostgreSQL database. */
const MIGRATION_LOCK = 'shotrouter.migrate';

async function openPostgresStore(url: string, options: OpenStoreOptions): Promise<Store> {
  // the PostgreSQL client is loaded only for a shared database (a local run starts sooner)
  const { createPool, postgresDialect, redactUrl, withAdvisoryLock } = await import(
    './postgres.ts'
  );
  const pool = createPool({
    url,
    ...(options.schema ? { schema: options.schema } : {}),
    ...(options.poolSize ? { max: options.poolSize } : {}),
  });
  const db = new Kysely<Database>({ dialect: postgresDialect(pool) });
  try {
    await withAdvisoryLock(pool, MIGRATION_LOCK, async () => {
      if (options.schema)
        await sql`create schema if not exists ${sql.id(options.schema)}`.execute(db);
      // Kysely looks for its migration tables in every schema unless told which: a schema
      // left half-migrated beside ours (a process killed while migrating) would pass for ours
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
      await migrate(db, 'postgres', options.schema ?? rows[0]!.schema);
    });
  } catch (error) {
    await db.destroy();
    if (ShotrouterError.is(error)) throw error;
    throw new ShotrouterError(
      'internal',
      `cannot open the database at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, retryable: true },
    );
  }
  return new Store(db, db, options.now ?? Date.now, {
    flavor: 'postgres',
    space: options.space ?? '',
  });
}

/** PostgreSQL's invalid_schema_name: a schema named in the query does not exist (any more). */
function isVanishedSchema(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '3F000';
}

async function migrate(
  db: Kysely<Database>,
  flavor: SqlFlavor,
  migrationTableSchema?: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(flavor),
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely looks for its table through every schema of the database: one dropped meanwhile by
  // anyone else (another project's, a test's) fails the lookup with "schema … does not exist".
  // Nothing was migrated then; the next try no longer sees that schema.
  for (let retry = 0; retry < 3 && error !== undefined && isVanishedSchema(error); retry++) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new ShotrouterError('internal', `database migration ${failed} failed`, { cause: error });
  }
}

/** Which engine a store runs on and which space of the database it sees. */
export interface StoreScope {
  flavor: SqlFlavor;
  space: string;
}

export class Store {
  readonly #root: Kysely<Database>;
  /** the root database or the current transaction */
  readonly db: Kysely<Database> | Transaction<Database>;
  readonly #clock: () => number;
  readonly flavor: SqlFlavor;
  /** runs are created in, and looked up in, this space only (see OpenStoreOptions.space) */
  readonly space: string;

  constructor(
    root: Kysely<Database>,
    db: Kysely<Database> | Transaction<Database>,
    clock: () => number,
    scope: StoreScope = { flavor: 'sqlite', space: '' },
  ) {
    this.#root = root;
    this.db = db;
    this.#clock = clock;
    this.flavor = scope.flavor;
    this.space = scope.space;
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
    const scope = { flavor: this.flavor, space: this.space };
    return this.#root
      .transaction()
      .execute((trx) => work(new Store(this.#root, trx, this.#clock, scope)));
  }

  // runs

  async insertRun(run: Insertable<Database['run']>): Promise<void> {
    await this.db
      .insertInto('run')
      .values({ ...run, space: this.space })
      .execute();
  }

  async run(id: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('run').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The newest run that is not superseded, optionally for one plan. */
  async latestRun(planSha256?: string): Promise<RunRow | undefined> {
    let query = this.db
      .selectFrom('run')
      .selectAll()
      .where('space', '=', this.space)
      .where('state', '!=', 'superseded');
    if (planSha256) query = query.where('plan_sha256', '=', planSha256);
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  }

  /** Every run of this space, newest first, superseded ones included (a shot's history). */
  async runs(): Promise<RunRow[]> {
    return this.db
      .selectFrom('run')
      .selectAll()
      .where('space', '=', this.space)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /** Every job of a shot (or multi-shot group) in this space's runs. */
  async jobsOfShot(shotId: string): Promise<JobRow[]> {
    return this.db
      .selectFrom('job')
      .selectAll()
      .where('shot_id', '=', shotId)
      .where('run_id', 'in', this.#spaceRuns())
      .orderBy('take')
      .execute();
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
      .where('space', '=', this.space)
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

  /**
   * Failed jobs get another chance from their first route (the next `run` after a failure),
   * except those whose failure is a paid take that is kept (PAID_TAKE_CODES): those only when
   * `paidToo` (`run --retry-failed`).
   */
  async requeueFailedJobs(runId: string, paidToo = false): Promise<void> {
    let query = this.db
      .updateTable('job')
      .set({
        state: 'queued',
        route_index: 0,
        error_code: null,
        error_message: null,
        updated_at: this.now(),
      })
      .where('run_id', '=', runId)
      .where('state', '=', 'failed');
    if (!paidToo) {
      query = query.where((eb) =>
        eb.or([eb('error_code', 'is', null), eb('error_code', 'not in', [...PAID_TAKE_CODES])]),
      );
    }
    await query.execute();
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
   * attempt in flight (money already committed). Newest first. On a shared database, work in
   * flight is only offered from this space: another project's running job is not ours to adopt.
   */
  async reusableJobs(cacheKey: string, exceptRunId: string): Promise<JobRow[]> {
    let query = this.db
      .selectFrom('job')
      .selectAll()
      .where('cache_key', '=', cacheKey)
      .where('run_id', '!=', exceptRunId)
      .where((eb) =>
        eb.or([
          eb('state', 'in', ['done', 'starting', 'running', 'downloading'] satisfies JobState[]),
          // a paid take that failed its checks: not bought again by a new run either
          eb.and([eb('state', '=', 'failed'), eb('error_code', 'in', [...PAID_TAKE_CODES])]),
        ]),
      );
    if (this.flavor === 'postgres') {
      query = query.where((eb) =>
        eb.or([eb('state', '=', 'done'), eb('run_id', 'in', this.#spaceRuns())]),
      );
    }
    return query.orderBy('updated_at', 'desc').execute();
  }

  /** The ids of this space's runs, as a subquery. */
  #spaceRuns() {
    return this.db.selectFrom('run').select('run.id').where('run.space', '=', this.space);
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

  /**
   * The attempts of every job of a run, by job id, each job's in the order `attempts` gives:
   * one query however many jobs have attempts (a status reads them all).
   */
  async attemptsOfRun(runId: string): Promise<Map<string, AttemptRow[]>> {
    const rows = await this.db
      .selectFrom('attempt')
      .innerJoin('job', 'job.id', 'attempt.job_id')
      .selectAll('attempt')
      .where('job.run_id', '=', runId)
      .orderBy('attempt.created_at')
      .orderBy('attempt.id')
      .execute();
    const byJob = new Map<string, AttemptRow[]>();
    for (const row of rows) {
      const list = byJob.get(row.job_id);
      if (list) list.push(row);
      else byJob.set(row.job_id, [row]);
    }
    return byJob;
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

  /**
   * Writes an attempt's reservation into the ledger. On PostgreSQL the money was held for the
   * job until now (see queue/shared-budget.ts); the hold ends in the same transaction, so the
   * amount is counted exactly once at every moment, by every worker.
   */
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
    if (this.flavor === 'postgres') {
      await this.db.deleteFrom('budget_hold').where('job_id', '=', entry.job_id).execute();
    }
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

  /** A run's settled spending in the order it was settled: each attempt's micro-USD and when. */
  async spendTimeline(runId: string): Promise<Array<{ at: string; spentMicro: number }>> {
    const rows = await this.db
      .selectFrom('ledger')
      .select(['updated_at', 'spent_micro'])
      .where('run_id', '=', runId)
      .where('state', '=', 'settled')
      .where('spent_micro', '>', 0)
      .orderBy('updated_at')
      .orderBy('attempt_id')
      .execute();
    return rows.map((r) => ({ at: r.updated_at, spentMicro: Number(r.spent_micro) }));
  }

  /** Reserved and spent micro-USD of a run's attempts (or of every run of this space). */
  async ledgerTotals(runId?: string): Promise<{ reservedMicro: number; spentMicro: number }> {
    let query = this.db
      .selectFrom('ledger')
      .select((eb) => [
        eb.fn.coalesce(eb.fn.sum<number>('reserved_micro'), eb.lit(0)).as('reserved'),
        eb.fn.coalesce(eb.fn.sum<number>('spent_micro'), eb.lit(0)).as('spent'),
      ]);
    if (runId) query = query.where('run_id', '=', runId);
    else if (this.flavor === 'postgres') query = query.where('run_id', 'in', this.#spaceRuns());
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

  // stills (storyboard `images:`)

  async still(requestSha256: string): Promise<StillRow | undefined> {
    return this.db
      .selectFrom('still')
      .selectAll()
      .where('request_sha256', '=', requestSha256)
      .executeTakeFirst();
  }

  /** Records a still's start before it is sent (its row is its reservation). */
  async insertStill(row: Omit<StillRow, 'updated_at'>): Promise<void> {
    await this.db
      .insertInto('still')
      .values({ ...row, updated_at: this.now() })
      .execute();
  }

  async updateStill(requestSha256: string, patch: StillPatch): Promise<void> {
    await this.db
      .updateTable('still')
      .set({ ...patch, updated_at: this.now() })
      .where('request_sha256', '=', requestSha256)
      .execute();
  }

  /** The stills a run bought (or is buying), oldest first. */
  async stills(runId: string): Promise<StillRow[]> {
    return this.db
      .selectFrom('still')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('created_at')
      .execute();
  }

  // picks

  /** Records the take the cut uses for a shot of a run (replacing an earlier pick). */
  async setPick(
    pick: Omit<TakePickRow, 'picked_at' | 'author'> & { author?: string | null },
  ): Promise<void> {
    const picked_at = this.now();
    const author = pick.author ?? null;
    await this.db
      .insertInto('take_pick')
      .values({ ...pick, author, picked_at })
      .onConflict((oc) =>
        oc
          .columns(['run_id', 'shot_id'])
          .doUpdateSet({ take: pick.take, cache_key: pick.cache_key, picked_at, author }),
      )
      .execute();
  }

  /** Picks of these shots in any run of this space (the whole SQLite file), newest first. */
  async picks(shotIds: readonly string[]): Promise<TakePickRow[]> {
    if (shotIds.length === 0) return [];
    return this.db
      .selectFrom('take_pick')
      .selectAll()
      .where('shot_id', 'in', [...shotIds])
      .where('run_id', 'in', this.#spaceRuns())
      .orderBy('picked_at', 'desc')
      .execute();
  }

  // review

  /** Records a shot's verdict (replacing the one before). */
  async setReview(review: Omit<ShotReviewRow, 'space' | 'at'>): Promise<ShotReviewRow> {
    const row = { ...review, space: this.space, at: this.now() };
    await this.db
      .insertInto('shot_review')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['space', 'shot_id']).doUpdateSet({
          verdict: row.verdict,
          note: row.note,
          author: row.author,
          at: row.at,
        }),
      )
      .execute();
    return row;
  }

  async reviews(): Promise<ShotReviewRow[]> {
    return this.db
      .selectFrom('shot_review')
      .selectAll()
      .where('space', '=', this.space)
      .orderBy('shot_id')
      .execute();
  }

  async addComment(comment: Omit<TakeCommentRow, 'space' | 'created_at'>): Promise<TakeCommentRow> {
    const row = { ...comment, space: this.space, created_at: this.now() };
    await this.db.insertInto('take_comment').values(row).execute();
    return row;
  }

  /** Comments in this space, in the order of shots, takes and times. */
  async comments(): Promise<TakeCommentRow[]> {
    return this.db
      .selectFrom('take_comment')
      .selectAll()
      .where('space', '=', this.space)
      .orderBy('shot_id')
      .orderBy('take')
      .orderBy('at_seconds')
      .orderBy('created_at')
      .execute();
  }

  // users (one list for the server, in no space)

  async addUser(user: Omit<AppUserRow, 'created_at'>): Promise<AppUserRow> {
    const row = { ...user, created_at: this.now() };
    await this.db.insertInto('app_user').values(row).execute();
    return row;
  }

  async users(): Promise<AppUserRow[]> {
    return this.db.selectFrom('app_user').selectAll().orderBy('name').execute();
  }

  async userCount(): Promise<number> {
    const row = await this.db
      .selectFrom('app_user')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async userByToken(tokenSha256: string): Promise<AppUserRow | undefined> {
    return this.db
      .selectFrom('app_user')
      .selectAll()
      .where('token_sha256', '=', tokenSha256)
      .executeTakeFirst();
  }

  /** Removes a user; false when there was none of that name. */
  async removeUser(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('app_user').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
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

  /** The state of the run's last `run` event (`started`, `aborted`, `finished`), if any. */
  async lastRunEvent(runId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('event')
      .select('data_json')
      .where('run_id', '=', runId)
      .where('type', '=', 'run')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    const state = (JSON.parse(row.data_json) as { state?: unknown }).state;
    return typeof state === 'string' ? state : undefined;
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
