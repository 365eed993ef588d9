/**
 * Quality per job: a card's measured arena figure for the shot's modality (text-to-video or
 * image-to-video) mapped onto the router's 0..1 scale, else the card's judged `quality`. Among
 * the measured candidates of one shot, every one whose confidence interval reaches the best
 * one's interval counts as equally good, so noise in the arena never buys a dearer model: price
 * and strengths decide among them. See docs/catalog.md#measured-quality.
 */
import type { ArenaFigure, Modality, ModelCard } from '../catalog/schema.ts';
import type { QualityUsed } from '../contracts/plan.ts';
import type { ShotNeeds } from '../storyboard/types.ts';

/**
 * Arena score at which the mapped quality is 0.5. Chosen so that, over the cards carrying both a
 * measured text-to-video score and a judged `quality` on 2026-12-06, the two have the same mean
 * (score 1205 ↔ 0.833): measured and judged cards then compete on one scale.
 */
export const ARENA_ANCHOR = 925;
/** Score points per factor of 10 in the odds (the Elo convention the arenas use). */
export const ARENA_SCALE = 400;

/**
 * The probability, under the arena's Elo model, that viewers prefer this model's clip over one
 * from a model rated ARENA_ANCHOR: strictly increasing in the score, 0..1, 4 decimals.
 */
export function arenaToQuality(score: number): number {
  const q = 1 / (1 + 10 ** ((ARENA_ANCHOR - score) / ARENA_SCALE));
  return Math.round(q * 1e4) / 1e4;
}

/** A shot with a first frame is image-to-video; every other shot is text-to-video. */
export function modalityOf(needs: Pick<ShotNeeds, 'firstFrame'>): Modality {
  return needs.firstFrame ? 'image_to_video' : 'text_to_video';
}

/** The quality a score used, and where it came from: the plan's `quality` field (../contracts/plan.ts). */
export type { QualityUsed };

function judged(model: ModelCard, modality: Modality): QualityUsed {
  return { value: model.quality.value, basis: 'judged', modality };
}

function measured(model: ModelCard, modality: Modality): ArenaFigure | undefined {
  return model.arena?.[modality];
}

/**
 * The quality each candidate model brings to a shot of this modality, in the order given. A
 * model without a figure for the modality uses its judged `quality`.
 */
export function qualitiesFor(models: readonly ModelCard[], modality: Modality): QualityUsed[] {
  const figures = models.map((m) => measured(m, modality));
  let best: { figure: ArenaFigure; model: ModelCard } | undefined;
  models.forEach((model, i) => {
    const figure = figures[i];
    if (figure && (!best || figure.score > best.figure.score)) best = { figure, model };
  });
  if (!best) return models.map((m) => judged(m, modality));
  const floor = best.figure.score - best.figure.ci;
  const tied = models.filter((_, i) => {
    const f = figures[i];
    return f !== undefined && f.score + f.ci >= floor;
  });
  const tiedIds = tied
    .map((m) => ({ id: m.id, score: measured(m, modality)!.score }))
    .sort((x, y) => y.score - x.score || x.id.localeCompare(y.id))
    .map((m) => m.id);
  const bestValue = arenaToQuality(best.figure.score);
  return models.map((model, i) => {
    const figure = figures[i];
    if (!figure) return judged(model, modality);
    const source = model.sources[figure.source];
    const arena = {
      ...figure,
      source_url: source?.url ?? figure.source,
      ...(source?.title ? { source_title: source.title } : {}),
    };
    const isTied = tied.includes(model);
    return {
      value: isTied ? bestValue : arenaToQuality(figure.score),
      basis: 'arena',
      modality,
      arena,
      ...(isTied && tied.length > 1 ? { tied_with: tiedIds } : {}),
    };
  });
}

const MODALITY_WORDS: Record<Modality, string> = {
  text_to_video: 'text-to-video',
  image_to_video: 'image-to-video',
};

/** "#7 on text-to-video, 1240 ± 12, 2026-08-01 (Artificial Analysis Video Arena)" */
export function describeQuality(q: QualityUsed): string {
  if (q.basis === 'judged' || !q.arena) {
    return `quality ${q.value} judged (no arena figure for ${MODALITY_WORDS[q.modality]})`;
  }
  const a = q.arena;
  const rank = a.rank !== undefined ? `#${a.rank} on ` : '';
  const name = a.entry ? ` as ${a.entry}` : '';
  return `quality: ${rank}${MODALITY_WORDS[q.modality]}, ${a.score} ± ${a.ci}, ${a.snapshot}${name} (${a.source_title ?? a.source_url}) → ${q.value}`;
}

/** The reason naming the tie, when one decided the choice. */
export function describeTie(q: QualityUsed, chosen: string): string | undefined {
  if (!q.tied_with || q.tied_with.length < 2) return undefined;
  const others = q.tied_with.filter((id) => id !== chosen);
  return `equal on quality with ${others.join(', ')} (arena intervals overlap): price and strengths decided`;
}
