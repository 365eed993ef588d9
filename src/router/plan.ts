/**
 * The router: every shot to the best model it may use, within the budget, with reasons.
 * Pure: the same storyboard, catalog and as_of always give the same plan.
 *
 * Steps: evaluate every model for every shot (hard constraints, memoised by what the shot
 * needs), score the feasible ones (soft preferences), group adjacent shots of one `sequence`
 * into multi-shot generations, then choose one option per shot or group, exactly optimising the
 * priority-weighted score within `budget_usd`.
 */
import type { Catalog } from '../catalog/load.ts';
import { LOCAL_PROVIDERS, type ModelCard, type ProviderId } from '../catalog/schema.ts';
import { money } from '../contracts/format.ts';
import {
  type PlanWarning,
  planWarning,
  REJECTION_ADVICE,
  type RejectionCode,
  type RejectionReason,
  rejectionReason,
} from '../contracts/reasons.ts';
import { hasNarration, voiceLines } from '../storyboard/narration.ts';
import { qcPolicyOf, type Shot, type Storyboard } from '../storyboard/types.ts';
import { splitMicro, toMicro, toUsd } from '../util/money.ts';
import {
  constrain,
  describeContinuity,
  findGroups,
  firstFrameReasons,
  type Group,
  type ItemAccess,
} from './continuity.ts';
import { steering, unlockAdvice } from './credentials-steer.ts';
import {
  type EvalContext,
  type Evaluation,
  evaluate,
  type Option,
  priceSegments,
} from './evaluate.ts';
import { imagesMicro, planImages } from './images.ts';
import { describeRetirement, retiringSoon, staleness } from './lifecycle.ts';
import { type Choice, greedyBudget, solveBudget } from './optimize.ts';
import { attachPrompts, promptForm } from './prompt.ts';
import { describeQuality, describeTie } from './quality.ts';
import { effectiveTags, PRIORITY_WEIGHT, round4, type Scored, scoreOptions } from './score.ts';
import { RejectionShare } from './share.ts';
import { allowedDurations, round6, snapDuration, trimNumber } from './snap.ts';
import { addSoundtrackWarning } from './soundtrack.ts';
import { chooseVoices, estimatedSpeechSeconds, planSpeech } from './speech.ts';
import type {
  Fallback,
  Plan,
  PlanEdit,
  PlannedShot,
  PlanProblem,
  Rejection,
  SpeechStep,
} from './types.ts';
import { worstCaseUsd } from './worst-case.ts';

export interface PlanOptions {
  /** overrides the storyboard's as_of (default: the storyboard's, else today in UTC) */
  asOf?: string;
  /** overrides the storyboard's budget_usd */
  budgetUsd?: number;
  /** today's date, for tests (YYYY-MM-DD) */
  today?: string;
  /** `greedy` exists only to measure what the exact optimizer gains (bench:plan) */
  optimizer?: 'exact' | 'greedy';
  /** providers with credentials configured (see providers/credentials.ts); undefined: not checked */
  configuredProviders?: ReadonlySet<string>;
  /** what would enable a provider, e.g. "set KLING_ACCESS_KEY and KLING_SECRET_KEY" */
  credentialHint?: (provider: string) => string;
}

/** Jobs a provider is assumed to run at once when estimating the run's wall time. */
const ASSUMED_CONCURRENCY = { hosted: 4, local: 1 };

interface ShotAnalysis {
  shot: Shot;
  scored: Scored[];
  rejected: Rejection[];
  /** the plan's shared rejections (router/share.ts) */
  share: RejectionShare;
  /** set when the shot is pinned to a model that cannot make it */
  pinFailure?: RejectionReason[];
}

/** One decision for the optimizer: a single shot or a multi-shot group. */
interface Item {
  shots: ShotAnalysis[];
  options: ItemOption[];
}

interface ItemOption {
  /** per shot of the item, the option used (for a group: the same model for all) */
  perShot: Scored[];
  /** for a multi-shot group: the group's own request */
  group?: { id: string; option: Option; cuts: number };
  usd: number;
  value: number;
  score: number;
}

export function planStoryboard(
  storyboard: Storyboard,
  catalog: Catalog,
  options: PlanOptions = {},
): Plan {
  const asOf =
    options.asOf ?? storyboard.asOf ?? options.today ?? new Date().toISOString().slice(0, 10);
  const budget = options.budgetUsd ?? storyboard.budgetUsd;
  const configured = options.configuredProviders;
  const ctx: EvalContext = {
    asOf,
    policy: storyboard.policy,
    frame: { size: storyboard.deliver.size, fit: storyboard.deliver.fit ?? 'fit' },
    ...(configured ? { configured } : {}),
    ...(steering(configured) ? { steer: configured } : {}),
  };
  const analyser = memoisedAnalyser(catalog.models, ctx);
  const problems: PlanProblem[] = [];
  // narration is bought whatever the video costs: what it costs comes off the video's budget
  const speech = speechOf(storyboard, catalog, asOf, configured, problems);
  const speechMicro = speech.reduce((sum, step) => sum + toMicro(step.cost_usd), 0);
  // the stills are bought whatever the shots cost: the shots share what they leave of the budget
  const stills = planImages(storyboard, catalog, {
    asOf,
    ...(configured ? { configured } : {}),
    ...(options.credentialHint ? { credentialHint: options.credentialHint } : {}),
  });
  const stillsMicro = imagesMicro(stills.images);
  // what narration and stills leave of the budget is the video's
  const videoBudget =
    budget === undefined
      ? undefined
      : toUsd(Math.max(0, toMicro(budget) - speechMicro - stillsMicro));

  const analyses = storyboard.shots.map(analyser);
  // When every provider of every route is configured, nothing is out of reach: no advice.
  if (steering(configured) && !reachesEveryRoute(catalog.models, configured)) {
    // What every provider would give, for the advice on which credential unlocks what.
    const { steer: _, ...everywhere } = ctx;
    problems.push(
      ...unlockProblems(analyses, memoisedAnalyser(catalog.models, everywhere), options),
    );
  }
  const items = buildItems(analyses, problems);

  // Shots no allowed model can make get an error that says what to change.
  for (const a of analyses) {
    if (a.pinFailure) {
      problems.push({
        shot: a.shot.id,
        severity: 'error',
        code: 'pinned_model_cannot_make_shot',
        message: `shot ${a.shot.id} is pinned to ${a.shot.model}, which cannot make it: ${a.pinFailure.map((r) => r.message).join('; ')}. Change the shot or remove the pin (shots[${a.shot.index}].model); a pinned model is never replaced.`,
      });
    } else if (a.scored.length === 0) {
      problems.push({
        shot: a.shot.id,
        severity: 'error',
        code: 'no_model',
        message: noModelMessage(a, catalog.models, ctx),
      });
    }
  }

  const optimizer = options.optimizer ?? 'exact';
  const mode = storyboard.policy.continuity ?? 'prefer';
  const groups = findGroups(items, shotsOfItem);
  const constrained = mode !== 'off' && groups.length > 0;
  const { decided, chosen } = constrained
    ? chooseContinuous(items, groups, mode, videoBudget, problems, optimizer)
    : { decided: items, chosen: choose(items, videoBudget, problems, optimizer) };
  const shots = assemble(decided, chosen, analyses);
  attachPrompts(shots, storyboard, catalog.byId);
  const free = constrained
    ? freeChoice(items, decided, chosen, groups, videoBudget, optimizer)
    : shots;
  firstFrameReasons(storyboard.shots, shots);
  const continuity = describeContinuity(mode, groups, shots, free, (id) => {
    return catalog.byId.get(id)?.family;
  });
  // In micro-USD, as the engine reserves it: each option's price is a whole number of micro-USD.
  const totalMicro = decided.reduce((sum, item, i) => {
    const pick = chosen[i];
    return pick === null || pick === undefined ? sum : sum + toMicro(item.options[pick]!.usd);
  }, speechMicro + stillsMicro);
  const totalUsd = toUsd(totalMicro);
  if (
    budget !== undefined &&
    totalMicro > toMicro(budget) &&
    !problems.some((p) => p.code === 'over_budget')
  ) {
    problems.push({
      shot: null,
      severity: 'error',
      code: 'over_budget',
      message: `the plan costs $${money(totalUsd)}${speechMicro > 0 ? ` (narration $${money(toUsd(speechMicro))})` : ''}, over budget_usd $${money(budget)}`,
    });
  }
  problems.push(...stills.problems);
  problems.push(...missingCredentialProblems(shots, options));
  problems.push(...lifecycleProblems(shots, catalog.byId, asOf));
  addSoundtrackWarning(storyboard, shots);
  for (const s of shots) {
    for (const w of s.warnings) {
      problems.push({ shot: s.id, severity: 'warning', code: 'warning', message: w.message });
    }
  }

  return {
    title: storyboard.title,
    as_of: asOf,
    budget_usd: budget ?? null,
    policy: storyboard.policy.optimize,
    providers: configured ? [...configured].sort() : null,
    shots,
    ...(stills.images.length > 0 ? { images: stills.images } : {}),
    total: {
      usd: totalUsd,
      seconds: round6(wallTime(shots)),
      worst_case_usd: toUsd(
        toMicro(worstCaseUsd(shots, qcPolicyOf(storyboard.policy).retake)) +
          speechMicro +
          stillsMicro,
      ),
    },
    cost_range: costRange(items, toUsd(stillsMicro + speechMicro)),
    problems,
    continuity,
    ...planEdit(storyboard),
    catalog: catalog.origin,
    ...(speech.length > 0 || hasNarration(storyboard) ? { speech } : {}),
  };
}

/** The TTS steps, with a problem for each narrated shot no voice can read. */
function speechOf(
  storyboard: Storyboard,
  catalog: Catalog,
  asOf: string,
  configured: ReadonlySet<string> | undefined,
  problems: PlanProblem[],
): SpeechStep[] {
  const lines = voiceLines(storyboard);
  if (lines.length === 0) return [];
  const chosen = chooseVoices(storyboard, catalog.voices, { asOf, configured });
  for (const shot of storyboard.shots) {
    if (shot.durationAuto === 'estimate') {
      problems.push({
        shot: shot.id,
        severity: 'warning',
        code: 'duration_estimated',
        message: `shot ${shot.id} (duration: auto) is planned at ${shot.duration} s, an estimate from its narration's words; the run measures the narration before the video is asked for`,
      });
    }
    const said = shot.narration ? estimatedSpeechSeconds(shot.narration.text) : 0;
    if (shot.durationAuto === undefined && said > shot.duration + 1e-9) {
      problems.push({
        shot: shot.id,
        severity: 'warning',
        code: 'narration_too_long',
        message: `shot ${shot.id}'s narration takes about ${said} s (an estimate from its words) but the shot lasts ${shot.duration} s: it runs over the next shot; write duration: auto, or shorten the narration`,
      });
    }
  }
  for (const [speaker, voice] of chosen) {
    const offered = voice.card.capabilities.voices.value;
    if (offered.length === 0 || offered.includes(voice.voice)) continue;
    const near = offered.find((v) => v.toLowerCase() === voice.voice.toLowerCase());
    problems.push({
      shot: null,
      severity: 'error',
      code: 'unknown_voice',
      message: `voices.${speaker}.voice '${voice.voice}' is not a voice of ${voice.card.id}: ${near ? `did you mean '${near}'? ` : ''}use one of ${offered.join(', ')}`,
    });
  }
  const said = new Set<string>();
  for (const { shot, speaker } of lines) {
    if (chosen.has(speaker) || said.has(`${shot}\n${speaker}`)) continue;
    said.add(`${shot}\n${speaker}`);
    problems.push({
      shot,
      severity: 'error',
      code: 'no_voice',
      message: `shot ${shot}'s narration (speaker ${speaker}) has no voice: the catalog has no usable text-to-speech model. Add a kind: tts card (docs/catalog.md#voices), or preview the run (--preview reads narration with a local voice)`,
    });
  }
  return planSpeech(storyboard, chosen);
}

const shotsOfItem = (item: Item) => item.shots.map((a) => a.shot);

const CONTINUITY_ACCESS: ItemAccess<Item, ItemOption> = {
  options: (item) => item.options,
  shots: shotsOfItem,
  family: (option) => option.perShot[0]!.option.model.family,
  withOptions: (item, options) => ({ shots: item.shots, options }),
  withBonus: (option, bonus) => ({ ...option, value: option.value + bonus }),
};

/**
 * What the groups' shots would be routed to on their own, the rest of the plan as chosen: their
 * items solved again without the constraint, within what the rest leaves of the budget (a
 * problem the size of the groups, not of the storyboard).
 */
function freeChoice(
  items: Item[],
  decided: Item[],
  chosen: Array<number | null>,
  groups: readonly Group[],
  budget: number | undefined,
  optimizer: 'exact' | 'greedy',
): PlannedShot[] {
  const inGroup = new Set(groups.flatMap((g) => g.items));
  let restMicro = 0;
  decided.forEach((item, i) => {
    const pick = chosen[i];
    if (!inGroup.has(i) && pick !== null && pick !== undefined)
      restMicro += toMicro(item.options[pick]!.usd);
  });
  const subset = [...inGroup].sort((a, b) => a - b).map((i) => items[i]!);
  const left = budget === undefined ? undefined : toUsd(Math.max(0, toMicro(budget) - restMicro));
  return assemble(
    subset,
    choose(subset, left, [], optimizer),
    subset.flatMap((item) => item.shots),
  );
}

/**
 * The choice with continuity groups kept on one family (router/continuity.ts). Under `strict`,
 * when the family that serves each group best does not fit the budget, each group's cheapest
 * family is tried before the plan is declared over budget.
 */
function chooseContinuous(
  items: Item[],
  groups: Group[],
  mode: 'prefer' | 'strict',
  budget: number | undefined,
  problems: PlanProblem[],
  optimizer: 'exact' | 'greedy',
): { decided: Item[]; chosen: Array<number | null> } {
  let steered = constrain(items, groups, mode, 'value', CONTINUITY_ACCESS);
  let found: PlanProblem[] = [];
  let chosen = choose(steered.items, budget, found, optimizer);
  if (mode === 'strict' && found.some((p) => p.code === 'over_budget')) {
    steered = constrain(items, groups, mode, 'cost', CONTINUITY_ACCESS);
    found = [];
    chosen = choose(steered.items, budget, found, optimizer);
  }
  problems.push(...steered.problems, ...found);
  return { decided: steered.items, chosen };
}

/** The storyboard's scenes, omitted shots and reuse shots, when it has any. */
function planEdit(storyboard: Storyboard): { edit?: PlanEdit } {
  const scenes = storyboard.scenes ?? [];
  const reuses = storyboard.reuses ?? [];
  const omitted = storyboard.shots.filter((s) => s.edit?.omit === true).map((s) => s.id);
  if (scenes.length === 0 && reuses.length === 0 && omitted.length === 0) return {};
  return {
    edit: {
      scenes: scenes.map((s) => ({ heading: s.heading, shots: [...s.shots] })),
      omitted,
      reuses: reuses.map((r) => ({
        id: r.id,
        shot: r.reuse.shot,
        in: r.reuse.in,
        seconds: r.duration,
      })),
    },
  };
}

type Analyser = (shot: Shot) => ShotAnalysis;

/**
 * A shot's analysis depends only on what it needs, its pin, tags and takes; a long storyboard
 * repeats these a lot, so shots that agree share one analysis (its arrays are never mutated).
 */
function memoisedAnalyser(models: readonly ModelCard[], ctx: EvalContext): Analyser {
  const cores = new Map<string, Omit<ShotAnalysis, 'shot'>>();
  // Evaluations depend only on what the shot needs: shared wider than whole analyses.
  const evaluations = new Map<string, Evaluation[]>();
  const share = new RejectionShare();
  return (shot) => {
    const n = shot.needs;
    const needsKey = `${n.seconds}|${n.size.width}x${n.size.height}|${n.targetFps}|${n.minFps}|${n.slowmo}|${n.audio}|${n.referenceImages.length}|${n.realPerson}|${n.firstFrame}|${n.lastFrame}|${shot.continuous}`;
    const key = `${needsKey}|${shot.model}|${shot.takes}|${effectiveTags(shot).join(',')}`;
    let core = cores.get(key);
    if (!core) {
      let evaluated = evaluations.get(needsKey);
      if (!evaluated) {
        evaluated = models.map((model) => evaluate(model, n, ctx, shot.continuous));
        evaluations.set(needsKey, evaluated);
      }
      core = analyseShot(shot, models, evaluated, ctx, share);
      cores.set(key, core);
    }
    return { shot, ...core };
  };
}

// Reasons are never mutated: the ones without per-shot facts are shared by every analysis.
const NOT_IN_ALLOW_LIST = rejectionReason({ code: 'not_in_allow_list' });
const DENIED_BY_POLICY = rejectionReason({ code: 'denied_by_policy' });
const pinnedReasons = new Map<string, RejectionReason>();
function pinnedTo(model: string): RejectionReason {
  let reason = pinnedReasons.get(model);
  if (!reason) {
    reason = rejectionReason({ code: 'pinned_to_other_model', asked: model });
    pinnedReasons.set(model, reason);
  }
  return reason;
}

function analyseShot(
  shot: Shot,
  models: readonly ModelCard[],
  evaluations: readonly Evaluation[],
  ctx: EvalContext,
  share: RejectionShare,
): Omit<ShotAnalysis, 'shot'> {
  const { policy } = ctx;
  const feasible: Option[] = [];
  const rejected: Rejection[] = [];
  let pinFailure: RejectionReason[] | undefined;
  models.forEach((model, m) => {
    const policyReasons: RejectionReason[] = [];
    if (policy.allow && !policy.allow.includes(model.id)) policyReasons.push(NOT_IN_ALLOW_LIST);
    if (policy.deny.includes(model.id)) policyReasons.push(DENIED_BY_POLICY);
    if (shot.model !== undefined && shot.model !== model.id)
      policyReasons.push(pinnedTo(shot.model));
    const evaluation = evaluations[m]!;
    const rejection = share.rejection(model.id, evaluation, policyReasons);
    if (rejection) {
      if (shot.model === model.id) pinFailure = rejection.reasons;
      rejected.push(rejection);
    } else if (evaluation.ok) feasible.push(evaluation.option);
  });
  if (shot.model !== undefined && !models.some((m) => m.id === shot.model)) {
    pinFailure = [rejectionReason({ code: 'not_in_catalog', asked: shot.model })];
  }
  const scored = scoreOptions(shot, feasible, policy.optimize).sort(byScore);
  return { scored, rejected, share, ...(pinFailure ? { pinFailure } : {}) };
}

function byScore(a: Scored, b: Scored): number {
  return (
    b.score - a.score ||
    a.option.usd - b.option.usd ||
    a.option.model.id.localeCompare(b.option.model.id)
  );
}

/** Shots become items; adjacent shots sharing a `sequence` become one multi-shot item when possible. */
function buildItems(analyses: ShotAnalysis[], problems: PlanProblem[]): Item[] {
  const items: Item[] = [];
  let i = 0;
  // a shot starting from another shot's frame waits for that take: never in a multi-shot generation
  const groupable = (a: ShotAnalysis) => a.shot.firstFrameFrom === undefined;
  while (i < analyses.length) {
    const seq = groupable(analyses[i]!) ? analyses[i]!.shot.sequence : undefined;
    let j = i + 1;
    while (
      seq !== undefined &&
      j < analyses.length &&
      analyses[j]!.shot.sequence === seq &&
      groupable(analyses[j]!)
    )
      j++;
    const run = analyses.slice(i, j);
    if (run.length >= 2) items.push(...sequenceItems(run, seq!, problems));
    else items.push(...run.map(singleItem));
    i = j;
  }
  return items;
}

/**
 * A sequence's shots as multi-shot items. When no model can make them all together, the plan
 * says why per model and tries each half on its own (down to pairs) before making the shots
 * one by one.
 */
function sequenceItems(run: ShotAnalysis[], seq: string, problems: PlanProblem[]): Item[] {
  const groups = multiShotItems(run);
  if (groups) return groups;
  const ids = run.map((a) => a.shot.id).join(', ');
  const why = sequenceObstacles(run);
  if (run.length >= 3) {
    const halves = [run.slice(0, Math.ceil(run.length / 2)), run.slice(Math.ceil(run.length / 2))];
    const names = halves.map((h) => `(${h.map((a) => a.shot.id).join(', ')})`).join(' and ');
    problems.push({
      shot: run[0]!.shot.id,
      severity: 'warning',
      code: 'sequence_split',
      message: `sequence '${seq}' (${ids}): no allowed model can generate these ${run.length} shots together (${why}); trying ${names} separately`,
    });
    return halves.flatMap((half) =>
      half.length >= 2 ? sequenceItems(half, seq, problems) : half.map(singleItem),
    );
  }
  problems.push({
    shot: run[0]!.shot.id,
    severity: 'warning',
    code: 'sequence_not_grouped',
    message: `sequence '${seq}' (${ids}): no allowed model can generate these shots together (${why}); each is generated separately`,
  });
  return run.map(singleItem);
}

/** Why no model can make the whole run in one multi-shot generation, model by model. */
function sequenceObstacles(run: ShotAnalysis[]): string {
  const pinned = run.filter((a) => a.pinFailure || a.scored.length === 0).map((a) => a.shot.id);
  if (pinned.length > 0) return `${pinned.join(', ')} cannot be made by any allowed model`;
  const models = [...new Set(run.flatMap((a) => a.scored.map((s) => s.option.model)))];
  const single = models.filter((m) => m.capabilities.multi_shot.value === null);
  const reasons = models
    .filter((m) => m.capabilities.multi_shot.value !== null)
    .map((m) => {
      const cannot = run.filter((a) => !a.scored.some((s) => s.option.model === m));
      if (cannot.length > 0) {
        return `${m.id} cannot make ${cannot.map((a) => a.shot.id).join(', ')}`;
      }
      const formats = new Set(
        run.map((a) => {
          const g = optionFor(a, m).option.generate;
          return `${g.width}x${g.height}@${trimNumber(g.fps)}`;
        }),
      );
      return `${m.id} would make them in different formats (${[...formats].join(', ')})`;
    });
  if (single.length > 0) {
    const named = single.slice(0, 3).map((m) => m.id);
    reasons.push(
      `${named.join(', ')}${single.length > 3 ? ` and ${single.length - 3} more` : ''} make one shot per generation`,
    );
  }
  return reasons.join('; ') || 'no model can make any of them';
}

/** Item options depend only on the shared analysis and the priority, so shots share them. */
const singleOptionsCache = new WeakMap<Scored[], Map<string, ItemOption[]>>();

function singleItem(a: ShotAnalysis): Item {
  let byPriority = singleOptionsCache.get(a.scored);
  if (!byPriority) {
    byPriority = new Map();
    singleOptionsCache.set(a.scored, byPriority);
  }
  let options = byPriority.get(a.shot.priority);
  if (!options) {
    const weight = PRIORITY_WEIGHT[a.shot.priority];
    options = a.scored.map((s) => ({
      perShot: [s],
      usd: takesUsd(s.option.usd, a.shot.takes),
      value: weight * s.score,
      score: s.score,
    }));
    byPriority.set(a.shot.priority, options);
  }
  return { shots: [a], options };
}

/**
 * Groups a run of shots into multi-shot generations on the best model that can make all of
 * them together, chunked by its cut and length limits. Null when no model can.
 */
function multiShotItems(run: ShotAnalysis[]): Item[] | null {
  if (run.some((a) => a.pinFailure || a.scored.length === 0)) return null;
  // Models feasible for every shot of the run, with multi-shot support and one shared format.
  const candidates = run[0]!.scored
    .map((s) => s.option.model)
    .filter((m) => m.capabilities.multi_shot.value !== null)
    .filter((m) => run.every((a) => a.scored.some((s) => s.option.model === m)))
    .filter((m) => {
      const first = optionFor(run[0]!, m).option.generate;
      return run.every((a) => {
        const g = optionFor(a, m).option.generate;
        return g.width === first.width && g.height === first.height && g.fps === first.fps;
      });
    });
  if (candidates.length === 0) return null;
  const meanScore = (m: ModelCard) =>
    run.reduce((sum, a) => sum + optionFor(a, m).score, 0) / run.length;
  const lead = [...candidates].sort(
    (a, b) => meanScore(b) - meanScore(a) || a.id.localeCompare(b.id),
  )[0]!;
  const limits = lead.capabilities.multi_shot.value!;

  const chunks: ShotAnalysis[][] = [];
  let current: ShotAnalysis[] = [];
  let seconds = 0;
  for (const a of run) {
    const s = a.shot.needs.seconds;
    if (
      current.length > 0 &&
      (current.length >= limits.max_cuts || seconds + s > limits.max_seconds + 1e-9)
    ) {
      chunks.push(current);
      current = [];
      seconds = 0;
    }
    current.push(a);
    seconds += s;
  }
  if (current.length > 0) chunks.push(current);

  const items: Item[] = [];
  for (const chunk of chunks) {
    if (chunk.length === 1) {
      items.push(singleItem(chunk[0]!));
      continue;
    }
    const groupId = `${chunk[0]!.shot.sequence}:${chunk[0]!.shot.id}-${chunk.at(-1)!.shot.id}`;
    const options: ItemOption[] = [];
    for (const model of candidates) {
      const group = groupOption(chunk, model);
      if (!group) continue;
      const perShot = chunk.map((a) => optionFor(a, model));
      const value = chunk.reduce(
        (sum, a, k) => sum + PRIORITY_WEIGHT[a.shot.priority] * perShot[k]!.score,
        0,
      );
      const takes = Math.max(...chunk.map((a) => a.shot.takes));
      options.push({
        perShot,
        group: { id: groupId, option: group, cuts: chunk.length },
        usd: takesUsd(group.usd, takes),
        value,
        score: round4(perShot.reduce((sum, s) => sum + s.score, 0) / perShot.length),
      });
    }
    if (options.length === 0) items.push(...chunk.map(singleItem));
    else
      items.push({
        shots: chunk,
        options: options.sort((a, b) => b.score - a.score || a.usd - b.usd),
      });
  }
  return items;
}

function optionFor(a: ShotAnalysis, model: ModelCard): Scored {
  return a.scored.find((s) => s.option.model === model)!;
}

/** One generation making every shot of the chunk: total length snapped, priced on the cheapest route. */
function groupOption(chunk: ShotAnalysis[], model: ModelCard): Option | null {
  const limits = model.capabilities.multi_shot.value!;
  const total = round6(chunk.reduce((sum, a) => sum + a.shot.needs.seconds, 0));
  if (chunk.length > limits.max_cuts || total > limits.max_seconds + 1e-9) return null;
  const seconds = snapDuration(allowedDurations(model.capabilities.durations.value), total);
  if (seconds === undefined || seconds > limits.max_seconds + 1e-9) return null;
  const first = optionFor(chunk[0]!, model).option;
  const audio = chunk.some((a) => optionFor(a, model).option.generate.audio);
  const references = Math.max(...chunk.map((a) => a.shot.needs.referenceImages.length));
  // The route the lead shot would use on its own (its cheapest usable one) prices the group.
  const route = first.route;
  const usd = priceSegments(route, [seconds], {
    tier: first.tier,
    audio,
    size: { width: first.generate.width, height: first.generate.height },
    fps: first.generate.fps,
  });
  const best = usd === undefined ? undefined : { route, usd };
  if (!best) return null;
  return {
    ...first,
    route: best.route,
    generate: { ...first.generate, seconds, audio, references },
    keepSeconds: total,
    chain: null,
    usd: best.usd,
    latency: best.route.latency_seconds.value * Math.max(1, seconds / 5),
    warnings: [],
    penalties: [],
  };
}

/** One warning per provider the plan routes to without credentials, naming what would enable it. */
function missingCredentialProblems(shots: PlannedShot[], options: PlanOptions): PlanProblem[] {
  const configured = options.configuredProviders;
  if (!configured) return [];
  const byProvider = new Map<string, string[]>();
  for (const s of shots) {
    if (s.provider && !configured.has(s.provider)) {
      const ids = byProvider.get(s.provider);
      if (ids) ids.push(s.id);
      else byProvider.set(s.provider, [s.id]);
    }
  }
  return [...byProvider].map(([provider, ids]) => ({
    shot: null,
    severity: 'warning' as const,
    code: 'missing_credentials',
    message: `${ids.length} shot${ids.length === 1 ? '' : 's'} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}) route to ${provider}, which has no credentials: ${options.credentialHint?.(provider) ?? `configure ${provider}`} (or run with --preview)`,
  }));
}

function reachesEveryRoute(models: readonly ModelCard[], configured: ReadonlySet<string>) {
  return models.every((m) => m.routes.every((r) => configured.has(r.provider)));
}

/**
 * With credentials steering the plan: per provider, the shots a credential would give a better
 * model (or any model), with what it changes for the first of them.
 */
function unlockProblems(
  analyses: readonly ShotAnalysis[],
  everywhere: Analyser,
  options: PlanOptions,
): PlanProblem[] {
  const hint = options.credentialHint ?? ((provider: string) => `configure ${provider}`);
  const byProvider = new Map<string, { ids: string[]; first: string }>();
  for (const a of analyses) {
    const all = everywhere(a.shot).scored;
    const advice = unlockAdvice(a.scored, all, options.configuredProviders ?? new Set(), hint);
    if (!advice) continue;
    const provider = all[0]!.option.route.provider;
    const entry = byProvider.get(provider) ?? { ids: [], first: `shot ${a.shot.id}: ${advice}` };
    entry.ids.push(a.shot.id);
    byProvider.set(provider, entry);
  }
  return [...byProvider].map(([, { ids, first }]) => ({
    shot: null,
    severity: 'warning' as const,
    code: 'credentials_would_unlock',
    message: `${first}${ids.length > 1 ? ` (and ${ids.length - 1} more shot${ids.length === 2 ? '' : 's'}: ${ids.slice(1, 6).join(', ')}${ids.length > 6 ? ', …' : ''})` : ''}`,
  }));
}

/** Routes retiring within 30 days of as_of, and chosen models whose sources are old. */
function lifecycleProblems(
  shots: readonly PlannedShot[],
  byId: ReadonlyMap<string, ModelCard>,
  asOf: string,
): PlanProblem[] {
  const retiring = new Map<string, { message: string; ids: string[] }>();
  const stale = new Map<string, string>();
  const judged = new Set<string>();
  for (const s of shots) {
    const model = s.model ? byId.get(s.model) : undefined;
    if (!model || !s.provider) continue;
    for (const route of model.routes.filter((r) => r.provider === s.provider)) {
      const soon = retiringSoon(model, route, asOf);
      if (!soon) continue;
      const key = `${model.id} ${route.provider} ${route.model}`;
      const entry = retiring.get(key) ?? {
        message: describeRetirement(model, route, soon),
        ids: [],
      };
      entry.ids.push(s.id);
      retiring.set(key, entry);
    }
    // judged once per model, not once per shot
    if (judged.has(model.id)) continue;
    judged.add(model.id);
    const old = staleness(model, asOf);
    if (old) stale.set(model.id, old.message);
  }
  return [
    ...[...retiring.values()].map(({ message, ids }) => ({
      shot: null,
      severity: 'warning' as const,
      code: 'route_retiring_soon' as const,
      message: `${message} (used by ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`,
    })),
    ...[...stale.values()].map((message) => ({
      shot: null,
      severity: 'warning' as const,
      code: 'catalog_facts_may_be_stale' as const,
      message: `${message} (see shotrouter models --json)`,
    })),
  ];
}

/** `stillsUsd`: the stills of `images:`, bought whichever way the shots go. */
/** `fixedUsd`: what is bought whatever the video costs (stills, narration) */
function costRange(items: Item[], fixedUsd: number): Plan['cost_range'] {
  let cheapest = fixedUsd;
  let best = fixedUsd;
  for (const item of items) {
    if (item.options.length === 0) continue;
    cheapest += Math.min(...item.options.map((o) => o.usd));
    // Options are sorted best first.
    best += item.options[0]!.usd;
  }
  return { cheapest_usd: round4(cheapest), best_usd: round4(best) };
}

/** Chooses one option per item: the best, or the exact optimum within the budget. */
function choose(
  items: Item[],
  budget: number | undefined,
  problems: PlanProblem[],
  optimizer: 'exact' | 'greedy',
): Array<number | null> {
  const choosable = items.filter((item) => item.options.length > 0);
  const best = (item: Item) => (item.options.length > 0 ? 0 : null);
  if (budget === undefined) return items.map(best);
  // Integer micro-USD, the unit the engine's budget gate and ledger count in: every option's
  // price is a whole number of them (takesUsd), so the optimizer's sums are the engine's.
  const matrix: Choice[][] = choosable.map((item) =>
    item.options.map((o) => ({ cost: toMicro(o.usd), value: o.value })),
  );
  const solution = (optimizer === 'exact' ? solveBudget : greedyBudget)(matrix, toMicro(budget));
  if (!solution) {
    const cheapest = choosable.reduce(
      (sum, item) => sum + Math.min(...item.options.map((o) => o.usd)),
      0,
    );
    problems.push({
      shot: null,
      severity: 'error',
      code: 'over_budget',
      message: `even the cheapest feasible plan costs $${money(cheapest)}, over budget_usd $${money(budget)}: raise the budget, shorten or drop shots, lower takes, or allow cheaper models`,
    });
    // Show the cheapest plan, so the user sees where the money goes.
    return items.map((item) =>
      item.options.length === 0
        ? null
        : item.options.reduce((bi, o, k) => (o.usd < item.options[bi]!.usd ? k : bi), 0),
    );
  }
  let k = 0;
  return items.map((item) => (item.options.length > 0 ? solution.picks[k++]! : null));
}

function assemble(
  items: Item[],
  chosen: Array<number | null>,
  analyses: ShotAnalysis[],
): PlannedShot[] {
  const planned = new Map<string, PlannedShot>();
  items.forEach((item, i) => {
    const pick = chosen[i];
    if (pick === null || pick === undefined) {
      for (const a of item.shots) planned.set(a.shot.id, unroutedShot(a));
      return;
    }
    const option = item.options[pick]!;
    const bestIndex = 0;
    if (option.group) {
      const g = option.group;
      let offset = 0;
      const groupNames = item.shots.map((a) => a.shot.id).join(', ');
      // the group's price split over its shots so that the shares add up to it exactly
      const shares = splitMicro(
        toMicro(option.usd),
        item.shots.map((a) => a.shot.needs.seconds),
      );
      item.shots.forEach((a, k) => {
        const seconds = a.shot.needs.seconds;
        const scored = option.perShot[k]!;
        const reasons = [
          `one multi-shot generation on ${g.option.model.id} with ${groupNames} (${g.cuts} cuts, ${trimNumber(g.option.generate.seconds)} s)`,
          ...strengthReasons(scored),
        ];
        if (pick !== bestIndex) reasons.push(budgetReason(item.options[bestIndex]!, option));
        reasons.push(...measuredReasons(scored));
        planned.set(
          a.shot.id,
          routedShot(a, scored, {
            generate: g.option.generate,
            trim: { from: round6(offset), seconds: round6(seconds) },
            group: g.id,
            usdForShot: toUsd(shares[k]!),
            latency: g.option.latency,
            provider: g.option.route.provider,
            reasons,
          }),
        );
        offset += seconds;
      });
      return;
    }
    const a = item.shots[0]!;
    const scored = option.perShot[0]!;
    const reasons =
      pick === bestIndex
        ? singleReasons(a, scored)
        : [budgetReason(item.options[bestIndex]!, option), ...singleReasons(a, scored)];
    planned.set(
      a.shot.id,
      routedShot(a, scored, {
        generate: scored.option.generate,
        trim: { from: 0, seconds: scored.option.keepSeconds },
        group: null,
        usdForShot: option.usd,
        latency: scored.option.latency,
        provider: scored.option.route.provider,
        reasons,
      }),
    );
  });
  return analyses.map((a) => planned.get(a.shot.id)!);
}

function routedShot(
  a: ShotAnalysis,
  scored: Scored,
  how: {
    generate: Option['generate'];
    trim: { from: number; seconds: number };
    group: string | null;
    usdForShot: number;
    latency: number;
    provider: ProviderId;
    reasons: string[];
  },
): PlannedShot {
  const option = scored.option;
  const derived = how.group ? deriveLists(a, scored, true) : cachedLists(a, scored);
  return {
    id: a.shot.id,
    model: option.model.id,
    provider: how.provider,
    generate: how.generate,
    trim: how.trim,
    group: how.group,
    chain: how.group ? null : option.chain,
    estimate: { usd: toUsd(toMicro(how.usdForShot)), seconds: round6(how.latency) },
    takes: a.shot.takes,
    score: scored.score,
    quality: scored.quality,
    slowmo: option.slowmo,
    reasons: how.reasons,
    ...derived,
  };
}

/**
 * A lone shot's reasons when it got its best option: the same for every shot of one analysis
 * (they depend on what the shot needs, which the analysis is keyed by), so made once and shared.
 */
const singleReasonsCache = new WeakMap<Scored, string[]>();

function singleReasons(a: ShotAnalysis, scored: Scored): string[] {
  let reasons = singleReasonsCache.get(scored);
  if (!reasons) {
    reasons = [...chooseReasons(a, scored), ...measuredReasons(scored)];
    singleReasonsCache.set(scored, reasons);
  }
  return reasons;
}

/** The quality figure the score used (and a tie, when one decided), and the slow-motion path. */
function measuredReasons(scored: Scored): string[] {
  const out = [describeQuality(scored.quality)];
  const tie = describeTie(scored.quality, scored.option.model.id);
  if (tie) out.push(tie);
  if (scored.option.slowmo)
    out.push(`slow motion (${scored.option.slowmo.path}): ${scored.option.slowmo.reason}`);
  return out;
}

type DerivedLists = Pick<PlannedShot, 'warnings' | 'fallbacks' | 'fallback_routes' | 'rejected'>;

/** Shots sharing an analysis and a choice share these lists (plans are never mutated). */
const derivedCache = new WeakMap<Scored, DerivedLists>();

function cachedLists(a: ShotAnalysis, scored: Scored): DerivedLists {
  let lists = derivedCache.get(scored);
  if (!lists) {
    lists = deriveLists(a, scored, false);
    derivedCache.set(scored, lists);
  }
  return lists;
}

function deriveLists(a: ShotAnalysis, scored: Scored, grouped: boolean): DerivedLists {
  const option = scored.option;
  const others = a.scored.filter((s) => s !== scored);
  const warnings: PlanWarning[] = grouped ? [] : [...option.warnings];
  if (option.unconfirmed.length > 0) warnings.push(unconfirmedWarning(option));
  const notChosen = others.map((s) =>
    a.share.notChosen(
      s.option.model.id,
      s.score,
      scored.score,
      s.option.usd > option.usd ? s.option.usd * a.shot.takes : undefined,
    ),
  );
  return {
    warnings,
    fallbacks: others.map((s) => s.option.model.id),
    fallback_routes: others.map((s) => fallbackOf(s.option, a.shot.takes)),
    rejected: [...notChosen, ...a.rejected].sort((x, y) => x.model.localeCompare(y.model)),
  };
}

/** An option's `unconfirmed_facts` warning: made once per option, shared by the shots using it. */
const unconfirmedCache = new WeakMap<Option, PlanWarning>();

function unconfirmedWarning(option: Option): PlanWarning {
  let warning = unconfirmedCache.get(option);
  if (!warning) {
    const facts = option.unconfirmed.map((u) => u.replace(/ \(.*$/s, ''));
    warning = planWarning({ code: 'unconfirmed_facts', model: option.model.id, facts });
    unconfirmedCache.set(option, warning);
  }
  return warning;
}

/** Fallbacks depend only on the option and the takes: shots that agree share them. */
const fallbackCache = new WeakMap<Option, Map<number, Fallback>>();

function fallbackOf(option: Option, takes: number): Fallback {
  let byTakes = fallbackCache.get(option);
  if (!byTakes) {
    byTakes = new Map();
    fallbackCache.set(option, byTakes);
  }
  let fallback = byTakes.get(takes);
  if (!fallback) {
    fallback = {
      model: option.model.id,
      provider: option.route.provider,
      generate: option.generate,
      trim: { from: 0, seconds: option.keepSeconds },
      chain: option.chain,
      estimate: { usd: takesUsd(option.usd, takes), seconds: round6(option.latency) },
      slowmo: option.slowmo,
      prompt: promptForm(option.model, option.route),
    };
    byTakes.set(takes, fallback);
  }
  return fallback;
}

function unroutedShot(a: ShotAnalysis): PlannedShot {
  return {
    id: a.shot.id,
    model: null,
    provider: null,
    generate: null,
    trim: null,
    group: null,
    chain: null,
    estimate: { usd: 0, seconds: 0 },
    takes: a.shot.takes,
    score: 0,
    quality: null,
    slowmo: null,
    reasons: [],
    warnings: [],
    fallbacks: [],
    fallback_routes: [],
    rejected: a.rejected,
  };
}

function chooseReasons(a: ShotAnalysis, scored: Scored): string[] {
  const reasons: string[] = [];
  const feasible = a.scored.length;
  if (feasible === 1) {
    reasons.push(
      `only ${policyRuledOut(a) ? 'allowed ' : ''}model that can make it (${describeNeeds(a.shot, scored.option.slowmo?.path === 'native')}); ${a.rejected.length} rejected`,
    );
  } else {
    reasons.push(`best score ${scored.score} of ${feasible} feasible models`);
  }
  reasons.push(...strengthReasons(scored));
  const routes = scored.option.model.routes.length;
  if (routes > 1)
    reasons.push(
      `cheapest usable route: ${scored.option.route.provider} at $${money(scored.option.usd)} per take`,
    );
  return reasons;
}

/** Some model was ruled out by policy.allow or policy.deny: only then is a model "allowed". */
function policyRuledOut(a: ShotAnalysis): boolean {
  return a.rejected.some((r) =>
    r.reasons.some((x) => x.code === 'not_in_allow_list' || x.code === 'denied_by_policy'),
  );
}

function strengthReasons(scored: Scored): string[] {
  const out: string[] = [];
  if (scored.strong.length > 0) out.push(`strong: ${scored.strong.join(', ')}`);
  if (scored.weak.length > 0) out.push(`weak: ${scored.weak.join(', ')}`);
  return out;
}

function budgetReason(best: ItemOption, chosen: ItemOption): string {
  const bestModel = best.perShot[0]!.option.model.id;
  return `budget: chose this over ${bestModel} (score ${best.score} vs ${chosen.score}, $${money(best.usd - chosen.usd)} more)`;
}

/** `nativeFps`: slow motion needs the model's own frame rate (else it is slowed at conform). */
function describeNeeds(shot: Shot, nativeFps: boolean): string {
  const n = shot.needs;
  const parts = [`${n.size.width}x${n.size.height}`];
  // the frame rate is a need only for native slow motion; other paths slow the clip at conform
  if (n.minFps !== undefined)
    parts.push(
      nativeFps ? `${trimNumber(n.minFps)} fps` : `${trimNumber(n.slowmo ?? 1)}x slow motion`,
    );
  if (n.audio === 'required') parts.push('native audio');
  if (n.referenceImages.length > 0) parts.push(`${n.referenceImages.length} reference images`);
  if (n.firstFrame) parts.push('first frame');
  if (n.lastFrame) parts.push('last frame');
  parts.push(`${trimNumber(n.seconds)} s`);
  return parts.join(', ');
}

/** The order in which a no-model error gives its advice, by the reasons of the nearest misses. */
const ADVICE_ORDER: readonly RejectionCode[] = [
  'duration_too_long',
  'size_too_small',
  'fps_too_low',
  'no_native_audio',
  'too_many_references',
  'route_too_few_references',
  'retired',
  'gpu_not_declared',
  'vram_too_small',
  'closed_weights',
  'licence_not_allowed',
];

/**
 * What stops a shot, and what the user can change. The advice comes from the nearest misses:
 * the allowed models with the fewest reasons against them.
 */
function noModelMessage(a: ShotAnalysis, models: readonly ModelCard[], ctx: EvalContext): string {
  const byPolicy = (r: RejectionReason) =>
    r.code === 'not_in_allow_list' || r.code === 'denied_by_policy';
  const allowed = a.rejected.filter((r) => !r.reasons.some(byPolicy));
  const fewest = Math.min(...allowed.map((r) => r.reasons.length));
  const nearest = allowed.filter((r) => r.reasons.length === fewest);
  const codes = new Set(nearest.flatMap((r) => r.reasons.map((reason) => reason.code)));
  const fixes: string[] = [];
  for (const code of ADVICE_ORDER) {
    if (!codes.has(code)) continue;
    const advice =
      code === 'duration_too_long' ? durationAdvice(a.shot, models, ctx) : REJECTION_ADVICE[code];
    if (advice && !fixes.includes(advice)) fixes.push(advice);
  }
  // Credentials may rule out models that are not the nearest misses: look at every allowed one.
  if (allowed.some((r) => r.reasons.some((x) => x.code === 'no_credentials')))
    fixes.push(`or ${REJECTION_ADVICE.no_credentials}`);
  if (allowed.length === 0)
    fixes.push('widen policy.allow / policy.deny: they exclude every model');
  const shown = nearest
    .slice(0, 4)
    .map((r) => `${r.model}: ${r.reasons.map((reason) => reason.message).join(', ')}`);
  const more = nearest.length > shown.length ? ` (+${nearest.length - shown.length} more)` : '';
  const summary = shown.length > 0 ? ` Nearest: ${shown.join('; ')}${more}.` : '';
  return `no ${policyRuledOut(a) ? 'allowed ' : ''}model can make shot ${a.shot.id} (${describeNeeds(a.shot, ctx.policy.slowmo === 'native')}).${summary}${
    fixes.length > 0 ? ` To fix: ${fixes.join('; ')}.` : ''
  }`;
}

/** The longest any allowed model can make, and how to bring the shot within it. */
function durationAdvice(shot: Shot, models: readonly ModelCard[], ctx: EvalContext): string {
  const longest = Math.max(
    0,
    ...models
      .filter(
        (m) =>
          !(ctx.policy.allow && !ctx.policy.allow.includes(m.id)) &&
          !ctx.policy.deny.includes(m.id),
      )
      .map((m) =>
        Math.max(
          allowedDurations(m.capabilities.durations.value).at(-1)!,
          m.capabilities.extension.value?.max_seconds ?? 0,
        ),
      ),
  );
  return `the longest any allowed model can do is ${trimNumber(longest)} s${shot.slowmo > 1 ? ' of generated footage' : ''}: split the shot${shot.continuous ? ' (it is marked continuous)' : ''} or shorten it`;
}

/** Estimated wall time: each provider works through its jobs with its assumed concurrency. */
function wallTime(shots: PlannedShot[]): number {
  const work = new Map<string, number>();
  let longest = 0;
  const seenGroups = new Set<string>();
  for (const s of shots) {
    if (!s.provider) continue;
    if (s.group) {
      if (seenGroups.has(s.group)) continue;
      seenGroups.add(s.group);
    }
    const seconds = s.estimate.seconds * s.takes;
    work.set(s.provider, (work.get(s.provider) ?? 0) + seconds);
    longest = Math.max(longest, s.estimate.seconds);
  }
  let busiest = 0;
  for (const [provider, seconds] of work) {
    const lanes = LOCAL_PROVIDERS.has(provider as ProviderId)
      ? ASSUMED_CONCURRENCY.local
      : ASSUMED_CONCURRENCY.hosted;
    busiest = Math.max(busiest, seconds / lanes);
  }
  return Math.max(busiest, longest);
}

/** The price of `takes` takes at `usd` each, a whole number of micro-USD (as the engine reserves it). */
function takesUsd(usd: number, takes: number): number {
  return toUsd(toMicro(usd) * takes);
}
