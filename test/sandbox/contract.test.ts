/**
 * The same contract, provider by provider: happy path to a real MP4, auth and validation
 * failures in the provider's own shape, idempotency, every fault kind at probability 1, and the
 * concurrency limit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from '../wait.ts';
import { DRIVERS } from './drivers.ts';
import {
  type Driver,
  probeResponse,
  readBody,
  readJson,
  renderedOf,
  runToEnd,
  sandbox,
  type TestSandbox,
} from './helpers.ts';

async function createJob(
  driver: Driver,
  t: TestSandbox,
  headers?: Record<string, string>,
): Promise<string> {
  const res = await driver.create(t, headers === undefined ? undefined : { headers });
  const body = await readJson(res);
  assert.ok(
    res.status >= 200 && res.status < 300,
    `create answered ${res.status}: ${JSON.stringify(body)}`,
  );
  return driver.idOf(body);
}

function stats(t: TestSandbox, driver: Driver) {
  return t.sb.stats().providers[driver.name];
}

for (const driver of DRIVERS) {
  describe(`${driver.name} stand-in`, () => {
    test('create, poll through its statuses, download an MP4 of the requested length and shape', async () => {
      const t = await sandbox();
      const id = await createJob(driver, t);
      const first = await driver.poll(t, id);
      assert.equal(first.state, 'pending', 'a new job is not done before its latency has passed');
      const end = await runToEnd(driver, t, id);
      assert.equal(end.state, 'done');
      const res = await driver.download(t, id, end.state === 'done' ? end.body : undefined);
      assert.equal(res.status, 200);
      const info = await probeResponse(res, driver.name);
      const size = renderedOf(driver.expected);
      assert.ok(
        Math.abs(info.durationSeconds - driver.expected.seconds) < 0.1,
        `duration ${info.durationSeconds}`,
      );
      assert.equal(info.width, size.width);
      assert.equal(info.height, size.height);
      assert.ok(Math.abs(info.fps - driver.expected.fps) < 0.01, `fps ${info.fps}`);
      assert.equal(info.hasAudio, driver.expected.audio);
      const counts = stats(t, driver);
      assert.equal(counts.created, 1);
      assert.equal(counts.completed, 1);
      assert.equal(counts.failed, 0);
      assert.equal(counts.max_in_flight, 1);
    });

    test('refuses a wrong key in its own error shape', async () => {
      const t = await sandbox();
      const res = await driver.create(t, { headers: driver.badAuth(t) });
      driver.authRefused(res.status, await readBody(res));
      assert.equal(stats(t, driver).created, 0);
    });

    test('rejects a request the real API rejects, in its own error shape', async () => {
      const t = await sandbox();
      const res = await driver.create(t, { body: driver.invalidBody });
      driver.invalidRefused(res.status, await readJson(res));
      assert.equal(stats(t, driver).created, 0);
    });

    test('a repeated Idempotency-Key returns the existing job and creates nothing', async () => {
      const t = await sandbox();
      const key = { 'idempotency-key': `key-${driver.name}` };
      const first = await createJob(driver, t, key);
      const second = await createJob(driver, t, key);
      const other = await createJob(driver, t, { 'idempotency-key': 'another' });
      assert.equal(second, first);
      assert.notEqual(other, first);
      const counts = stats(t, driver);
      assert.equal(counts.created, 2);
      assert.equal(counts.idempotency_keys, 2);
      assert.equal(counts.duplicate_keys, 1);
    });

    test('fault 429: rate-limited with Retry-After (where the server has rate limits)', async () => {
      const t = await sandbox({ faults: { '429': 1 } });
      const res = await driver.create(t);
      await res.arrayBuffer();
      if (driver.name === 'comfyui') {
        assert.equal(res.status, 200, 'a ComfyUI server has no rate limit');
        return;
      }
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(stats(t, driver).created, 0);
      assert.equal(stats(t, driver).faults['429'], 1);
    });

    test('fault 5xx: a server error and no job', async () => {
      const t = await sandbox({ faults: { '5xx': 1 } });
      const res = await driver.create(t);
      await res.arrayBuffer();
      assert.ok(res.status >= 500 && res.status < 600, `status ${res.status}`);
      assert.equal(stats(t, driver).created, 0);
    });

    test('fault timeout: the request is held until the client gives up', async () => {
      const t = await sandbox({ faults: { timeout: 1 } });
      const held = driver.create(t);
      let answered = false;
      held.then(
        () => {
          answered = true;
        },
        () => {},
      );
      // the sandbox has the request (and counts the fault) and does not answer it
      await waitFor('the sandbox to hold the request', () => {
        return (stats(t, driver).faults.timeout ?? 0) >= 1;
      });
      assert.equal(answered, false);
      assert.equal(stats(t, driver).created, 0);
      // closing the sandbox ends the held request
      held.catch(() => {});
    });

    test('fault refuse: moderation refuses at create or fails the job at its end', async () => {
      const t = await sandbox({ faults: { refuse: 1 } });
      const res = await driver.create(t);
      const body = await readJson(res);
      if (typeof driver.refusal === 'object') {
        driver.refusal.atCreate(res.status, body);
        assert.equal(stats(t, driver).created, 0);
        return;
      }
      assert.ok(res.status < 300);
      const end = await runToEnd(driver, t, driver.idOf(body));
      assert.equal(end.state, driver.refusal === 'never' ? 'done' : 'failed');
      assert.equal(stats(t, driver).failed, driver.refusal === 'never' ? 0 : 1);
    });

    test('fault malformed: the job is created but the reply is broken JSON', async () => {
      const t = await sandbox({ faults: { malformed: 1 } });
      const res = await driver.create(t);
      assert.ok(res.status < 300);
      assert.match(res.headers.get('content-type') ?? '', /json/);
      const text = await res.text();
      assert.throws(() => JSON.parse(text), SyntaxError);
      assert.equal(stats(t, driver).created, 1);
    });

    test('fault drop: the job is created, the socket dies, a retry with the key finds the job', async () => {
      const t = await sandbox({ faults: { drop: 1 } });
      const key = { 'idempotency-key': 'dropped-once' };
      await assert.rejects(driver.create(t, { headers: key }), TypeError);
      assert.equal(stats(t, driver).created, 1);
      const id = await createJob(driver, t, key);
      assert.ok(id.length > 0);
      const counts = stats(t, driver);
      assert.equal(counts.created, 1);
      assert.equal(counts.duplicate_keys, 1);
    });

    test('fault expired: the first download fails as expired, a fresh poll gives one that works', async () => {
      const t = await sandbox({ faults: { expired: 1 } });
      const id = await createJob(driver, t);
      const end = await runToEnd(driver, t, id);
      assert.equal(end.state, 'done');
      const stale = await driver.download(t, id, end.state === 'done' ? end.body : undefined);
      await stale.arrayBuffer();
      assert.ok(
        [403, 404, 410].includes(stale.status),
        `expired download answered ${stale.status}`,
      );
      const again = await runToEnd(driver, t, id);
      const fresh = await driver.download(t, id, again.state === 'done' ? again.body : undefined);
      assert.equal(fresh.status, 200);
      assert.equal(fresh.headers.get('content-type'), 'video/mp4');
      assert.ok((await fresh.arrayBuffer()).byteLength > 1000);
    });

    test('a concurrency limit of 1 queues the other jobs, as the real service does', async () => {
      const t = await sandbox({ concurrency: { [driver.name]: 1 } });
      const ids = [
        await createJob(driver, t),
        await createJob(driver, t),
        await createJob(driver, t),
      ];
      t.clock.advance(500);
      const states = await Promise.all(ids.map((id) => driver.poll(t, id)));
      assert.ok(states.every((s) => s.state === 'pending'));
      assert.equal(stats(t, driver).in_flight, 1);
      assert.equal(stats(t, driver).queued, 2);
      for (const id of ids) assert.equal((await runToEnd(driver, t, id)).state, 'done');
      const counts = stats(t, driver);
      assert.equal(counts.max_in_flight, 1);
      assert.equal(counts.completed, 3);
    });
  });
}
