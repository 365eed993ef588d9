/**
 * Planning, as the library offers it: the router's plan for a storyboard, optionally after
 * changes a team tries out (a shot's pin, tags or priority; the policy; the budget) without
 * touching the file. Pure: nothing is read or spent.
 */
import type { Catalog } from '../catalog/load.ts';
import { ShotrouterError } from '../errors.ts';
import {
  configuredProviders,
  isCredentialProvider,
  missingCredentialHint,
} from '../providers/credentials.ts';
import { planStoryboard } from '../router/plan.ts';
import type { Plan } from '../router/types.ts';
import {
  type Optimize,
  type Priority,
  type Storyboard,
  TAGS,
  type Tag,
} from '../storyboard/types.ts';

export interface PlanOptions {
  /** the date at which lifecycles are judged (default: the storyboard's `as_of`, else today) */
  asOf?: string;
  /** overrides the storyboard's `budget_usd` */
  budgetUsd?: number;
  /**
   * When given, routes prefer providers whose credentials are set in this environment and the
   * plan says what to set for the others (secrets are never read into the plan).
   */
  env?: Record<string, string | undefined>;
  /**
   * The providers to plan with, instead of reading them from `env`: a plan's recorded
   * `providers`, to replay it exactly. An empty list plans by capability.
   */
  providers?: readonly string[];
}

/** Routes every shot; the same storyboard, catalog and `asOf` always give the same plan. */
export function plan(storyboard: Storyboard, catalog: Catalog, options: PlanOptions = {}): Plan {
  return planStoryboard(storyboard, catalog, {
    ...(options.asOf ? { asOf: options.asOf } : {}),
    ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
    ...(options.env || options.providers
      ? {
          configuredProviders: new Set<string>(
            options.providers ?? configuredProviders(options.env),
          ),
          credentialHint: (provider: string) =>
            isCredentialProvider(provider)
              ? missingCredentialHint(provider)
              : `configure ${provider}`,
        }
      : {}),
  });
}

/** What may be changed on one shot without editing the storyboard. */
export interface ShotChange {
  /** pin the shot to a catalog model; `null` removes the pin */
  model?: string | null;
  tags?: Tag[];
  priority?: Priority;
  /**
   * A new prompt for the shot: the next run makes that shot again (its clip's cache key changes)
   * and reuses every other kept clip, so only it is estimated and paid for.
   */
  prompt?: string;
}

/** Changes tried on a storyboard before committing them. */
export interface PlanChanges {
  /** `null` removes the budget */
  budgetUsd?: number | null;
  optimize?: Optimize;
  shots?: Record<string, ShotChange>;
}

/**
 * The storyboard with `changes` applied (a copy; the input is not modified). Throws a `usage`
 * error naming the first change that cannot apply: an unknown shot, model or tag.
 */
export function applyChanges(
  storyboard: Storyboard,
  changes: PlanChanges,
  catalog: Catalog,
): Storyboard {
  const byId = new Map(storyboard.shots.map((s) => [s.id, s]));
  for (const [id, change] of Object.entries(changes.shots ?? {})) {
    if (!byId.has(id)) throw new ShotrouterError('usage', `no shot '${id}' in the storyboard`);
    if (change.model != null && !catalog.byId.has(change.model)) {
      throw new ShotrouterError('usage', `shot ${id}: no model '${change.model}' in the catalog`);
    }
    const unknown = change.tags?.find((t) => !(TAGS as readonly string[]).includes(t));
    if (unknown !== undefined) {
      throw new ShotrouterError('usage', `shot ${id}: '${unknown}' is not a known tag`);
    }
  }
  const shots = storyboard.shots.map((shot) => {
    const change = changes.shots?.[shot.id];
    if (!change) return shot;
    const next = { ...shot };
    if (change.model === null) delete next.model;
    else if (change.model !== undefined) next.model = change.model;
    if (change.tags) next.tags = [...new Set(change.tags)];
    if (change.priority) next.priority = change.priority;
    if (change.prompt !== undefined && change.prompt.trim() !== '') next.prompt = change.prompt;
    return next;
  });
  const next: Storyboard = {
    ...storyboard,
    policy: changes.optimize
      ? { ...storyboard.policy, optimize: changes.optimize }
      : storyboard.policy,
    shots,
  };
  if (changes.budgetUsd === null) delete next.budgetUsd;
  else if (changes.budgetUsd !== undefined) next.budgetUsd = changes.budgetUsd;
  return next;
}

/** Merges later changes over earlier ones (per shot, per field). */
export function mergeChanges(base: PlanChanges, more: PlanChanges): PlanChanges {
  const shots: Record<string, ShotChange> = { ...base.shots };
  for (const [id, change] of Object.entries(more.shots ?? {})) {
    shots[id] = { ...shots[id], ...change };
  }
  const merged: PlanChanges = { ...base, ...more, shots };
  if (Object.keys(shots).length === 0) delete merged.shots;
  return merged;
}

/** Exit 2 material: a plan with a shot no model can make, or an estimate over the budget. */
export function assertRunnable(plan: Plan, how: { preview?: boolean } = {}): void {
  const errors = blockingProblems(plan, how);
  if (errors.length === 0) return;
  const previewable = (p: Plan['problems'][number]) =>
    p.code === 'over_budget' || p.code === 'no_voice';
  const code = errors.every((p) => p.code === 'over_budget') ? 'over_budget' : 'unsatisfiable';
  throw new ShotrouterError(
    code,
    `the plan cannot be run:\n${errors.map((p) => `  ${p.shot ? `[${p.shot}] ` : ''}${p.message}`).join('\n')}`,
    {
      details: {
        plan_usd: plan.total.usd,
        budget_usd: plan.budget_usd,
        problems: errors.length,
        preview_possible: errors.every(previewable),
      },
    },
  );
}

/**
 * The plan's problems that stop a run. A preview spends nothing, so being over the budget
 * never stops it: a project over budget can always be previewed. Nor does a narration without
 * a text-to-speech voice: the preview reads it with a local voice.
 */
export function blockingProblems(plan: Plan, how: { preview?: boolean } = {}) {
  return plan.problems.filter(
    (p) =>
      p.severity === 'error' &&
      !(how.preview && (p.code === 'over_budget' || p.code === 'no_voice')),
  );
}
