/**
 * The store's engines for one test suite: SQLite in a temp folder, PostgreSQL in a throwaway
 * schema (or database) of the test server, dropped afterwards. The server is the one `.ci/run`
 * starts: `SHOTROUTER_TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/postgres.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store.ts';

export const PG_URL =
  process.env.SHOTROUTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type Engine = 'sqlite' | 'postgres';
export const ENGINES: Engine[] = ['sqlite', 'postgres'];

/** A fresh, empty place for a store, and how to open it and throw it away. */
export interface Place {
  engine: Engine;
  open(options?: { space?: string; now?: () => number }): Promise<Store>;
  drop(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function freshPlace(engine: Engine): Promise<Place> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-store-'));
    return {
      engine,
      open: (options = {}) => openStore({ dir, ...(options.now ? { now: options.now } : {}) }),
      async drop() {
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = uniqueName('t');
  return {
    engine,
    open: (options = {}) => openStore({ url: PG_URL, schema, poolSize: 4, ...options }),
    drop: () => adminQuery(`drop schema if exists ${schema} cascade`),
  };
}

export async function adminQuery(text: string, url = PG_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A throwaway database (for pg-boss, which wants a schema of its own beside ours). */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName('shotrouter_test');
  await adminQuery(`create database ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}
