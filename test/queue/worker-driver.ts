/**
 * A `shotrouter worker` process for the multi-process test and the scale benchmark: the library
 * worker with adapters pointed at a sandbox (SANDBOX_URL; LOCAL_SANDBOX_URL is this machine's
 * own ComfyUI stand-in). Clips are probed with ffprobe (real MP4s from the sandbox). Logs are
 * the worker's JSON lines on stdout. Stops cleanly on SIGTERM.
 */

import { probe } from '../../src/media/probe.ts';
import { createComfyUiProvider } from '../../src/providers/comfyui/index.ts';
import { credentialsFor } from '../../src/providers/credentials.ts';
import { createKlingProvider } from '../../src/providers/kling/index.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { jsonLogger } from '../../src/queue/log.ts';
import { startWorker } from '../../src/queue/worker.ts';

const env = process.env;
const sandboxEnv = { SHOTROUTER_SANDBOX_URL: env.SANDBOX_URL };
const localEnv = { SHOTROUTER_SANDBOX_URL: env.LOCAL_SANDBOX_URL ?? env.SANDBOX_URL };
const fast = { pollIntervalMs: 100, timeoutMs: 3000, reconcileSettleMs: 200 };

const registry = createProviderRegistry(
  [
    createKlingProvider({
      ...fast,
      credentials: credentialsFor('kling', sandboxEnv),
      concurrency: Number(env.KLING_CONCURRENCY ?? 4),
      requestsPerMinute: null,
    }),
    createComfyUiProvider({ ...fast, credentials: credentialsFor('comfyui', localEnv) }),
  ],
  { executor: 'providers' },
);

const worker = await startWorker({
  url: env.DATABASE_URL!,
  mediaRoot: env.MEDIA_ROOT!,
  registryFor: () => registry,
  tools: {
    async inspect(file) {
      const info = await probe(file);
      return {
        duration: info.durationSeconds,
        width: info.width,
        height: info.height,
        fps: info.fps,
        audio: info.hasAudio,
      };
    },
    async join() {
      throw new Error('no chains in these runs');
    },
  },
  serves: env.SERVES ? env.SERVES.split(',') : [],
  hosted: env.HOSTED !== '0',
  concurrency: Number(env.JOBS ?? 8),
  claimAhead: env.CLAIM_AHEAD !== '0',
  leaseMs: Number(env.LEASE_MS ?? 10_000),
  superviseSeconds: 1,
  pollSeconds: 0.5,
  waitPollMs: 100,
  retry: { baseDelayMs: 50, maxDelayMs: 500, maxSends: 10, maxPollFailures: 10 },
  log: jsonLogger((line) => process.stdout.write(line)),
});
process.stdout.write(`${JSON.stringify({ ready: worker.id })}\n`);
process.once('SIGTERM', () => {
  worker.stop({ graceMs: Number(env.GRACE_MS ?? 0) }).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`stop failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
});
