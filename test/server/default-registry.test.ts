/**
 * A real (not preview) run through the server's own wiring: no runner option, so its providers
 * are the adapters the server builds from its environment, here pointed at the sandbox. The
 * other server and board tests bring their registries (stand-ins, or faster polling); this one
 * keeps that default path covered end to end.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startSandbox } from '../../src/sandbox/index.ts';
import { TEMP_DIRS } from '../lib/helpers.ts';
import { assertError, call, readEvents, testServer } from './helpers.ts';

const STORYBOARD = [
  'version: 1',
  'title: Default wiring',
  'as_of: 2026-11-26',
  'deliver: { resolution: 480x270, fps: 24, audio: false }',
  'budget_usd: 30',
  'shots:',
  '  - { id: d1, prompt: a paper boat in a rain gutter, duration: 1, tags: [b-roll] }',
  '',
].join('\n');

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
before(async () => {
  sandbox = await startSandbox({ latencyMs: [50, 100], seed: 3 });
});
after(async () => {
  await sandbox.close();
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the server’s default providers', { timeout: 120_000 }, () => {
  test('a confirmed real run is made through the adapters the server builds', async () => {
    const server = testServer({ env: { SHOTROUTER_SANDBOX_URL: sandbox.url } });
    try {
      const form = new FormData();
      form.append('storyboard', new Blob([STORYBOARD]), 'default-wiring.yaml');
      const created = await call(server, 'POST', '/api/projects', { form });
      const id = created.body.project.id;
      const refused = await call(server, 'POST', `/api/projects/${id}/runs`, {
        json: { preview: false },
      });
      assertError(refused, 409, 'confirmation_required');
      const estimate = refused.body.error.details.estimate_usd as number;

      const stream = await server.app.request(`http://127.0.0.1/api/projects/${id}/events`);
      const events = readEvents(stream, (e) => e.type === 'ended');
      const started = await call(server, 'POST', `/api/projects/${id}/runs`, {
        json: { preview: false, confirm_usd: estimate },
      });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const seen = await events;
      assert.equal((seen.at(-1)!.data as { state: string }).state, 'finished');
      await server.idle();

      const overview = await call(server, 'GET', `/api/projects/${id}`);
      assert.equal(overview.body.run.state, 'finished');
      assert.equal(overview.body.run.preview, false);
      const shot = overview.body.shots[0];
      assert.equal(shot.takes.length, 1);
      // made by the provider the plan chose, through the sandbox: a paid job there, once
      const bought = (await (await fetch(new URL('/_sandbox/jobs', sandbox.url))).json()) as {
        jobs: Array<{ provider: string }>;
      };
      assert.equal(bought.jobs.length, 1, JSON.stringify(bought));
      assert.equal(bought.jobs[0]!.provider, overview.body.plan.shots[0].provider);
    } finally {
      await server.close();
    }
  });
});
