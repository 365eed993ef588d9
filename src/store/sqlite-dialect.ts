/**
 * A Kysely dialect over Node's built-in `node:sqlite` (`DatabaseSync`): nothing to install, no
 * native build. Kysely brings the SQL compiler, adapter and introspector; this file only runs
 * compiled queries on the one synchronous connection. The SQLite adapter tells Kysely that there
 * is a single connection, so Kysely serialises access to it (transactions never interleave).
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

export interface NodeSqliteOptions {
  /** file path, or ':memory:' */
  path: string;
  /** how long a writer waits for another process's lock before failing, in ms (default 5000) */
  busyTimeoutMs?: number;
}

export class NodeSqliteDialect implements Dialect {
  readonly #options: NodeSqliteOptions;
  constructor(options: NodeSqliteOptions) {
    this.#options = options;
  }
  createDriver(): Driver {
    return new NodeSqliteDriver(this.#options);
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
  createAdapter() {
    return new SqliteAdapter();
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature
  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db);
  }
}

class NodeSqliteDriver implements Driver {
  readonly #options: NodeSqliteOptions;
  #db: DatabaseSync | undefined;
  #connection: NodeSqliteConnection | undefined;

  constructor(options: NodeSqliteOptions) {
    this.#options = options;
  }

  async init(): Promise<void> {
    const db = new DatabaseSync(this.#options.path, {
      enableForeignKeyConstraints: true,
      timeout: this.#options.busyTimeoutMs ?? 5000,
    });
    // WAL: readers (e.g. `shotrouter status` in another terminal) never block the running engine.
    // synchronous=FULL: a committed row (an idempotency key written before a paid call) survives
    // a power cut, not only a killed process.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
    this.#db = db;
    this.#connection = new NodeSqliteConnection(db);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#connection) throw new Error('the SQLite driver is not initialised');
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // IMMEDIATE takes the write lock at once, so two processes never deadlock upgrading a read lock.
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR); a
    // second rollback would fail and hide the error that explains what happened
    if (connection instanceof NodeSqliteConnection && !connection.inTransaction) return;
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
    this.#connection = undefined;
  }
}

/** Prepared statements are reused: the engine runs the same few queries thousands of times. */
const STATEMENT_CACHE_SIZE = 200;

class NodeSqliteConnection implements DatabaseConnection {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, { statement: StatementSync; reader: boolean }>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get inTransaction(): boolean {
    return this.#db.isTransaction;
  }

  #prepare(sql: string): { statement: StatementSync; reader: boolean } {
    let entry = this.#statements.get(sql);
    if (entry) {
      // move to the back: the Map's insertion order doubles as the LRU order
      this.#statements.delete(sql);
    } else {
      const statement = this.#db.prepare(sql);
      entry = { statement, reader: statement.columns().length > 0 };
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
    }
    this.#statements.set(sql, entry);
    return entry;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { statement, reader } = this.#prepare(query.sql);
    const parameters = query.parameters.map(toSqliteValue);
    if (reader) return { rows: statement.all(...parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(...parameters);
    return {
      rows: [],
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
    };
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const { statement } = this.#prepare(query.sql);
    for (const row of statement.iterate(...query.parameters.map(toSqliteValue))) {
      yield { rows: [row as R] };
    }
  }
}

type SqliteValue = null | number | bigint | string | Uint8Array;

function toSqliteValue(value: unknown): SqliteValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value as SqliteValue;
}
