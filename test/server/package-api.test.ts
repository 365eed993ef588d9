/** The board's package button: the edit as a zip, and editing locked while a run is in flight. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import { FakeProvider } from '../engine/fake-provider.ts';
import { fakeTools } from '../engine/helpers.ts';
import { TEMP_DIRS, THREE_SHOTS } from '../lib/helpers.ts';
import { assertError, call, storyboardForm, testServer } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const json = (value: unknown) => ({ json: value });

describe('packaging from the board', () => {
  test('after a preview run the package is made and downloaded as a zip', async () => {
    const server = testServer();
    try {
      const id = (
        await call(server, 'POST', '/api/projects', { form: storyboardForm(THREE_SHOTS) })
      ).body.project.id;
      assertError(await call(server, 'POST', `/api/projects/${id}/package`), 404, 'not_found');
      await call(server, 'POST', `/api/projects/${id}/runs`, json({ preview: true }));
      await server.idle();
      const made = await call(server, 'POST', `/api/projects/${id}/package`);
      assert.equal(made.status, 200, JSON.stringify(made.body));
      assert.equal(made.body.clips.length, 3);
      assert.ok(made.body.files.includes('timeline.fcpxml'));
      const zip = await server.app.request(`http://127.0.0.1${made.body.url}`);
      assert.equal(zip.status, 200);
      assert.equal(zip.headers.get('content-type'), 'application/zip');
      assert.match(zip.headers.get('content-disposition') ?? '', /tiny-preview-film-edit\.zip/);
      const bytes = Buffer.from(await zip.arrayBuffer());
      assert.equal(bytes.length, made.body.bytes);
      assert.deepEqual([...bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
    } finally {
      await server.close();
    }
  });

  test('while a run is in flight, changes, picks and packages are refused with a plain reason', async () => {
    const provider = new FakeProvider({ id: 'slow', pollIntervalMs: 1, polls: 1_000_000 });
    const server = testServer({
      runner: {
        registry: () => createStandInRegistry(provider),
        tools: fakeTools,
        assemble: false,
      },
    });
    try {
      const id = (
        await call(server, 'POST', '/api/projects', { form: storyboardForm(THREE_SHOTS) })
      ).body.project.id;
      const estimate = (
        await call(server, 'POST', `/api/projects/${id}/runs`, json({ preview: false }))
      ).body.error.details.estimate_usd;
      await call(
        server,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false, confirm_usd: estimate }),
      );
      for (const [method, route, body] of [
        ['PUT', 'changes', { changes: { optimize: 'cost' } }],
        ['POST', 'shots/s01/pick', { take: 1 }],
        ['POST', 'package', undefined],
      ] as const) {
        const refused = await call(
          server,
          method,
          `/api/projects/${id}/${route}`,
          body ? json(body) : {},
        );
        assertError(refused, 409, 'run_in_progress', /a run is in progress/);
        assert.equal(refused.body.error.details.lock, 'run');
      }
      await call(server, 'DELETE', `/api/projects/${id}/runs/current`);
      await server.idle();
    } finally {
      await server.close();
    }
  });
});
