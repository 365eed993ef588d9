/**
 * Credentials steer routing: once the user has set at least one provider's credentials, routes
 * no credential reaches are not chosen, and the plan says which credential would unlock a better
 * route and what it would change. With none set, routing is by capability alone. The providers
 * the plan was made with are recorded in it, so the same inputs replay to the same plan.
 */
import type { Route } from '../catalog/schema.ts';

/** What the advice needs of a scored option (structural: evaluate.ts imports this module). */
interface Candidate {
  score: number;
  option: { usd: number; model: { id: string }; route: { provider: string } };
}

/** True when routing must stay within these providers (at least one is configured). */
export function steering(
  configured: ReadonlySet<string> | undefined,
): configured is ReadonlySet<string> {
  return configured !== undefined && configured.size > 0;
}

/** A route the configured credentials do not reach: the reason it is not usable, else undefined. */
export function unreachable(
  route: Route,
  configured: ReadonlySet<string> | undefined,
): string | undefined {
  if (!steering(configured) || configured.has(route.provider)) return undefined;
  return `${route.provider} route: no credentials for ${route.provider} (routing uses only the providers whose credentials are set)`;
}

/**
 * What a credential would change for one shot: the best option with every provider reachable,
 * when it is better than the best reachable one. Undefined when nothing better is locked away.
 */
export function unlockAdvice(
  reachable: readonly Candidate[],
  everywhere: readonly Candidate[],
  hint: (provider: string) => string,
): string | undefined {
  const locked = everywhere[0];
  if (!locked) return undefined;
  const best = reachable[0];
  const cheaper = best !== undefined && locked.option.usd < best.option.usd - 1e-9;
  if (best && (locked.score < best.score || (locked.score === best.score && !cheaper)))
    return undefined;
  const provider = locked.option.route.provider;
  const change = best
    ? `score ${locked.score} instead of ${best.score} (${best.option.model.id}), $${locked.option.usd.toFixed(2)} instead of $${best.option.usd.toFixed(2)} per take`
    : 'a model for a shot that has none now';
  return `${hint(provider)} to unlock ${locked.option.model.id} on ${provider}: ${change}`;
}
