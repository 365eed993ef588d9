import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import fc from 'fast-check';
import { BudgetGate } from '../../src/engine/budget.ts';
import { providerErrors } from '../../src/providers/errors.ts';
import { FakeProvider } from './fake-provider.ts';
import { ENGINE_PATHS, type Harness, harness, route, spec } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('budget gate', () => {
  test('grants what fits, refuses at once what can never fit', async () => {
    const gate = new BudgetGate({ budgetMicro: 100 });
    assert.equal(gate.tryReserve(60), true);
    assert.equal(gate.tryReserve(50), false);
    gate.settle(60, 60);
    await assert.rejects(gate.reserve(50, 'shot s2'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'over_budget');
      assert.match(
        error.message,
        /shot s2 would cost up to \$0\.00, but only \$0\.00 of the \$0\.00 budget/,
      );
      return true;
    });
  });

  test('a waiting reservation goes through when another settles below its estimate', async () => {
    const gate = new BudgetGate({ budgetMicro: 100 });
    await gate.reserve(80, 'a');
    const waiting = gate.reserve(80, 'b');
    gate.settle(80, 10);
    await waiting;
    assert.deepEqual(gate.snapshot(), { budgetMicro: 100, reservedMicro: 80, spentMicro: 10 });
  });

  test('property: reserved + spent never exceeds the budget, whatever the order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 400 }), fc.double({ min: 0, max: 1, noNaN: true })),
          {
            maxLength: 60,
          },
        ),
        (budget, operations) => {
          const gate = new BudgetGate({ budgetMicro: budget });
          const held: number[] = [];
          for (const [amount, choice] of operations) {
            if (choice < 0.6) {
              if (gate.tryReserve(amount)) held.push(amount);
            } else if (held.length > 0) {
              // settle one held reservation at a cost no higher than what was reserved
              const reserved = held.splice(Math.floor(choice * held.length) % held.length, 1)[0]!;
              gate.settle(reserved, Math.floor(reserved * choice));
            }
            const { reservedMicro, spentMicro } = gate.snapshot();
            assert.ok(reservedMicro + spentMicro <= budget);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

for (const path of ENGINE_PATHS) {
  describe(`engine: budget (${path})`, () => {
    test('a start that would pass the budget does not happen; the shot fails with the reason', async () => {
      const fake = new FakeProvider({ concurrency: 2 });
      h = await harness({
        path,
        providers: [fake],
        specs: [spec('s1', [route('fake', 'm1', 1)]), spec('s2', [route('fake', 'm1', 1)])],
        budgetUsd: 1.5,
      });
      const outcome = await h.run();
      assert.equal(outcome.done, 1);
      assert.equal(outcome.failed, 1);
      assert.equal(fake.startCalls.length, 1);
      const failed = outcome.jobs.find((j) => j.state === 'failed')!;
      assert.equal(failed.error_code, 'over_budget');
      assert.match(
        failed.error_message!,
        /would cost up to \$1\.00, but only \$0\.50 of the \$1\.50 budget is left/,
      );
    });

    test('a shot waits for money that an attempt in flight may free', async () => {
      // either shot may start first (the queue gives no order): each settles at $0.40
      const fake = new FakeProvider({ concurrency: 2, costUsd: () => 0.4 });
      h = await harness({
        path,
        providers: [fake],
        specs: [spec('s1', [route('fake', 'm1', 2)]), spec('s2', [route('fake', 'm1', 2)])],
        budgetUsd: 2.5,
      });
      const outcome = await h.run();
      assert.equal(outcome.done, 2);
      // the second shot only started after the first settled at $0.40
      const firstSettled = h.events.findIndex((e) => e.type === 'spend' && e.spentUsd === 0.4);
      const starts = h.events.flatMap((e, i) =>
        e.type === 'job' && e.state === 'starting' ? [i] : [],
      );
      assert.equal(starts.length, 2);
      assert.ok(
        firstSettled > 0 && starts[1]! > firstSettled,
        `settled at ${firstSettled}, the second started at ${starts[1]}`,
      );
      assert.deepEqual(await h.store.ledgerTotals(h.runId), {
        reservedMicro: 0,
        spentMicro: 800_000,
      });
    });

    test('a route too dear for what is left falls back to a cheaper one', async () => {
      const fake = new FakeProvider();
      h = await harness({
        path,
        providers: [fake],
        specs: [spec('s1', [route('fake', 'dear', 2), route('fake', 'cheap', 0.5)])],
        budgetUsd: 1,
      });
      const outcome = await h.run();
      assert.equal(outcome.jobs[0]!.model, 'cheap');
      assert.deepEqual(
        fake.startCalls.map((c) => c.model),
        ['cheap'],
      );
    });
  });
}

describe('engine: budget (in-process, many runs)', () => {
  test('property: with random costs, failures and concurrency the run never commits past the budget', async () => {
    const kinds = ['ok', 'ok', 'ok', 'refuse', 'fail', 'drop', 'unknown'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            usd: fc.integer({ min: 1, max: 300 }).map((c) => c / 100),
            costShare: fc.double({ min: 0, max: 1, noNaN: true }),
            kind: fc.constantFrom(...kinds),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 50, max: 1000 }).map((c) => c / 100),
        async (shots, concurrency, budgetUsd) => {
          const byShot = new Map(shots.map((s, i) => [`s${i}`, s]));
          const fake = new FakeProvider({
            concurrency,
            polls: 1,
            reconcile: shots.some((s) => s.kind === 'unknown') ? 'unknown' : 'lookup',
            onStart: ({ shotId, model }) => {
              const kind = byShot.get(shotId)!.kind;
              if (model !== 'm1') return undefined;
              if (kind === 'refuse') return { error: providerErrors.contentRefused('fake', 'no') };
              if (kind === 'drop' || kind === 'unknown') return 'drop-after-create';
              return undefined;
            },
            finish: (shotId, model) =>
              byShot.get(shotId)!.kind === 'fail' && model === 'm1'
                ? { error: 'broke', code: 'content_refused' }
                : 'ok',
            // a provider never bills more than the route's list price
            costUsd: (shotId, model) => {
              const s = byShot.get(shotId)!;
              const listPrice = model === 'm1' ? s.usd : s.usd / 2;
              return Math.floor(listPrice * s.costShare * 100) / 100;
            },
          });
          const specs = shots.map((s, i) =>
            spec(`s${i}`, [route('fake', 'm1', s.usd), route('fake', 'm2', s.usd / 2)]),
          );
          const run = await harness({ providers: [fake], specs, budgetUsd });
          try {
            const budgetMicro = Math.round(budgetUsd * 1e6);
            const outcome = await run.run();
            for (const e of run.events) {
              if (e.type !== 'spend') continue;
              assert.ok(
                Math.round((e.reservedUsd + e.spentUsd) * 1e6) <= budgetMicro,
                `reserved ${e.reservedUsd} + spent ${e.spentUsd} > ${budgetUsd}`,
              );
            }
            const totals = await run.store.ledgerTotals(run.runId);
            assert.equal(totals.reservedMicro, 0);
            assert.ok(totals.spentMicro <= budgetMicro);
            assert.equal(outcome.done + outcome.failed, shots.length);
          } finally {
            await run.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
