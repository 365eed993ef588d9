/**
 * bench:scale — throughput with 1, 2 and 3 workers on PostgreSQL + pg-boss, each worker with its
 * own "GPU": a sandbox ComfyUI that runs one job at a time (as a local ComfyUI does), served by
 * that worker only (`--serve comfyui`, one job at a time). Shots are the same for every worker
 * count; the ideal is N times the throughput of one worker.
 *
 * Real: worker processes, PostgreSQL, pg-boss, the sandbox over HTTP, ffprobe on every clip.
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
import { spawnWorker, type WorkerProcess } from '../test/queue/helpers.ts';
import { freshDatabase } from '../test/store/engines.ts';

const { values } = parseArgs({
  options: {
    shots: { type: 'string', default: '24' },
    'latency-ms': { type: 'string', default: '1000' },
  },
});
const shots = Number(values.shots);
const latency = Number(values['latency-ms']);

async function measure(workerCount: number): Promise<number> {
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
        await spawnWorker({
          DATABASE_URL: database.url,
          MEDIA_ROOT: mediaRoot,
          SANDBOX_URL: sandbox.url,
          LOCAL_SANDBOX_URL: sandbox.url,
          SERVES: 'comfyui',
          HOSTED: '0',
        }),
      );
    }
    const store = await openStore({ url: database.url, space: 'bench' });
    try {
      const gpuRoute = { ...route('comfyui', 'wan-2.1-t2v-1.3b', 0, 5) };
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
      const outcome = await distributedExecutor({ url: database.url, mediaRoot, pollMs: 50 })({
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
      if (outcome.done !== shots) {
        throw new Error(
          `${outcome.failed} shots failed: ${outcome.jobs.find((j) => j.error_message)?.error_message}`,
        );
      }
      return shots / seconds;
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
const one = await measure(1);
console.log(`  1 worker:  ${one.toFixed(2)} shots/s`);
for (const n of [2, 3]) {
  const rate = await measure(n);
  const speedUp = rate / one;
  console.log(
    `  ${n} workers: ${rate.toFixed(2)} shots/s, speed-up ×${speedUp.toFixed(2)} of an ideal ×${n} (${((speedUp / n) * 100).toFixed(0)}%)`,
  );
}
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} ×${os.availableParallelism()}, Node ${process.version}`,
);
