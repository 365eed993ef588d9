/**
 * A whole run against the provider sandbox: the storyboard of test/fixtures/e2e planned with its
 * catalog overlay, every real adapter pointed at a sandbox started in-process, the durable
 * engine and its SQLite store, all on one virtual clock so that poll intervals, backoffs and
 * the sandbox's job latencies cost no real time (only HTTP, ffmpeg and SQLite do).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Catalog, loadCatalog } from '../../src/catalog/load.ts';
import { priceUsd } from '../../src/catalog/price.ts';
import { tierOfSize } from '../../src/catalog/tiers.ts';
import {
  buildJobSpecs,
  type ClipTools,
  type EngineEvent,
  EngineEvents,
  type EngineOutcome,
  ffmpegClipTools,
  type JobSpec,
  prepareRun,
  runEngine,
  VirtualClock,
} from '../../src/engine/index.ts';
import { providerRegistry } from '../../src/lib/providers.ts';
import type { AdapterOptions } from '../../src/providers/adapter-kit.ts';
import { catalogTokenPrice, createBytePlusProvider } from '../../src/providers/byteplus/index.ts';
import { createComfyUiProvider } from '../../src/providers/comfyui/index.ts';
import { createDashScopeProvider } from '../../src/providers/dashscope/index.ts';
import { createFalProvider } from '../../src/providers/fal/index.ts';
import { createGoogleProvider, createVertexProvider } from '../../src/providers/google/index.ts';
import { createKlingProvider } from '../../src/providers/kling/index.ts';
import { createLtxProvider } from '../../src/providers/ltx/index.ts';
import { createLumaProvider } from '../../src/providers/luma/index.ts';
import { createMiniMaxProvider } from '../../src/providers/minimax/index.ts';
import { createOpenAIProvider } from '../../src/providers/openai/index.ts';
import type { ProviderRegistry } from '../../src/providers/registry.ts';
import { createReplicateProvider } from '../../src/providers/replicate/index.ts';
import { createRunwayProvider } from '../../src/providers/runway/index.ts';
import type { Provider } from '../../src/providers/types.ts';
import { planStoryboard } from '../../src/router/plan.ts';
import type { Plan } from '../../src/router/types.ts';
import { renderedSize } from '../../src/sandbox/media.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type {
  FaultKind,
  SandboxHandle,
  SandboxJob,
  SandboxStats,
} from '../../src/sandbox/types.ts';
import { MediaFolder } from '../../src/store/media-folder.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { loadStoryboard } from '../../src/storyboard/load.ts';
import type { Storyboard } from '../../src/storyboard/types.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'e2e');
export const STORYBOARD = path.join(FIXTURES, 'storyboard.yaml');
export const OVERLAY = path.join(FIXTURES, 'overlay.yaml');

/** The sandbox renders every clip within this frame: real MP4s, cheap to make and probe. */
export const MAX_SIZE = { width: 160, height: 90 };

export const FAULTS: Partial<Record<FaultKind, number>> = {
  '429': 0.1,
  '5xx': 0.05,
  refuse: 0.02,
  drop: 0.02,
};

/**
 * Each sandbox job takes 20-80 s of the shared virtual clock, as real generations take tens of
 * seconds. (20-80 ms of it would end every job before its first poll, and no two jobs of one
 * provider would ever run at once, leaving the concurrency check with nothing to check.)
 */
export const LATENCY_MS: [number, number] = [20_000, 80_000];

/** The storyboard's day, 09:00 UTC: the run's virtual time starts there. */
const START = Date.parse('2026-09-01T09:00:00Z');

/**
 * Every adapter of src/providers/adapters.ts, built the same way, plus the virtual clock:
 * `createAdapters` passes neither `now` nor `sleep` on, and Kling signs its JWTs with `now`,
 * which the sandbox checks against the same clock.
 */
export function sandboxAdapters(
  sandboxUrl: string,
  catalog: Catalog,
  clock: VirtualClock,
): Provider[] {
  const common: AdapterOptions = {
    env: { SHOTROUTER_SANDBOX_URL: sandboxUrl },
    now: () => clock.now(),
    sleep: (ms, signal) => clock.sleep(ms, signal),
  };
  return [
    createOpenAIProvider(common),
    createGoogleProvider(common),
    createVertexProvider(common),
    createKlingProvider(common),
    createRunwayProvider(common),
    createLumaProvider(common),
    createBytePlusProvider({ ...common, tokenPrice: catalogTokenPrice(catalog) }),
    createFalProvider(common),
    createReplicateProvider(common),
    createComfyUiProvider(common),
    createMiniMaxProvider(common),
    createDashScopeProvider(common),
    createLtxProvider(common),
  ];
}

/**
 * The engine's ffmpeg checks, with the expected frame scaled the way the sandbox scales what it
 * renders (`maxSize`, aspect kept, even sides). Duration, frame rate and audio are checked as
 * asked; the size is checked against the exact frame the sandbox promises for the request.
 */
export const sandboxClipTools: ClipTools = {
  inspect(file, expected, signal) {
    const frame = renderedSize(expected.width, expected.height, MAX_SIZE);
    return ffmpegClipTools.inspect(file, { ...expected, ...frame }, signal);
  },
  join: (inputs, output, signal) => ffmpegClipTools.join(inputs, output, signal),
};

export interface World {
  dir: string;
  clock: VirtualClock;
  sandbox: SandboxHandle;
  catalog: Catalog;
  storyboard: Storyboard;
  plan: Plan;
  adapters: Provider[];
  registry: ProviderRegistry;
  specs: JobSpec[];
  store: Store;
  runId: string;
  events: EngineEvent[];
  /** runs (or resumes) the engine on the prepared run */
  run(signal?: AbortSignal, listener?: (event: EngineEvent) => void): Promise<EngineOutcome>;
  /** lets virtual time pass so that every sandbox job still running ends */
  settle(): Promise<void>;
  stats(): Promise<SandboxStats>;
  jobs(): Promise<SandboxJob[]>;
  close(): Promise<void>;
}

/** A deterministic [0, 1) stream for the engine's backoff jitter. */
function jitter(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Plans the fixture storyboard, starts the sandbox (faults and latencies as the brief sets them,
 * `seed` for its dice) and prepares the run in a fresh folder. `mediaDir` shares rendered clips
 * between worlds (the sandbox caches them by their parameters).
 */
export async function world(options: { seed: number; mediaDir: string }): Promise<World> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-e2e-'));
  const clock = new VirtualClock(START);
  const sandbox = await startSandbox({
    port: 0,
    latencyMs: LATENCY_MS,
    faults: FAULTS,
    seed: options.seed,
    now: () => clock.now(),
    maxSize: MAX_SIZE,
    mediaDir: options.mediaDir,
  });
  const catalog = loadCatalog({ overlays: [OVERLAY] });
  const storyboard = loadStoryboard(STORYBOARD);
  const plan = planStoryboard(storyboard, catalog);
  const adapters = sandboxAdapters(sandbox.url, catalog, clock);
  const registry = providerRegistry(catalog, plan, adapters);
  const specs = await buildJobSpecs(plan, storyboard, registry.executor);
  const store = await openStore({ dir, now: () => clock.now() });
  const prepared = await prepareRun(
    store,
    {
      title: plan.title,
      storyboardFile: storyboard.file,
      storyboardSha256: createHash('sha256').update(fs.readFileSync(storyboard.file)).digest('hex'),
      planJson: JSON.stringify(plan),
      budgetMicro: plan.budget_usd === null ? null : Math.round(plan.budget_usd * 1e6),
      executor: registry.executor,
    },
    specs,
    dir,
  );
  const events: EngineEvent[] = [];
  const random = jitter(options.seed);
  const getJson = async (what: string) => (await fetch(`${sandbox.url}/_sandbox/${what}`)).json();
  return {
    dir,
    clock,
    sandbox,
    catalog,
    storyboard,
    plan,
    adapters,
    registry,
    specs,
    store,
    runId: prepared.run.id,
    events,
    run(signal, listener) {
      const bus = new EngineEvents();
      bus.on((event) => {
        events.push(event);
        listener?.(event);
      });
      return runEngine({
        store,
        runId: prepared.run.id,
        specs,
        registry,
        media: new MediaFolder(dir),
        tools: sandboxClipTools,
        clock,
        random,
        events: bus,
        ...(signal ? { signal } : {}),
      });
    },
    settle: () => clock.sleep(60 * 60_000),
    stats: async () => (await getJson('stats')) as SandboxStats,
    jobs: async () => ((await getJson('jobs')) as { jobs: SandboxJob[] }).jobs,
    async close() {
      await store.close();
      await sandbox.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The catalog model and route a sandbox job was made for: the route of that provider whose
 * model id is the job's (fal: the endpoint's family prefix; ComfyUI: free, whatever its
 * checkpoint is called).
 */
export function routeOfJob(catalog: Catalog, plan: Plan, job: SandboxJob) {
  const used = new Set(
    plan.shots.flatMap((s) => [s.model, ...s.fallback_routes.map((f) => f.model)]),
  );
  for (const model of catalog.models) {
    if (!used.has(model.id)) continue;
    for (const route of model.routes) {
      if (route.provider !== job.provider) continue;
      if (
        job.provider === 'comfyui' ||
        job.model === route.model ||
        job.model.startsWith(`${route.model}/`)
      ) {
        return { model, route };
      }
    }
  }
  throw new Error(`no route of the plan makes ${job.provider} ${job.model}`);
}

/** The list price of a sandbox job, from its own request (size, seconds, fps, audio). */
export function listPriceUsd(catalog: Catalog, plan: Plan, job: SandboxJob): number {
  const { route } = routeOfJob(catalog, plan, job);
  const usd = priceUsd(route.price.value, {
    tier: tierOfSize({ width: job.width, height: job.height }),
    audio: job.audio,
    seconds: job.seconds,
    width: job.width,
    height: job.height,
    fps: job.fps,
  });
  if (usd === undefined) {
    throw new Error(`${job.provider} ${job.model}: no list price for ${JSON.stringify(job)}`);
  }
  return usd * job.samples;
}
