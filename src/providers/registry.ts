/**
 * Which model instance makes a planned route: `(provider id, model id) → model + provider
 * facts`. A normal run resolves each catalog provider to its adapter; a preview run resolves
 * every route to the preview provider (standing in for the routed model).
 */
import { ShotrouterError } from '../errors.ts';
import type { ImageModel, Provider, ProviderInfo, VideoModel } from './types.ts';

export interface ResolvedRoute {
  model: VideoModel;
  provider: ProviderInfo;
}

export interface ResolvedImageRoute {
  model: ImageModel;
  provider: ProviderInfo;
}

export interface ProviderRegistry {
  /** a short name for what makes the clips (`preview`, `providers`); part of every cache key */
  readonly executor: string;
  /** whether `provider` can be resolved at all (checked before anything is spent) */
  has(provider: string): boolean;
  /**
   * The model for a route (`model` is the catalog model id); throws a ShotrouterError when no
   * adapter serves the provider.
   */
  resolve(provider: string, model: string): ResolvedRoute;
  /**
   * The image model for a still's route (`model`: the provider's own id, as the plan's
   * `images[].provider_model` names it); throws a ShotrouterError when no adapter makes images
   * there. Absent on registries made before stills.
   */
  resolveImage?(provider: string, model: string): ResolvedImageRoute;
  /**
   * Warms the provider's connection (see `Provider.warmUp`) and says what answered; `undefined`:
   * the provider has nothing to warm. Absent on stand-in registries.
   */
  warmUp?(provider: string, signal: AbortSignal): Promise<string | undefined>;
}

/** The executor of real runs: every route to its provider's own adapter. */
export const PROVIDERS_EXECUTOR = 'providers';

export interface RegistryOptions {
  /** names what makes the clips, in cache keys (default `providers`) */
  executor?: string;
  /**
   * The provider's own id for a catalog model on that provider (the catalog route's `model`);
   * default: the catalog id unchanged.
   */
  providerModelId?: (provider: string, model: string) => string;
}

/** A registry over adapters, one per provider id. Models are created once and reused. */
export function createProviderRegistry(
  providers: Provider[],
  options: RegistryOptions = {},
): ProviderRegistry {
  const executor = options.executor ?? PROVIDERS_EXECUTOR;
  const providerModelId = options.providerModelId ?? ((_provider, model) => model);
  const byId = new Map(providers.map((p) => [p.info.id, p]));
  const models = new Map<string, VideoModel>();
  const images = new Map<string, ImageModel>();
  return {
    executor,
    has: (provider) => byId.has(provider),
    resolve(provider, catalogModel) {
      const entry = byId.get(provider);
      if (!entry) {
        const known = [...byId.keys()].join(', ') || 'none yet';
        throw new ShotrouterError(
          'unsatisfiable',
          `no adapter for provider '${provider}' (adapters: ${known}); use --preview to rehearse the run`,
        );
      }
      const key = `${provider}\u0000${catalogModel}`;
      let model = models.get(key);
      if (!model) {
        model = entry.model(providerModelId(provider, catalogModel));
        if (!model.doStart || !model.doStatus) {
          // the engine stores an operation handle between start and status; doGenerate alone has none
          throw new ShotrouterError(
            'internal',
            `the ${provider} adapter for ${catalogModel} lacks doStart/doStatus`,
          );
        }
        models.set(key, model);
      }
      return { model, provider: entry.info };
    },
    resolveImage(provider, providerModel) {
      const entry = byId.get(provider);
      if (!entry?.image) {
        throw new ShotrouterError(
          'unsatisfiable',
          `no image adapter for provider '${provider}' yet (image adapters: ${
            [...byId.values()]
              .filter((p) => p.image)
              .map((p) => p.info.id)
              .join(', ') || 'none'
          }); pick another image model with images.NAME.model, give the image as { file: PATH }, or rehearse with --preview`,
        );
      }
      const key = `image\u0000${provider}\u0000${providerModel}`;
      let model = images.get(key);
      if (!model) {
        model = entry.image(providerModel);
        images.set(key, model);
      }
      return { model, provider: entry.info };
    },
    async warmUp(provider, signal) {
      return byId.get(provider)?.warmUp?.(signal);
    },
  };
}

/** A registry that sends every route, whatever its provider, to one stand-in provider. */
export function createStandInRegistry(standIn: Provider): ProviderRegistry {
  const inner = createProviderRegistry([standIn], { executor: standIn.info.id });
  return {
    executor: standIn.info.id,
    has: () => true,
    resolve: (_provider, model) => inner.resolve(standIn.info.id, model),
    resolveImage: (_provider, model) => inner.resolveImage!(standIn.info.id, model),
  };
}
