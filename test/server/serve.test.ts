import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { TEMP_DIRS, tempDir } from '../lib/helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `shotrouter serve …` until its first line is out; returns the URL and a stop. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cwd = tempDir('serve');
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
