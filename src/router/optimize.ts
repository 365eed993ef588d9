/**
 * The budget optimizer: choose one option per item (a shot, or a multi-shot group) to maximise
 * the summed value (priority-weighted score) with the summed cost within the budget. This is the
 * multiple-choice knapsack problem, solved exactly:
 *
 * 1. If every item's best option fits, that is the answer; if the cheapest options do not fit,
 *    there is none.
 * 2. A greedy fill along each item's convex hull gives a feasible incumbent, and the LP
 *    relaxation gives a Lagrange multiplier λ and an upper bound L(λ).
 * 3. Reduced-cost fixing: an option whose best completion (L(λ) with that option forced) is
 *    below the incumbent can never be optimal and is dropped. Most items keep one option.
 * 4. The few items left are solved exactly with a Pareto-frontier dynamic programme over
 *    (cost, value), pruned by budget, dominance and the bound.
 *
 * Costs are integers (micro-dollars) so that comparisons with the budget are exact.
 */

export interface Choice {
  cost: number;
  value: number;
}

export interface Solution {
  /** chosen option index per item */
  picks: number[];
  cost: number;
  value: number;
}

const EPS = 1e-9;

export function solveBudget(
  items: ReadonlyArray<ReadonlyArray<Choice>>,
  budget: number,
): Solution | null {
  const n = items.length;
  const best = items.map(bestIndex);
  const cheapest = items.map(cheapestIndex);
  const total = (picks: number[]) => picks.reduce((sum, j, i) => sum + items[i]![j]!.cost, 0);
  const value = (picks: number[]) => picks.reduce((sum, j, i) => sum + items[i]![j]!.value, 0);

  if (total(cheapest) > budget) return null;
  if (total(best) <= budget) return { picks: best, cost: total(best), value: value(best) };

  const incumbent = greedyFill(items, budget, cheapest);
  let incumbentValue = value(incumbent);
  const lambda = breakEfficiency(items, budget, cheapest);

  // L(λ) = λ·B + Σ max_j (v_ij − λ·c_ij): an upper bound on any feasible solution's value.
  const contribution = items.map((options) =>
    Math.max(...options.map((o) => o.value - lambda * o.cost)),
  );
  const bound = lambda * budget + contribution.reduce((a, b) => a + b, 0);

  // Reduced-cost fixing.
  const kept: number[][] = items.map((options, i) =>
    options
      .map((_, j) => j)
      .filter((j) => {
        const o = options[j]!;
        const forced = bound - contribution[i]! + (o.value - lambda * o.cost);
        return forced >= incumbentValue - EPS * Math.max(1, Math.abs(incumbentValue));
      }),
  );

  // Fixed items have exactly one option left; the rest form the core.
  const picks = new Array<number>(n).fill(-1);
  let fixedCost = 0;
  let fixedValue = 0;
  const core: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = kept[i]!;
    if (k.length === 1) {
      picks[i] = k[0]!;
      fixedCost += items[i]![k[0]!]!.cost;
      fixedValue += items[i]![k[0]!]!.value;
    } else if (k.length === 0) {
      // Only possible through float round-off at a tie: keep the incumbent's choice.
      picks[i] = incumbent[i]!;
      fixedCost += items[i]![incumbent[i]!]!.cost;
      fixedValue += items[i]![incumbent[i]!]!.value;
    } else {
      core.push(i);
    }
  }

  const coreSolution = paretoSolve(
    core.map((i) => kept[i]!.map((j) => ({ ...items[i]![j]!, index: j }))),
    budget - fixedCost,
    incumbentValue - fixedValue,
  );
  if (coreSolution) {
    core.forEach((i, k) => {
      picks[i] = coreSolution[k]!;
    });
    if (total(picks) <= budget && value(picks) >= incumbentValue - EPS) {
      incumbentValue = value(picks);
      return { picks, cost: total(picks), value: incumbentValue };
    }
  }
  return { picks: incumbent, cost: total(incumbent), value: value(incumbent) };
}

function bestIndex(options: ReadonlyArray<Choice>): number {
  let best = 0;
  for (let j = 1; j < options.length; j++) {
    const o = options[j]!;
    const b = options[best]!;
    if (o.value > b.value + EPS || (Math.abs(o.value - b.value) <= EPS && o.cost < b.cost))
      best = j;
  }
  return best;
}

function cheapestIndex(options: ReadonlyArray<Choice>): number {
  let best = 0;
  for (let j = 1; j < options.length; j++) {
    const o = options[j]!;
    const b = options[best]!;
    if (o.cost < b.cost || (o.cost === b.cost && o.value > b.value + EPS)) best = j;
  }
  return best;
}

interface Step {
  item: number;
  from: number;
  to: number;
  dCost: number;
  dValue: number;
}

/** Upgrade steps along each item's upper convex hull, most efficient first. */
function hullSteps(items: ReadonlyArray<ReadonlyArray<Choice>>, start: number[]): Step[] {
  const steps: Step[] = [];
  items.forEach((options, i) => {
    // Options better than the start, sorted by cost, forming an upper convex hull.
    const base = options[start[i]!]!;
    const candidates = options
      .map((o, j) => ({ ...o, j }))
      .filter((o) => o.value > base.value + EPS && o.cost > base.cost)
      .sort((a, b) => a.cost - b.cost || b.value - a.value);
    const hull: Array<Choice & { j: number }> = [{ ...base, j: start[i]! }];
    for (const c of candidates) {
      if (c.value <= hull.at(-1)!.value + EPS) continue;
      while (hull.length >= 2) {
        const a = hull.at(-2)!;
        const b = hull.at(-1)!;
        // b is under the segment a→c: not on the hull.
        if ((b.value - a.value) * (c.cost - a.cost) <= (c.value - a.value) * (b.cost - a.cost))
          hull.pop();
        else break;
      }
      hull.push(c);
    }
    for (let k = 1; k < hull.length; k++) {
      steps.push({
        item: i,
        from: hull[k - 1]!.j,
        to: hull[k]!.j,
        dCost: hull[k]!.cost - hull[k - 1]!.cost,
        dValue: hull[k]!.value - hull[k - 1]!.value,
      });
    }
  });
  // Within one item, hull steps have falling efficiency, so this order keeps them in sequence.
  return steps.sort((a, b) => b.dValue / b.dCost - a.dValue / a.dCost || a.item - b.item);
}

/** A feasible solution: take hull upgrades in order of efficiency while they fit. */
function greedyFill(
  items: ReadonlyArray<ReadonlyArray<Choice>>,
  budget: number,
  cheapest: number[],
): number[] {
  const picks = [...cheapest];
  let cost = picks.reduce((sum, j, i) => sum + items[i]![j]!.cost, 0);
  for (const step of hullSteps(items, cheapest)) {
    if (picks[step.item] !== step.from) continue;
    if (cost + step.dCost <= budget) {
      picks[step.item] = step.to;
      cost += step.dCost;
    }
  }
  return picks;
}

/** λ: the efficiency of the first hull step the LP relaxation can take only in part. */
function breakEfficiency(
  items: ReadonlyArray<ReadonlyArray<Choice>>,
  budget: number,
  cheapest: number[],
): number {
  let cost = cheapest.reduce((sum, j, i) => sum + items[i]![j]!.cost, 0);
  for (const step of hullSteps(items, cheapest)) {
    if (cost + step.dCost > budget) return step.dValue / step.dCost;
    cost += step.dCost;
  }
  return 0;
}

/**
 * Exact solution of a small multiple-choice knapsack by Pareto frontiers. Returns the chosen
 * option index per item, or null when nothing beats `floor` within the budget.
 *
 * The frontier is kept in typed arrays, ascending in cost with strictly rising value. Adding an
 * item's option shifts the whole frontier by the same cost and value, so each shifted copy stays
 * sorted and the next frontier is a merge of one sorted run per option: no sorting, no objects.
 */
function paretoSolve(
  items: ReadonlyArray<ReadonlyArray<Choice & { index: number }>>,
  budget: number,
  floor: number,
): number[] | null {
  if (items.length === 0) return [];
  // The most value the items after position k can still add: for pruning by bound.
  const remainingMax = new Float64Array(items.length + 1);
  for (let k = items.length - 1; k >= 0; k--) {
    remainingMax[k] = remainingMax[k + 1]! + Math.max(...items[k]!.map((o) => o.value));
  }
  const needed = floor - EPS * Math.max(1, Math.abs(floor));
  let costs = new Float64Array([0]);
  let values = new Float64Array([0]);
  const parents: Int32Array[] = [];
  const chosen: Int32Array[] = [];
  for (let k = 0; k < items.length; k++) {
    const options = items[k]!;
    const size = costs.length;
    const capacity = size * options.length;
    const nextCosts = new Float64Array(capacity);
    const nextValues = new Float64Array(capacity);
    const nextParents = new Int32Array(capacity);
    const nextChosen = new Int32Array(capacity);
    const position = new Int32Array(options.length);
    const bound = remainingMax[k + 1]!;
    let n = 0;
    for (;;) {
      // the option whose next shifted state is cheapest (on a tie, the more valuable)
      let best = -1;
      let bestCost = 0;
      let bestValue = 0;
      for (let j = 0; j < options.length; j++) {
        const at = position[j]!;
        if (at >= size) continue;
        const cost = costs[at]! + options[j]!.cost;
        if (cost > budget) {
          position[j] = size; // the rest of this run costs more still
          continue;
        }
        const value = values[at]! + options[j]!.value;
        if (best < 0 || cost < bestCost || (cost === bestCost && value > bestValue)) {
          best = j;
          bestCost = cost;
          bestValue = value;
        }
      }
      if (best < 0) break;
      const parent = position[best]!;
      position[best] = parent + 1;
      if (bestValue + bound < needed) continue;
      if (n > 0 && bestValue <= nextValues[n - 1]! + EPS) continue; // dominated
      nextCosts[n] = bestCost;
      nextValues[n] = bestValue;
      nextParents[n] = parent;
      nextChosen[n] = options[best]!.index;
      n++;
    }
    if (n === 0) return null;
    costs = nextCosts.slice(0, n);
    values = nextValues.slice(0, n);
    parents.push(nextParents.slice(0, n));
    chosen.push(nextChosen.slice(0, n));
  }
  // The last state on the frontier has the most value.
  let index = costs.length - 1;
  const picks = new Array<number>(items.length);
  for (let k = items.length - 1; k >= 0; k--) {
    picks[k] = chosen[k]![index]!;
    index = parents[k]![index]!;
  }
  return picks;
}

/** The greedy choice at the same budget, for comparison in the benchmark. */
export function greedyBudget(
  items: ReadonlyArray<ReadonlyArray<Choice>>,
  budget: number,
): Solution | null {
  const cheapest = items.map(cheapestIndex);
  const start = cheapest.reduce((sum, j, i) => sum + items[i]![j]!.cost, 0);
  if (start > budget) return null;
  const picks = greedyFill(items, budget, cheapest);
  return {
    picks,
    cost: picks.reduce((sum, j, i) => sum + items[i]![j]!.cost, 0),
    value: picks.reduce((sum, j, i) => sum + items[i]![j]!.value, 0),
  };
}
