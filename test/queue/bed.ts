/** What every queue test on PostgreSQL sets up and takes down. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import type { JobSpec } from '../../src/engine/job-spec.ts';
import { prepareRun } from '../../src/engine/prepare-run.ts';
import { startWorker, type WorkerHandle, type WorkerOptions } from '../../src/queue/worker.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { fakeTools } from '../engine/helpers.ts';
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
  /**
   * A worker in this process on the file's database (stopped after the test), with the tests'
   * short lease and polls, and fake clip tools unless `options` say otherwise.
   */
  worker(
    options: Omit<WorkerOptions, 'url' | 'tools'> & Partial<WorkerOptions>,
  ): Promise<WorkerHandle>;
  /** a store in its own space of the file's database (closed at the end) */
  storeFor(space: string): Promise<Store>;
  /** a run of `specs` prepared in `space`, its clips shared in `mediaRoot`, ready to run */
  prepared(
    space: string,
    specs: JobSpec[],
    executor?: string,
  ): Promise<{ store: Store; runId: string; mediaRoot: string; specs: JobSpec[] }>;
}

/**
 * Registers the hooks of a queue test file (or describe block) and returns what they set up:
 * a fresh database and folder before, every worker stopped after each test (one left running
 * would take the next test's jobs from the shared queue), stores closed and all removed after.
 */
export function queueBed(name: string): QueueBed {
  const stores: Store[] = [];
  const bed: QueueBed = {
    database: undefined as unknown as QueueBed['database'],
    tmp: '',
    stores,
    workers: [],
    async worker(options) {
      const handle = await startWorker({
        url: bed.database.url,
        tools: fakeTools,
        leaseMs: 10_000,
        superviseSeconds: 1,
        pollSeconds: 0.5,
        waitPollMs: 20,
        ...options,
      });
      bed.workers.push(handle);
      return handle;
    },
    async storeFor(space) {
      const store = await openStore({ url: bed.database.url, space });
      stores.push(store);
      return store;
    },
    async prepared(space, specs, executor = 'test') {
      const store = await bed.storeFor(space);
      const mediaRoot = path.join(bed.tmp, space, 'shared');
      const run = await prepareRun(
        store,
        {
          title: space,
          storyboardFile: `${space}.yaml`,
          storyboardSha256: 'x',
          planJson: '{}',
          budgetMicro: null,
          executor,
        },
        specs,
        mediaRoot,
      );
      return { store, runId: run.run.id, mediaRoot, specs };
    },
  };
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
