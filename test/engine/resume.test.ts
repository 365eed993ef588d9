import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { providerErrors } from '../../src/providers/errors.ts';
import { FakeProvider } from './fake-provider.ts';
import { ENGINE_PATHS, type Harness, harness, route, spec } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Aborts the run as soon as `count` events match. */
function abortAfter(h: Harness, count: number, match: (e: Harness['events'][number]) => boolean) {
  const controller = new AbortController();
  let seen = 0;
  const listener = (event: Harness['events'][number]) => {
    if (match(event) && ++seen === count) controller.abort();
  };
  h.listeners.push(listener);
  return {
    signal: controller.signal,
    stop: () => h.listeners.splice(h.listeners.indexOf(listener), 1),
  };
}

describe('engine: abort and resume', () => {
  test('Ctrl-C leaves operations in flight; the next run polls them and starts the rest', async () => {
    const fake = new FakeProvider({ concurrency: 2, polls: 5 });
    const specs = ['s1', 's2', 's3', 's4'].map((id) => spec(id, [route('fake', 'm1')]));
    h = await harness({ providers: [fake], specs, budgetUsd: 10 });
    const abort = abortAfter(h, 2, (e) => e.type === 'job' && e.state === 'running');
    const first = await h.run({ signal: abort.signal });
    abort.stop();

    assert.equal(first.state, 'aborted');
    assert.equal(fake.startCalls.length, 2);
    const open = await h.store.openAttempts(h.runId);
    assert.equal(open.length, 2);
    assert.ok(open.every((a) => a.state === 'running'));
    // the money of the two running attempts stays reserved
    assert.deepEqual(await h.store.ledgerTotals(h.runId), {
      reservedMicro: 2_000_000,
      spentMicro: 0,
    });

    const second = await h.run();
    assert.equal(second.state, 'finished');
    assert.equal(second.done, 4);
    assert.equal(fake.startCalls.length, 4, 'the two in flight were polled, not started again');
    assert.equal(fake.created, 4);
    assert.deepEqual(await h.store.ledgerTotals(h.runId), {
      reservedMicro: 0,
      spentMicro: 4_000_000,
    });
  });

  test('a start cut off before its handle was stored is reconciled on resume', async () => {
    const fake = new FakeProvider({ polls: 1 });
    h = await harness({ providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
    const abort = abortAfter(h, 1, (e) => e.type === 'job' && e.state === 'running');
    await h.run({ signal: abort.signal });
    abort.stop();
    // as if the process died after the provider took the job, before the handle was written
    const [attempt] = await h.store.openAttempts(h.runId);
    await h.store.updateAttempt(attempt!.id, { state: 'starting', operation_json: null });

    const outcome = await h.run();
    assert.equal(outcome.done, 1);
    assert.equal(fake.startCalls.length, 1, 'found by its key, never sent again');
    const [after] = await h.store.attempts(outcome.jobs[0]!.id);
    assert.equal(after!.state, 'completed');
  });

  test('a generation in flight when the storyboard changed is adopted, not started again', async () => {
    const fake = new FakeProvider({ polls: 4 });
    const specs = ['s1', 's2'].map((id) => spec(id, [route('fake', 'm1')]));
    h = await harness({ providers: [fake], specs });
    const abort = abortAfter(h, 2, (e) => e.type === 'job' && e.state === 'running');
    await h.run({ signal: abort.signal });
    abort.stop();
    assert.equal(fake.created, 2);

    await h.prepare([specs[0]!, spec('s2', [route('fake', 'm1')], { prompt: 'changed' })]);
    const outcome = await h.run();
    assert.equal(outcome.done, 2);
    assert.equal(fake.created, 3, 's1 adopted and polled; only the changed s2 started');
    const s1 = outcome.jobs.find((j) => j.shot_id === 's1')!;
    assert.equal((await h.store.attempts(s1.id)).length, 1);
  });
});

for (const path of ENGINE_PATHS) {
  describe(`engine: resume and cache (${path})`, () => {
    test('a start cut off before it reached the provider is sent on resume with the same key', async () => {
      const fake = new FakeProvider();
      h = await harness({ path, providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
      const job = (await h.store.jobs(h.runId))[0]!;
      // as if the process died right after writing the key, before the request left
      await h.store.insertAttempt({
        id: `${job.id}/001`,
        job_id: job.id,
        idempotency_key: 'key-written-before-crash',
        route_index: 0,
        segment: 0,
        provider: 'fake',
        executor: 'fake',
        model: 'm1',
        request_json: '{}',
        operation_json: null,
        state: 'starting',
        sends: 0,
        media_sha256: null,
        error_code: null,
        error_message: null,
        created_at: h.store.now(),
        updated_at: h.store.now(),
        finished_at: null,
      });
      await h.store.reserve({
        attempt_id: `${job.id}/001`,
        job_id: job.id,
        run_id: h.runId,
        reserved_micro: 1_000_000,
      });
      await h.store.countAttempt(job.id, { state: 'starting' });

      const outcome = await h.run();
      assert.equal(outcome.done, 1);
      assert.deepEqual(
        fake.startCalls.map((c) => c.key),
        ['key-written-before-crash'],
      );
      assert.equal(outcome.jobs[0]!.attempts, 1);
    });

    test('a failed shot is tried again by the next run', async () => {
      let refuse = true;
      const fake = new FakeProvider({
        onStart: () =>
          refuse ? { error: providerErrors.invalidRequest('fake', 'nope') } : undefined,
      });
      h = await harness({ path, providers: [fake], specs: [spec('s1', [route('fake', 'm1')])] });
      const first = await h.run();
      assert.equal(first.failed, 1);
      refuse = false;
      // the same jobs again: prepareRun resumes the run and queues the failed job again
      await h.prepare(h.specs);
      const second = await h.run();
      assert.equal(second.done, 1);
      assert.equal(second.jobs[0]!.error_code, null);
    });
    test('editing one shot of several and running again generates only that shot', async () => {
      const fake = new FakeProvider();
      const specs = ['s1', 's2', 's3'].map((id) => spec(id, [route('fake', 'm1')]));
      h = await harness({ path, providers: [fake], specs, budgetUsd: 10 });
      await h.run();
      assert.equal(fake.created, 3);

      const edited = [
        specs[0]!,
        spec('s2', [route('fake', 'm1')], { prompt: 'a new prompt' }),
        specs[2]!,
      ];
      await h.prepare(edited);
      const outcome = await h.run();
      assert.equal(outcome.done, 3);
      assert.equal(fake.created, 4, 'one new generation');
      const byShot = new Map(outcome.jobs.map((j) => [j.shot_id, j]));
      assert.equal(byShot.get('s1')!.cached, 1);
      assert.equal(byShot.get('s3')!.cached, 1);
      assert.equal(byShot.get('s2')!.cached, 0);
      // cached clips count against the budget of the new run too
      assert.equal(h.events.filter((e) => e.type === 'spend').at(-1)!.type, 'spend');

      // the same jobs again: the run resumes and nothing is started
      await h.prepare(edited);
      const again = await h.run();
      assert.equal(again.done, 3);
      assert.equal(fake.created, 4);
    });

    test('two shots asking for exactly the same clip share one generation', async () => {
      const fake = new FakeProvider();
      const a = spec('s1', [route('fake', 'm1')], { prompt: 'same' });
      const b = { ...spec('s2', [route('fake', 'm1')], { prompt: 'same' }), cacheKey: a.cacheKey };
      h = await harness({ path, providers: [fake], specs: [a, b] });
      const outcome = await h.run();
      assert.equal(outcome.done, 2);
      assert.equal(fake.created, 1);
      assert.equal(outcome.jobs[0]!.media_sha256, outcome.jobs[1]!.media_sha256);
    });
  });
}

describe('engine: stopped between retries', () => {
  test('a start answered only with errors and stopped during its back-off owes nothing on resume', async () => {
    // a provider that cannot reconcile lost starts: a left-over `starting` attempt would be charged
    const fake = new FakeProvider({
      reconcile: 'unknown',
      starts: [{ error: providerErrors.rateLimited('fake', 30) }],
    });
    h = await harness({
      providers: [fake],
      specs: [spec('s1', [route('fake', 'm1')])],
      budgetUsd: 5,
    });
    const abort = abortAfter(h, 1, (e) => e.type === 'retry');
    const first = await h.run({ signal: abort.signal });
    abort.stop();
    assert.equal(first.state, 'aborted');
    assert.equal(fake.created, 0);
    assert.deepEqual(await h.store.openAttempts(h.runId), [], 'nothing left to reconcile');
    assert.deepEqual(await h.store.ledgerTotals(h.runId), { reservedMicro: 0, spentMicro: 0 });

    const second = await h.run();
    assert.equal(second.done, 1);
    assert.equal(fake.created, 1);
    assert.deepEqual(await h.store.ledgerTotals(h.runId), {
      reservedMicro: 0,
      spentMicro: 1_000_000,
    });
  });
});
