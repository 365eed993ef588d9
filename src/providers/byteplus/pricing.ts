/**
 * What a finished Seedance task cost: BytePlus reports the tokens it billed
 * (`usage.completion_tokens`), and the catalog gives the price per million tokens of the route.
 */
import { type Catalog, loadCatalog } from '../../catalog/load.ts';
import { matchingRules } from '../../catalog/price.ts';
import { TIERS, type Tier } from '../../catalog/schema.ts';

/** USD per million tokens for a model at a tier, with or without audio; undefined when unpriced. */
export type TokenPrice = (model: string, tier: string, audio: boolean) => number | undefined;

/**
 * Prices from a catalog's `byteplus` routes: the one given (the run's, overlays included), a
 * catalog folder, or by default the shipped catalog.
 */
export function catalogTokenPrice(source?: Catalog | string): TokenPrice {
  return (model, tier, audio) => {
    if (!(TIERS as readonly string[]).includes(tier)) return undefined;
    const catalog =
      typeof source === 'object'
        ? source
        : loadCatalog(source === undefined ? {} : { dir: source });
    for (const card of catalog.models) {
      for (const route of card.routes) {
        if (route.provider !== 'byteplus' || route.model !== model) continue;
        const row = matchingRules(route.price.value, tier as Tier, audio).find(
          (r) => r.unit === 'token',
        );
        if (row?.unit === 'token') return row.usd_per_million;
      }
    }
    return undefined;
  };
}

/** Dollars for `tokens` at the price, or undefined when the price is unknown. */
export function tokenCostUsd(
  price: TokenPrice,
  model: string,
  tier: string,
  audio: boolean,
  tokens: number,
): number | undefined {
  const perMillion = price(model, tier, audio);
  return perMillion === undefined ? undefined : (tokens / 1_000_000) * perMillion;
}
