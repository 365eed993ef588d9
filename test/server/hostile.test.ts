/**
 * The defects of issue 15 on the server side, each answered: a stopped run is shown stopped
 * everywhere, unknown ids are a plain 'not found', hostile input (a malformed Host, reserved
 * ids, an image that continues as HTML, an oversized part) gets a JSON error, the oversized
 * part as soon as it passes the limit (over a real loopback port).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import { contentTag } from '../../src/server/files.ts';
import { listen } from '../../src/server/listen.ts';
import { StatusSchema } from '../../src/server/schemas.ts';
import { FakeProvider } from '../engine/fake-provider.ts';
import { fakeTools } from '../engine/helpers.ts';
import { PNG, TEMP_DIRS, THREE_SHOTS, tempDir } from '../lib/helpers.ts';
import { assertError, call, readEvents, storyboardForm, testServer } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const json = (value: unknown) => ({ json: value });

describe('truthful state', () => {
  test('a stopped run is stopped in the status, the overview and the events; no job stays in flight', async () => {
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
      const events = readEvents(
        await server.app.request(`http://127.0.0.1/api/projects/${id}/events`),
        (e) => e.type === 'ended',
      );
      await call(
        server,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false, confirm_usd: estimate }),
      );
      while (provider.startCalls.length < 3) await new Promise((resolve) => setImmediate(resolve));

      const during = StatusSchema.parse(
        (await call(server, 'GET', `/api/projects/${id}/status`)).body,
      );
      assert.equal(during.run.activity, 'running');

      await call(server, 'DELETE', `/api/projects/${id}/runs/current`);
      const ended = (await events).at(-1)!;
      assert.equal((ended.data as { state: string }).state, 'aborted');
      await server.idle();

      const status = StatusSchema.parse(
        (await call(server, 'GET', `/api/projects/${id}/status`)).body,
      );
      assert.equal(status.run.activity, 'stopped');
      assert.equal(status.run.state, 'active', 'stored as resumable');
      assert.deepEqual(
        status.jobs.filter((j) => ['starting', 'running', 'downloading'].includes(j.state)),
        [],
      );
      assert.ok(status.jobs.some((j) => j.state === 'interrupted'));
      const overview = (await call(server, 'GET', `/api/projects/${id}`)).body;
      assert.equal(overview.run.state, 'aborted');
      assert.equal(overview.run.active, false);

      // the page reads the overview, then follows the stream from its seq: nothing is replayed
      const follow = await server.app.request(
        `http://127.0.0.1/api/projects/${id}/events?since=${overview.seq}`,
      );
      const hello = await readEvents(follow, (e) => e.type === 'hello');
      assert.deepEqual(
        hello.map((e) => e.type),
        ['hello'],
      );
      // a seq from an earlier server is answered with a reset: read the project again
      const stale = await server.app.request(
        `http://127.0.0.1/api/projects/${id}/events?since=${overview.seq + 1000}`,
      );
      assert.deepEqual(
        (await readEvents(stale, (e) => e.type === 'reset')).map((e) => e.type),
        ['hello', 'reset'],
      );
    } finally {
      await server.close();
    }
  });

  test('an unknown project is a plain not found on every route', async () => {
    const server = testServer();
    try {
      for (const route of ['', '/status', '/events', '/plan', '/files/final.mp4']) {
        assertError(
          await call(server, 'GET', `/api/projects/AAAAAAAAAAAA${route}`),
          404,
          'not_found',
          /no project 'AAAAAAAAAAAA'/,
        );
      }
    } finally {
      await server.close();
    }
  });
});

describe('money and caches', () => {
  test('a project over its budget can still run the free preview; the real run says why not, with facts', async () => {
    const server = testServer({ runner: { tools: fakeTools, assemble: false } });
    try {
      const storyboard = fs
        .readFileSync(THREE_SHOTS, 'utf8')
        .replace('budget_usd: 20', 'budget_usd: 0.01');
      const form = new FormData();
      form.append('storyboard', new Blob([storyboard]), 'tight.yaml');
      const created = await call(server, 'POST', '/api/projects', { form });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.runnable.preview.ok, true);
      assert.equal(created.body.runnable.real.ok, false);
      const id = created.body.project.id;
      const real = await call(
        server,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false, confirm_usd: 100 }),
      );
      assertError(real, 422, 'over_budget');
      assert.equal(real.body.error.details.budget_usd, 0.01);
      assert.equal(real.body.error.details.preview_possible, true);
      const preview = await call(
        server,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: true }),
      );
      assert.equal(preview.status, 202, JSON.stringify(preview.body));
      await server.idle();
      assert.equal((await call(server, 'GET', `/api/projects/${id}`)).body.run.state, 'finished');
    } finally {
      await server.close();
    }
  });

  test('a file is tagged by its content, not its size', async () => {
    const dir = tempDir('tags');
    const file = `${dir}/final.mp4`;
    fs.writeFileSync(file, 'aaaa');
    const first = await contentTag(file);
    fs.writeFileSync(file, 'bbbb');
    const second = await contentTag(file);
    assert.notEqual(first, second);
    assert.match(second, /^[0-9a-f]{16}$/);
  });
});

describe('hostile input', () => {
  test('reserved names are refused as ids everywhere', async () => {
    const server = testServer();
    try {
      const id = (
        await call(server, 'POST', '/api/projects', { form: storyboardForm(THREE_SHOTS) })
      ).body.project.id;
      const change = await call(
        server,
        'PUT',
        `/api/projects/${id}/changes`,
        json('{"changes":{"shots":{"__proto__":{"priority":"hero"}}}}'),
      );
      assertError(change, 400, 'bad_request');
      assertError(
        await call(server, 'POST', `/api/projects/${id}/shots/constructor/pick`, json({ take: 1 })),
        400,
        'bad_request',
      );
      const storyboard = fs.readFileSync(THREE_SHOTS, 'utf8').replace('id: s02', 'id: __proto__');
      const form = new FormData();
      form.append('storyboard', new Blob([storyboard]), 'proto.yaml');
      const refused = await call(server, 'POST', '/api/projects', { form });
      assertError(refused, 422, 'invalid_storyboard');
      assert.match(refused.body.error.problems[0].message, /reserved name/);
    } finally {
      await server.close();
    }
  });

  test('an image that continues as HTML is refused, not stored as image/png', async () => {
    const server = testServer();
    try {
      const storyboard = fs
        .readFileSync(THREE_SHOTS, 'utf8')
        .replace('    tags: [b-roll]', '    tags: [b-roll]\n    references: [refs/kite.png]');
      const form = new FormData();
      form.append('storyboard', new Blob([storyboard]), 'kite.yaml');
      const polyglot = Buffer.concat([PNG, Buffer.from('<html><script>alert(1)</script>')]);
      form.append('files', new Blob([polyglot], { type: 'image/png' }), 'refs/kite.png');
      const refused = await call(server, 'POST', '/api/projects', { form });
      assertError(refused, 415, 'unsupported_media_type', /kite\.png/);
      assert.deepEqual(
        fs.readdirSync(server.projects.root).filter((n) => !n.startsWith('.')),
        [],
        'nothing stored',
      );
    } finally {
      await server.close();
    }
  });

  test('over a real port: a malformed Host gets a JSON error; an oversized part is refused at the limit', async () => {
    const listening = await listen({
      projectsDir: tempDir('hostile'),
      webDir: null,
      env: {},
      limits: { fileBytes: 2 * 1024 * 1024 },
    });
    try {
      const { port } = new URL(listening.url);
      const host = await new Promise<{ status: number; type: string; body: string }>(
        (resolve, reject) => {
          const request = http.request(
            {
              host: '127.0.0.1',
              port,
              path: '/api/health',
              headers: { host: '127.0.0.1@evil.example' },
            },
            (response) => {
              let body = '';
              response.on('data', (chunk) => {
                body += chunk;
              });
              response.on('end', () =>
                resolve({
                  status: response.statusCode!,
                  type: String(response.headers['content-type']),
                  body,
                }),
              );
            },
          );
          request.on('error', reject);
          request.end();
        },
      );
      assert.equal(host.status, 400);
      assert.match(host.type, /application\/json/);
      assert.equal(JSON.parse(host.body).error.code, 'bad_request');
      assert.ok(!host.body.includes('evil'), 'the header is not echoed');

      // a 64 MiB part against a 2 MiB limit: the answer comes while the body is still going out
      const boundary = 'x-boundary-1234';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="storyboard"; filename="a.yaml"\r\n\r\n${fs.readFileSync(THREE_SHOTS, 'utf8')}\r\n--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`,
      );
      const total = 64 * 1024 * 1024;
      const chunk = Buffer.alloc(256 * 1024, 0x41);
      let sent = 0;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        let answered = false;
        const request = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/projects',
            headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          },
          (response) => {
            answered = true;
            let body = '';
            response.on('data', (c) => {
              body += c;
            });
            response.on('end', () => resolve({ status: response.statusCode!, body }));
          },
        );
        request.on('error', (error) => (answered ? undefined : reject(error)));
        request.write(head);
        const pump = () => {
          while (!answered && sent < total) {
            sent += chunk.length;
            if (!request.write(chunk)) return void request.once('drain', pump);
          }
          if (!answered) request.end();
        };
        pump();
      });
      assert.equal(answer.status, 413, answer.body);
      assert.equal(JSON.parse(answer.body).error.code, 'payload_too_large');
      assert.ok(sent < total / 2, `refused after ${sent} of ${total} bytes were sent`);
    } finally {
      await listening.close();
    }
  });
});
