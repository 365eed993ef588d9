/**
 * Hard constraints: can this model make this shot, and how exactly (size, fps, duration, route,
 * price)? A model either yields an Option or is rejected with every reason that rules it out,
 * each with a stable code and its message in words a person understands.
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
import {
  type PlanWarning,
  planWarning,
  type RejectionReason,
  rejectionReason,
} from '../contracts/reasons.ts';
import type { Policy, ShotNeeds, Size } from '../storyboard/types.ts';
import { unreachable } from './credentials-steer.ts';
import { decideSlowmo, type SlowmoPlan } from './slowmo.ts';
import {
  allowedDurations,
  chooseFps,
  chooseSize,
  formatSize,
  round6,
  snapDuration,
} from './snap.ts';
import type { Chain, GenerateRequest } from './types.ts';

export interface EvalContext {
  asOf: string;
  policy: Policy;
  /** the cut's frame and how a clip of another shape meets it (default: nothing to compare) */
  frame?: { size: Size; fit: 'fit' | 'fill' };
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
  warnings: PlanWarning[];
  /** soft penalties subtracted from the score, each with its reason */
  penalties: Array<{ amount: number; reason: string }>;
  /** facts this option relies on that no primary source confirms */
  unconfirmed: string[];
  /** the chosen route's provider has no credentials configured */
  missingCredentials: boolean;
  /** the slow-motion path on this model; null for a shot without slow motion */
  slowmo: SlowmoPlan | null;
}

export type Evaluation = { ok: true; option: Option } | { ok: false; reasons: RejectionReason[] };

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
  /** when that condition holds, in words (e.g. "with audio"), for the rejection reason */
  limitWhen?: string;
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
  const reasons: RejectionReason[] = [];
  const warnings: PlanWarning[] = [];
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
      rejectionReason({
        code: 'retired',
        date: life.date ?? null,
        replacement: life.replacement ?? null,
      }),
    );
  } else if (life.state === 'retired') {
    warnings.push(
      planWarning({ code: 'retired_allowed', model: model.id, date: life.date ?? null }),
    );
    penalties.push({ amount: 0.1, reason: 'retired' });
  } else if (life.state === 'unreleased') {
    reasons.push(rejectionReason({ code: 'not_released', date: life.date ?? null }));
  } else if (life.state === 'deprecated') {
    warnings.push(
      planWarning({
        code: 'deprecated',
        model: model.id,
        date: life.date ?? null,
        replacement: life.replacement ?? null,
      }),
    );
    penalties.push({ amount: 0.05, reason: 'deprecated' });
  } else if (life.state === 'preview') {
    penalties.push({ amount: 0.02, reason: 'preview model' });
  }

  // Licence of open weights.
  if (policy.licenses) {
    const license = model.open_weights?.license.value;
    const limit = [...policy.licenses];
    if (!license) reasons.push(rejectionReason({ code: 'closed_weights', limit }));
    else if (!policy.licenses.includes(license))
      reasons.push(rejectionReason({ code: 'licence_not_allowed', asked: license, limit }));
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
        rejectionReason({
          code: 'catalog_condition',
          note: eff.limitNote ?? null,
          when: eff.limitWhen ?? 'always',
          ...(eff.minTier ? { min_tier: eff.minTier } : {}),
          ...(eff.maxTier ? { max_tier: eff.maxTier } : {}),
        }),
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
      warnings.push(
        planWarning({
          code: 'upscaled',
          generated: formatSize(size),
          asked: formatSize(needs.size),
        }),
      );
      penalties.push({ amount: 0.15, reason: `upscaled from ${formatSize(size)}` });
    }
    if (caps.sizes.unconfirmed) unconfirmed.push(`sizes (${caps.sizes.unconfirmed})`);
    const reshaped = ctx.frame && reshapeWarning(size, ctx.frame);
    if (reshaped) warnings.push(reshaped);
  }
  if (eff.orientations && !eff.orientations.includes(orientationOfSize(needs.size))) {
    reasons.push(
      rejectionReason({
        code: 'orientation_not_with_inputs',
        asked: orientationOfSize(needs.size),
      }),
    );
  }

  // Frame rate (a hard need only for slow motion).
  const fpsChoice = chooseFps(caps.fps.value, needs.targetFps, needs.minFps);
  let fps = needs.targetFps;
  if ('problem' in fpsChoice) {
    reasons.push(fpsChoice.problem);
  } else {
    fps = fpsChoice.fps;
    if (fpsChoice.converted && needs.minFps === undefined) {
      warnings.push(planWarning({ code: 'fps_converted', generated: fps, asked: needs.targetFps }));
      penalties.push({ amount: 0.02, reason: 'frame-rate conversion' });
    }
    if (caps.fps.unconfirmed && needs.minFps !== undefined)
      unconfirmed.push(`fps ${fps} (${caps.fps.unconfirmed})`);
  }

  // Audio.
  let audio = false;
  if (needs.audio === 'required') {
    if (eff.audio === 'none') reasons.push(rejectionReason({ code: 'no_native_audio' }));
    else audio = true;
    if (caps.audio.unconfirmed) unconfirmed.push(`audio (${caps.audio.unconfirmed})`);
  } else if (needs.audio === 'preferred') {
    if (eff.audio === 'none') {
      warnings.push(planWarning({ code: 'silent_ambient' }));
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
    const note =
      eff.referenceNote && maxRefs < caps.reference_images.value ? eff.referenceNote : undefined;
    reasons.push(
      rejectionReason({
        code: 'too_many_references',
        limit: maxRefs,
        asked: refs,
        ...(note ? { note } : {}),
      }),
    );
  } else if (refs > 0 && caps.reference_images.unconfirmed) {
    unconfirmed.push(`reference images (${caps.reference_images.unconfirmed})`);
  }
  if (needs.firstFrame && !caps.first_frame.value)
    reasons.push(rejectionReason({ code: 'no_first_frame_input' }));
  if (needs.lastFrame && !caps.last_frame.value)
    reasons.push(rejectionReason({ code: 'no_last_frame_input' }));
  if (caps.image_required.value && !needs.firstFrame) {
    reasons.push(rejectionReason({ code: 'image_to_video_only' }));
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
          planWarning({
            code: 'extension_chain',
            asked: needs.seconds,
            limit: longest,
            extensions: segments.length - 1,
            step: ext.step_seconds,
          }),
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
        planWarning({
          code: 'split_into_clips',
          asked: needs.seconds,
          limit: longest,
          clips: count,
          clip_seconds: part,
        }),
      );
      penalties.push({ amount: 0.1, reason: 'split into several generations' });
    }
    if (!chain) {
      reasons.push(
        rejectionReason({
          code: 'duration_too_long',
          limit: longest,
          asked: needs.seconds,
          continuous,
          extension_max: ext ? ext.max_seconds : null,
        }),
      );
    }
  } else if (seconds - needs.seconds > 1e-6) {
    warnings.push(
      planWarning({ code: 'duration_snapped', asked: needs.seconds, generated: seconds }),
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
  const priceFailures: RejectionReason[] = [];
  for (const route of routes) {
    if (route.tiers && !route.tiers.includes(tier)) {
      priceFailures.push(
        rejectionReason({ code: 'route_tier_unavailable', provider: route.provider, asked: tier }),
      );
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
        rejectionReason({ code: 'no_price', provider: route.provider, asked: tier, audio }),
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
    return {
      ok: false,
      reasons:
        priceFailures.length > 0 ? priceFailures : [rejectionReason({ code: 'no_usable_route' })],
    };
  }
  if (best.audio !== audio) {
    warnings.push(
      planWarning({ code: 'silent_at_tier', provider: best.route.provider, asked: tier }),
    );
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
  reasons: RejectionReason[],
  needs: ShotNeeds,
): Route[] {
  const { policy } = ctx;
  const gpuDeclared = policy.localOnly || policy.maxVramGb !== undefined;
  const usable: Route[] = [];
  const why: RejectionReason[] = [];
  for (const route of model.routes) {
    const local = LOCAL_PROVIDERS.has(route.provider);
    const blocked = unreachable(route, ctx.steer);
    const sends = route.reference_images?.value;
    if (routeRetiredAt(route, ctx.asOf)) {
      why.push(
        rejectionReason({
          code: 'route_retired',
          provider: route.provider,
          date: route.retired_on?.value ?? null,
        }),
      );
    } else if (sends !== undefined && sends < needs.referenceImages.length) {
      // a route that would drop the shot's references would sell a clip without them
      why.push(
        rejectionReason({
          code: 'route_too_few_references',
          provider: route.provider,
          limit: sends,
          asked: needs.referenceImages.length,
        }),
      );
    } else if (blocked !== undefined) {
      why.push(blocked);
    } else if (policy.localOnly && !local) {
      // Said once below, not per hosted route.
    } else if (local && !gpuDeclared) {
      why.push(rejectionReason({ code: 'gpu_not_declared', provider: route.provider }));
    } else if (local && policy.maxVramGb !== undefined && model.open_weights) {
      // Memory depends on the runtime: the route's own figure, else the weights' official one.
      const need = route.vram_gb?.value ?? model.open_weights.min_vram_gb.value;
      if (need > policy.maxVramGb)
        why.push(rejectionReason({ code: 'vram_too_small', limit: policy.maxVramGb, asked: need }));
      else usable.push(route);
    } else {
      usable.push(route);
    }
  }
  if (usable.length === 0) {
    if (policy.localOnly && !model.routes.some((r) => LOCAL_PROVIDERS.has(r.provider))) {
      reasons.push(rejectionReason({ code: 'no_local_route' }));
    }
    reasons.push(...why);
    if (why.length === 0 && !policy.localOnly)
      reasons.push(rejectionReason({ code: 'no_usable_route' }));
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
      eff.limitWhen = describeWhen(condition);
    }
  }
  return eff;
}

/** A card condition's `when` in words, e.g. "with audio and a last frame". */
function describeWhen(condition: Condition): string {
  const w = condition.when;
  const parts: string[] = [];
  const flag = (value: boolean | undefined, what: string) => {
    if (value !== undefined) parts.push(`${value ? 'with' : 'without'} ${what}`);
  };
  flag(w.audio, 'audio');
  flag(w.references, 'reference images');
  flag(w.first_frame, 'a first frame');
  flag(w.last_frame, 'a last frame');
  flag(w.real_person, 'a real person in the references');
  if (w.min_tier !== undefined) parts.push(`at ${w.min_tier} or larger`);
  return parts.length > 0 ? parts.join(', ') : 'always';
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

/**
 * The warning for a clip generated in another shape than the cut's frame: conform pads it
 * (`fit`) or crops it (`fill`), and the plan says which and where. Shapes within 1% are the same.
 */
export function reshapeWarning(
  generated: Size,
  frame: { size: Size; fit: 'fit' | 'fill' },
): PlanWarning | undefined {
  const clipAspect = generated.width / generated.height;
  const frameAspect = frame.size.width / frame.size.height;
  if (Math.abs(clipAspect / frameAspect - 1) <= 0.01) return undefined;
  const wider = clipAspect > frameAspect;
  const how = frame.fit === 'fill' ? 'crop' : 'pad';
  return planWarning({
    code: 'reshaped',
    generated: formatSize(generated),
    asked: formatSize(frame.size),
    how,
    // a wider clip padded gets bars above and below; cropped, it loses its sides
    edges: wider === (how === 'pad') ? 'top_bottom' : 'sides',
  });
}
