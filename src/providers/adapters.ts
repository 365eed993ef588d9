/**
 * Every real adapter, built once per run. Providers without credentials are still built (their
 * models fail with an authentication error naming the variable), so the engine can fall back
 * to a route that is configured instead of refusing the whole run.
 */
import type { Catalog } from '../catalog/load.ts';
import type { AdapterOptions } from './adapter-kit.ts';
import { catalogTokenPrice, createBytePlusProvider } from './byteplus/index.ts';
import { createComfyUiProvider } from './comfyui/index.ts';
import { createDashScopeProvider } from './dashscope/index.ts';
import { createFalProvider } from './fal/index.ts';
import { createGoogleProvider, createVertexProvider } from './google/index.ts';
import { createKlingProvider } from './kling/index.ts';
import { createLtxProvider } from './ltx/index.ts';
import { createLumaProvider } from './luma/index.ts';
import { createMiniMaxProvider } from './minimax/index.ts';
import { createOpenAIProvider } from './openai/index.ts';
import { createReplicateProvider } from './replicate/index.ts';
import { createRunwayProvider } from './runway/index.ts';
import type { Provider } from './types.ts';

export interface AdapterSetup
  extends Pick<AdapterOptions, 'env' | 'fetch' | 'timeoutMs' | 'now' | 'sleep'> {
  /** prices token-billed routes (Seedance) with the user's catalog, overlays included */
  catalog?: Catalog;
}

export function createAdapters(setup: AdapterSetup = {}): Provider[] {
  const common: AdapterOptions = {
    ...(setup.env ? { env: setup.env } : {}),
    ...(setup.fetch ? { fetch: setup.fetch } : {}),
    ...(setup.timeoutMs ? { timeoutMs: setup.timeoutMs } : {}),
    ...(setup.now ? { now: setup.now } : {}),
    ...(setup.sleep ? { sleep: setup.sleep } : {}),
  };
  return [
    createOpenAIProvider(common),
    createGoogleProvider(common),
    createVertexProvider(common),
    createKlingProvider(common),
    createRunwayProvider(common),
    createLumaProvider(common),
    createBytePlusProvider({
      ...common,
      ...(setup.catalog ? { tokenPrice: catalogTokenPrice(setup.catalog) } : {}),
    }),
    createFalProvider(common),
    createReplicateProvider(common),
    createComfyUiProvider(common),
    createMiniMaxProvider(common),
    createDashScopeProvider(common),
    createLtxProvider(common),
  ];
}
