/**
 * The stills of the storyboard's `images:` that an image model makes (`generate`), routed like
 * shots: each to an image card of the catalog (the one it names, else the cheapest), on the
 * cheapest usable route, priced once however many shots use it. Pure.
 */
import { type Catalog, lifecycleAt } from '../catalog/load.ts';
import { imageCostUsd } from '../catalog/price.ts';
import type { ImageCard, ImageRoute } from '../catalog/schema.ts';
import type { ImageRef, Storyboard } from '../storyboard/types.ts';
import { toMicro, toUsd } from '../util/money.ts';
import type { PlannedImage, PlanProblem } from './types.ts';

export interface ImagePlanOptions {
  asOf: string;
  /** providers with credentials configured; undefined: not considered */
  configured?: ReadonlySet<string>;
  /** what would enable a provider (see PlanOptions.credentialHint) */
  credentialHint?: (provider: string) => string;
}

/** Every generated still of `storyboard` with its model, route, price and the shots using it. */
export function planImages(
  storyboard: Storyboard,
  catalog: Catalog,
  options: ImagePlanOptions,
): { images: PlannedImage[]; problems: PlanProblem[] } {
  const images: PlannedImage[] = [];
  const problems: PlanProblem[] = [];
  const usedBy = shotsUsingImages(storyboard);
  for (const named of Object.values(storyboard.images ?? {})) {
    const request = named.generate;
    if (request === undefined) continue;
    const { width, height } = request.size;
    const planned: PlannedImage = {
      name: named.name,
      prompt: request.prompt,
      model: null,
      provider: null,
      provider_model: null,
      size: { width, height },
      cost_usd: 0,
      reasons: [],
      used_by: usedBy.get(named.name) ?? [],
    };
    images.push(planned);
    const choice = chooseRoute(named.name, request.model, storyboard, catalog, options);
    if ('problem' in choice) {
      problems.push({
        shot: null,
        severity: 'error',
        code: 'no_image_model',
        message: choice.problem,
      });
      planned.reasons.push(choice.problem);
      continue;
    }
    planned.model = choice.card.id;
    planned.provider = choice.route.provider;
    planned.provider_model = choice.route.model;
    planned.cost_usd = choice.usd;
    planned.reasons.push(...choice.reasons);
    if (planned.used_by.length === 0) {
      problems.push({
        shot: null,
        severity: 'warning',
        code: 'warning',
        message: `images.${named.name} is bought but no shot uses it: name it as { image: ${named.name} } in a shot's first_frame, last_frame or references, or remove it`,
      });
    }
  }
  const unconfigured = new Map<string, string[]>();
  for (const image of images) {
    if (image.provider === null || options.configured?.has(image.provider) !== false) continue;
    unconfigured.set(image.provider, [...(unconfigured.get(image.provider) ?? []), image.name]);
  }
  for (const [provider, names] of unconfigured) {
    problems.push({
      shot: null,
      severity: 'warning',
      code: 'missing_credentials',
      message: `${names.length} still${names.length === 1 ? '' : 's'} (images.${names.join(', images.')}) route to ${provider}, which has no credentials: ${options.credentialHint?.(provider) ?? `configure ${provider}`} (or run with --preview)`,
    });
  }
  return { images, problems };
}

/** The stills' cost in micro-USD, as the engine reserves it. */
export function imagesMicro(images: readonly PlannedImage[]): number {
  return images.reduce((sum, image) => sum + toMicro(image.cost_usd), 0);
}

type Choice =
  | { card: ImageCard; route: ImageRoute; usd: number; reasons: string[] }
  | { problem: string };

function chooseRoute(
  name: string,
  pinned: string | undefined,
  storyboard: Storyboard,
  catalog: Catalog,
  options: ImagePlanOptions,
): Choice {
  const { width, height } = storyboard.images![name]!.generate!.size;
  if (storyboard.policy.localOnly) {
    return {
      problem: `images.${name}: policy.local_only is set and no image model runs locally: give the image as { file: PATH } instead`,
    };
  }
  const cards = pinned === undefined ? catalog.images : [catalog.imagesById.get(pinned)];
  if (cards.length === 0 || cards[0] === undefined) {
    return {
      problem:
        pinned === undefined
          ? `images.${name}: the catalog has no image model (kind: image): add one, or give the image as { file: PATH }`
          : `images.${name}: the catalog has no image model '${pinned}' (shotrouter models lists them)`,
    };
  }
  const candidates: Array<{
    card: ImageCard;
    route: ImageRoute;
    usd: number;
    configured: boolean;
  }> = [];
  for (const card of cards) {
    if (card === undefined) continue;
    const megapixels = (width * height) / 1_000_000;
    if (megapixels > card.capabilities.max_megapixels.value && pinned === undefined) continue;
    if (Math.min(width, height) < card.capabilities.min_side.value && pinned === undefined)
      continue;
    for (const route of routesInService(card, options.asOf)) {
      candidates.push({
        card,
        route,
        usd: toUsd(toMicro(imageCostUsd(route.price.value, width, height))),
        configured: options.configured?.has(route.provider) ?? true,
      });
    }
  }
  if (candidates.length === 0) {
    return {
      problem:
        pinned === undefined
          ? `images.${name}: no image model of the catalog makes ${width}x${height} on a route in service on ${options.asOf}: ask another size, or give the image as { file: PATH }`
          : `images.${name}: ${pinned} has no route in service on ${options.asOf}: pick another image model (shotrouter models lists them)`,
    };
  }
  // routes with credentials first (when known), then the cheapest, then by id for a stable plan
  candidates.sort(
    (a, b) =>
      Number(b.configured) - Number(a.configured) ||
      a.usd - b.usd ||
      a.card.id.localeCompare(b.card.id) ||
      a.route.provider.localeCompare(b.route.provider),
  );
  const best = candidates[0]!;
  const price = best.route.price;
  const reasons = [
    pinned === undefined
      ? `the cheapest image model for ${width}x${height}: ${best.card.id} on ${best.route.provider}`
      : `the image model named in images.${name}.model, on its cheapest route (${best.route.provider})`,
    `$${best.usd} (${price.value.unit === 'image' ? `$${price.value.usd} per image` : `$${price.value.usd} per megapixel, rounded up`}${price.unconfirmed ? ', unconfirmed' : ''})`,
  ];
  if (!best.configured) reasons.push(`${best.route.provider} has no credentials configured`);
  const megapixels = (width * height) / 1_000_000;
  if (megapixels > best.card.capabilities.max_megapixels.value) {
    reasons.push(
      `${width}x${height} is over ${best.card.id}'s ${best.card.capabilities.max_megapixels.value} megapixels: the provider may refuse it`,
    );
  }
  return { card: best.card, route: best.route, usd: best.usd, reasons };
}

/** For each image name, the shots that use it, directly or through a character, look or location. */
function shotsUsingImages(storyboard: Storyboard): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const shot of storyboard.shots) {
    const names = new Set<string>();
    const note = (ref: ImageRef | undefined) => {
      if (ref?.image !== undefined) names.add(ref.image);
    };
    note(shot.firstFrame);
    note(shot.lastFrame);
    shot.needs.referenceImages.forEach(note);
    for (const name of names) {
      const list = used.get(name);
      if (list) list.push(shot.id);
      else used.set(name, [shot.id]);
    }
  }
  return used;
}

/** The card's routes on `asOf`: none before its release or after its retirement. */
function routesInService(card: ImageCard, asOf: string): ImageRoute[] {
  const { state } = lifecycleAt(card, asOf);
  if (state === 'retired' || state === 'unreleased') return [];
  return card.routes.filter((r) => r.retired_on === undefined || r.retired_on.value > asOf);
}
