/**
 * Lifecycle that warns ahead: a route retiring soon after `as_of`, and a card whose sources are
 * old enough that its facts may have moved. Pure date arithmetic on the catalog.
 */
import type { ModelCard, Route } from '../catalog/schema.ts';

/** A route retiring within this many days after `as_of` gets a warning. */
export const RETIREMENT_WARNING_DAYS = 30;
/** A card whose newest source is older than this (days before `as_of`) may be stale. */
export const STALE_AFTER_DAYS = 120;

const DAY_MS = 86_400_000;

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export interface Retirement {
  /** the day the route (or the whole model) stops working */
  date: string;
  days_left: number;
  /** the catalog's named replacement, if any */
  replacement: string | null;
  /** `route`: only this route retires; `model`: the model itself */
  scope: 'route' | 'model';
}

/** When a route stops working: its own date, else the model's, whichever comes first. */
export function retirementOf(model: ModelCard, route: Route, asOf: string): Retirement | null {
  const dates = [
    route.retired_on ? { date: route.retired_on.value, scope: 'route' as const } : undefined,
    model.lifecycle.retired_on
      ? { date: model.lifecycle.retired_on.value, scope: 'model' as const }
      : undefined,
  ].filter((d) => d !== undefined);
  if (dates.length === 0) return null;
  const first = dates.sort((a, b) => a.date.localeCompare(b.date))[0]!;
  return {
    date: first.date,
    days_left: daysBetween(asOf, first.date),
    replacement:
      (first.scope === 'route' ? route.replacement : undefined) ??
      model.lifecycle.replacement ??
      null,
    scope: first.scope,
  };
}

/** A retirement inside the warning window (after `as_of`, at most 30 days ahead), else null. */
export function retiringSoon(model: ModelCard, route: Route, asOf: string): Retirement | null {
  const r = retirementOf(model, route, asOf);
  return r && r.days_left > 0 && r.days_left <= RETIREMENT_WARNING_DAYS ? r : null;
}

export function describeRetirement(model: ModelCard, route: Route, r: Retirement): string {
  const what =
    r.scope === 'route' ? `the ${route.provider} route of ${model.id}` : `${model.id} (all routes)`;
  return `${what} retires ${r.date}, ${r.days_left} day${r.days_left === 1 ? '' : 's'} after as_of; ${
    r.replacement ? `the catalog names ${r.replacement} as its replacement` : 'no replacement named'
  }`;
}

/** Sources that are the maintainers' own pages (judgments, local-route notes) date no fact. */
function isExternal(url: string): boolean {
  return !url.startsWith('docs/catalog.md');
}

export interface Staleness {
  /** the newest date any external source was stated or re-read */
  newest_source: string;
  days_old: number;
  message: string;
}

/** Null while the card's newest external source is within 120 days of `as_of`. */
export function staleness(model: ModelCard, asOf: string): Staleness | null {
  const dates = Object.values(model.sources)
    .filter((s) => isExternal(s.url))
    .map((s) => (s.read_on && s.read_on > s.as_of ? s.read_on : s.as_of));
  if (dates.length === 0) return null;
  const newest = dates.sort().at(-1)!;
  const days = daysBetween(newest, asOf);
  if (days <= STALE_AFTER_DAYS) return null;
  return {
    newest_source: newest,
    days_old: days,
    message: `${model.id}: its newest source is from ${newest}, ${days} days before as_of; its facts may be stale`,
  };
}
