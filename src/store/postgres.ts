/**
 * The PostgreSQL connection: Kysely's own PostgreSQL dialect over a `pg` pool. The pool parses
 * 64-bit integers and sums as JavaScript numbers (money is integer micro-USD, far below 2^53),
 * so rows read the same as from SQLite. The parsers are the pool's own, never `pg`'s global
 * ones, so other users of `pg` in the process are not affected.
 */
import { PostgresDialect } from 'kysely';
import pg from 'pg';
import { ShotrouterError } from '../errors.ts';

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** tables live in this schema (created when missing); default: the server's search_path */
  schema?: string;
  /** connections in the pool (default 10) */
  max?: number;
  /** shown in pg_stat_activity */
  applicationName?: string;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

const poolTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Letters, digits and underscores only: a schema name goes into SQL text and connection options. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ShotrouterError(
      'usage',
      `schema name '${schema}' must be lowercase letters, digits and underscores`,
    );
  }
  return schema;
}

export function createPool(options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    types: poolTypes,
    application_name: options.applicationName ?? 'shotrouter',
    ...(options.schema ? { options: `-c search_path=${checkSchemaName(options.schema)}` } : {}),
  });
  // an idle client that loses its connection must not crash the process; the next query fails
  pool.on('error', () => {});
  return pool;
}

export function postgresDialect(pool: pg.Pool): PostgresDialect {
  return new PostgresDialect({ pool });
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable database URL)';
  }
}

/**
 * Runs `work` while holding a session-level advisory lock on a connection of its own, so that
 * many processes starting at once (workers on several machines) take turns: the first migrates,
 * the others find nothing left to do.
 */
export async function withAdvisoryLock<T>(
  pool: pg.Pool,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [name]);
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [name]);
    }
  } finally {
    client.release();
  }
}
