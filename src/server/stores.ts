/**
 * Where a project's run state is read: the shared database when the server has one, else the
 * SQLite file in the project's run folder (absent until the project first runs).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../lib/projects.ts';
import { DATABASE_FILE, openStore, type Store } from '../store/store.ts';

export type OpenStore = (dir: string) => Promise<Store>;

export class ProjectStores {
  readonly #shared: OpenStore | undefined;

  constructor(sharedOpenStore?: OpenStore) {
    this.#shared = sharedOpenStore;
  }

  /** What the library's run, estimate and pick take to use the same store (empty: SQLite). */
  get seam(): { openStore?: OpenStore } {
    return this.#shared ? { openStore: this.#shared } : {};
  }

  /** The project has run state to read (always true with a shared database). */
  hasRun(project: Project): boolean {
    return this.#shared !== undefined || fs.existsSync(path.join(project.runDir, DATABASE_FILE));
  }

  /** Reads the project's run state; undefined when it has not run yet. */
  async read<T>(project: Project, read: (store: Store) => Promise<T>): Promise<T | undefined> {
    if (!this.hasRun(project)) return undefined;
    const store = await (this.#shared ?? ((dir: string) => openStore({ dir })))(project.runDir);
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }
}
