/**
 * bench:run — the orchestrator under load, on fake providers with realistic latency spreads and
 * per-provider concurrency limits. Provider time is virtual (an injected clock); everything else
 * runs for real: the SQLite store (fsync on every commit), events, the media folder.
 *
 * 1. Makespan: 200 shots over five providers, against its lower bound: the busiest provider's
 *    work divided by its concurrency, or the longest job, whichever is larger.
 * 2. Scale: 1,000 jobs in flight at once: the orchestrator's CPU time and peak memory.
 *
 * Run: node bench/run.bench.ts [--shots 200] [--in-flight 1000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { VirtualClock } from '../src/engine/clock.ts';
import type { ClipTools } from '../src/engine/context.ts';
import { EngineEvents } from '../src/engine/events.ts';
import { type JobSpec, type RouteSpec, sha256 } from '../src/engine/job-spec.ts';
import { prepareRun } from '../src/engine/prepare-run.ts';
import { runEngine } from '../src/engine/run-engine.ts';
import { createProviderRegistry } from '../src/providers/registry.ts';
import type { Provider, VideoModel } from '../src/providers/types.ts';
import { MediaFolder } from '../src/store/media-folder.ts';
import { openStore } from '../src/store/store.ts';

const { values } = parseArgs({
  options: {
    shots: { type: 'string', default: '200' },
    'in-flight': { type: 'string', default: '1000' },
  },
});

interface ProviderProfile {
  id: string;
  concurrency: number;
  /** median seconds from start to a downloadable clip */
  medianSeconds: number;
  /** log-normal spread (sigma) */
  spread: number;
  /** share of the shots routed to it */
  weight: number;
  pollSeconds: number;
  /** requests per minute, starts and polls together; null: none */
  requestsPerMinute: number | null;
}

const PROFILES: ProviderProfile[] = [
  {
    id: 'kling',
    concurrency: 4,
    medianSeconds: 150,
    spread: 0.35,
    weight: 0.25,
    pollSeconds: 5,
    requestsPerMinute: 600,
  },
  {
    id: 'vertex',
    concurrency: 6,
    medianSeconds: 90,
    spread: 0.3,
    weight: 0.25,
    pollSeconds: 5,
    requestsPerMinute: 600,
  },
  {
    id: 'fal',
    concurrency: 10,
    medianSeconds: 60,
    spread: 0.5,
    weight: 0.2,
    pollSeconds: 3,
    requestsPerMinute: 600,
  },
  {
    id: 'runway',
    concurrency: 3,
    medianSeconds: 120,
    spread: 0.3,
    weight: 0.15,
    pollSeconds: 5,
    requestsPerMinute: 600,
  },
  {
    id: 'byteplus',
    concurrency: 5,
    medianSeconds: 100,
    spread: 0.4,
    weight: 0.15,
    pollSeconds: 5,
    requestsPerMinute: 600,
  },
];

/** A small seeded generator (mulberry32), so every run of the benchmark sees the same shots. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A provider whose jobs finish `latencyMs(shot)` of virtual time after they start. */
function benchProvider(
  profile: ProviderProfile,
  clock: VirtualClock,
  latencyMs: (shotId: string) => number,
  inFlight: { now: number; max: number },
): Provider {
  const jobs = new Map<string, { doneAt: number; shotId: string; counted: boolean }>();
  const model = (modelId: string): VideoModel => ({
    specificationVersion: 'v4',
    provider: profile.id,
    modelId,
    maxVideosPerCall: 1,
    async doStart(options) {
      const key = options.headers!['idempotency-key']!;
      const shotId = (options.providerOptions.shotrouter as { shotId: string }).shotId;
      if (!jobs.has(key)) {
        jobs.set(key, { doneAt: clock.now() + latencyMs(shotId), shotId, counted: true });
        inFlight.now++;
        inFlight.max = Math.max(inFlight.max, inFlight.now);
      }
      return {
        operation: { key },
        warnings: [],
        response: { timestamp: new Date(clock.now()), modelId, headers: undefined },
      };
    },
    async doStatus({ operation }) {
      const job = jobs.get((operation as { key: string }).key)!;
      const response = { timestamp: new Date(clock.now()), modelId, headers: undefined };
      if (clock.now() < job.doneAt) return { status: 'pending', response };
      if (job.counted) {
        job.counted = false;
        inFlight.now--;
      }
      return {
        status: 'completed',
        videos: [
          { type: 'binary', data: Buffer.from(`clip of ${job.shotId}`), mediaType: 'video/mp4' },
        ],
        warnings: [],
        response,
      };
    },
  });
  return {
    info: {
      id: profile.id,
      concurrency: profile.concurrency,
      requestsPerMinute: profile.requestsPerMinute,
      pollIntervalMs: profile.pollSeconds * 1000,
      free: false,
      reconcileMethod: 'lookup',
      async reconcileStart() {
        return { status: 'not_started' };
      },
    },
    model,
  };
}

/** Clips are trusted as asked (no ffmpeg in this benchmark). */
const benchTools: ClipTools = {
  async inspect(_file, expected) {
    return {
      duration: expected.seconds,
      width: expected.width,
      height: expected.height,
      fps: expected.fps,
      audio: false,
    };
  },
  async join(inputs, output) {
    fs.writeFileSync(output, Buffer.concat(inputs.map((f) => fs.readFileSync(f))));
  },
};

function routeOn(provider: string): RouteSpec {
  return {
    model: `${provider}-model`,
    provider,
    generate: { seconds: 5, width: 1280, height: 720, fps: 24, audio: false, references: 0 },
    trim: { from: 0, seconds: 5 },
    chain: null,
    estimateUsd: 0.5,
  };
}

function specFor(shotId: string, index: number, provider: string): JobSpec {
  const route = routeOn(provider);
  return {
    key: `${shotId}#0`,
    unit: shotId,
    shotIds: [shotId],
    shotIndex: index,
    take: 0,
    prompt: `shot ${shotId}`,
    references: [],
    routes: [route],
    cacheKey: sha256(JSON.stringify([shotId, route])),
    standbyFor: null,
    cuts: null,
    exactFps: false,
  };
}

interface Measured {
  makespanSeconds: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  peakHeapMb: number;
  maxInFlight: number;
  done: number;
}

async function measure(
  profiles: ProviderProfile[],
  assignments: Array<{ shotId: string; provider: string; latencyMs: number }>,
): Promise<Measured> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-run-'));
  const clock = new VirtualClock();
  const latency = new Map(assignments.map((a) => [a.shotId, a.latencyMs]));
  const inFlight = { now: 0, max: 0 };
  const providers = profiles.map((p) =>
    benchProvider(p, clock, (shot) => latency.get(shot)!, inFlight),
  );
  const specs = assignments.map((a, i) => specFor(a.shotId, i, a.provider));
  const store = await openStore({ dir, now: () => clock.now() });
  try {
    const { run } = await prepareRun(
      store,
      {
        title: 'bench',
        storyboardFile: 'bench.yaml',
        storyboardSha256: 'x',
        planJson: '{}',
        budgetMicro: null,
        executor: 'bench',
      },
      specs,
      dir,
    );
    let peakRss = 0;
    let peakHeap = 0;
    const events = new EngineEvents();
    events.on((event) => {
      if (event.type === 'job' && event.state === 'running') {
        const memory = process.memoryUsage();
        peakRss = Math.max(peakRss, memory.rss);
        peakHeap = Math.max(peakHeap, memory.heapUsed);
      }
    });
    const startClock = clock.now();
    const startWall = performance.now();
    const startCpu = process.cpuUsage();
    const outcome = await runEngine({
      store,
      runId: run.id,
      specs,
      registry: createProviderRegistry(providers),
      media: new MediaFolder(dir),
      tools: benchTools,
      clock,
      events,
      downloads: 16,
    });
    const cpu = process.cpuUsage(startCpu);
    return {
      makespanSeconds: (clock.now() - startClock) / 1000,
      wallSeconds: (performance.now() - startWall) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMb: Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
      maxInFlight: inFlight.max,
      done: outcome.done,
    };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function assign(count: number, profiles: ProviderProfile[], seed: number) {
  const rand = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const pick = rand();
    let cumulative = 0;
    const profile =
      profiles.find((p) => {
        cumulative += p.weight;
        return pick < cumulative;
      }) ?? profiles.at(-1)!;
    const seconds = profile.medianSeconds * Math.exp(profile.spread * normal(rand));
    return {
      shotId: `s${String(i + 1).padStart(4, '0')}`,
      provider: profile.id,
      latencyMs: Math.round(seconds * 1000),
    };
  });
}

function lowerBound(
  profiles: ProviderProfile[],
  assignments: ReturnType<typeof assign>,
): { seconds: number; why: string } {
  let best = { seconds: 0, why: '' };
  for (const p of profiles) {
    const work =
      assignments.filter((a) => a.provider === p.id).reduce((sum, a) => sum + a.latencyMs, 0) /
      1000;
    const bound = work / p.concurrency;
    if (bound > best.seconds)
      best = {
        seconds: bound,
        why: `${p.id}: ${Math.round(work)} s of work / ${p.concurrency} at once`,
      };
  }
  const longest = Math.max(...assignments.map((a) => a.latencyMs)) / 1000;
  return longest > best.seconds ? { seconds: longest, why: 'the longest job' } : best;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

// 1. makespan (skipped with --shots 0)
const shots = Number(values.shots);
if (shots > 0) {
  const assignments = assign(shots, PROFILES, 42);
  const bound = lowerBound(PROFILES, assignments);
  const makespan = await measure(PROFILES, assignments);
  const ratio = makespan.makespanSeconds / bound.seconds;
  console.log(
    `makespan: ${shots} shots over ${PROFILES.length} providers (${PROFILES.map((p) => `${p.id}×${p.concurrency}`).join(', ')})`,
  );
  console.log(
    `  done ${makespan.done}/${shots}; makespan ${fmt(makespan.makespanSeconds)} s (virtual) vs lower bound ${fmt(bound.seconds)} s (${bound.why}): ${fmt((ratio - 1) * 100)}% over`,
  );
  console.log(
    `  orchestrator: ${fmt(makespan.wallSeconds, 2)} s wall, ${fmt(makespan.cpuSeconds, 2)} s CPU`,
  );
}

// 2. 1,000 jobs in flight
const many = Number(values['in-flight']);
const rssBefore = process.memoryUsage().rss / 2 ** 20;
// no rate limit here: this measures the orchestrator itself (a thousand jobs polled every 5 s
// is 200 requests a second)
const bulk: ProviderProfile = {
  id: 'bulk',
  concurrency: many,
  medianSeconds: 300,
  spread: 0.3,
  weight: 1,
  pollSeconds: 5,
  requestsPerMinute: null,
};
const scale = await measure([bulk], assign(many, [bulk], 7));
console.log(
  `scale: ${many} jobs at once on one provider (concurrency ${many}, ~300 s each, polled every 5 s)`,
);
console.log(`  done ${scale.done}/${many}; most in flight at once: ${scale.maxInFlight}`);
console.log(
  `  orchestrator: ${fmt(scale.cpuSeconds, 2)} s CPU (${fmt((scale.cpuSeconds / many) * 1000, 2)} ms per job), ${fmt(scale.wallSeconds, 2)} s wall`,
);
console.log(
  `  memory: peak RSS ${fmt(scale.peakRssMb)} MB (${fmt(rssBefore)} MB before it started), peak heap used ${fmt(scale.peakHeapMb)} MB`,
);
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} ×${os.availableParallelism()}, Node ${process.version}`,
);
