import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseRange } from '../../src/server/files.ts';
import { EventHub } from '../../src/server/hub.ts';
import { TEMP_DIRS, tempDir } from '../lib/helpers.ts';
import { call, readEvents, testServer } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const streamResponse = (stream: ReadableStream<Uint8Array>) => new Response(stream);

describe('event hub', () => {
  test('a reconnecting client gets what it missed; one too far behind is told to reset', async () => {
    const hub = new EventHub({ backlog: 3 });
    for (let n = 1; n <= 5; n++) hub.publish('job', { n });
    const caughtUp = readEvents(streamResponse(hub.stream(3)), (_e, all) => all.length === 3);
    assert.deepEqual(
      (await caughtUp).map((e) => [e.type, e.id]),
      [
        ['hello', null],
        ['job', 4],
        ['job', 5],
      ],
    );
    const behind = readEvents(streamResponse(hub.stream(1)), (_e, all) => all.length === 2);
    assert.deepEqual(
      (await behind).map((e) => e.type),
      ['hello', 'reset'],
    );
    const live = readEvents(streamResponse(hub.stream()), (e) => e.type === 'job');
    hub.publish('job', { n: 6 });
    assert.deepEqual((await live).at(-1), { id: 6, type: 'job', data: { n: 6 } });
    assert.equal(hub.clients, 0, 'cancelled streams leave the hub');
  });

  test('a client that stops reading is dropped past its queue limit; the others go on', async () => {
    const hub = new EventHub({ maxQueuedBytes: 2048 });
    const stalled = hub.stream();
    const reader = streamResponse(hub.stream());
    assert.equal(hub.clients, 2);
    const seen = readEvents(reader, (e) => e.type === 'job' && (e.data as { n: number }).n === 99);
    for (let n = 0; n < 100; n++) {
      hub.publish('job', { n, pad: 'x'.repeat(100) });
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal((await seen).length, 101, 'the reading client got every event');
    assert.equal(hub.clients, 0);
    await assert.rejects(async () => {
      const r = stalled.getReader();
      for (;;) if ((await r.read()).done) return;
    }, /client too slow/);
    hub.close();
  });
});

describe('byte ranges', () => {
  test('one range, suffixes, open ends; several ranges or junk mean the whole file', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-5', 100), { start: 95, end: 99 });
    assert.deepEqual(parseRange('bytes=50-500', 100), { start: 50, end: 99 });
    assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=9-3', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-1,5-6', 100), undefined);
    assert.equal(parseRange('items=0-1', 100), undefined);
    assert.equal(parseRange(null, 100), undefined);
  });
});

describe('the board files', () => {
  const web = tempDir('web');
  fs.mkdirSync(path.join(web, 'assets'));
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>board</title>');
  fs.writeFileSync(path.join(web, 'assets', 'index-abc.js'), 'console.log(1)');
  const secret = path.join(path.dirname(web), `${path.basename(web)}-secret.txt`);
  fs.writeFileSync(secret, 'not for you');
  TEMP_DIRS.push(secret);
  const server = testServer({ webDir: web });
  after(() => server.close());

  test('pages get the board with a strict policy; assets are cached; nothing outside is served', async () => {
    const page = await call(server, 'GET', '/?project=abc');
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>board/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.ok(!csp.includes('unsafe-inline'));
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.match((await call(server, 'GET', '/some/deep/page')).body, /<title>board/);

    const asset = await call(server, 'GET', '/assets/index-abc.js');
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /text\/javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await call(server, 'GET', '/assets/missing.js')).body.error.code, 'not_found');

    for (const probe of [
      `/..%2F${path.basename(secret)}`,
      `/%2e%2e/${path.basename(secret)}`,
      `/assets/..%2F..%2F${path.basename(secret)}`,
    ]) {
      const reply = await call(server, 'GET', probe);
      assert.ok(typeof reply.body !== 'string' || !reply.body.includes('not for you'), probe);
    }
  });
});
