/** Shared set-up for engine tests: a temp run folder, a store on a virtual clock, fake media tools. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type EngineEvent, EngineEvents } from '../../src/engine/events.ts';
import { type ClipTools, VirtualClock } from '../../src/engine/index.ts';
import { type JobSpec, type RouteSpec, sha256 } from '../../src/engine/job-spec.ts';
import { prepareRun } from '../../src/engine/prepare-run.ts';
import { type EngineOptions, runEngine } from '../../src/engine/run-engine.ts';
import { ShotrouterError } from '../../src/errors.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import type { Provider } from '../../src/providers/types.ts';
import { runDistributed } from '../../src/queue/coordinator.ts';
import { startWorker, type WorkerHandle } from '../../src/queue/worker.ts';
import { MediaFolder } from '../../src/store/media-folder.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { adminQuery, PG_URL, uniqueName } from '../store/engines.ts';

export function route(provider: string, model: string, usd = 1, seconds = 4): RouteSpec {
  return {
    model,
    provider,
    generate: { seconds, width: 160, height: 90, fps: 24, audio: false, references: 0 },
    trim: { from: 0, seconds },
    chain: null,
    estimateUsd: usd,
  };
}

export function spec(unit: string, routes: RouteSpec[], options: Partial<JobSpec> = {}): JobSpec {
  const prompt = options.prompt ?? `prompt of ${unit}`;
  const take = options.take ?? 0;
  return {
    key: `${unit}#${take}`,
    unit,
    shotIds: [unit],
    shotIndex: Number(unit.replace(/\D/g, '')) || 0,
    take,
    prompt,
    references: [],
    routes,
    cacheKey: sha256(JSON.stringify([routes[0], prompt, take])),
    standbyFor: null,
    cuts: null,
    exactFps: false,
    ...options,
  };
}

/** Accepts any clip as what was asked, unless it says otherwise; joins by concatenating bytes. */
export const fakeTools: ClipTools = {
  async inspect(file, expected) {
    // a clip whose bytes start with "unusable" fails the check (keys are hex: never by chance)
    if (fs.readFileSync(file, 'utf8').startsWith('unusable')) {
      throw new ShotrouterError('verification_failed', `${path.basename(file)}: duration is wrong`);
    }
    return {
      duration: expected.seconds,
      width: expected.width,
      height: expected.height,
      fps: expected.fps,
      audio: expected.audio,
    };
  },
  async join(inputs, output) {
    fs.writeFileSync(output, Buffer.concat(inputs.map((f) => fs.readFileSync(f))));
  },
};

/** Serves data: URLs; `https://fake.invalid/expired…` answers 403 like an expired signed URL. */
export const fakeFetch: typeof fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  if (url.includes('expired')) return new Response('expired', { status: 403 });
  return fetch(url, init);
};

/**
 * How the engine runs a harness's jobs: in this process on SQLite, or on PostgreSQL through the
 * queue (the coordinator here, a pg-boss worker in this process making the clips).
 */
export type EnginePath = 'in-process' | 'pg-boss';
export const ENGINE_PATHS: EnginePath[] = ['in-process', 'pg-boss'];

export interface Harness {
  dir: string;
  store: Store;
  media: MediaFolder;
  clock: VirtualClock;
  events: EngineEvent[];
  /** called synchronously with every event, after it is stored */
  listeners: Array<(event: EngineEvent) => void>;
  runId: string;
  specs: JobSpec[];
  run(options?: Partial<EngineOptions>): ReturnType<typeof runEngine>;
  prepare(specs: JobSpec[]): Promise<void>;
  close(): Promise<void>;
}

export async function harness(options: {
  providers: Provider[];
  specs: JobSpec[];
  budgetUsd?: number | null;
  dir?: string;
  /** default in-process */
  path?: EnginePath;
}): Promise<Harness> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-engine-'));
  const clock = new VirtualClock();
  // on PostgreSQL, schemas of its own for the store and for pg-boss, dropped on close
  const queued =
    options.path === 'pg-boss'
      ? { schema: uniqueName('engine'), bossSchema: uniqueName('engine_boss') }
      : null;
  const store = await openStore(
    queued
      ? { url: PG_URL, schema: queued.schema, now: () => clock.now() }
      : { dir, now: () => clock.now() },
  ).catch(async (error: unknown) => {
    // the test has no harness to close: leave no schema behind
    if (queued) await adminQuery(`drop schema if exists ${queued.schema} cascade`);
    throw error;
  });
  const media = new MediaFolder(dir);
  const registry = createProviderRegistry(options.providers, { executor: 'test' });
  let worker: WorkerHandle | undefined;
  const events: EngineEvent[] = [];
  const h: Harness = {
    dir,
    store,
    media,
    clock,
    events,
    listeners: [],
    runId: '',
    specs: options.specs,
    async prepare(specs) {
      h.specs = specs;
      const prepared = await prepareRun(
        store,
        {
          title: 'test',
          storyboardFile: 'test.yaml',
          storyboardSha256: 'x',
          planJson: JSON.stringify(specs.map((s) => s.key)),
          budgetMicro: options.budgetUsd == null ? null : Math.round(options.budgetUsd * 1e6),
          executor: 'test',
        },
        specs,
        dir,
      );
      h.runId = prepared.run.id;
    },
    async run(extra = {}) {
      const bus = new EngineEvents();
      bus.on((event) => {
        events.push(event);
        for (const listener of h.listeners) listener(event);
      });
      const engine: EngineOptions = {
        store,
        runId: h.runId,
        specs: h.specs,
        registry,
        media,
        tools: fakeTools,
        clock,
        random: () => 0.5,
        fetch: fakeFetch,
        events: bus,
        ...extra,
      };
      if (!queued) return runEngine(engine);
      worker ??= await startWorker({
        url: PG_URL,
        schema: queued.schema,
        bossSchema: queued.bossSchema,
        mediaRoot: dir,
        registryFor: () => registry,
        tools: fakeTools,
        fetch: fakeFetch,
        clock,
        ...(extra.retry ? { retry: extra.retry } : {}),
        superviseSeconds: 1,
        pollSeconds: 0.5,
        waitPollMs: 20,
      });
      return runDistributed(engine, {
        url: PG_URL,
        bossSchema: queued.bossSchema,
        mediaRoot: dir,
        pollMs: 20,
      });
    },
    async close() {
      await worker?.stop();
      await store.close();
      if (queued) {
        await adminQuery(
          `drop schema if exists ${queued.schema} cascade; drop schema if exists ${queued.bossSchema} cascade`,
        );
      }
      if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await h.prepare(options.specs);
  } catch (error) {
    await h.close();
    throw error;
  }
  return h;
}

/** The states a job went through, from the event stream. */
export function statesOf(events: EngineEvent[], key: string): string[] {
  return events
    .filter((e) => e.type === 'job' && e.key === key)
    .map((e) => (e as { state: string }).state);
}
