/**
 * How a route's price rows turn into dollars (docs/catalog.md, "Prices"). One implementation, so
 * that the plan's estimate, the `models` listing and the engine's settlement agree.
 */
import type { ImagePrice, JudgePrice, JudgeRoute, PriceRule, Tier } from './schema.ts';

export interface PriceQuery {
  tier: Tier;
  audio: boolean;
  /** generated seconds */
  seconds: number;
  width: number;
  height: number;
  fps: number;
}

/** A row applies when its `tier` and `audio` are absent or equal to the request's. */
function applies(rule: PriceRule, tier: Tier, audio: boolean): boolean {
  return (
    (rule.tier === undefined || rule.tier === tier) &&
    (rule.audio === undefined || rule.audio === audio)
  );
}

function specificity(rule: PriceRule): number {
  return (rule.tier === undefined ? 0 : 2) + (rule.audio === undefined ? 0 : 1);
}

/**
 * The rows that price a request of this tier and audio: those that apply, keeping only the most
 * specific (a row naming the tier beats one that does not; then one naming audio). Empty when the
 * route cannot make this tier/audio combination.
 */
export function matchingRules(
  rules: readonly PriceRule[],
  tier: Tier,
  audio: boolean,
): PriceRule[] {
  const candidates = rules.filter((r) => applies(r, tier, audio));
  const best = Math.max(-1, ...candidates.map(specificity));
  return candidates.filter((r) => specificity(r) === best);
}

/**
 * Tokens as ByteDance (and fal for per-megapixel rows) count them: width × height × frames / 1024,
 * where a clip of s seconds has fps × s + 1 frames (Seedance bills 87,300 tokens for 4 s of
 * 720p: 97 frames; LTX makes 8k+1 frames, 121 for 5 s at 24 fps).
 */
export function videoTokens(q: Pick<PriceQuery, 'width' | 'height' | 'fps' | 'seconds'>): number {
  return (q.width * q.height * (Math.round(q.fps * q.seconds) + 1)) / 1024;
}

/**
 * Dollars for one generation, or undefined when no row prices it (the route cannot order it).
 * Per-clip rows: the row whose `seconds` equals the request wins; otherwise the longest clip not
 * above the request (else the shortest clip), billed as whole clips.
 */
export function priceUsd(rules: readonly PriceRule[], q: PriceQuery): number | undefined {
  const rows = matchingRules(rules, q.tier, q.audio);
  const first = rows[0];
  if (first === undefined) return undefined;
  if (first.unit === 'second') return first.usd * q.seconds;
  if (first.unit === 'token') return (videoTokens(q) / 1_000_000) * first.usd_per_million;
  const clips = rows.filter((r) => r.unit === 'clip');
  const row =
    clips.find((r) => r.seconds === q.seconds) ??
    clips.filter((r) => r.seconds <= q.seconds).sort((a, b) => b.seconds - a.seconds)[0] ??
    clips.sort((a, b) => a.seconds - b.seconds)[0]!;
  return Math.ceil(q.seconds / row.seconds - 1e-9) * row.usd;
}

/** Tokens a judge call used, as the provider's reply reports them. */
export interface JudgeUsage {
  /** text and images sent (cached or not: billed here at the full input price, the upper bound) */
  inputTokens: number;
  /** text written, reasoning or thinking tokens included */
  outputTokens: number;
}

/** Dollars for one judge call from its reply's usage and the route's list price. */
export function judgeCostUsd(price: JudgePrice, usage: JudgeUsage): number {
  return (
    (usage.inputTokens * price.input_usd_per_million +
      usage.outputTokens * price.output_usd_per_million) /
    1_000_000
  );
}

/** What a judge call is expected to send and the most it may write, for the estimate. */
export interface JudgeCallSize {
  images: number;
  /** characters of text sent (instructions and prompt) */
  textChars: number;
  /** the output cap the request sets */
  maxOutputTokens: number;
}

/**
 * The most one judge call should cost, before it is made (what a budget reserves): every image
 * at the route's `tokens_per_image`, text at one token per two characters (tokenizers average
 * about four; two keeps it an upper bound for other scripts), and the whole output cap.
 */
export function judgeEstimateUsd(route: JudgeRoute, size: JudgeCallSize): number {
  return judgeCostUsd(route.price.value, {
    inputTokens: size.images * route.tokens_per_image.value + Math.ceil(size.textChars / 2),
    outputTokens: size.maxOutputTokens,
  });
}

/**
 * One still's list price at `width`×`height`: a flat price per image, or per megapixel with any
 * part of a megapixel billed as a whole one (1024×1024 is one, 1920×1080 is three).
 */
export function imageCostUsd(price: ImagePrice, width: number, height: number): number {
  if (price.unit === 'image') return price.usd;
  const megapixels = Math.max(1, Math.ceil((width * height) / 1_048_576));
  return Math.round(price.usd * megapixels * 1e6) / 1e6;
}
