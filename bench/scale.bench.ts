/**
 * bench:scale — throughput with 1, 2 and 3 workers on PostgreSQL + pg-boss, each worker with its
 * own "GPU": a sandbox ComfyUI that runs one job at a time (as a local ComfyUI does), served by
 * that worker only (`--serve comfyui`, one job at a time). Shots are the same for every worker
 * count; the ideal is N times the throughput of one worker.
 *
 * Real: `shotrouter worker` processes with the command's own defaults (the ComfyUI adapter polls
 * every 2 s, its websocket says when a prompt ends; every clip probed and its take checks made),
 * a coordinator with its defaults (it polls the store every 250 ms, a worker's NOTIFY wakes it
 * when a job ends), PostgreSQL, pg-boss, the sandbox over HTTP.
 *
 * Per-job overhead, from the workers' own log lines (their times are to the millisecond): each
 * job's phases on its worker (claim, start, GPU and poll, keep, the hand-off to the next job) and
 * the worker's time per job. The queue's and store's own share, claim plus hand-off, aims at 50 ms
 * at most. A worker claims its next job as soon as its GPU is free, so keeping a clip overlaps
 * the next job's generation. What a run pays once, whatever its length: from its start to the
 * moment every GPU has its first prompt, and from the last GPU's end to the run's end (keeping
 * the last clips, the coordinator seeing it).
 * Run: node bench/scale.bench.ts [--shots 24] [--latency-ms 1000]
 * Needs PostgreSQL (SHOTROUTER_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prepareRun } from '../src/engine/prepare-run.ts';
import { createProviderRegistry } from '../src/providers/registry.ts';
import { distributedExecutor } from '../src/queue/coordinator.ts';
import { startSandbox } from '../src/sandbox/server.ts';
import type { SandboxHandle } from '../src/sandbox/types.ts';
import { MediaFolder } from '../src/store/media-folder.ts';
import { openStore } from '../src/store/store.ts';
import { route, spec } from '../test/engine/helpers.ts';
import { spawnCliWorker, type WorkerProcess } from '../test/queue/helpers.ts';
import { freshDatabase } from '../test/store/engines.ts';

const { values } = parseArgs({
  options: {
    shots: { type: 'string', default: '24' },
    'latency-ms': { type: 'string', default: '1000' },
  },
});
const shots = Number(values.shots);
const latency = Number(values['latency-ms']);

/** The phases of a job on a worker, from its log lines, in order; the GPU's time is in `gpu`. */
const PHASES = [
  // lease, the run's and job's rows, the engine's context, the attempt's row
  ['claim', 'job taken', 'job starting'],
  // the prompt sent to ComfyUI and its handle stored
  ['start', 'job starting', 'job running'],
  // the GPU's latency and the poll that sees it done: at once when ComfyUI's websocket says the
  // prompt ended (the adapter polls every 2 s besides)
  ['gpu', 'job running', 'job downloading'],
  // download, ffprobe, keep by content, the attempt's settlement and the job's state stored
  ['keep', 'job downloading', 'job done'],
] as const;
/**
 * Between two jobs on a worker: `between` is the hand-off, from the previous job's end (or, when
 * the worker claims the next job as soon as the GPU is free, from the GPU's end of it) to the next
 * job's claim: the lease released, the queue job completed, the next one fetched and leased;
 * `cycle` is from one job's start on the GPU to the next one's (the worker's time per job).
 */
type Phase = (typeof PHASES)[number][0] | 'between' | 'cycle';

interface Measured {
  rate: number;
  /** median ms of each phase over every worker's jobs */
  phases: Record<Phase, number>;
  /** ms from the run's start to the first prompt sent to each worker's GPU (the slowest) */
  startUp: number;
  /** ms from the last GPU's end (its job's download started) to the run's end */
  windDown: number;
}

const median = (xs: number[]) =>
  xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Each phase's durations, from one worker's log lines (each job's lines carry its id). */
function phaseTimes(lines: ReadonlyArray<Record<string, unknown>>): Record<Phase, number[]> {
  const out: Record<Phase, number[]> = {
    claim: [],
    start: [],
    gpu: [],
    keep: [],
    between: [],
    cycle: [],
  };
  const jobs = new Map<string, Map<string, number>>();
  for (const line of lines) {
    if (typeof line.job_id !== 'string') continue;
    const times = jobs.get(line.job_id) ?? new Map<string, number>();
    jobs.set(line.job_id, times);
    times.set(String(line.message), Date.parse(String(line.time)));
  }
  const byClaim = [...jobs.values()]
    .filter((t) => t.has('job taken') && t.has('job done'))
    .sort((a, b) => a.get('job taken')! - b.get('job taken')!);
  for (const [i, times] of byClaim.entries()) {
    for (const [phase, from, to] of PHASES) {
      const start = times.get(from);
      const end = times.get(to);
      if (start !== undefined && end !== undefined) out[phase].push(end - start);
    }
    const previous = byClaim[i - 1];
    if (!previous) continue;
    const taken = times.get('job taken')!;
    const done = previous.get('job done')!;
    out.between.push(taken - (done <= taken ? done : previous.get('job downloading')!));
    out.cycle.push(times.get('job starting')! - previous.get('job starting')!);
  }
  return out;
}

async function measure(workerCount: number): Promise<Measured> {
  const database = await freshDatabase();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-scale-'));
  const sandboxes: SandboxHandle[] = [];
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < workerCount; i++) {
      sandboxes.push(
        await startSandbox({
          latencyMs: [latency, latency],
          seed: i + 1,
          maxSize: { width: 160, height: 96 },
          mediaDir: path.join(tmp, 'sandbox-media'),
          concurrency: { comfyui: 1 },
        }),
      );
    }
    const mediaRoot = path.join(tmp, 'shared');
    for (const sandbox of sandboxes) {
      workers.push(
        await spawnCliWorker(
          ['--db', database.url, '--media', mediaRoot, '--serve', 'comfyui', '--local-only'],
          { COMFYUI_URL: `${sandbox.url}/comfyui` },
        ),
      );
    }
    const store = await openStore({ url: database.url, space: 'bench' });
    try {
      const gpuRoute = { ...route('comfyui', 'wan-2.1-1.3b', 0, 5) };
      gpuRoute.generate = { ...gpuRoute.generate, width: 160, height: 96, fps: 16 };
      const specs = Array.from({ length: shots }, (_, i) =>
        spec(`s${i + 1}`, [gpuRoute], { prompt: 'A lighthouse in fog', cacheKey: `bench-${i}` }),
      );
      const { run } = await prepareRun(
        store,
        {
          title: 'bench',
          storyboardFile: 'bench.yaml',
          storyboardSha256: 'x',
          planJson: '{}',
          budgetMicro: null,
          executor: 'providers',
        },
        specs,
        mediaRoot,
      );
      const started = performance.now();
      const startedAt = Date.now();
      const outcome = await distributedExecutor({ url: database.url, mediaRoot })({
        store,
        runId: run.id,
        specs,
        registry: createProviderRegistry([], { executor: 'providers' }),
        media: new MediaFolder(path.join(tmp, 'run')),
        tools: {
          inspect: async () => {
            throw new Error('the coordinator checks no clips');
          },
          join: async () => {},
        },
      });
      const seconds = (performance.now() - started) / 1000;
      const endedAt = Date.now();
      if (outcome.done !== shots) {
        throw new Error(
          `${outcome.failed} shots failed: ${outcome.jobs.find((j) => j.error_message)?.error_message}`,
        );
      }
      const each = workers.map((w) => phaseTimes(w.lines));
      const phases = Object.fromEntries(
        Object.keys(each[0]!).map((p) => [p, median(each.flatMap((e) => e[p as Phase]))]),
      ) as Record<Phase, number>;
      const times = (message: string) =>
        workers.map((w) =>
          w.lines.filter((l) => l.message === message).map((l) => Date.parse(String(l.time))),
        );
      const startUp = Math.max(...times('job running').map((t) => Math.min(...t))) - startedAt;
      const windDown = endedAt - Math.max(...times('job downloading').flat());
      return { rate: shots / seconds, phases, startUp, windDown };
    } finally {
      await store.close();
    }
  } finally {
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    for (const sandbox of sandboxes) await sandbox.close();
    await database.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

console.log(
  `scale: ${shots} shots on local GPUs (sandbox ComfyUI, one job at a time, ${latency} ms each), one GPU per worker`,
);
/**
 * The queue's and the store's share of a job (claim, store writes, events, completion, the next
 * claim), apart from the provider's; then each worker's time per job beyond the GPU's latency
 * (sending the prompt, the poll that sees it done, and whatever of the claim, the hand-off and
 * the keeping of the previous clip is not done while the GPU runs).
 */
const overhead = (m: Measured) => {
  const p = m.phases;
  const queue = p.claim + p.between;
  return `per-job overhead ${queue.toFixed(0)} ms in claim and hand-off (claim ${p.claim.toFixed(0)}, between jobs ${p.between.toFixed(0)}; aim ≤ 50), ${(p.cycle - latency).toFixed(0)} ms per job beyond the GPU (start ${p.start.toFixed(0)}, poll ${(p.gpu - latency).toFixed(0)}, download + probe + store ${p.keep.toFixed(0)}); medians; once a run: ${m.startUp} ms to the last GPU's first prompt, ${m.windDown} ms from the last GPU's end to the run's end`;
};
const one = await measure(1);
console.log(`  1 worker:  ${one.rate.toFixed(2)} shots/s, ${overhead(one)}`);
for (const n of [2, 3]) {
  const m = await measure(n);
  const speedUp = m.rate / one.rate;
  // Ideally each of n GPUs goes from one prompt to the next as fast as one GPU alone: how close
  // it comes is what the workers cost each other per job. The whole run's share also pays the
  // run's start and end, which n workers shorten no more than one.
  const steady = (one.phases.cycle / m.phases.cycle) * 100;
  console.log(
    `  ${n} workers: ${m.rate.toFixed(2)} shots/s, speed-up ×${speedUp.toFixed(2)} of an ideal ×${n} (${((speedUp / n) * 100).toFixed(0)}%; per job, a prompt every ${m.phases.cycle} ms on each GPU against ${one.phases.cycle} ms alone: ${steady.toFixed(0)}%), ${overhead(m)}`,
  );
}
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} ×${os.availableParallelism()}, Node ${process.version}`,
);
