import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Choice, greedyBudget, solveBudget } from '../../src/router/optimize.ts';

/** Every combination: the true optimum of a small instance. */
function bruteForce(items: Choice[][], budget: number): number | null {
  let best: number | null = null;
  const walk = (i: number, cost: number, value: number) => {
    if (cost > budget) return;
    if (i === items.length) {
      if (best === null || value > best) best = value;
      return;
    }
    for (const o of items[i]!) walk(i + 1, cost + o.cost, value + o.value);
  };
  walk(0, 0, 0);
  return best;
}

const choice = fc.record({
  cost: fc.integer({ min: 0, max: 120 }),
  value: fc.double({ min: 0, max: 3, noNaN: true }),
});
const instance = fc.record({
  items: fc.array(fc.array(choice, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
  budget: fc.integer({ min: 0, max: 600 }),
});

test('the budget optimizer matches brute force on small random instances', () => {
  fc.assert(
    fc.property(instance, ({ items, budget }) => {
      const expected = bruteForce(items, budget);
      const solution = solveBudget(items, budget);
      if (expected === null) {
        assert.equal(solution, null);
        return;
      }
      assert.ok(solution, 'a feasible instance must be solved');
      const cost = solution.picks.reduce((sum, j, i) => sum + items[i]![j]!.cost, 0);
      const value = solution.picks.reduce((sum, j, i) => sum + items[i]![j]!.value, 0);
      assert.ok(cost <= budget, `cost ${cost} over budget ${budget}`);
      assert.equal(cost, solution.cost);
      assert.ok(Math.abs(value - expected) < 1e-7, `value ${value} vs optimum ${expected}`);
    }),
    { numRuns: 2000, seed: 20261126 },
  );
});

test('greedy can be worse than the optimizer, never better', () => {
  // Greedy takes the most efficient upgrade first and then cannot afford the big one.
  const items: Choice[][] = [
    [
      { cost: 0, value: 0 },
      { cost: 1, value: 2 },
    ],
    [
      { cost: 0, value: 0 },
      { cost: 10, value: 10 },
    ],
  ];
  const optimal = solveBudget(items, 10)!;
  const greedy = greedyBudget(items, 10)!;
  assert.equal(optimal.value, 10);
  assert.equal(greedy.value, 2);
  fc.assert(
    fc.property(instance, ({ items: random, budget }) => {
      const o = solveBudget(random, budget);
      const g = greedyBudget(random, budget);
      if (!o || !g) return;
      assert.ok(o.value >= g.value - 1e-9);
    }),
    { numRuns: 500, seed: 7 },
  );
});

test('when every best option fits, the best options are chosen', () => {
  const items: Choice[][] = [
    [
      { cost: 5, value: 1 },
      { cost: 50, value: 2 },
    ],
    [{ cost: 3, value: 1 }],
  ];
  assert.deepEqual(solveBudget(items, 1000)!.picks, [1, 0]);
  assert.equal(solveBudget(items, 7), null);
});
