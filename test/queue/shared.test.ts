/** The cross-worker budget and provider slots, on real PostgreSQL, many holders at once. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '../../src/engine/clock.ts';
import type { Db } from '../../src/queue/leases.ts';
import { registerWorker } from '../../src/queue/leases.ts';
import { SharedBudget } from '../../src/queue/shared-budget.ts';
import { SharedSlots } from '../../src/queue/shared-limits.ts';
import type { Store } from '../../src/store/store.ts';
import { freshPlace, type Place } from '../store/engines.ts';
import { waitFor } from '../wait.ts';

describe('shared budget and slots', () => {
  let place: Place;
  let store: Store;
  let db: Db;
  before(async () => {
    place = await freshPlace('postgres');
    store = await place.open();
    db = store.db as Db;
    const at = store.now();
    await store.insertRun({
      id: 'r1',
      created_at: at,
      updated_at: at,
      title: 't',
      storyboard_file: 'f',
      storyboard_sha256: 'x',
      plan_sha256: 'p',
      plan_json: '{}',
      budget_micro: 10,
      executor: 'test',
      state: 'active',
    });
    for (const id of ['w1', 'w2', 'w3']) {
      await registerWorker(db, { id, serves: [], concurrency: 1 }, at);
    }
  });
  after(async () => {
    await store.close();
    await place.drop();
  });

  test('no two workers take the last dollars: reservations racing for a budget of 10', async () => {
    const gates = Array.from(
      { length: 6 },
      (_, i) =>
        new SharedBudget({
          db,
          runId: 'r1',
          jobId: `job-${i}`,
          workerId: `w${(i % 3) + 1}`,
          budgetMicro: 10,
          clock: systemClock,
          pollMs: 20,
        }),
    );
    const stop = new AbortController();
    const results = gates.map((gate) =>
      gate.reserve(3, 'a shot', stop.signal).then(
        () => 'held',
        (error: { code?: string }) => error.code ?? 'error',
      ),
    );
    // three fit (9 of 10); the others wait for money to come back
    await waitFor(
      'three budget holds',
      async () => (await db.selectFrom('budget_hold').selectAll().execute()).length === 3,
    );
    // a chance for a fourth to get in wrongly
    await systemClock.sleep(200);
    stop.abort();
    const outcomes = await Promise.all(results);
    assert.equal(outcomes.filter((o) => o === 'held').length, 3);
    assert.equal(outcomes.filter((o) => o === 'aborted').length, 3);
    const holds = await db.selectFrom('budget_hold').selectAll().execute();
    assert.equal(
      holds.reduce((sum, h) => sum + h.reserved_micro, 0),
      9,
    );

    // a settled reservation frees its money for a waiting job
    const held = gates.filter((_, i) => outcomes[i] === 'held');
    const waiting = gates.find((_, i) => outcomes[i] !== 'held')!;
    const next = waiting.reserve(3, 'a shot');
    held[0]!.settle(3, 0);
    await next;
    // what can never fit is refused at once
    await assert.rejects(waiting.reserve(11, 'a big shot'), /budget/);
  });

  test('a run without a budget reserves and settles without a word to the database', async () => {
    const asked: string[] = [];
    const counted = new Proxy(db, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          asked.push(String(name));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const gate = new SharedBudget({
      db: counted,
      runId: 'r1',
      jobId: 'free-job',
      workerId: 'w1',
      budgetMicro: null,
      clock: systemClock,
      pollMs: 20,
    });
    await gate.reserve(4, 'a shot');
    gate.settle(4, 3);
    await gate.reserve(2, 'a second try');
    assert.deepEqual(asked, []);
    assert.equal(gate.snapshot().spentMicro, 3);
  });

  test('a provider’s slots hold across workers; a dead worker’s slot comes back', async () => {
    let inUse = 0;
    let most = 0;
    const holders = Array.from({ length: 6 }, (_, i) => {
      const slots = new SharedSlots({
        db,
        provider: 'kling',
        capacity: 2,
        owner: {
          jobId: `slot-job-${i}`,
          workerId: `w${(i % 3) + 1}`,
          signal: new AbortController().signal,
        },
        leaseMs: 60_000,
        clock: systemClock,
        pollMs: 20,
      });
      return (async () => {
        const release = await slots.acquire();
        inUse++;
        most = Math.max(most, inUse);
        await systemClock.sleep(30);
        inUse--;
        release();
      })();
    });
    await Promise.all(holders);
    assert.equal(most, 2);

    // a worker that stops beating loses its idle slot to others
    const dead = new SharedSlots({
      db,
      provider: 'luma',
      capacity: 1,
      owner: { jobId: 'dead-job', workerId: 'w1', signal: new AbortController().signal },
      leaseMs: 60_000,
      clock: systemClock,
      pollMs: 20,
    });
    await dead.acquire();
    await db.updateTable('worker').set({ heartbeat_ms: 0 }).where('id', '=', 'w1').execute();
    const other = new SharedSlots({
      db,
      provider: 'luma',
      capacity: 1,
      owner: { jobId: 'other-job', workerId: 'w2', signal: new AbortController().signal },
      leaseMs: 60_000,
      clock: systemClock,
      pollMs: 20,
    });
    await other.acquire(AbortSignal.timeout(3000));
    const row = await db
      .selectFrom('provider_slot')
      .selectAll()
      .where('provider', '=', 'luma')
      .executeTakeFirstOrThrow();
    assert.equal(row.job_id, 'other-job');
  });
});
