/**
 * What a worker and a coordinator do before the first job: a worker serving a GPU asks its
 * server something free, so the first job starts on a warm connection and a dead server shows in
 * the log at once; a coordinator whose jobs all start at once makes each queue once, and holds
 * no connection to listen for jobs it never takes.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { createComfyUiProvider } from '../../src/providers/comfyui/index.ts';
import { credentialsFor } from '../../src/providers/credentials.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { jsonLogger, silentLogger } from '../../src/queue/log.ts';
import { ensureQueue, queueEnsurer, startBoss } from '../../src/queue/pg-queue.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import { queueBed } from './bed.ts';

/** A port on loopback that nothing listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('before the first job', { timeout: 60_000 }, () => {
  const bed = queueBed('start-up');

  /** A worker serving ComfyUI at `url`, its log lines and the requests its adapter sent. */
  async function comfyWorker(url: string) {
    const lines: Array<Record<string, unknown>> = [];
    const requests: string[] = [];
    const provider = createComfyUiProvider({
      credentials: credentialsFor('comfyui', { SHOTROUTER_SANDBOX_URL: url }),
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
    const registry = createProviderRegistry([provider]);
    const started = performance.now();
    await bed.worker({
      mediaRoot: path.join(bed.tmp, 'shared'),
      registryFor: () => registry,
      serves: ['comfyui'],
      hosted: false,
      log: jsonLogger((line) => lines.push(JSON.parse(line))),
    });
    return { lines, requests, startedMs: performance.now() - started };
  }

  test('a worker serving a GPU asks its server before it takes jobs, and logs what answered', async () => {
    const sandbox = await startSandbox({ latencyMs: [0, 0] });
    try {
      const { lines, requests } = await comfyWorker(sandbox.url);
      assert.deepEqual(requests, ['GET /comfyui/system_stats']);
      const messages = lines.map((l) => l.message);
      const answered = lines.find((l) => l.message === 'provider answered');
      assert.ok(answered, `no 'provider answered' line in ${JSON.stringify(messages)}`);
      assert.equal(answered.provider, 'comfyui');
      assert.equal(answered.server, 'ComfyUI sandbox on sandbox');
      assert.ok(
        messages.indexOf('provider answered') < messages.indexOf('worker started'),
        'asked before the worker takes jobs',
      );
    } finally {
      await sandbox.close();
    }
  });

  test('a GPU server that does not answer is warned of, and the worker starts anyway', async () => {
    const { lines, startedMs } = await comfyWorker(`http://127.0.0.1:${await closedPort()}`);
    const warned = lines.find((l) => l.level === 'warn');
    assert.ok(warned, 'a warning');
    assert.equal(warned.message, 'provider did not answer; its jobs wait for it');
    assert.equal(warned.provider, 'comfyui');
    assert.match(String(warned.error), /ComfyUI|connect|refused/i);
    assert.ok(lines.some((l) => l.message === 'worker started'));
    // a refused connection is known at once: the start does not wait out the warm-up's bound
    assert.ok(startedMs < 5000, `started in ${startedMs.toFixed(0)} ms`);
  });

  test('queues are made once however many jobs ask at once; a failure is tried again', async () => {
    const boss = await startBoss({ url: bed.database.url, log: silentLogger, name: 'start-up' });
    try {
      let creates = 0;
      const create = boss.createQueue.bind(boss);
      let failNext = true;
      boss.createQueue = async (...args: Parameters<typeof boss.createQueue>) => {
        creates++;
        if (failNext) {
          failNext = false;
          throw new Error('the database went away');
        }
        return create(...args);
      };
      const ensure = queueEnsurer(boss);
      const first = await Promise.allSettled(
        Array.from({ length: 10 }, () => ensure('shotrouter.test.once')),
      );
      assert.equal(creates, 1, 'one create for ten callers');
      assert.ok(
        first.every((r) => r.status === 'rejected'),
        'each caller hears the failure',
      );
      await Promise.all(Array.from({ length: 10 }, () => ensure('shotrouter.test.once')));
      assert.equal(creates, 2, 'tried again once, for all ten');
      assert.ok(await boss.getQueue('shotrouter.test.once'));
      await ensure('shotrouter.test.once');
      assert.equal(creates, 2, 'made: not asked again');
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
  });

  test('a process that only sends jobs does not listen for them; one that takes them does', async () => {
    const store = await bed.storeFor('activity');
    const listening = async (name: string) => {
      const { rows } = await sql<{ query: string }>`
        select query from pg_stat_activity where application_name = ${name}
      `.execute(store.db);
      return rows.filter((r) => /^\s*LISTEN\b/i.test(r.query)).length;
    };
    const sender = await startBoss({
      url: bed.database.url,
      log: silentLogger,
      name: 'start-up-sender',
      sendsOnly: true,
    });
    const taker = await startBoss({
      url: bed.database.url,
      log: silentLogger,
      name: 'start-up-taker',
    });
    try {
      assert.equal(await listening('start-up-taker'), 1, 'the taker listens on a connection');
      assert.equal(await listening('start-up-sender'), 0, 'the sender holds no listener');
      // what it sends still wakes the takers: the NOTIFY comes from the insert itself
      await ensureQueue(sender, 'shotrouter.test.sent');
      const woken = new Promise<string>((resolve) => {
        void taker.work<{ n: number }>(
          'shotrouter.test.sent',
          { pollingIntervalSeconds: 30, notifyPollingIntervalSeconds: 30 },
          async ([job]) => resolve(String(job?.data.n)),
        );
      });
      const sentAt = performance.now();
      await sender.send('shotrouter.test.sent', { n: 7 });
      assert.equal(await woken, '7');
      assert.ok(performance.now() - sentAt < 10_000, 'woken by the word, not by a 30 s poll');
    } finally {
      await sender.stop({ graceful: false, close: true });
      await taker.stop({ graceful: false, close: true });
    }
  });
});
