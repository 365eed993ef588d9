/**
 * A worker's word that a job ended wakes the coordinator following its run: the run is seen to
 * end at once, not at the coordinator's next poll.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { runDistributed } from '../../src/queue/coordinator.ts';
import { announceJobEnd, listenForJobEnds } from '../../src/queue/job-ends.ts';
import type { Db } from '../../src/queue/leases.ts';
import { MediaFolder } from '../../src/store/media-folder.ts';
import { FakeProvider } from '../engine/fake-provider.ts';
import { fakeFetch, fakeTools, route, spec } from '../engine/helpers.ts';
import { waitFor } from '../wait.ts';
import { queueBed } from './bed.ts';

describe('job ends', { timeout: 60_000 }, () => {
  const bed = queueBed('job-ends');

  test('a listener hears the job ends of its own run only', async () => {
    const store = await bed.storeFor('words');
    const db = store.db as Db;
    let heard = 0;
    const stop = await listenForJobEnds(bed.database.url, 'run-a', () => heard++);
    try {
      for (const run of ['run-b', 'run-c', 'run-b']) await announceJobEnd(db, run);
      await announceJobEnd(db, 'run-a');
      await announceJobEnd(db, 'run-a');
      // words arrive in the order they were sent: the other runs' came before these two
      await waitFor('both words for run-a', () => heard >= 2);
      assert.equal(heard, 2);
    } finally {
      await stop();
    }
  });

  test('no database to listen on: the listener says so', async () => {
    await assert.rejects(
      listenForJobEnds('postgres://postgres@127.0.0.1:1/nowhere', 'run-a', () => {}),
    );
  });

  test('a coordinator polling once a minute sees its run end as soon as the worker says so', async () => {
    const gpu = new FakeProvider({ id: 'comfyui', concurrency: 1, pollIntervalMs: 10, polls: 1 });
    const specs = Array.from({ length: 3 }, (_, i) =>
      spec(`s${i + 1}`, [route('comfyui', 'wan-2.1-t2v-1.3b', 0)]),
    );
    const { store, runId, mediaRoot } = await bed.prepared('woken', specs);
    const registry = createProviderRegistry([gpu], { executor: 'test' });
    await bed.worker({
      mediaRoot,
      registryFor: () => registry,
      fetch: fakeFetch,
      serves: ['comfyui'],
      hosted: false,
    });
    const started = performance.now();
    const outcome = await runDistributed(
      {
        store,
        runId,
        specs,
        registry: createProviderRegistry([], { executor: 'test' }),
        media: new MediaFolder(path.join(bed.tmp, 'woken', 'run')),
        tools: fakeTools,
      },
      // the first read of the store finds nothing done; the next poll would be a minute later
      { url: bed.database.url, mediaRoot, pollMs: 60_000, leaseMs: 10_000 },
    );
    const seconds = (performance.now() - started) / 1000;
    assert.equal(outcome.done, 3);
    assert.ok(seconds < 30, `the run took ${seconds.toFixed(1)} s`);
  });
});
