/**
 * Soft preferences: how good a feasible option is for a shot, in [0, 1]. The model's general
 * quality and its strengths for the shot's tags make the base; the policy then weighs base
 * against price and latency, each normalised among the shot's feasible options.
 */
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
  const costs = options.map((o) => Math.log(o.usd * shot.takes + 0.01));
  const latencies = options.map((o) => Math.log(o.latency + 1));
  const weights = POLICY_WEIGHTS[optimize];
  const qualities = qualitiesFor(
    options.map((o) => o.model),
    modalityOf(shot.needs),
  );
  return options.map((option, i) => {
    const strong: string[] = [];
    const weak: string[] = [];
    let tagSum = 0;
    for (const tag of tags) {
      const strength = option.model.strengths[tag];
      const weight = strength?.weight ?? 0.5;
      tagSum += weight;
      if (weight >= 0.75) strong.push(`${tag} (${weight})`);
      else if (weight <= 0.35) weak.push(`${tag} (${weight})`);
    }
    const quality = qualities[i]!.value;
    const tagFit = tags.length > 0 ? tagSum / tags.length : quality;
    const penalty = option.penalties.reduce((sum, p) => sum + p.amount, 0);
    const base = clamp01(0.5 * quality + 0.5 * tagFit - penalty);
    const score =
      weights.base * base +
      weights.cost * (1 - normalise(costs, i)) +
      weights.speed * (1 - normalise(latencies, i));
    return {
      option,
      score: round4(score),
      base: round4(base),
      strong,
      weak,
      quality: qualities[i]!,
    };
  });
}

/** 0 for the smallest value, 1 for the largest; 0 for all when they are equal. */
function normalise(values: readonly number[], i: number): number {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return max - min < 1e-12 ? 0 : (values[i]! - min) / (max - min);
}

function clamp01(n: number): number {
  return Math.min(1, Math.max(0, n));
}

export function round4(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}
