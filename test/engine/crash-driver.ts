/**
 * Runs one engine process for the crash test (crash.test.ts kills it at random moments).
 * Usage: node crash-driver.ts RUN_DIR PROVIDER_FILE
 *
 * The provider it talks to keeps its state in PROVIDER_FILE, outside the run and beyond the
 * process: one JSON line per start request received (a start is created, or a duplicate key is
 * noted), written with a single append so a kill never leaves half a record.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { EngineEvents, prepareRun, runEngine } from '../../src/engine/index.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import type { Provider, VideoModel } from '../../src/providers/types.ts';
import { MediaFolder } from '../../src/store/media-folder.ts';
import { openStore } from '../../src/store/store.ts';
import { fakeTools, route, spec } from './helpers.ts';

export const SHOTS = 20;

interface Record {
  key: string;
  id: string;
  at: number;
  duplicate?: true;
}

function records(file: string): Record[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record);
}

function durableProvider(file: string): Provider {
  const created = (key: string) => records(file).find((r) => r.key === key && !r.duplicate);
  const model = (modelId: string): VideoModel => ({
    specificationVersion: 'v4',
    provider: 'durable',
    modelId,
    maxVideosPerCall: 1,
    async doStart(options) {
      const key = options.headers!['idempotency-key']!;
      const existing = created(key);
      const record: Record = existing
        ? { key, id: existing.id, at: Date.now(), duplicate: true }
        : { key, id: `job-${key.slice(0, 8)}`, at: Date.now() };
      fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
      return {
        operation: { id: record.id, key },
        warnings: [],
        response: { timestamp: new Date(), modelId, headers: undefined },
      };
    },
    async doStatus({ operation }) {
      const { key } = operation as { key: string };
      const job = created(key)!;
      const response = { timestamp: new Date(), modelId, headers: undefined };
      // each job takes 20-120 ms, fixed by its key, counted from its creation
      const latency = 20 + (createHash('sha256').update(key).digest()[0]! % 100);
      if (Date.now() - job.at < latency) return { status: 'pending', response };
      return {
        status: 'completed',
        videos: [{ type: 'binary', data: Buffer.from(`clip ${key}`), mediaType: 'video/mp4' }],
        warnings: [],
        response,
      };
    },
  });
  return {
    info: {
      id: 'durable',
      concurrency: 3,
      requestsPerMinute: null,
      pollIntervalMs: 10,
      free: false,
      reconcileMethod: 'lookup',
      async reconcileStart({ idempotencyKey }) {
        const job = created(idempotencyKey);
        return job
          ? { status: 'started', operation: { id: job.id, key: idempotencyKey } }
          : { status: 'not_started' };
      },
    },
    model,
  };
}

async function main(): Promise<void> {
  const [dir, file] = process.argv.slice(2);
  if (!dir || !file) throw new Error('usage: crash-driver.ts RUN_DIR PROVIDER_FILE');
  const specs = Array.from({ length: SHOTS }, (_, i) =>
    spec(`s${i}`, [route('durable', 'm1', 0.5)]),
  );
  const store = await openStore({ dir });
  const { run } = await prepareRun(
    store,
    {
      title: 'crash',
      storyboardFile: 'crash.yaml',
      storyboardSha256: 'x',
      planJson: '{}',
      budgetMicro: 100_000_000,
      executor: 'durable',
    },
    specs,
    dir,
  );
  const events = new EngineEvents();
  events.on((event) => process.stdout.write(`${JSON.stringify(event)}\n`));
  const outcome = await runEngine({
    store,
    runId: run.id,
    specs,
    registry: createProviderRegistry([durableProvider(file)]),
    media: new MediaFolder(dir),
    tools: fakeTools,
    events,
  });
  await store.close();
  process.stdout.write(`FINISHED ${outcome.done}\n`);
}

if (import.meta.main) await main();
