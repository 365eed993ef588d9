/** total.worst_case_usd: every take failing and every allowed retake bought, at its dearest reach. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlannedShot } from '../../src/router/types.ts';
import { worstCaseUsd } from '../../src/router/worst-case.ts';

const shot = (usd: number, fallbacks: number[], group: string | null = null) =>
  ({
    model: 'm',
    group,
    estimate: { usd, seconds: 10 },
    fallback_routes: fallbacks.map((f) => ({ estimate: { usd: f, seconds: 10 } })),
  }) as unknown as PlannedShot;

test('each retake at the dearest of the model and the fallbacks it may reach; stand-bys of a group too', () => {
  assert.equal(worstCaseUsd([shot(1, [])], 0), 1, 'no retakes: the plan’s total');
  assert.equal(worstCaseUsd([shot(1, [])], 2), 3);
  // one retake reaches the first fallback only: 1 + max(1, 3)
  assert.equal(worstCaseUsd([shot(1, [3, 10])], 1), 4);
  assert.equal(worstCaseUsd([shot(1, [3, 10])], 2), 1 + 2 * 10);
  // a fallback cheaper than the model: retakes at the model's price
  assert.equal(worstCaseUsd([shot(2, [0.5])], 1), 4);
  // a group member: its share with retakes, then made on its own (first fallback) with retakes
  assert.equal(worstCaseUsd([shot(1, [2], 'g')], 1), 1 + 2 + 2 + 2);
  assert.equal(
    worstCaseUsd([{ ...shot(5, []), model: null }], 3),
    0,
    'unroutable shots cost nothing',
  );
});
