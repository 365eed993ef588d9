/**
 * Continuity (docs/storyboard.md "Continuity"): shots that share a character or a location form
 * a group, and the group is steered to one model family, the catalog card's `family`. Under
 * `prefer` the options of that family get a small bonus in the optimizer; under `strict` the
 * group's shots keep only that family's options. The optimizer itself is unchanged: the rule is
 * expressed in the options it chooses from, so the plan stays linear in the number of shots.
 *
 * Works on the router's decision items (a shot, or a multi-shot group) through `ItemAccess`, so
 * that this file needs nothing from plan.ts.
 */
import { money } from '../contracts/format.ts';
import type { ContinuityPolicy, Shot } from '../storyboard/types.ts';
import { PRIORITY_WEIGHT, round4 } from './score.ts';
import type { Plan, PlannedShot, PlanProblem } from './types.ts';

/** Score a shot on its group's family counts extra under `prefer`, times its priority weight. */
export const CONTINUITY_BONUS = 0.05;

export interface OptionLike {
  usd: number;
  value: number;
  score: number;
}

export interface ItemAccess<I, O extends OptionLike> {
  options(item: I): readonly O[];
  shots(item: I): readonly Shot[];
  /** the option's model family (the catalog card's `family`) */
  family(option: O): string;
  /** the item with these options instead (its shots unchanged) */
  withOptions(item: I, options: O[]): I;
  /** the option with `bonus` added to its value */
  withBonus(option: O, bonus: number): O;
}

export interface Group {
  id: string;
  /** indexes into the items, in storyboard order */
  items: number[];
  shots: Shot[];
  characters: string[];
  locations: string[];
  /** the family the group is steered to; null under `off` or when strict cannot be met */
  family: string | null;
}

/**
 * Items whose shots share a character or location (directly or through a chain of shared
 * names), two or more shots each. One pass with a union-find over the items.
 */
export function findGroups<I>(items: readonly I[], shotsOf: (item: I) => readonly Shot[]): Group[] {
  const parent = new Int32Array(items.length).map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const owner = new Map<string, number>();
  const link = (name: string, i: number) => {
    const other = owner.get(name);
    if (other === undefined) owner.set(name, i);
    else parent[root(i)] = root(other);
  };
  items.forEach((item, i) => {
    for (const shot of shotsOf(item)) {
      for (const c of shot.characters) link(`c\0${c}`, i);
      if (shot.location !== undefined) link(`l\0${shot.location}`, i);
    }
  });
  const byRoot = new Map<number, number[]>();
  items.forEach((_, i) => {
    const r = root(i);
    const list = byRoot.get(r);
    if (list) list.push(i);
    else byRoot.set(r, [i]);
  });
  const groups: Group[] = [];
  for (const members of byRoot.values()) {
    const shots = members.flatMap((i) => shotsOf(items[i]!));
    const characters = shared(shots.flatMap((s) => s.characters));
    const locations = shared(shots.flatMap((s) => (s.location === undefined ? [] : [s.location])));
    // one multi-shot generation whose shots share nothing is not a group
    if (characters.length + locations.length === 0) continue;
    groups.push({ id: '', items: members, shots, characters, locations, family: null });
  }
  groups.sort((a, b) => a.shots[0]!.index - b.shots[0]!.index);
  groups.forEach((g, k) => {
    g.id = `continuity-${k + 1}`;
  });
  return groups;
}

/** Names that occur twice or more, in first-seen order. */
function shared(names: string[]): string[] {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([name]) => name);
}

/**
 * Which family each group is steered to, and the items with their options changed to say so.
 * `by`: `value` takes the family that serves the group best; `cost` the one whose cheapest
 * options cost least (strict, when the best family does not fit the budget).
 */
export function constrain<I, O extends OptionLike>(
  items: readonly I[],
  groups: readonly Group[],
  mode: Exclude<ContinuityPolicy, 'off'>,
  by: 'value' | 'cost',
  access: ItemAccess<I, O>,
): { items: I[]; problems: PlanProblem[] } {
  const out = [...items];
  const problems: PlanProblem[] = [];
  const derived = new DerivedOptions(access);
  for (const group of groups) {
    group.family = null;
    const routed = group.items.filter((i) => access.options(items[i]!).length > 0);
    if (routed.length === 0) continue;
    const family = chooseFamily(
      routed.map((i) => items[i]!),
      mode,
      by,
      access,
    );
    if (family === null) {
      problems.push(infeasible(group, routed, items, access));
      continue;
    }
    group.family = family;
    for (const i of routed) {
      const item = items[i]!;
      const weight = access.shots(item).reduce((sum, s) => sum + PRIORITY_WEIGHT[s.priority], 0);
      out[i] = access.withOptions(item, derived.get(access.options(item), family, mode, weight));
    }
  }
  return { items: out, problems };
}

/** Per family: each item's best value and cheapest price on it (items without it: absent). */
function familyTable<I, O extends OptionLike>(
  items: readonly I[],
  access: ItemAccess<I, O>,
): Map<string, { covers: number; value: number; usd: number; gain: number }> {
  const table = new Map<string, { covers: number; value: number; usd: number; gain: number }>();
  for (const item of items) {
    const options = access.options(item);
    const bestAll = Math.max(...options.map((o) => o.value));
    const seen = new Map<string, { value: number; usd: number }>();
    for (const o of options) {
      const f = access.family(o);
      const s = seen.get(f);
      if (!s) seen.set(f, { value: o.value, usd: o.usd });
      else {
        s.value = Math.max(s.value, o.value);
        s.usd = Math.min(s.usd, o.usd);
      }
    }
    const weight = access.shots(item).reduce((sum, s) => sum + PRIORITY_WEIGHT[s.priority], 0);
    for (const [f, s] of seen) {
      const row = table.get(f) ?? { covers: 0, value: 0, usd: 0, gain: 0 };
      row.covers++;
      row.value += s.value;
      row.usd += s.usd;
      // what steering this item to f adds under prefer: the bonus, less any score given up
      row.gain += Math.max(0, s.value + CONTINUITY_BONUS * weight - bestAll);
      table.set(f, row);
    }
  }
  return table;
}

function chooseFamily<I, O extends OptionLike>(
  items: readonly I[],
  mode: Exclude<ContinuityPolicy, 'off'>,
  by: 'value' | 'cost',
  access: ItemAccess<I, O>,
): string | null {
  const table = familyTable(items, access);
  let best: string | null = null;
  let bestRow: { covers: number; value: number; usd: number; gain: number } | undefined;
  for (const [family, row] of [...table].sort(([a], [b]) => a.localeCompare(b))) {
    if (mode === 'strict' && row.covers < items.length) continue;
    const better =
      bestRow === undefined ||
      (mode === 'prefer'
        ? row.gain > bestRow.gain + 1e-9
        : by === 'cost'
          ? row.usd < bestRow.usd
          : row.value > bestRow.value + 1e-9 ||
            (Math.abs(row.value - bestRow.value) <= 1e-9 && row.usd < bestRow.usd));
    if (better) {
      best = family;
      bestRow = row;
    }
  }
  return best;
}

/** Derived option lists, shared by every item with the same options, family and weight. */
class DerivedOptions<I, O extends OptionLike> {
  readonly #cache = new WeakMap<readonly O[], Map<string, O[]>>();
  readonly #access: ItemAccess<I, O>;
  constructor(access: ItemAccess<I, O>) {
    this.#access = access;
  }

  get(options: readonly O[], family: string, mode: string, weight: number): O[] {
    let byKey = this.#cache.get(options);
    if (!byKey) {
      byKey = new Map();
      this.#cache.set(options, byKey);
    }
    const key = `${mode}|${family}|${weight}`;
    let list = byKey.get(key);
    if (!list) {
      const access = this.#access;
      list =
        mode === 'strict'
          ? options.filter((o) => access.family(o) === family)
          : options
              .map((o) =>
                access.family(o) === family ? access.withBonus(o, CONTINUITY_BONUS * weight) : o,
              )
              // best first, as the plan's items are: the bonus may reorder them
              .sort((a, b) => b.value - a.value || a.usd - b.usd);
      byKey.set(key, list);
    }
    return list;
  }
}

function infeasible<I, O extends OptionLike>(
  group: Group,
  routed: readonly number[],
  items: readonly I[],
  access: ItemAccess<I, O>,
): PlanProblem {
  const families = new Map<string, string[]>();
  for (const i of routed) {
    for (const o of access.options(items[i]!)) families.set(access.family(o), []);
  }
  for (const [family, missing] of families) {
    for (const i of routed) {
      if (!access.options(items[i]!).some((o) => access.family(o) === family))
        missing.push(...access.shots(items[i]!).map((s) => s.id));
    }
  }
  const why = [...families]
    .sort(([, a], [, b]) => a.length - b.length)
    .slice(0, 4)
    .map(([family, missing]) => `${family} cannot make ${listIds(missing)}`);
  return {
    shot: group.shots[0]!.id,
    severity: 'error',
    code: 'continuity_infeasible',
    message: `policy.continuity is strict, but no one model family can make every shot of ${describeGroup(group)}: ${why.join('; ')}. To fix: set policy.continuity to prefer, give those shots different characters or locations, or change them so one family can make them all.`,
  };
}

function describeGroup(group: Pick<Group, 'shots' | 'characters' | 'locations'>): string {
  const names = [...group.characters, ...group.locations].join(', ');
  return `${listIds(group.shots.map((s) => s.id))} (sharing ${names})`;
}

/**
 * `listIds` of a group's `ids` but `self` (one of them), without filtering the whole group for
 * each of its shots (quadratic in a long group).
 */
function listOthers(ids: readonly string[], self: string): string {
  if (ids.length > 6) {
    const shown: string[] = [];
    for (let i = 0; i < ids.length && shown.length < 5; i++)
      if (ids[i] !== self) shown.push(ids[i]!);
    return `${shown.join(', ')}, … (${ids.length - 1})`;
  }
  return listIds(ids.filter((id) => id !== self));
}

function listIds(ids: readonly string[]): string {
  return ids.length <= 5 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')}, … (${ids.length})`;
}

/**
 * The plan's `continuity` field, and a reason on each grouped shot saying what continuity did.
 * `free` is the plan with every shot routed on its own, to show what the groups cost.
 */
export function describeContinuity(
  mode: ContinuityPolicy,
  groups: readonly Group[],
  shots: PlannedShot[],
  free: readonly PlannedShot[],
  familyOf: (model: string) => string | undefined,
): NonNullable<Plan['continuity']> {
  const planned = new Map(shots.map((s) => [s.id, s]));
  const alone = new Map(free.map((s) => [s.id, s]));
  return {
    policy: mode,
    groups: groups.map((group) => {
      const mine = group.shots.map((s) => planned.get(s.id)!);
      const theirs = group.shots.map((s) => alone.get(s.id) ?? planned.get(s.id)!);
      const families = new Set(mine.filter((s) => s.model).map((s) => familyOf(s.model!)));
      const family =
        group.family ?? (mode === 'off' && families.size === 1 ? [...families][0]! : null);
      const usd = sumUsd(mine);
      const unconstrained = sumUsd(theirs);
      if (mode !== 'off' && group.family !== null) addReasons(mode, group, mine, alone, familyOf);
      return {
        id: group.id,
        shots: group.shots.map((s) => s.id),
        characters: group.characters,
        locations: group.locations,
        family,
        kept: family !== null && families.size === 1 && families.has(family),
        usd,
        unconstrained_usd: unconstrained,
        delta_usd: round4(usd - unconstrained),
        score_delta: round4(meanScore(mine) - meanScore(theirs)),
      };
    }),
  };
}

function addReasons(
  mode: Exclude<ContinuityPolicy, 'off'>,
  group: Group,
  mine: readonly PlannedShot[],
  alone: ReadonlyMap<string, PlannedShot>,
  familyOf: (model: string) => string | undefined,
): void {
  const family = group.family!;
  const ids = group.shots.map((s) => s.id);
  const names = [...group.characters, ...group.locations].join(', ');
  for (const shot of mine) {
    if (!shot.model) continue;
    const others = listOthers(ids, shot.id);
    const own = alone.get(shot.id);
    const changed = own?.model && own.model !== shot.model ? own : undefined;
    let reason: string;
    if (familyOf(shot.model) === family) {
      reason = `continuity (${mode}): on the ${family} family with ${others} (sharing ${names})`;
      if (changed)
        reason += `; on its own it would be ${changed.model} (score ${changed.score} vs ${shot.score}, $${money(changed.estimate.usd)} vs $${money(shot.estimate.usd)})`;
      if (changed && mode === 'prefer')
        reason += `: the +${CONTINUITY_BONUS} continuity bonus decided`;
    } else {
      reason = `continuity (prefer): not on the ${family} family of ${others} (sharing ${names}): ${shot.model} scores more than the +${CONTINUITY_BONUS} bonus makes up, or the budget decided`;
    }
    // first when continuity changed the choice, else right after the reason the model won on;
    // a new list: shots that agree share their reasons (router/plan.ts)
    shot.reasons = changed
      ? [reason, ...shot.reasons]
      : [...shot.reasons.slice(0, 1), reason, ...shot.reasons.slice(1)];
  }
}

function sumUsd(shots: readonly PlannedShot[]): number {
  return round4(shots.reduce((sum, s) => sum + s.estimate.usd, 0));
}

function meanScore(shots: readonly PlannedShot[]): number {
  return shots.length === 0 ? 0 : shots.reduce((sum, s) => sum + s.score, 0) / shots.length;
}

/** A shot starting from another's frame says so: the frame is known only once that shot is made. */
export function firstFrameReasons(shots: readonly Shot[], planned: readonly PlannedShot[]): void {
  shots.forEach((shot, i) => {
    const from = shot.firstFrameFrom;
    const target = planned[i];
    // a new list: shots that agree share their reasons (router/plan.ts)
    if (from && target?.model)
      target.reasons = [
        ...target.reasons,
        `starts from the ${from.frame} frame of ${from.shot}'s picked take, sent as its first frame once ${from.shot} is made`,
      ];
  });
}
