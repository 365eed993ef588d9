/**
 * Claim-ahead on GPU boxes: a worker serving a local provider takes its next job as soon as its
 * GPU is free (while the previous clip is still being kept), never runs two jobs on one GPU, and
 * never claims a job to wait for its own busy GPU while another machine's GPU is free. The rules
 * alone (LocalSlots, ClaimAhead) are checked without a database; the workers on PostgreSQL and
 * pg-boss. Every wait is for a state.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ClipTools } from '../../src/engine/context.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { ClaimAhead, LocalSlots } from '../../src/queue/claim-ahead.ts';
import { runDistributed } from '../../src/queue/coordinator.ts';
import { MediaFolder } from '../../src/store/media-folder.ts';
import { FakeProvider } from '../engine/fake-provider.ts';
import { fakeFetch, fakeTools, route, spec } from '../engine/helpers.ts';
import { waitFor } from '../wait.ts';
import { queueBed } from './bed.ts';

describe('claim-ahead rules', () => {
  test('LocalSlots says when a slot frees, not when it passes straight to a waiting job', async () => {
    const slots = new LocalSlots(1);
    let freed = 0;
    slots.onFree(() => freed++);
    assert.equal(slots.free, true);
    const release = await slots.acquire();
    assert.equal(slots.free, false);
    release();
    assert.equal(freed, 1);
    assert.equal(slots.free, true);

    const first = await slots.acquire();
    const second = slots.acquire();
    first();
    const releaseSecond = await second;
    assert.equal(freed, 1, 'passed on to the waiting job');
    assert.equal(slots.free, false);
    releaseSecond();
    assert.equal(freed, 2);
    releaseSecond();
    assert.equal(freed, 2, 'a slot is released once');
  });

  test('the extra consumer comes when the GPU frees with a job in hand, and goes when none is', async () => {
    const added: string[] = [];
    const removed: string[] = [];
    const claims = new ClaimAhead({
      consumers: 1,
      add: async () => {
        added.push(`extra-${added.length + 1}`);
        return added.at(-1)!;
      },
      remove: async (id) => {
        removed.push(id);
      },
      onError: (error) => assert.fail(String(error)),
    });
    const slots = claims.slots(1);
    const running = new AbortController().signal;

    claims.taken();
    const gpu1 = await slots.acquire();
    assert.deepEqual(added, [], 'no extra consumer while the only job is on the GPU');
    gpu1();
    assert.deepEqual(added, ['extra-1'], 'the GPU is free, the job is kept: claim the next');

    // the extra consumer's job takes the GPU; the first job's consumer waits for it to be free
    claims.taken();
    const gpu2 = await slots.acquire();
    let returned = false;
    const ending = claims.ended(running).then(() => {
      returned = true;
    });
    await Promise.resolve();
    assert.equal(returned, false, 'no claim while the GPU is busy');
    gpu2();
    await ending;
    assert.deepEqual(added, ['extra-1'], 'one extra consumer at most');

    // the last job in hand ends: the extra consumer goes (at once, the GPU being free)
    await claims.ended(running);
    await waitFor('the extra consumer removed', () => removed.length === 1);
    assert.deepEqual(removed, ['extra-1']);

    // keeping takes longer than the GPU: a slot that frees while every consumer is busy adds one
    claims.taken();
    const gpu4 = await slots.acquire();
    gpu4();
    assert.deepEqual(added, ['extra-1', 'extra-2'], 'one consumer keeping, the GPU free');
    claims.taken();
    claims.taken();
    const gpu5 = await slots.acquire();
    gpu5();
    assert.deepEqual(added, ['extra-1', 'extra-2', 'extra-3'], 'two consumers keeping');
    await claims.ended(running);
    await claims.ended(running);
    await claims.ended(running);
    await waitFor('both extra consumers removed', () => removed.length === 3);

    // a stopping worker's consumer does not wait for the GPU
    claims.taken();
    claims.taken();
    const gpu3 = await slots.acquire();
    const stop = new AbortController();
    stop.abort();
    await claims.ended(stop.signal);
    gpu3();
  });
});

describe('claim-ahead on workers serving a GPU', { timeout: 120_000 }, () => {
  const bed = queueBed('claim-ahead');

  /** `shots` shots on the local GPU model, run through the queue by a coordinator here. */
  async function gpuRun(space: string, shots: number) {
    const specs = Array.from({ length: shots }, (_, i) =>
      spec(`s${i + 1}`, [route('comfyui', 'wan-2.1-t2v-1.3b', 0)]),
    );
    const { store, runId, mediaRoot } = await bed.prepared(space, specs);
    const outcome = runDistributed(
      {
        store,
        runId,
        specs,
        registry: createProviderRegistry([], { executor: 'test' }),
        media: new MediaFolder(path.join(bed.tmp, space, 'run')),
        tools: fakeTools,
      },
      { url: bed.database.url, mediaRoot, pollMs: 50, leaseMs: 10_000 },
    );
    return { mediaRoot, outcome };
  }

  /** A worker serving `gpu` (one job at a time), taking no hosted jobs. */
  async function gpuWorker(mediaRoot: string, gpu: FakeProvider, tools: ClipTools = fakeTools) {
    const registry = createProviderRegistry([gpu], { executor: 'test' });
    return bed.worker({
      mediaRoot,
      registryFor: () => registry,
      tools,
      fetch: fakeFetch,
      serves: ['comfyui'],
      hosted: false,
    });
  }

  test('the next job starts on the GPU while the previous clip is still being kept; one at a time', async () => {
    const gpu = new FakeProvider({ id: 'comfyui', concurrency: 1, pollIntervalMs: 10, polls: 1 });
    let keepFirst: () => void = () => {};
    const firstKept = new Promise<void>((resolve) => {
      keepFirst = resolve;
    });
    let inspected = 0;
    const tools: ClipTools = {
      ...fakeTools,
      async inspect(file, expected, signal) {
        // the first clip's check lasts until the test lets it end
        if (++inspected === 1) await firstKept;
        return fakeTools.inspect(file, expected, signal);
      },
    };
    const run = await gpuRun('overlap', 3);
    const worker = await gpuWorker(run.mediaRoot, gpu, tools);
    await waitFor('the second job on the GPU while the first is kept', () => gpu.created === 2, {
      timeoutMs: 60_000,
    });
    assert.equal(inspected, 1, 'the first clip is still being checked');
    assert.equal(worker.busy, 2);
    keepFirst();
    const outcome = await run.outcome;
    assert.equal(outcome.done, 3);
    assert.equal(gpu.created, 3, 'each shot made once');
    assert.equal(gpu.maxInFlight, 1, 'never two jobs on the GPU');
    await waitFor('the worker idle', () => worker.busy === 0);
  });

  test('a worker whose GPU is busy claims nothing more: the other GPU takes the next job', async () => {
    let hold = true;
    const gpus = [0, 1].map(
      () =>
        new FakeProvider({
          id: 'comfyui',
          concurrency: 1,
          pollIntervalMs: 10,
          polls: () => (hold ? 1_000_000 : 0),
        }),
    );
    const run = await gpuRun('spread', 2);
    for (const gpu of gpus) await gpuWorker(run.mediaRoot, gpu);
    await waitFor('a generation on each GPU', () => gpus.every((gpu) => gpu.created === 1), {
      timeoutMs: 60_000,
    });
    hold = false;
    for (const gpu of gpus) for (const job of gpu.jobs.values()) job.polls = 0;
    const outcome = await run.outcome;
    assert.equal(outcome.done, 2);
  });
});
