/**
 * Credentials steer routing: once the user has set at least one provider's credentials, routes
 * no credential reaches are not chosen, and the plan says which credential would unlock a better
 * route and what it would change. With none set, routing is by capability alone. The providers
 * the plan was made with are recorded in it, so the same inputs replay to the same plan.
 */
import type { Route } from '../catalog/schema.ts';
import { type RejectionReason, rejectionReason } from '../contracts/reasons.ts';

/** What the advice needs of a scored option (structural: evaluate.ts imports this module). */
interface Candidate {
  base: number;
  option: { usd: number; model: { id: string }; route: { provider: string } };
}

export function steering(
  configured: ReadonlySet<string> | undefined,
): configured is ReadonlySet<string> {
  return configured !== undefined && configured.size > 0;
}

/** A route the configured credentials do not reach: the reason it is not usable, else undefined. */
export function unreachable(
  route: Route,
  configured: ReadonlySet<string> | undefined,
): RejectionReason | undefined {
  if (!steering(configured) || configured.has(route.provider)) return undefined;
  return rejectionReason({ code: 'no_credentials', provider: route.provider });
}

/**
 * What a credential would change for one shot: the option the plan would choose with every
 * provider reachable, when a provider without credentials serves it. Scores of the two rankings
 * are not comparable (prices are normalised among each set), so the advice names the models,
 * their quality base and prices. Undefined when the best choice is reachable already.
 */
export function unlockAdvice(
  reachable: readonly Candidate[],
  everywhere: readonly Candidate[],
  configured: ReadonlySet<string>,
  hint: (provider: string) => string,
): string | undefined {
  const locked = everywhere[0];
  if (!locked || configured.has(locked.option.route.provider)) return undefined;
  const provider = locked.option.route.provider;
  const best = reachable[0];
  const usd = (c: Candidate) => `$${c.option.usd.toFixed(2)}`;
  const change = best
    ? `${locked.option.model.id} (quality base ${locked.base}, ${usd(locked)} per take) instead of ${best.option.model.id} on ${best.option.route.provider} (base ${best.base}, ${usd(best)})`
    : `${locked.option.model.id} (${usd(locked)} per take) for a shot no reachable model can make`;
  return `${hint(provider)} to unlock ${locked.option.model.id} on ${provider}: the plan would choose ${change}`;
}
