/**
 * The stores of a shared PostgreSQL database, as the commands open them: one space per run
 * folder (or per project of `serve`). Apart from the coordinator so that opening one does not
 * load the queue (pg-boss).
 */
import path from 'node:path';
import { openStore, type Store } from '../store/store.ts';

/** The run folder's space in the shared database: its name (override with SHOTROUTER_SPACE). */
export function spaceOf(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.SHOTROUTER_SPACE || path.basename(path.resolve(dir));
}

/** The `openStore` seam of the library's `run` and `status` for a shared PostgreSQL database. */
export function sharedStoreOpener(
  url: string,
  options: { schema?: string; env?: NodeJS.ProcessEnv } = {},
): (dir: string) => Promise<Store> {
  return (dir) =>
    openStore({
      url,
      space: spaceOf(dir, options.env),
      ...(options.schema ? { schema: options.schema } : {}),
    });
}

/**
 * The `openStore` seam of `serve --db`: each project is a space of its own, named by its folder
 * (the project id). Its run folder is always `<project>/run`, so the run folder's own name would
 * put every project in one space, where their runs supersede each other.
 */
export function projectStoreOpener(url: string): (runDir: string) => Promise<Store> {
  return (runDir) => openStore({ url, space: path.basename(path.dirname(path.resolve(runDir))) });
}
