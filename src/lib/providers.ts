/**
 * Which providers make a run's clips: every route to the local preview renderer, or the real
 * adapters. The one place where the library wires adapters into a registry.
 */
import type { Catalog } from '../catalog/load.ts';
import { ShotrouterError } from '../errors.ts';
import { createAdapters } from '../providers/adapters.ts';
import { createPreviewProvider } from '../providers/preview/index.ts';
import {
  createProviderRegistry,
  createStandInRegistry,
  type ProviderRegistry,
} from '../providers/registry.ts';
import type { Provider } from '../providers/types.ts';
import type { Plan } from '../router/types.ts';

export type { ProviderRegistry } from '../providers/registry.ts';

/** The preview registry: every route rendered locally, nothing spent. */
export function previewRegistry(): ProviderRegistry {
  return createStandInRegistry(createPreviewProvider());
}

/**
 * Real providers: the given adapters, or every adapter with credentials from the process's
 * environment (a provider without them fails its starts with an authentication error naming
 * what to set; `adaptersFor(env)` builds them from another environment). Every provider a
 * plan's first choice needs must have an adapter; otherwise nothing starts (an `unsatisfiable`
 * error names the missing ones).
 */
export function providerRegistry(
  catalog: Catalog,
  plan: Plan,
  adapters: Provider[] = createAdapters({ env: process.env, catalog }),
): ProviderRegistry {
  const registry = createProviderRegistry(adapters, {
    providerModelId: (provider, model) =>
      catalog.byId.get(model)?.routes.find((r) => r.provider === provider)?.model ?? model,
  });
  const missing = [...new Set(plan.shots.map((s) => s.provider).filter((p) => p !== null))].filter(
    (p) => !registry.has(p),
  );
  if (missing.length > 0) {
    throw new ShotrouterError(
      'unsatisfiable',
      `no adapter yet for ${missing.join(', ')}: this build can only rehearse the run as a preview (run --preview)`,
    );
  }
  return registry;
}

/** Every real adapter, reading credentials from `env`. */
export function adaptersFor(catalog: Catalog, env: Record<string, string | undefined>): Provider[] {
  return createAdapters({ env, catalog });
}
