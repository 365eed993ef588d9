import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import { providerErrors } from '../../src/providers/errors.ts';
import { FakeProvider } from './fake-provider.ts';
import { ENGINE_PATHS, type Harness, harness, route, spec, statesOf } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function attemptsOf(store: Harness['store'], jobId: string) {
  return store.attempts(jobId);
}

describe('engine: the happy path', () => {
  test('every job goes queued → starting → running → downloading → done, and is kept by content', async () => {
    const fake = new FakeProvider({ polls: 2 });
    const specs = [spec('s1', [route('fake', 'm1', 1)]), spec('s2', [route('fake', 'm1', 2)])];
    h = await harness({ providers: [fake], specs, budgetUsd: 10 });
    const outcome = await h.run();

    assert.equal(outcome.state, 'finished');
    assert.equal(outcome.done, 2);
    assert.deepEqual(statesOf(h.events, 's1#0'), ['starting', 'running', 'downloading', 'done']);
    for (const job of outcome.jobs) {
      assert.equal(job.state, 'done');
      assert.equal(job.attempts, 1);
      const media = await h.store.media(job.media_sha256!);
      assert.ok(media && fs.existsSync(h.media.absolute(media.path)));
      assert.match(media.path, /^media\/[0-9a-f]{64}\.mp4$/);
      const [attempt] = await attemptsOf(h.store, job.id);
      assert.equal(attempt!.state, 'completed');
      assert.ok(attempt!.operation_json);
    }
    // the list price is what was reserved and settled; nothing stays reserved
    assert.deepEqual(await h.store.ledgerTotals(h.runId), {
      reservedMicro: 0,
      spentMicro: 3_000_000,
    });
    assert.equal(fake.created, 2);
    assert.equal(new Set(fake.startCalls.map((c) => c.key)).size, 2);
    // the event log holds every state change
    const stored = await h.store.events(h.runId);
    assert.ok(stored.filter((e) => e.type === 'job').length >= 8);
  });

  test('the idempotency key is written before the start is sent', async () => {
    let h2: Harness | undefined;
    const fake = new FakeProvider({
      onStart: ({ key }) => {
        // inside doStart: the attempt row with this key must already be committed
        seen.push(key);
        return undefined;
      },
    });
    const seen: string[] = [];
    h2 = await harness({ providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
    h = h2;
    const original = fake.model.bind(fake);
    const checks: boolean[] = [];
    fake.model = (id) => {
      const model = original(id);
      const doStart = model.doStart!.bind(model);
      model.doStart = async (options) => {
        const key = options.headers!['idempotency-key']!;
        const rows = await h2!.store.db
          .selectFrom('attempt')
          .selectAll()
          .where('idempotency_key', '=', key)
          .execute();
        checks.push(rows.length === 1 && rows[0]!.state === 'starting');
        return doStart(options);
      };
      return model;
    };
    await h2.run();
    assert.deepEqual(checks, [true]);
    assert.equal(seen.length, 1);
  });
});

describe('engine: retries', () => {
  test('429 with Retry-After waits at least that long and resends with the same key', async () => {
    const fake = new FakeProvider({ starts: [{ error: providerErrors.rateLimited('fake', 7) }] });
    h = await harness({ providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
    const t0 = h.clock.now();
    const outcome = await h.run();
    assert.equal(outcome.done, 1);
    const retry = h.events.find((e) => e.type === 'retry');
    assert.ok(retry && retry.type === 'retry');
    assert.equal(retry.code, 'rate_limited');
    assert.ok(retry.delayMs >= 7000, `waited ${retry.delayMs} ms`);
    assert.ok(h.clock.now() - t0 >= 7000);
    assert.equal(fake.startCalls.length, 2);
    assert.equal(fake.startCalls[0]!.key, fake.startCalls[1]!.key, 'one key per logical start');
    assert.equal(fake.created, 1);
    const [attempt] = await h.store.attempts(outcome.jobs[0]!.id);
    assert.equal(attempt!.sends, 2);
  });

  test('backoff grows exponentially with full jitter and the attempts are bounded', async () => {
    const errors = Array.from({ length: 10 }, () => ({
      error: providerErrors.serverError('fake', 503),
    }));
    const fake = new FakeProvider({ starts: errors });
    h = await harness({
      providers: [fake],
      specs: [spec('s1', [route('fake', 'm1'), route('fake', 'm2')])],
    });
    const outcome = await h.run({ retry: { maxSends: 3, baseDelayMs: 1000, maxDelayMs: 60_000 } });
    const delays = h.events
      .filter((e) => e.type === 'retry')
      .map((e) => (e as { delayMs: number }).delayMs);
    // random() is 0.5: half of 1 s, 2 s, …
    assert.deepEqual(delays.slice(0, 2), [500, 1000]);
    // three sends on m1 failed (same key), then the shot moved on to m2
    assert.equal(fake.startCalls.filter((c) => c.model === 'm1').length, 3);
    assert.equal(
      new Set(fake.startCalls.filter((c) => c.model === 'm1').map((c) => c.key)).size,
      1,
    );
    assert.equal(outcome.jobs[0]!.model, 'm2');
  });

  test('a generation that fails on the provider side is started again with a new key', async () => {
    const fake = new FakeProvider({
      finish: (_shot, _model, n) =>
        n === 1 ? { error: 'GPU fell over', code: 'server_error' } : 'ok',
    });
    h = await harness({ providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
    const outcome = await h.run();
    assert.equal(outcome.done, 1);
    assert.equal(fake.created, 2);
    assert.notEqual(fake.startCalls[0]!.key, fake.startCalls[1]!.key);
    const attempts = await h.store.attempts(outcome.jobs[0]!.id);
    assert.deepEqual(
      attempts.map((a) => a.state),
      ['failed', 'completed'],
    );
    assert.equal(attempts[0]!.error_code, 'server_error');
    assert.equal(outcome.jobs[0]!.attempts, 2);
    // the failed generation cost nothing
    assert.equal(outcome.jobs[0]!.spend_micro, 1_000_000);
  });

  test('transient status errors are retried without starting again', async () => {
    const fake = new FakeProvider({
      statusErrors: [providerErrors.serverError('fake', 502), providerErrors.timeout('fake')],
    });
    h = await harness({ providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
    const outcome = await h.run();
    assert.equal(outcome.done, 1);
    assert.equal(fake.created, 1);
    assert.equal(fake.startCalls.length, 1);
  });

  test('an expired download URL is refreshed by polling again', async () => {
    const fake = new FakeProvider({ finish: () => 'expired-once' });
    h = await harness({ providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
    const outcome = await h.run();
    assert.equal(outcome.done, 1);
    assert.ok(h.events.some((e) => e.type === 'retry' && e.code === 'expired_url'));
    assert.equal(fake.created, 1);
  });
});

for (const path of ENGINE_PATHS) {
  describe(`engine: fallbacks and failures (${path})`, () => {
    test('a refused prompt falls back to the next route and says why', async () => {
      const fake = new FakeProvider({
        onStart: ({ model }) =>
          model === 'm1' ? { error: providerErrors.contentRefused('fake', 'policy') } : undefined,
      });
      h = await harness({
        path,
        providers: [fake],
        specs: [spec('s1', [route('fake', 'm1', 1), route('fake', 'm2', 2)])],
      });
      const outcome = await h.run();
      const job = outcome.jobs[0]!;
      assert.equal(job.state, 'done');
      assert.equal(job.model, 'm2');
      assert.equal(job.route_index, 1);
      const warnings = JSON.parse(job.warnings_json) as string[];
      assert.match(warnings[0]!, /fell back from m1 to m2: fake refused the content: policy/);
      const fallback = h.events.find((e) => e.type === 'fallback');
      assert.ok(fallback && fallback.type === 'fallback' && fallback.to === 'm2');
      // refused before creation: nothing spent on m1
      assert.equal(job.spend_micro, 2_000_000);
    });

    test('a shot that fails on every model fails alone; the others finish', async () => {
      const fake = new FakeProvider({
        onStart: ({ shotId }) =>
          shotId === 's2'
            ? { error: providerErrors.invalidRequest('fake', 'prompt too long') }
            : undefined,
      });
      h = await harness({
        path,
        providers: [fake],
        specs: [
          spec('s1', [route('fake', 'm1')]),
          spec('s2', [route('fake', 'm1'), route('fake', 'm2')]),
          spec('s3', [route('fake', 'm1')]),
        ],
      });
      const outcome = await h.run();
      assert.equal(outcome.state, 'finished');
      assert.equal(outcome.done, 2);
      assert.equal(outcome.failed, 1);
      const failed = outcome.jobs.find((j) => j.shot_id === 's2')!;
      assert.equal(failed.error_code, 'invalid_request');
      assert.match(
        failed.error_message!,
        /m1 \(fake\): fake rejected the request: prompt too long; m2/,
      );
    });

    test('a refused API key disables the provider for the rest of the run', async () => {
      const bad = new FakeProvider({
        id: 'bad',
        concurrency: 1,
        starts: [{ error: providerErrors.authentication('bad', 'BAD_API_KEY') }],
      });
      const good = new FakeProvider({ id: 'good' });
      h = await harness({
        path,
        providers: [bad, good],
        specs: [
          spec('s1', [route('bad', 'm1'), route('good', 'g1')]),
          spec('s2', [route('bad', 'm1'), route('good', 'g1')]),
        ],
      });
      const outcome = await h.run();
      assert.equal(outcome.done, 2);
      assert.equal(bad.startCalls.length, 1, 'no second start on a provider that refused the key');
      const warnings = outcome.jobs.flatMap((j) => JSON.parse(j.warnings_json) as string[]);
      assert.ok(warnings.some((w) => w.includes('check BAD_API_KEY')));
    });

    test('a clip that fails verification is paid for and the shot falls back', async () => {
      const fake = new FakeProvider();
      h = await harness({
        path,
        providers: [fake],
        specs: [spec('s1', [route('fake', 'm1', 1), route('fake', 'm2', 1)], { prompt: 'p' })],
      });
      // the first clip's bytes say "unusable" → fakeTools.inspect rejects it
      const model = fake.model.bind(fake);
      fake.model = (id) => {
        const m = model(id);
        const status = m.doStatus!.bind(m);
        m.doStatus = async (o) => {
          const s = await status(o);
          if (s.status === 'completed' && id === 'm1') {
            return {
              ...s,
              videos: [
                { type: 'binary', data: Buffer.from('unusable clip'), mediaType: 'video/mp4' },
              ],
            };
          }
          return s;
        };
        return m;
      };
      const outcome = await h.run();
      const job = outcome.jobs[0]!;
      assert.equal(job.state, 'done');
      assert.equal(job.model, 'm2');
      assert.equal(job.spend_micro, 2_000_000, 'the unusable clip was billed too');
      const [first] = await h.store.attempts(job.id);
      assert.equal(first!.error_code, 'verification_failed');
    });
  });

  describe(`engine: lost replies (${path})`, () => {
    test('a start whose reply was lost after creation is found, not sent again', async () => {
      const fake = new FakeProvider({ starts: ['drop-after-create'] });
      h = await harness({ path, providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
      const outcome = await h.run();
      assert.equal(outcome.done, 1);
      assert.equal(fake.startCalls.length, 1);
      assert.equal(fake.created, 1);
    });

    test('a start lost before creation is sent again with the same key', async () => {
      const fake = new FakeProvider({ starts: ['drop-before-create'] });
      h = await harness({ path, providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
      const outcome = await h.run();
      assert.equal(outcome.done, 1);
      assert.equal(fake.startCalls.length, 2);
      assert.equal(fake.startCalls[0]!.key, fake.startCalls[1]!.key);
      assert.equal(fake.created, 1);
    });

    test('a start that never arrives is sent a bounded number of times, then the next route', async () => {
      const fake = new FakeProvider({
        onStart: ({ model }) => (model === 'm1' ? 'drop-before-create' : undefined),
      });
      h = await harness({
        path,
        providers: [fake],
        specs: [spec('s1', [route('fake', 'm1'), route('fake', 'm2')])],
      });
      const outcome = await h.run({ retry: { maxSends: 3 } });
      assert.equal(outcome.jobs[0]!.model, 'm2');
      const m1 = fake.startCalls.filter((c) => c.model === 'm1');
      assert.equal(m1.length, 3);
      assert.equal(new Set(m1.map((c) => c.key)).size, 1);
      const [first] = await h.store.attempts(outcome.jobs[0]!.id);
      assert.equal(first!.state, 'failed');
      assert.equal(first!.error_code, 'connection_dropped');
      // nothing was created on m1, so nothing was owed
      assert.equal(outcome.jobs[0]!.spend_micro, 1_000_000);
    });

    test('an outcome that cannot be known is never re-sent: counted as spent, then the next route', async () => {
      const fake = new FakeProvider({ starts: ['drop-after-create'], reconcile: 'unknown' });
      h = await harness({
        path,
        providers: [fake],
        specs: [spec('s1', [route('fake', 'm1', 1), route('fake', 'm2', 2)])],
        budgetUsd: 10,
      });
      const outcome = await h.run();
      const job = outcome.jobs[0]!;
      assert.equal(job.model, 'm2');
      assert.equal(fake.startCalls.filter((c) => c.model === 'm1').length, 1);
      const [first] = await h.store.attempts(job.id);
      assert.equal(first!.state, 'unknown');
      assert.equal(job.spend_micro, 3_000_000);
    });
  });
}

describe('engine: limits', () => {
  test('never more operations in flight than the provider allows, and no batch barrier', async () => {
    const fake = new FakeProvider({ concurrency: 3, polls: (shot) => (shot === 's0' ? 20 : 2) });
    const specs = Array.from({ length: 12 }, (_, i) => spec(`s${i}`, [route('fake', 'm1')]));
    h = await harness({ providers: [fake], specs });
    const outcome = await h.run();
    assert.equal(outcome.done, 12);
    assert.equal(fake.maxInFlight, 3);
    // s0 takes 20 polls; the other 11 share the two remaining slots meanwhile, so s11 starts
    // long before s0 finishes
    const startOf = (key: string) =>
      h!.events.findIndex((e) => e.type === 'job' && e.key === key && e.state === 'starting');
    const doneOf = (key: string) =>
      h!.events.findIndex((e) => e.type === 'job' && e.key === key && e.state === 'done');
    assert.ok(startOf('s11#0') < doneOf('s0#0'));
  });

  test('requests per minute are respected', async () => {
    const fake = new FakeProvider({
      concurrency: 50,
      requestsPerMinute: 60,
      polls: 0,
      pollIntervalMs: 0,
    });
    const specs = Array.from({ length: 20 }, (_, i) => spec(`s${i}`, [route('fake', 'm1')]));
    h = await harness({ providers: [fake], specs });
    const t0 = h.clock.now();
    await h.run();
    // 40 requests (20 starts + 20 polls) at 60/min with a burst of 6: at least 34 s
    assert.ok(h.clock.now() - t0 >= 34_000, `took ${h.clock.now() - t0} ms`);
  });
});
