/**
 * The queue's lifecycle on real PostgreSQL and pg-boss: a job's lease is taken, renewed by the
 * heartbeat and lapses with it; a job whose worker failed retryably is offered again and made; a
 * dead worker's job is taken over and its generation in flight is polled, not started again;
 * a run stopped on the coordinator starts nothing more. Every wait is for a state.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EngineEvents } from '../../src/engine/events.ts';
import type { EngineOutcome } from '../../src/engine/run-engine.ts';
import { ShotrouterError } from '../../src/errors.ts';
import { createProviderRegistry, type ProviderRegistry } from '../../src/providers/registry.ts';
import { runDistributed } from '../../src/queue/coordinator.ts';
import {
  type Db,
  heartbeat,
  registerWorker,
  retireWorker,
  takeJobLease,
} from '../../src/queue/leases.ts';
import type { WorkerHandle } from '../../src/queue/worker.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle } from '../../src/sandbox/types.ts';
import { MediaFolder } from '../../src/store/media-folder.ts';
import { sandboxMedia } from '../cache.ts';
import { FakeProvider } from '../engine/fake-provider.ts';
import { fakeFetch, fakeTools, route, spec } from '../engine/helpers.ts';
import { waitFor } from '../wait.ts';
import { queueBed } from './bed.ts';
import { spawnWorker, type WorkerProcess } from './helpers.ts';

const bed = queueBed('lifecycle');
const { storeFor, prepared } = bed;

/** Runs the prepared run through the queue (the coordinator in this process). */
function coordinate(
  run: Awaited<ReturnType<typeof prepared>>,
  options: { signal?: AbortSignal; events?: EngineEvents } = {},
): Promise<EngineOutcome> {
  return runDistributed(
    {
      store: run.store,
      runId: run.runId,
      specs: run.specs,
      registry: createProviderRegistry([], { executor: 'test' }),
      media: new MediaFolder(path.join(bed.tmp, 'runs', run.runId)),
      tools: fakeTools,
      ...options,
    },
    { url: bed.database.url, mediaRoot: run.mediaRoot, pollMs: 50, leaseMs: 10_000 },
  );
}

/** A worker in this process making clips with `registryFor`. */
async function worker(
  mediaRoot: string,
  registryFor: (executor: string) => ProviderRegistry,
  options: { concurrency?: number } = {},
): Promise<WorkerHandle> {
  return bed.worker({
    mediaRoot,
    registryFor,
    fetch: fakeFetch,
    concurrency: options.concurrency ?? 2,
  });
}

describe('queue lifecycle', { timeout: 120_000 }, () => {
  test('a job lease: taken once, renewed by the heartbeat, taken over when it lapses, freed when its worker stops', async () => {
    const store = await storeFor('leases');
    const db = store.db as Db;
    const leaseMs = 400;
    for (const id of ['w1', 'w2', 'w3']) {
      await registerWorker(db, { id, serves: [], concurrency: 1 }, store.now());
    }
    assert.equal(await takeJobLease(db, 'j1', 'w1', leaseMs), true);
    assert.equal(await takeJobLease(db, 'j1', 'w1', leaseMs), true, 'already ours');
    assert.equal(await takeJobLease(db, 'j1', 'w2', leaseMs), false, 'held by a live worker');

    const beatOf = async (id: string) =>
      Number(
        (
          await db
            .selectFrom('worker')
            .select('heartbeat_ms')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).heartbeat_ms,
      );
    const first = await beatOf('w1');
    // renewed: a later heartbeat, and the lease is still w1's
    const renewed = await waitFor('a later heartbeat', async () => {
      const held = await heartbeat(db, 'w1', 'running');
      assert.deepEqual([...held], ['j1']);
      return (await beatOf('w1')) > first;
    });
    assert.equal(renewed, true);
    assert.equal(await takeJobLease(db, 'j1', 'w2', leaseMs), false, 'renewed, still held');

    // w1 goes silent: once its lease has lapsed, w2 takes the job over
    await waitFor('w1 lease to lapse', async () => {
      await heartbeat(db, 'w2', 'running');
      return takeJobLease(db, 'j1', 'w2', leaseMs);
    });
    assert.deepEqual([...(await heartbeat(db, 'w1', 'running'))], [], 'w1 learns it lost j1');
    assert.equal(await takeJobLease(db, 'j1', 'w1', leaseMs), false, 'w2 is alive now');

    // a stopped worker holds nothing, at once
    await retireWorker(db, 'w2');
    assert.equal(await takeJobLease(db, 'j1', 'w3', leaseMs), true);
  });

  test('a job its worker hands back with a retryable failure is offered again and made', async () => {
    const fake = new FakeProvider({ id: 'fake', pollIntervalMs: 20 });
    const run = await prepared('retry', [spec('s1', [route('fake', 'm1')])]);
    let setups = 0;
    await worker(run.mediaRoot, () => {
      setups++;
      if (setups === 1) {
        throw new ShotrouterError('server_error', 'the worker could not set the job up', {
          retryable: true,
        });
      }
      return createProviderRegistry([fake], { executor: 'test' });
    });
    const outcome = await coordinate(run);
    assert.equal(outcome.state, 'finished');
    assert.equal(outcome.done, 1);
    assert.equal(setups, 2, 'the job was taken twice');
    assert.equal(fake.startCalls.length, 1, 'and started once');
  });

  test('a run stopped on the coordinator starts nothing more; the next run makes the rest', async () => {
    let released = false;
    const fake = new FakeProvider({
      id: 'fake',
      pollIntervalMs: 20,
      polls: () => (released ? 0 : 1_000_000),
    });
    const specs = ['s1', 's2', 's3', 's4'].map((unit) => spec(unit, [route('fake', 'm1')]));
    const run = await prepared('stop', specs);
    const registry = createProviderRegistry([fake], { executor: 'test' });
    const making = await worker(run.mediaRoot, () => registry, { concurrency: 1 });
    const stop = new AbortController();
    const stopped = coordinate(run, { signal: stop.signal });
    // one generation in flight on the only worker slot, the others queued
    await waitFor('a generation in flight', () => fake.startCalls.length === 1);
    stop.abort(new ShotrouterError('aborted', 'stopped'));
    const outcome = await stopped.catch((error: unknown) => error);
    assert.ok(
      (outcome as EngineOutcome).state === 'aborted' || ShotrouterError.is(outcome),
      String(outcome),
    );
    // the worker lets go of the job in hand; nothing else is started
    await waitFor('the worker to be idle', () => making.busy === 0, { timeoutMs: 60_000 });
    const jobs = await run.store.jobs(run.runId);
    assert.equal(fake.startCalls.length, 1, 'no start after the stop');
    assert.deepEqual(
      jobs.map((j) => j.state).filter((state) => state === 'done'),
      [],
    );

    // the next run polls the generation in flight and starts the other three
    released = true;
    for (const job of fake.jobs.values()) job.polls = 0;
    const again = await coordinate(run);
    assert.equal(again.state, 'finished');
    assert.equal(again.done, 4);
    assert.equal(fake.startCalls.length, 4, 'each shot started once in all');
  });
});

describe('a dead worker', { timeout: 120_000 }, () => {
  let sandbox: SandboxHandle;
  const processes: WorkerProcess[] = [];
  before(async () => {
    sandbox = await startSandbox({
      // long enough for the first worker to die with the generation in flight
      latencyMs: [4000, 4000],
      seed: 3,
      maxSize: { width: 160, height: 90 },
      mediaDir: sandboxMedia(),
    });
  });
  after(async () => {
    for (const child of processes) child.child.kill('SIGKILL');
    await sandbox.close();
  });

  test('loses nothing: after its lease lapses another worker takes the job and polls the generation it started', async () => {
    const run = await prepared(
      'dead',
      [spec('s1', [route('kling', 'kling-v3', 0.5, 5)])],
      'providers',
    );
    const env = {
      DATABASE_URL: bed.database.url,
      MEDIA_ROOT: run.mediaRoot,
      SANDBOX_URL: sandbox.url,
      LEASE_MS: '10000',
      JOBS: '1',
    };
    const first = await spawnWorker(env);
    processes.push(first);
    const running = coordinate(run);
    const db = run.store.db as Db;
    const inFlight = await waitFor('a generation in flight on the first worker', async () =>
      db
        .selectFrom('attempt')
        .innerJoin('job_lease', 'job_lease.job_id', 'attempt.job_id')
        .select(['attempt.id', 'attempt.job_id'])
        .where('job_lease.worker_id', '=', first.id)
        .where('attempt.state', '=', 'running')
        .executeTakeFirst(),
    );
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    const second = await spawnWorker(env);
    processes.push(second);

    const outcome = await running;
    assert.equal(outcome.state, 'finished');
    assert.equal(outcome.done, 1, JSON.stringify(outcome.jobs.map((j) => j.error_message)));
    const attempts = await run.store.attempts(inFlight.job_id);
    assert.deepEqual(
      attempts.map((a) => [a.id, a.state]),
      [[inFlight.id, 'completed']],
      'the stored handle was polled, not started again',
    );
    assert.equal(sandbox.stats().providers.kling.created, 1);
    assert.ok(
      second.lines.some((l) => l.message === 'job taken' && l.job_id === inFlight.job_id),
      'the second worker took the job',
    );
  });
});
