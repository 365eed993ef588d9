/**
 * Schema migrations as code, applied in name order when a store opens (Kysely's Migrator keeps
 * track of which ran). Written with Kysely's schema builder and portable column types so the
 * PostgreSQL store reuses them; the one thing that differs by engine (an auto-increment key) is
 * asked of the `SqlFlavor`. Never edit a migration that has shipped: add the next one.
 */
import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

export type SqlFlavor = 'sqlite' | 'postgres';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's table types
type AnyDb = Kysely<any>;

function migration0001(flavor: SqlFlavor): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('run')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('storyboard_file', 'text', (c) => c.notNull())
        .addColumn('storyboard_sha256', 'text', (c) => c.notNull())
        .addColumn('plan_sha256', 'text', (c) => c.notNull())
        .addColumn('plan_json', 'text', (c) => c.notNull())
        .addColumn('budget_micro', 'bigint')
        .addColumn('executor', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('run_plan').on('run').column('plan_sha256').execute();

      await db.schema
        .createTable('media')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('duration', 'double precision', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('fps', 'double precision', (c) => c.notNull())
        .addColumn('audio', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('job')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text', (c) => c.notNull().references('run.id'))
        .addColumn('shot_id', 'text', (c) => c.notNull())
        .addColumn('shot_index', 'integer', (c) => c.notNull())
        .addColumn('take', 'integer', (c) => c.notNull())
        .addColumn('cache_key', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('route_index', 'integer', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('provider', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('spend_micro', 'bigint', (c) => c.notNull())
        .addColumn('media_sha256', 'text', (c) => c.references('media.sha256'))
        .addColumn('cached', 'integer', (c) => c.notNull())
        .addColumn('warnings_json', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('job_shot_take', ['run_id', 'shot_id', 'take'])
        .execute();
      await db.schema.createIndex('job_cache_key').on('job').column('cache_key').execute();

      await db.schema
        .createTable('attempt')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull().references('job.id'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('route_index', 'integer', (c) => c.notNull())
        .addColumn('segment', 'integer', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('executor', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('request_json', 'text', (c) => c.notNull())
        .addColumn('operation_json', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('sends', 'integer', (c) => c.notNull())
        .addColumn('media_sha256', 'text', (c) => c.references('media.sha256'))
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('attempt_job').on('attempt').column('job_id').execute();

      await db.schema
        .createTable('ledger')
        .addColumn('attempt_id', 'text', (c) => c.primaryKey().references('attempt.id'))
        .addColumn('job_id', 'text', (c) => c.notNull().references('job.id'))
        .addColumn('run_id', 'text', (c) => c.notNull().references('run.id'))
        .addColumn('reserved_micro', 'bigint', (c) => c.notNull())
        .addColumn('spent_micro', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ledger_run').on('ledger').column('run_id').execute();

      await db.schema
        .createTable('event')
        .addColumn('id', 'integer', (c) =>
          flavor === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        .addColumn('run_id', 'text', (c) => c.notNull().references('run.id'))
        .addColumn('job_id', 'text')
        .addColumn('attempt_id', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data_json', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('event_run').on('event').columns(['run_id', 'id']).execute();
    },
  };
}

/** Which take of a shot the cut uses (`shotrouter pick`), one row per run and shot. */
const migration0002: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('take_pick')
      .addColumn('run_id', 'text', (c) => c.notNull().references('run.id'))
      .addColumn('shot_id', 'text', (c) => c.notNull())
      .addColumn('take', 'integer', (c) => c.notNull())
      .addColumn('cache_key', 'text', (c) => c.notNull())
      .addColumn('picked_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('take_pick_pk', ['run_id', 'shot_id'])
      .execute();
    await db.schema.createIndex('take_pick_shot').on('take_pick').column('shot_id').execute();
  },
};

/**
 * Many workers on one PostgreSQL database. `run.space` scopes runs the way a run folder does for
 * SQLite (runs of one space supersede each other; '' is the only space of a SQLite file). The
 * other tables coordinate worker processes (src/queue/); their times are epoch milliseconds of
 * the database's clock, so the machines' clocks never have to agree.
 */
const migration0003: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('run')
      .addColumn('space', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema.createIndex('run_space').on('run').columns(['space', 'created_at']).execute();

    await db.schema
      .createTable('worker')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('serves_json', 'text', (c) => c.notNull())
      .addColumn('concurrency', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('heartbeat_ms', 'bigint', (c) => c.notNull())
      .execute();

    // a job's owner: only the worker holding the lease acts for the job
    await db.schema
      .createTable('job_lease')
      .addColumn('job_id', 'text', (c) => c.primaryKey())
      .addColumn('worker_id', 'text', (c) => c.notNull())
      .addColumn('taken_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('job_lease_worker').on('job_lease').column('worker_id').execute();

    // one row per unit of a provider's concurrency; a held slot names the job using it
    await db.schema
      .createTable('provider_slot')
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('slot', 'integer', (c) => c.notNull())
      .addColumn('job_id', 'text')
      .addColumn('worker_id', 'text')
      .addColumn('taken_ms', 'bigint')
      .addPrimaryKeyConstraint('provider_slot_pk', ['provider', 'slot'])
      .execute();

    // the shared request-rate limiter: each provider's next theoretical send time
    await db.schema
      .createTable('provider_pace')
      .addColumn('provider', 'text', (c) => c.primaryKey())
      .addColumn('next_ms', 'bigint', (c) => c.notNull())
      .execute();

    // money a job has reserved and not yet written into the ledger (at most one per job)
    await db.schema
      .createTable('budget_hold')
      .addColumn('job_id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('worker_id', 'text', (c) => c.notNull())
      .addColumn('reserved_micro', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('budget_hold_run').on('budget_hold').column('run_id').execute();
  },
};

/**
 * A take's verdict: the list of checks a paid clip was held to (`{code, ok, value, limit,
 * message}`, see media/verify.ts), kept with the attempt whether it passed or not.
 */
const migration0004: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('attempt').addColumn('verdict_json', 'text').execute();
  },
};

/** Which take and frame a shot with `first_frame_from` started from (job.first_frame_json). */
const migration0005: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('job').addColumn('first_frame_json', 'text').execute();
  },
};

/** Review: a verdict per shot, and time-coded comments on takes (see lib/review.ts). */
const migration0006: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('shot_review')
      .addColumn('space', 'text', (c) => c.notNull())
      .addColumn('shot_id', 'text', (c) => c.notNull())
      .addColumn('verdict', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('author', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('shot_review_pk', ['space', 'shot_id'])
      .execute();
    await db.schema
      .createTable('take_comment')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('space', 'text', (c) => c.notNull())
      .addColumn('shot_id', 'text', (c) => c.notNull())
      .addColumn('take', 'integer', (c) => c.notNull())
      .addColumn('media_sha256', 'text')
      .addColumn('at_seconds', 'double precision', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('author', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('take_comment_shot')
      .on('take_comment')
      .columns(['space', 'shot_id'])
      .execute();
  },
};

/** Named users with roles and hashed tokens (see lib/users.ts). */
const migration0007: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('app_user')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .execute();
  },
};

/**
 * Who picked a take (take_pick.author): every change the server accepts records who made it,
 * as verdicts and comments do. Null: the single-user default or the CLI.
 */
const migration0008: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('take_pick').addColumn('author', 'text').execute();
  },
};

/**
 * The stills of a storyboard's `images:` (engine/stills.ts): one row per generate request,
 * keyed by its digest, so a still is bought once and reused by every later run of the folder.
 * Its money is on the row (a still is no job, so it has no ledger entry).
 */
const migration0009: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('still')
      .addColumn('request_sha256', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull().references('run.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('provider_model', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('operation_json', 'text')
      .addColumn('reserved_micro', 'bigint', (c) => c.notNull())
      .addColumn('spent_micro', 'bigint', (c) => c.notNull())
      .addColumn('media_sha256', 'text', (c) => c.references('media.sha256'))
      .addColumn('error_code', 'text')
      .addColumn('error_message', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('still_run').on('still').column('run_id').execute();
  },
};

export function migrationProvider(flavor: SqlFlavor): MigrationProvider {
  return {
    async getMigrations() {
      return {
        '0001_initial': migration0001(flavor),
        '0002_take_pick': migration0002,
        '0003_workers': migration0003,
        '0004_take_verdict': migration0004,
        '0005_first_frame_from': migration0005,
        '0006_review': migration0006,
        '0007_users': migration0007,
        '0008_review_pick_author': migration0008,
        '0009_stills_images': migration0009,
      };
    },
  };
}
