/**
 * Hard constraints: can this model make this shot, and how exactly (size, fps, duration, route,
 * price)? A model either yields an Option or is rejected with every reason that rules it out,
 * in words a person understands.
 */
import { lifecycleAt, routeRetiredAt } from '../catalog/load.ts';
import { priceUsd } from '../catalog/price.ts';
import {
  type AudioSupport,
  type Condition,
  type Durations,
  LOCAL_PROVIDERS,
  type ModelCard,
  type Route,
  type Tier,
} from '../catalog/schema.ts';
import { orientationOfSize, parseSize, tierOfSize, tierRank } from '../catalog/tiers.ts';
import type { Policy, ShotNeeds } from '../storyboard/types.ts';
import { unreachable } from './credentials-steer.ts';
import { decideSlowmo, type SlowmoPlan } from './slowmo.ts';
import {
  allowedDurations,
  chooseFps,
  chooseSize,
  formatSize,
  round6,
  snapDuration,
  trimNumber,
} from './snap.ts';
import type { Chain, GenerateRequest } from './types.ts';

export interface EvalContext {
  asOf: string;
  policy: Policy;
  /**
   * Providers the user has credentials for. Routes through them come first (cheapest first
   * among them); with none, the plan still routes by capability. Undefined: all count as usable.
   */
  configured?: ReadonlySet<string>;
  /** when set (credentials for at least one provider), routes of other providers are not usable */
  steer?: ReadonlySet<string>;
}

/** One way to make a shot: the model, the route, what to request and what it costs. */
export interface Option {
  model: ModelCard;
  route: Route;
  generate: GenerateRequest;
  /** seconds of generated footage kept */
  keepSeconds: number;
  chain: Chain | null;
  /** USD for one take */
  usd: number;
  /** seconds of wall time for one take */
  latency: number;
  tier: Tier;
  warnings: string[];
  /** soft penalties subtracted from the score, each with its reason */
  penalties: Array<{ amount: number; reason: string }>;
  /** facts this option relies on that no primary source confirms */
  unconfirmed: string[];
  /** the chosen route's provider has no credentials configured */
  missingCredentials: boolean;
  /** the slow-motion path on this model; null for a shot without slow motion */
  slowmo: SlowmoPlan | null;
}

export type Evaluation = { ok: true; option: Option } | { ok: false; reasons: string[] };

/** Capabilities after applying the model's conditions for this shot. */
interface Effective {
  durations: Durations;
  audio: AudioSupport;
  orientations?: string[];
  minTier?: Tier;
  maxTier?: Tier;
  maxReferences?: number;
  /** the note of the condition that limits the tiers, for the rejection reason */
  limitNote?: string;
  /** the note of the condition that limits reference images */
  referenceNote?: string;
}

/** `continuous`: the shot must be one unbroken take (never split into cuts). */
export function evaluate(
  model: ModelCard,
  shotNeeds: ShotNeeds,
  ctx: EvalContext,
  continuous = false,
): Evaluation {
  // The slow-motion path on this model decides what it is checked against (router/slowmo.ts).
  const slow = decideSlowmo(model.capabilities.fps, shotNeeds, ctx.policy.slowmo);
  const needs = slow?.needs ?? shotNeeds;
  const reasons: string[] = [];
  const warnings: string[] = [];
  const penalties: Option['penalties'] = [];
  const unconfirmed: string[] = [];
  const caps = model.capabilities;
  const { policy } = ctx;
  // Synthesised frames are worth a little less than a model's own.
  if (slow?.path === 'interpolate')
    penalties.push({ amount: 0.03, reason: 'interpolated slow motion' });

  // Lifecycle at as_of.
  const life = lifecycleAt(model, ctx.asOf);
  if (life.state === 'retired' && !policy.allowRetired) {
    reasons.push(
      `retired ${life.date ?? '(date unknown)'}; ${life.replacement ? `replacement: ${life.replacement}` : 'no replacement named'}`,
    );
  } else if (life.state === 'retired') {
    warnings.push(
      `${model.id} is retired (${life.date ?? 'date unknown'}); used because policy.allow_retired`,
    );
    penalties.push({ amount: 0.1, reason: 'retired' });
  } else if (life.state === 'unreleased') {
    reasons.push(`not released until ${life.date}`);
  } else if (life.state === 'deprecated') {
    warnings.push(
      `${model.id} is deprecated since ${life.date}${life.replacement ? `; replacement: ${life.replacement}` : ''}`,
    );
    penalties.push({ amount: 0.05, reason: 'deprecated' });
  } else if (life.state === 'preview') {
    penalties.push({ amount: 0.02, reason: 'preview model' });
  }

  // Licence of open weights.
  if (policy.licenses) {
    const license = model.open_weights?.license.value;
    if (!license)
      reasons.push(`closed weights; policy.licenses allows only ${policy.licenses.join(', ')}`);
    else if (!policy.licenses.includes(license))
      reasons.push(`licence ${license} not in policy.licenses (${policy.licenses.join(', ')})`);
  }

  // Routes usable at as_of under the local/GPU policy.
  const routes = usableRoutes(model, ctx, reasons, needs);

  // Size and orientation, then the conditions that hold for this shot at that tier; a condition
  // may restrict the tiers (e.g. audio only in a 1080p mode), which can move the size.
  // Only sizes some usable route can order (e.g. a route offering only 1080p makes a small shot
  // at 1080p, to be scaled down, rather than rule the model out).
  const allSizes = caps.sizes.value.map(parseSize);
  const orderable = allSizes.filter((s) =>
    routes.some((r) => !r.tiers || r.tiers.includes(tierOfSize(s))),
  );
  const sizes = orderable.length > 0 ? orderable : allSizes;
  let sizeChoice = chooseSize(sizes, needs.size, policy.allowUpscale);
  let tier: Tier = 'problem' in sizeChoice ? tierOfSize(needs.size) : tierOfSize(sizeChoice.size);
  let eff = effectiveCapabilities(model, needs, tier);
  if (!('problem' in sizeChoice) && (eff.minTier || eff.maxTier)) {
    const inRange = sizes.filter((s) => tierWithin(tierOfSize(s), eff.minTier, eff.maxTier));
    const limited = inRange.length > 0 ? chooseSize(inRange, needs.size, true) : undefined;
    if (!limited || 'problem' in limited) {
      reasons.push(
        `${eff.limitNote ?? 'this shot'} needs ${describeRange(eff.minTier, eff.maxTier)}`,
      );
    } else {
      sizeChoice = limited;
      tier = tierOfSize(limited.size);
      eff = effectiveCapabilities(model, needs, tier);
    }
  }
  let size = needs.size;
  if ('problem' in sizeChoice) {
    reasons.push(sizeChoice.problem);
  } else {
    size = sizeChoice.size;
    if (sizeChoice.upscale) {
      warnings.push(`generated at ${formatSize(size)}, upscaled to ${formatSize(needs.size)}`);
      penalties.push({ amount: 0.15, reason: `upscaled from ${formatSize(size)}` });
    }
    if (caps.sizes.unconfirmed) unconfirmed.push(`sizes (${caps.sizes.unconfirmed})`);
  }
  if (eff.orientations && !eff.orientations.includes(orientationOfSize(needs.size))) {
    reasons.push(`${orientationOfSize(needs.size)} output not available with this shot's inputs`);
  }

  // Frame rate (a hard need only for slow motion).
  const fpsChoice = chooseFps(caps.fps.value, needs.targetFps, needs.minFps);
  let fps = needs.targetFps;
  if ('problem' in fpsChoice) {
    reasons.push(fpsChoice.problem);
  } else {
    fps = fpsChoice.fps;
    if (fpsChoice.converted && needs.minFps === undefined) {
      warnings.push(
        `generated at ${trimNumber(fps)} fps, converted to ${trimNumber(needs.targetFps)} fps`,
      );
      penalties.push({ amount: 0.02, reason: 'frame-rate conversion' });
    }
    if (caps.fps.unconfirmed && needs.minFps !== undefined)
      unconfirmed.push(`fps ${fps} (${caps.fps.unconfirmed})`);
  }

  // Audio.
  let audio = false;
  if (needs.audio === 'required') {
    if (eff.audio === 'none') reasons.push('no native audio; the shot has dialogue');
    else audio = true;
    if (caps.audio.unconfirmed) unconfirmed.push(`audio (${caps.audio.unconfirmed})`);
  } else if (needs.audio === 'preferred') {
    if (eff.audio === 'none') {
      warnings.push('no native audio: the ambient/sfx will be silent');
      penalties.push({ amount: 0.1, reason: 'no native audio for ambient/sfx' });
    } else audio = true;
  } else {
    audio = eff.audio === 'always';
  }

  // Images.
  const refs = needs.referenceImages.length;
  const maxRefs = Math.min(
    caps.reference_images.value,
    eff.maxReferences ?? Number.POSITIVE_INFINITY,
  );
  if (refs > maxRefs) {
    const why =
      eff.referenceNote && maxRefs < caps.reference_images.value ? ` (${eff.referenceNote})` : '';
    reasons.push(
      maxRefs === 0
        ? `no reference images; shot has ${refs}${why}`
        : `${maxRefs} reference image${maxRefs === 1 ? '' : 's'} max, shot has ${refs}${why}`,
    );
  } else if (refs > 0 && caps.reference_images.unconfirmed) {
    unconfirmed.push(`reference images (${caps.reference_images.unconfirmed})`);
  }
  if (needs.firstFrame && !caps.first_frame.value) reasons.push('no first-frame input');
  if (needs.lastFrame && !caps.last_frame.value) reasons.push('no last-frame input');
  if (caps.image_required.value && !needs.firstFrame) {
    reasons.push('image-to-video only; the shot has no first_frame');
  }

  // Duration: one generation, an extension chain, or a split.
  const allowed = allowedDurations(eff.durations);
  let seconds = snapDuration(allowed, needs.seconds);
  let chain: Chain | null = null;
  if (seconds === undefined) {
    const longest = allowed.at(-1)!;
    const ext = caps.extension.value;
    if (ext && needs.seconds <= ext.max_seconds) {
      const segments = [longest];
      let total = longest;
      while (total + 1e-9 < needs.seconds) {
        segments.push(ext.step_seconds);
        total = round6(total + ext.step_seconds);
      }
      if (total <= ext.max_seconds + 1e-9) {
        chain = { kind: 'extend', segments };
        seconds = total;
        warnings.push(
          `${trimNumber(needs.seconds)} s exceeds one generation (${trimNumber(longest)} s): ${segments.length - 1} extension(s) of ${trimNumber(ext.step_seconds)} s`,
        );
        penalties.push({ amount: 0.05, reason: 'extension chain' });
      }
    }
    if (!chain && !continuous) {
      const count = Math.ceil(needs.seconds / longest - 1e-9);
      const part = snapDuration(allowed, needs.seconds / count) ?? longest;
      chain = { kind: 'split', segments: new Array(count).fill(part) };
      seconds = round6(part * count);
      warnings.push(
        `${trimNumber(needs.seconds)} s exceeds one generation (${trimNumber(longest)} s): split into ${count} clips of ${trimNumber(part)} s cut together`,
      );
      penalties.push({ amount: 0.1, reason: 'split into several generations' });
    }
    if (!chain) {
      reasons.push(
        `longest generation ${trimNumber(longest)} s < ${trimNumber(needs.seconds)} s needed${
          continuous ? ' (shot is continuous, so it cannot be split)' : ''
        }${ext ? `; extension reaches ${trimNumber(ext.max_seconds)} s` : '; no extension'}`,
      );
    }
  } else if (seconds - needs.seconds > 1e-6) {
    warnings.push(
      `${trimNumber(needs.seconds)} s snapped up to ${trimNumber(seconds)} s, trimmed to ${trimNumber(needs.seconds)} s`,
    );
    penalties.push({
      amount: Math.min(0.05, (0.05 * (seconds - needs.seconds)) / seconds),
      reason: 'trimmed',
    });
  }
  if (caps.durations.unconfirmed) unconfirmed.push(`durations (${caps.durations.unconfirmed})`);

  if (reasons.length > 0 || seconds === undefined) return { ok: false, reasons };

  // The cheapest usable route that can price this request, preferring configured providers.
  const segments = chain ? chain.segments : [seconds];
  const missing = (route: Route) =>
    ctx.configured !== undefined && !ctx.configured.has(route.provider);
  let best: { route: Route; usd: number; audio: boolean } | undefined;
  const priceFailures: string[] = [];
  for (const route of routes) {
    if (route.tiers && !route.tiers.includes(tier)) {
      priceFailures.push(`${route.provider} route does not offer ${tier}`);
      continue;
    }
    let withAudio = audio;
    let usd = priceSegments(route, segments, { tier, audio: withAudio, size, fps });
    if (usd === undefined && audio && needs.audio !== 'required' && eff.audio !== 'always') {
      withAudio = false;
      usd = priceSegments(route, segments, { tier, audio: false, size, fps });
    }
    if (usd === undefined) {
      priceFailures.push(
        `${route.provider} route has no price for ${tier}${audio ? ' with audio' : ''}`,
      );
      continue;
    }
    const better =
      !best ||
      (missing(best.route) && !missing(route)) ||
      (missing(best.route) === missing(route) && usd < best.usd - 1e-12);
    if (better) best = { route, usd, audio: withAudio };
  }
  if (!best) {
    return { ok: false, reasons: priceFailures.length > 0 ? priceFailures : ['no usable route'] };
  }
  if (best.audio !== audio) {
    warnings.push(`no audio at ${tier} on ${best.route.provider}: the ambient/sfx will be silent`);
    penalties.push({ amount: 0.1, reason: 'no audio at this tier' });
  }
  if (best.route.price.unconfirmed) unconfirmed.push(`price (${best.route.price.unconfirmed})`);

  const latencyPerClip = best.route.latency_seconds.value;
  const latency = round6(segments.reduce((sum, s) => sum + latencyPerClip * Math.max(1, s / 5), 0));
  return {
    ok: true,
    option: {
      model,
      route: best.route,
      generate: {
        seconds,
        width: size.width,
        height: size.height,
        fps,
        audio: best.audio,
        references: refs,
      },
      keepSeconds: round6(needs.seconds),
      chain,
      usd: best.usd,
      latency,
      tier,
      warnings,
      penalties,
      unconfirmed,
      missingCredentials: missing(best.route),
      slowmo: slow ? { path: slow.path, fps_generated: fps, reason: slow.reason } : null,
    },
  };
}

export function priceSegments(
  route: Route,
  segments: readonly number[],
  q: { tier: Tier; audio: boolean; size: { width: number; height: number }; fps: number },
): number | undefined {
  let total = 0;
  for (const seconds of segments) {
    const usd = priceUsd(route.price.value, {
      tier: q.tier,
      audio: q.audio,
      seconds,
      width: q.size.width,
      height: q.size.height,
      fps: q.fps,
    });
    if (usd === undefined) return undefined;
    total += usd;
  }
  return total;
}

function usableRoutes(
  model: ModelCard,
  ctx: EvalContext,
  reasons: string[],
  needs: ShotNeeds,
): Route[] {
  const { policy } = ctx;
  const gpuDeclared = policy.localOnly || policy.maxVramGb !== undefined;
  const usable: Route[] = [];
  const why: string[] = [];
  for (const route of model.routes) {
    const local = LOCAL_PROVIDERS.has(route.provider);
    const blocked = unreachable(route, ctx.steer);
    const sends = route.reference_images?.value;
    if (routeRetiredAt(route, ctx.asOf)) {
      why.push(`${route.provider} route retired ${route.retired_on?.value}`);
    } else if (sends !== undefined && sends < needs.referenceImages.length) {
      // a route that would drop the shot's references would sell a clip without them
      why.push(
        `the ${route.provider} route sends ${sends === 0 ? 'no' : `at most ${sends}`} reference images, shot has ${needs.referenceImages.length}`,
      );
    } else if (blocked !== undefined) {
      why.push(blocked);
    } else if (policy.localOnly && !local) {
      // Said once below, not per hosted route.
    } else if (local && !gpuDeclared) {
      why.push(
        `${route.provider} runs on your GPU: set policy.max_vram_gb (or local_only) to use it`,
      );
    } else if (local && policy.maxVramGb !== undefined && model.open_weights) {
      // Memory depends on the runtime: the route's own figure, else the weights' official one.
      const need = route.vram_gb?.value ?? model.open_weights.min_vram_gb.value;
      if (need > policy.maxVramGb)
        why.push(`needs ${need} GB GPU memory, policy.max_vram_gb is ${policy.maxVramGb}`);
      else usable.push(route);
    } else {
      usable.push(route);
    }
  }
  if (usable.length === 0) {
    if (policy.localOnly && !model.routes.some((r) => LOCAL_PROVIDERS.has(r.provider))) {
      reasons.push('no local route (policy.local_only)');
    }
    reasons.push(...why);
    if (why.length === 0 && !policy.localOnly) reasons.push('no usable route');
  }
  return usable;
}

function effectiveCapabilities(model: ModelCard, needs: ShotNeeds, tier: Tier): Effective {
  const caps = model.capabilities;
  const eff: Effective = { durations: caps.durations.value, audio: caps.audio.value };
  for (const condition of caps.conditions) {
    if (!conditionHolds(condition, needs, tier)) continue;
    if (condition.then.durations) eff.durations = condition.then.durations;
    if (condition.then.audio) eff.audio = condition.then.audio;
    if (condition.then.orientations) eff.orientations = condition.then.orientations;
    if (condition.then.reference_images !== undefined) {
      eff.maxReferences = condition.then.reference_images;
      if (condition.note) eff.referenceNote = condition.note;
    }
    if (condition.then.min_tier || condition.then.max_tier) {
      if (condition.then.min_tier) eff.minTier = condition.then.min_tier;
      if (condition.then.max_tier) eff.maxTier = condition.then.max_tier;
      if (condition.note) eff.limitNote = condition.note;
    }
  }
  return eff;
}

function conditionHolds(condition: Condition, needs: ShotNeeds, tier: Tier): boolean {
  const w = condition.when;
  if (w.references !== undefined && w.references !== needs.referenceImages.length > 0) return false;
  if (w.first_frame !== undefined && w.first_frame !== needs.firstFrame) return false;
  if (w.last_frame !== undefined && w.last_frame !== needs.lastFrame) return false;
  if (w.audio !== undefined && w.audio !== (needs.audio !== 'none')) return false;
  if (w.min_tier !== undefined && tierRank(tier) < tierRank(w.min_tier)) return false;
  if (w.real_person !== undefined && w.real_person !== (needs.realPerson === true)) return false;
  return true;
}

function tierWithin(tier: Tier, min: Tier | undefined, max: Tier | undefined): boolean {
  return (
    (min === undefined || tierRank(tier) >= tierRank(min)) &&
    (max === undefined || tierRank(tier) <= tierRank(max))
  );
}

function describeRange(min: Tier | undefined, max: Tier | undefined): string {
  if (min && max) return `a size from ${min} to ${max}`;
  return min ? `${min} or larger` : `${max} or smaller`;
}
