/**
 * The plan's text-to-speech steps (`speech[]`): each narrated shot's text read by its speaker's
 * voice. A speaker keeps one model and voice across the film; one written under `voices` is
 * used as written, one that is missing (or `{}`) gets the default voice chosen here and said so.
 * Lengths are estimates from the words until the narration is synthesised (lib/narration.ts).
 */
import { lifecycleAt } from '../catalog/load.ts';
import type { TtsCard, TtsPrice, TtsRoute } from '../catalog/schema.ts';
import { voiceLines } from '../storyboard/narration.ts';
import {
  NARRATION_WORDS_PER_SECOND,
  type Optimize,
  type Storyboard,
  type Voice,
} from '../storyboard/types.ts';
import { toMicro, toUsd } from '../util/money.ts';
import type { SpeechStep } from './types.ts';

/** A speaker's voice as the plan settled it. */
export interface ChosenVoice {
  card: TtsCard;
  route: TtsRoute;
  voice: string;
  notes?: string;
  reasons: string[];
}

/** Seconds of speech the words of `text` take at a calm pace (no pause): an estimate. */
export function estimatedSpeechSeconds(text: string): number {
  const words = text.split(/\s+/).filter((w) => w !== '').length;
  return Math.round((words / NARRATION_WORDS_PER_SECOND) * 10) / 10;
}

/** USD of one TTS step at list price; a per-minute price is applied to the seconds given. */
export function speechCostUsd(price: TtsPrice, characters: number, seconds: number): number {
  const usd =
    price.unit === 'character'
      ? (characters * price.usd_per_million) / 1e6
      : (seconds / 60) * price.usd;
  // whole micro-USD, as the engine reserves it
  return toUsd(Math.ceil(toMicro(usd) - 1e-9));
}

/** The voice each speaker of the storyboard's narration gets. */
export function chooseVoices(
  storyboard: Storyboard,
  voices: readonly TtsCard[],
  options: { asOf: string; configured?: ReadonlySet<string> | undefined },
): Map<string, ChosenVoice> {
  const chosen = new Map<string, ChosenVoice>();
  for (const { speaker } of voiceLines(storyboard)) {
    if (chosen.has(speaker)) continue;
    const written = storyboard.voices?.[speaker] ?? {};
    const voice = voiceFor(speaker, written, voices, storyboard.policy.optimize, options);
    if (voice !== undefined) chosen.set(speaker, voice);
  }
  return chosen;
}

function voiceFor(
  speaker: string,
  written: Voice,
  cards: readonly TtsCard[],
  optimize: Optimize,
  options: { asOf: string; configured?: ReadonlySet<string> | undefined },
): ChosenVoice | undefined {
  const usable = (card: TtsCard) => {
    const state = lifecycleAt(card, options.asOf).state;
    return state !== 'retired' && state !== 'unreleased';
  };
  const routeOf = (card: TtsCard) =>
    card.routes.find((r) => options.configured?.has(r.provider) ?? true) ?? card.routes[0]!;
  const notes = written.notes === undefined ? {} : { notes: written.notes };
  if (written.model !== undefined) {
    const card = cards.find((c) => c.id === written.model);
    if (card === undefined) return undefined;
    const route = routeOf(card);
    const reasons = [`voices.${speaker}.model names ${card.id}`];
    const voice = written.voice ?? route.default_voice.value;
    reasons.push(
      written.voice !== undefined
        ? `voices.${speaker}.voice names ${voice}`
        : `no voice named: ${card.id}'s default voice ${voice}`,
    );
    return { card, route, voice, ...notes, reasons };
  }
  // the default: the most natural voice, or under `optimize: cost` the cheapest per character
  const live = cards.filter(usable);
  const withKeys = live.filter((c) => c.routes.some((r) => options.configured?.has(r.provider)));
  // without credentials for any voice, the plan still says which voice a run would buy
  const steered = options.configured !== undefined && withKeys.length > 0;
  const candidates = steered ? withKeys : live;
  if (candidates.length === 0) return undefined;
  const perMinute = (card: TtsCard) => minuteUsd(routeOf(card).price.value);
  const best = [...candidates].sort((a, b) =>
    optimize === 'cost'
      ? perMinute(a) - perMinute(b) || a.id.localeCompare(b.id)
      : b.quality.value - a.quality.value ||
        perMinute(a) - perMinute(b) ||
        a.id.localeCompare(b.id),
  )[0]!;
  const route = routeOf(best);
  const voice = written.voice ?? route.default_voice.value;
  const why =
    optimize === 'cost'
      ? `the cheapest voice of the catalog (about $${perMinute(best).toFixed(4)} a minute)`
      : `the most natural voice of the catalog (quality ${best.quality.value})`;
  return {
    card: best,
    route,
    voice,
    ...notes,
    reasons: [
      `no model written for ${speaker} under voices: the default, ${best.id}, ${why}${steered ? ' among providers with credentials' : ''}`,
      written.voice !== undefined
        ? `voices.${speaker}.voice names ${voice}`
        : `no voice named: ${best.id}'s default voice ${voice}`,
    ],
  };
}

/** A price per minute of speech, for comparing voices (about 15 characters a second). */
function minuteUsd(price: TtsPrice): number {
  return price.unit === 'minute' ? price.usd : (900 * price.usd_per_million) / 1e6;
}

/** One step per voice line, in playing order; lines whose speaker has no voice are left out. */
export function planSpeech(
  storyboard: Storyboard,
  chosen: ReadonlyMap<string, ChosenVoice>,
): SpeechStep[] {
  const steps: SpeechStep[] = [];
  for (const line of voiceLines(storyboard)) {
    const voice = chosen.get(line.speaker);
    if (voice === undefined) continue;
    const characters = [...line.text].length;
    const seconds = estimatedSpeechSeconds(line.text);
    steps.push({
      shot: line.shot,
      kind: line.kind,
      ...(line.line !== undefined ? { line: line.line } : {}),
      speaker: line.speaker,
      voice: voice.voice,
      model: voice.card.id,
      provider: voice.route.provider,
      characters,
      estimated_seconds: seconds,
      cost_usd: speechCostUsd(voice.route.price.value, characters, seconds),
      reasons: voice.reasons,
    });
  }
  return steps;
}
