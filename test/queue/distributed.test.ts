/**
 * Many workers, one PostgreSQL: three worker processes and a coordinator run 100 shots against
 * the sandbox (latency and faults); one worker is killed (SIGKILL) in the middle. Every shot
 * completes, no logical start reaches the sandbox twice, the money committed never passes the
 * budget, and the provider's concurrency holds across the workers together.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { main } from '../../src/cli/main.ts';
import { EngineEvents } from '../../src/engine/events.ts';
import { prepareRun } from '../../src/engine/prepare-run.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { distributedExecutor } from '../../src/queue/coordinator.ts';
import { clusterStatus } from '../../src/queue/status.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle } from '../../src/sandbox/types.ts';
import { MediaFolder } from '../../src/store/media-folder.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { sandboxMedia } from '../cache.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { route, spec } from '../engine/helpers.ts';
import { freshDatabase } from '../store/engines.ts';
import { spawnWorker, type WorkerProcess } from './helpers.ts';

const SHOTS = 100;
const SHOT_USD = 0.5;
const KLING_CONCURRENCY = 4;

describe('distributed run on PostgreSQL with pg-boss workers', { timeout: 240_000 }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sandbox: SandboxHandle;
  let tmp: string;
  const workers: WorkerProcess[] = [];
  let store: Store | undefined;

  before(async () => {
    database = await freshDatabase();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-distributed-'));
    sandbox = await startSandbox({
      // long enough that every worker has generations in flight when one is killed, short enough
      // that the run is not mostly waiting (the lease's 10 s after the kill is waited anyway)
      latencyMs: [150, 600],
      faults: { '429': 0.03, '5xx': 0.03, drop: 0.02 },
      seed: 11,
      maxSize: { width: 160, height: 90 },
      mediaDir: sandboxMedia(),
    });
  });

  after(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await store?.close();
    await sandbox.close();
    await database.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('100 shots, three workers, one killed mid-run: nothing is lost or paid twice', async () => {
    const mediaRoot = path.join(tmp, 'shared');
    const runDir = path.join(tmp, 'runs', 'spot');
    const env = {
      DATABASE_URL: database.url,
      MEDIA_ROOT: mediaRoot,
      SANDBOX_URL: sandbox.url,
      KLING_CONCURRENCY: String(KLING_CONCURRENCY),
      LEASE_MS: '10000',
    };
    // the first worker installs the queue schema; the others start together
    workers.push(await spawnWorker(env));
    workers.push(...(await Promise.all([spawnWorker(env), spawnWorker(env)])));

    store = await openStore({ url: database.url, space: 'spot' });
    const specs = Array.from({ length: SHOTS }, (_, i) =>
      spec(`s${String(i + 1).padStart(3, '0')}`, [route('kling', 'kling-v3', SHOT_USD, 5)], {
        // one prompt (the sandbox renders it once), but every shot its own clip
        prompt: 'A lighthouse in fog at dawn',
        cacheKey: `shot-${i}`,
      }),
    );
    const budgetMicro = Math.round(SHOTS * SHOT_USD * 1e6);
    const prepared = await prepareRun(
      store,
      {
        title: 'distributed',
        storyboardFile: 'spot.yaml',
        storyboardSha256: 'x',
        planJson: '{}',
        budgetMicro,
        executor: 'providers',
      },
      specs,
      mediaRoot,
    );
    const runId = prepared.run.id;

    // money committed (ledger + holds), sampled all along
    let maxCommitted = 0;
    const db = store.db;
    const sampling = setInterval(async () => {
      const { rows } = await sql<{ committed: number }>`
        select (select coalesce(sum(reserved_micro + spent_micro), 0) from ledger where run_id = ${runId})
          + (select coalesce(sum(reserved_micro), 0) from budget_hold where run_id = ${runId}) as committed
      `.execute(db);
      maxCommitted = Math.max(maxCommitted, Number(rows[0]!.committed));
    }, 50);

    // kill the busiest worker once a third of the shots are done
    const events = new EngineEvents();
    let done = 0;
    let killed:
      | { worker: WorkerProcess; running: Array<{ id: string; job_id: string }> }
      | undefined;
    let killing: Promise<void> | undefined;
    events.on((event) => {
      if (event.type !== 'job' || event.state !== 'done') return;
      done++;
      if (done === Math.round(SHOTS / 3) && !killing) {
        killing = (async () => {
          // the worker with the most generations running at the provider right now (looked up
          // until one has some: between jobs a worker may briefly have none in flight)
          const inFlight = (workerId: string) =>
            db
              .selectFrom('attempt')
              .innerJoin('job_lease', 'job_lease.job_id', 'attempt.job_id')
              .select(['attempt.id', 'attempt.job_id'])
              .where('job_lease.worker_id', '=', workerId)
              .where('attempt.state', '=', 'running')
              .execute();
          for (let look = 0; ; look++) {
            const counted = await Promise.all(
              workers.map(async (w) => ({ w, running: await inFlight(w.id) })),
            );
            const victim = counted.sort((a, b) => b.running.length - a.running.length)[0]!;
            if (victim.running.length > 0 || look >= 100) {
              victim.w.child.kill('SIGKILL');
              killed = { worker: victim.w, running: victim.running };
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })();
      }
    });

    const execute = distributedExecutor({
      url: database.url,
      mediaRoot,
      pollMs: 100,
      leaseMs: 10_000,
    });
    const outcome = await execute({
      store,
      runId,
      specs,
      registry: createProviderRegistry([], { executor: 'providers' }),
      media: new MediaFolder(runDir),
      tools: {
        inspect: async () => assert.fail('the coordinator checks no clips'),
        join: async () => assert.fail('the coordinator joins no clips'),
      },
      events,
    });
    clearInterval(sampling);
    await killing;

    // every shot completes
    assert.equal(outcome.state, 'finished');
    assert.equal(
      outcome.done,
      SHOTS,
      JSON.stringify(
        outcome.jobs
          .filter((j) => j.state !== 'done')
          .slice(0, 3)
          .map((j) => j.error_message),
      ),
    );
    assert.equal(outcome.failed, 0);

    // the worker was killed with work in flight, and that work was polled, not started again
    assert.ok(killed, 'a worker was killed');
    assert.equal((await killed.worker.exited).signal, 'SIGKILL');
    assert.ok(killed.running.length > 0, 'the killed worker had generations in flight');
    for (const attempt of killed.running) {
      const attempts = await store.attempts(attempt.job_id);
      assert.deepEqual(
        attempts.map((a) => [a.id, a.state]),
        [[attempt.id, 'completed']],
        `job ${attempt.job_id} was resumed by polling its stored handle`,
      );
    }

    // no logical start reached the sandbox twice: one sandbox job per attempt that started one
    const kling = sandbox.stats().providers.kling;
    const started = await db
      .selectFrom('attempt')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('operation_json', 'is not', null)
      .executeTakeFirstOrThrow();
    assert.equal(kling.created, Number(started.n));
    assert.equal(kling.created, kling.idempotency_keys);
    assert.ok(kling.created >= SHOTS);

    // the provider's concurrency held across the three workers together (and was used)
    assert.ok(kling.max_in_flight <= KLING_CONCURRENCY, `max in flight ${kling.max_in_flight}`);
    assert.ok(kling.max_in_flight >= 2);

    // the budget was never passed, not even by reservations
    assert.ok(maxCommitted <= budgetMicro, `committed ${maxCommitted} of ${budgetMicro}`);
    const ledger = await store.ledgerTotals(runId);
    assert.equal(ledger.reservedMicro, 0);
    assert.ok(ledger.spentMicro <= budgetMicro);

    // every clip is in the shared folder and linked into the run folder
    for (const job of outcome.jobs) {
      const media = (await store.media(job.media_sha256!))!;
      assert.ok(fs.existsSync(path.join(runDir, media.path)), media.path);
    }

    // logs are JSON lines naming the worker, the job and the shot
    const logged = workers.flatMap((w) => w.lines).filter((l) => l.message === 'job taken');
    assert.ok(logged.length >= SHOTS);
    for (const line of logged) {
      assert.equal(typeof line.job_id, 'string');
      assert.equal(typeof line.worker, 'string');
      assert.match(String(line.shot), /^s\d{3}#0$/);
    }

    // status sees the workers and an empty queue (the killed one as lost once its heartbeat has
    // lapsed for a lease); the survivors stop cleanly on SIGTERM
    const statusOptions = { leaseMs: 10_000 };
    let status = await clusterStatus(store, statusOptions);
    const deadline = Date.now() + 30_000;
    while (
      status.workers.find((w) => w.id === killed!.worker.id)?.state !== 'lost' &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = await clusterStatus(store, statusOptions);
    }
    assert.equal(status.workers.find((w) => w.id === killed!.worker.id)?.state, 'lost');
    assert.equal(status.workers.filter((w) => w.state === 'running').length, 2);
    assert.deepEqual(
      status.queues.filter((q) => q.waiting + q.active > 0),
      [],
    );
    // `shotrouter status --db` shows the same from the command line
    const cli = memoryIO(tmp);
    assert.equal(
      await main(['status', runDir, '--db', database.url, '--json'], cli.io),
      0,
      cli.stderr(),
    );
    const shown = JSON.parse(cli.stdout()) as {
      jobs: Array<{ state: string }>;
      cluster: { workers: unknown[]; queues: Array<{ waiting: number; active: number }> };
    };
    assert.equal(shown.jobs.filter((j) => j.state === 'done').length, SHOTS);
    assert.equal(shown.cluster.workers.length, 3);
    assert.ok(shown.cluster.queues.every((q) => q.waiting + q.active === 0));

    const survivors = workers.filter((w) => w !== killed!.worker);
    for (const worker of survivors) worker.child.kill('SIGTERM');
    for (const worker of survivors) assert.equal((await worker.exited).code, 0);
    const after = await clusterStatus(store, statusOptions);
    assert.deepEqual(after.workers.map((w) => w.state).sort(), ['lost', 'stopped', 'stopped']);
  });
});
