/**
 * What a run's stills are (engine/stills.ts makes them): each generated image of `images:` as
 * the plan routed it, with the digest of its generate request, which is what caches it and
 * what a job's cache key names it by before its bytes exist.
 */
import { createHash } from 'node:crypto';
import type { Plan } from '../router/types.ts';
import type { Storyboard } from '../storyboard/types.ts';

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** One still to make: a generated image of `images:` as the plan routed it. */
export interface StillSpec {
  name: string;
  prompt: string;
  width: number;
  height: number;
  /** the catalog id of the image model */
  model: string;
  provider: string;
  /** the provider's own model id or endpoint */
  providerModel: string;
  estimateUsd: number;
  /** the digest of the generate request: equal requests share one still */
  key: string;
}

/** A still ready to use: its bytes and where they are kept. */
export interface MadeStill {
  name: string;
  sha256: string;
  data: Uint8Array;
  mediaType: string;
}

/**
 * The stills of a plan, keyed as the engine caches them. `executor` is the registry's (a
 * preview's placeholder never stands in for a bought still, nor the other way round).
 */
export function stillSpecs(plan: Plan, storyboard: Storyboard, executor: string): StillSpec[] {
  const specs: StillSpec[] = [];
  for (const image of plan.images ?? []) {
    const request = storyboard.images?.[image.name]?.generate;
    if (!request || !image.model || !image.provider || !image.provider_model) continue;
    const generate = {
      executor,
      model: image.model,
      provider: image.provider,
      provider_model: image.provider_model,
      prompt: request.prompt,
      width: request.size.width,
      height: request.size.height,
    };
    specs.push({
      name: image.name,
      prompt: request.prompt,
      width: request.size.width,
      height: request.size.height,
      model: image.model,
      provider: image.provider,
      providerModel: image.provider_model,
      estimateUsd: image.cost_usd,
      key: sha256(JSON.stringify(generate)),
    });
  }
  return specs;
}

/** The cache key a job's request names a still by (the still's bytes are not known yet). */
export function stillKeyOf(specs: readonly StillSpec[], name: string): string | undefined {
  return specs.find((s) => s.name === name)?.key;
}
