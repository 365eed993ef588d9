import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { openStore } from '../../src/store/store.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { TEMP_DIRS, TWO_TAKES, tempDir } from '../lib/helpers.ts';
import { freshDatabase } from '../store/engines.ts';
import { waitFor } from '../wait.ts';
import { storyboardForm } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `shotrouter serve …` until its first line is out; returns the URL and a stop. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}, cwd = tempDir('serve')) {
  const t = memoryIO(cwd, { env });
  const controller = new AbortController();
  t.io.signal = controller.signal;
  const exit = main(['serve', ...args], t.io);
  while (!t.stdout().includes('\n')) {
    const early = await Promise.race([exit, new Promise((resolve) => setImmediate(resolve, null))]);
    if (typeof early === 'number') throw new Error(`serve exited ${early}: ${t.stderr()}`);
  }
  const url = t.stdout().split('\n')[0]!;
  return {
    url,
    output: t.stdout,
    async stop() {
      controller.abort();
      return exit;
    },
  };
}

describe('shotrouter serve', () => {
  test('prints the URL on the first line, serves the API there, stops on a signal', async () => {
    const server = await serve(['--port', '0']);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const health = await fetch(`${server.url}api/health`);
    assert.deepEqual(await health.json(), { ok: true, version: '0.1.0', auth: false });
    const spec = await fetch(`${server.url}openapi.json`);
    assert.equal(((await spec.json()) as { openapi: string }).openapi, '3.1.0');
    assert.match(server.output(), /projects: runs\/projects/);
    assert.equal(await server.stop(), 0);
  });

  test('off loopback a token is required', async () => {
    const server = await serve(['--host', '0.0.0.0', '--port', '0'], {
      SHOTROUTER_TOKEN: 'team-token',
    });
    const port = new URL(server.url).port;
    const local = `http://127.0.0.1:${port}/api/projects`;
    assert.equal((await fetch(local)).status, 401);
    const ok = await fetch(local, { headers: { authorization: 'Bearer team-token' } });
    assert.equal(ok.status, 200);
    assert.match(server.output(), /access token: the value of SHOTROUTER_TOKEN/);
    assert.ok(!server.output().includes('team-token'), 'the token is not printed back');
    assert.equal(await server.stop(), 0);

    const made = await serve(['--host', '0.0.0.0', '--port', '0']);
    const token = /access token: (\S+)/.exec(made.output())![1]!;
    assert.match(token, /^[\w-]{43}$/);
    const auth = { authorization: `Bearer ${token}` };
    const at = `http://127.0.0.1:${new URL(made.url).port}/api/health`;
    assert.equal((await fetch(at, { headers: auth })).status, 200);
    assert.equal(await made.stop(), 0);
  });

  test('a wrong port is a usage error', async () => {
    const t = memoryIO(tempDir('serve-usage'));
    assert.equal(await main(['serve', '--port', '70000'], t.io), 64);
    assert.match(t.stderr(), /--port must be a whole number from 0 to 65535/);
  });
});

describe('shotrouter serve --db', { timeout: 240_000 }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  before(async () => {
    database = await freshDatabase();
  });
  after(async () => {
    await database.drop();
  });

  test('projects in PostgreSQL, a preview run made by a `shotrouter worker`, then its cut and timelines', async () => {
    const cwd = tempDir('serve-db');
    // the worker, as its own command, on the same database and shared folder
    const workerIO = memoryIO(cwd);
    const stopWorker = new AbortController();
    workerIO.io.signal = stopWorker.signal;
    const working = main(['worker', '--db', database.url, '--media', 'shared'], workerIO.io);
    const workerLines = () =>
      workerIO
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    await waitFor('the worker to start', () =>
      workerLines().some((line) => line.message === 'worker started'),
    );

    const server = await serve(['--port', '0', '--db', database.url, '--media', 'shared'], {}, cwd);
    try {
      assert.match(server.output(), /runs go to the workers of the shared database/);
      const api = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);
      const created = await api('/api/projects', {
        method: 'POST',
        body: storyboardForm(TWO_TAKES),
      });
      assert.equal(created.status, 201);
      const id = ((await created.json()) as { project: { id: string } }).project.id;
      const started = await api(`/api/projects/${id}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ preview: true }),
      });
      assert.equal(started.status, 202, await started.clone().text());

      // the run ends (made by the worker), and the cut is assembled
      interface Overview {
        run: { state: string; active: boolean };
        deliverables: Array<{ name: string }>;
      }
      const overview = await waitFor(
        'the run to finish and its cut to be made',
        async () => {
          const body = (await (await api(`/api/projects/${id}`)).json()) as Overview;
          return body.run?.state === 'finished' && !body.run.active ? body : undefined;
        },
        { timeoutMs: 180_000, everyMs: 200 },
      );
      assert.deepEqual(overview.deliverables.map((d) => d.name).sort(), [
        'final.mp4',
        'report.html',
        'report.json',
        'timeline.edl',
        'timeline.fcpxml',
        'timeline.otio',
      ]);
      const cut = await api(`/api/projects/${id}/files/final.mp4`);
      assert.equal(cut.status, 200);
      assert.equal(cut.headers.get('content-type'), 'video/mp4');
      assert.ok((await cut.arrayBuffer()).byteLength > 1000);
      const edl = await (await api(`/api/projects/${id}/files/timeline.edl`)).text();
      assert.match(edl, /^TITLE: /);

      // every clip (3 takes) was made by the worker, and the run lives in PostgreSQL, in the
      // project's own space (not one shared by every project's `run` folder)
      const taken = workerLines().filter((line) => line.message === 'job finished: done');
      assert.equal(taken.length, 3, workerIO.stdout());
      const store = await openStore({ url: database.url, space: id });
      try {
        const run = await store.latestRun();
        assert.equal(run?.state, 'finished');
        assert.equal((await store.jobs(run!.id)).filter((j) => j.state === 'done').length, 3);
      } finally {
        await store.close();
      }
      const shared = await openStore({ url: database.url, space: 'run' });
      try {
        assert.equal(await shared.latestRun(), undefined);
      } finally {
        await shared.close();
      }
    } finally {
      assert.equal(await server.stop(), 0);
      stopWorker.abort();
      assert.equal(await working, 0, workerIO.stderr());
    }
  });
});
