/**
 * Soft preferences: how good a feasible option is for a shot, in [0, 1]. The model's general
 * quality and its strengths for the shot's tags make the base; the policy then weighs base
 * against price and latency, each normalised among the shot's feasible options.
 */

import type { Modality, ModelCard } from '../catalog/schema.ts';
import type { Optimize, Priority, Shot, Tag } from '../storyboard/types.ts';
import type { Option } from './evaluate.ts';
import { modalityOf, type QualityUsed, qualitiesFor } from './quality.ts';

export const PRIORITY_WEIGHT: Record<Priority, number> = { hero: 3, normal: 1, draft: 0.3 };

const POLICY_WEIGHTS: Record<Optimize, { base: number; cost: number; speed: number }> = {
  quality: { base: 1, cost: 0, speed: 0 },
  cost: { base: 0.4, cost: 0.6, speed: 0 },
  speed: { base: 0.4, cost: 0, speed: 0.6 },
  balanced: { base: 0.7, cost: 0.2, speed: 0.1 },
};

/** Tags a shot implies without writing them: dialogue lines, slow motion, a vertical frame. */
export function effectiveTags(shot: Shot): Tag[] {
  const tags = new Set<Tag>(shot.tags);
  if (shot.audio.dialogue.length > 0) tags.add('dialogue');
  if (shot.slowmo > 1) tags.add('slow-motion');
  return [...tags];
}

export interface Scored {
  option: Option;
  score: number;
  /** the base (quality, strengths, penalties) before the policy's price and speed weights */
  base: number;
  strong: string[];
  weak: string[];
  /** the quality the base used: measured for the shot's modality, or judged (router/quality.ts) */
  quality: QualityUsed;
}

export function scoreOptions(shot: Shot, options: readonly Option[], optimize: Optimize): Scored[] {
  const tags = effectiveTags(shot);
  const tagsKey = tags.join(',');
  const costs = options.map((o) => Math.log(o.usd * shot.takes + 0.01));
  const latencies = options.map((o) => Math.log(o.latency + 1));
  const toCost = normaliser(costs);
  const toLatency = normaliser(latencies);
  const weights = POLICY_WEIGHTS[optimize];
  const qualities = sharedQualities(
    options.map((o) => o.model),
    modalityOf(shot.needs),
  );
  return options.map((option, i) => {
    const fit = tagFit(option.model, tags, tagsKey);
    const quality = qualities[i]!.value;
    const fitValue = tags.length > 0 ? fit.sum / tags.length : quality;
    const penalty = option.penalties.reduce((sum, p) => sum + p.amount, 0);
    const base = clamp01(0.5 * quality + 0.5 * fitValue - penalty);
    const score =
      weights.base * base +
      weights.cost * (1 - toCost(costs[i]!)) +
      weights.speed * (1 - toLatency(latencies[i]!));
    return {
      option,
      score: round4(score),
      base: round4(base),
      strong: fit.strong,
      weak: fit.weak,
      quality: qualities[i]!,
    };
  });
}

/** What a model's strengths say of a shot's tags: their summed weight, the strong and weak ones. */
interface TagFit {
  sum: number;
  strong: string[];
  weak: string[];
}

/**
 * Tag fits depend only on the model and the tags, which a long storyboard's shots repeat: each
 * is made once per card and set of tags, and shared (scored options are never mutated).
 */
const tagFits = new WeakMap<ModelCard, Map<string, TagFit>>();

function tagFit(model: ModelCard, tags: readonly Tag[], key: string): TagFit {
  let byTags = tagFits.get(model);
  if (!byTags) {
    byTags = new Map();
    tagFits.set(model, byTags);
  }
  let fit = byTags.get(key);
  if (!fit) {
    fit = { sum: 0, strong: [], weak: [] };
    for (const tag of tags) {
      const weight = model.strengths[tag]?.weight ?? 0.5;
      fit.sum += weight;
      if (weight >= 0.75) fit.strong.push(`${tag} (${weight})`);
      else if (weight <= 0.35) fit.weak.push(`${tag} (${weight})`);
    }
    byTags.set(key, fit);
  }
  return fit;
}

/** A number per card, so that a set of candidate cards (not just their ids) can key a cache. */
const cardNumbers = new WeakMap<ModelCard, number>();
let cardsNumbered = 0;

/**
 * The qualities of a set of candidates, made once per set and modality (router/quality.ts):
 * a long storyboard's shots share a few hundred such sets. Bounded, as a server plans for long.
 */
const qualityCache = new Map<string, QualityUsed[]>();
const QUALITY_CACHE_SETS = 10_000;

function sharedQualities(models: readonly ModelCard[], modality: Modality): QualityUsed[] {
  let key: string = modality;
  for (const m of models) {
    let n = cardNumbers.get(m);
    if (n === undefined) {
      n = cardsNumbered++;
      cardNumbers.set(m, n);
    }
    key += `,${n}`;
  }
  let qualities = qualityCache.get(key);
  if (!qualities) {
    if (qualityCache.size >= QUALITY_CACHE_SETS) qualityCache.clear();
    qualities = qualitiesFor(models, modality);
    qualityCache.set(key, qualities);
  }
  return qualities;
}

/** Maps a value to 0 for the smallest of `values`, 1 for the largest; 0 for all when equal. */
function normaliser(values: readonly number[]): (value: number) => number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min < 1e-12 ? () => 0 : (v) => (v - min) / (max - min);
}

function clamp01(n: number): number {
  return Math.min(1, Math.max(0, n));
}

export function round4(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}
