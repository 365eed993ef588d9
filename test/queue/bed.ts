/** What every queue test on PostgreSQL sets up and takes down. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import type { WorkerHandle } from '../../src/queue/worker.ts';
import type { Store } from '../../src/store/store.ts';
import { freshDatabase } from '../store/engines.ts';

export interface QueueBed {
  /** a database of its own for the file (set before its tests run) */
  database: Awaited<ReturnType<typeof freshDatabase>>;
  /** a temporary folder for the file */
  tmp: string;
  /** stores opened by the tests, closed at the end */
  stores: Store[];
  /** in-process workers started by a test, stopped after it */
  workers: WorkerHandle[];
}

/**
 * Registers the hooks of a queue test file (or describe block) and returns what they set up:
 * a fresh database and folder before, every worker stopped after each test (one left running
 * would take the next test's jobs from the shared queue), stores closed and all removed after.
 */
export function queueBed(name: string): QueueBed {
  const bed = { stores: [], workers: [] } as unknown as QueueBed;
  before(async () => {
    bed.database = await freshDatabase();
    bed.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `shotrouter-queue-${name}-`));
  });
  afterEach(async () => {
    for (const worker of bed.workers.splice(0)) await worker.stop();
  });
  after(async () => {
    for (const store of bed.stores) await store.close();
    await bed.database.drop();
    fs.rmSync(bed.tmp, { recursive: true, force: true });
  });
  return bed;
}
