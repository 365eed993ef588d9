import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import { providerErrors } from '../../src/providers/errors.ts';
import { FakeProvider } from './fake-provider.ts';
import { type Harness, harness, route, spec } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('engine: chains and groups', () => {
  test('a split shot is made as separate generations and joined', async () => {
    const fake = new FakeProvider();
    const split = {
      ...route('fake', 'm1', 3, 12),
      chain: { kind: 'split' as const, segments: [6, 6] },
    };
    h = await harness({ providers: [fake], specs: [spec('s1', [split])], budgetUsd: 10 });
    const outcome = await h.run();
    const job = outcome.jobs[0]!;
    assert.equal(job.state, 'done');
    const attempts = await h.store.attempts(job.id);
    assert.deepEqual(
      attempts.map((a) => [a.segment, a.state]),
      [
        [0, 'completed'],
        [1, 'completed'],
      ],
    );
    assert.deepEqual(fake.startCalls.length, 2);
    assert.ok([...fake.jobs.values()].every((j) => j.options.duration === 6));
    // the joined clip is the two segments end to end
    const joined = await h.store.media(job.media_sha256!);
    const bytes = fs.readFileSync(h.media.absolute(joined!.path), 'utf8');
    assert.equal(bytes, `clip ${fake.startCalls[0]!.key}clip ${fake.startCalls[1]!.key}`);
    // the cost is split over the segments; together the route's estimate
    assert.equal(job.spend_micro, 3_000_000);
  });

  test('an extension step gets the clip so far as its input', async () => {
    const fake = new FakeProvider();
    const extend = {
      ...route('fake', 'm1', 2, 15),
      chain: { kind: 'extend' as const, segments: [8, 7] },
    };
    h = await harness({ providers: [fake], specs: [spec('s1', [extend])] });
    const outcome = await h.run();
    assert.equal(outcome.done, 1);
    const [first, second] = [...fake.jobs.values()];
    assert.equal(first!.options.inputReferences, undefined);
    const input = second!.options.inputReferences?.[0];
    assert.ok(input && input.type === 'file' && input.mediaType === 'video/mp4');
    assert.equal(Buffer.from(input.data as Uint8Array).toString(), `clip ${first!.key}`);
    assert.equal((second!.options.providerOptions.shotrouter as { extend: boolean }).extend, true);
  });

  test('a chain interrupted between segments keeps the finished segment', async () => {
    const fake = new FakeProvider();
    const split = {
      ...route('fake', 'm1', 2, 8),
      chain: { kind: 'split' as const, segments: [4, 4] },
    };
    h = await harness({ providers: [fake], specs: [spec('s1', [split])] });
    const controller = new AbortController();
    h.listeners.push((e) => {
      if (e.type === 'job' && e.state === 'starting' && e.attempts === 2) controller.abort();
    });
    await h.run({ signal: controller.signal });
    h.listeners.length = 0;
    const outcome = await h.run();
    assert.equal(outcome.done, 1);
    assert.equal(fake.created, 2, 'segment 0 kept, segment 1 made once');
  });

  test('a multi-shot group makes its shots in one generation; their stand-by jobs are skipped', async () => {
    const fake = new FakeProvider();
    const group = spec('seq:a-b', [route('fake', 'multi', 2, 8)], { shotIds: ['a', 'b'] });
    const a = spec('a', [route('fake', 'single', 1)], { standbyFor: group.key });
    const b = spec('b', [route('fake', 'single', 1)], { standbyFor: group.key });
    h = await harness({ providers: [fake], specs: [group, a, b] });
    const outcome = await h.run();
    const state = Object.fromEntries(outcome.jobs.map((j) => [j.shot_id, j.state]));
    assert.deepEqual(state, { 'seq:a-b': 'done', a: 'skipped', b: 'skipped' });
    assert.deepEqual(
      fake.startCalls.map((c) => c.model),
      ['multi'],
    );
  });

  test('when the group generation fails, each shot is made on its own fallback', async () => {
    const fake = new FakeProvider({
      onStart: ({ model }) =>
        model === 'multi' ? { error: providerErrors.contentRefused('fake', 'no') } : undefined,
    });
    const group = spec('seq:a-b', [route('fake', 'multi', 2, 8)], { shotIds: ['a', 'b'] });
    const a = spec('a', [route('fake', 'single', 1)], { standbyFor: group.key });
    const b = spec('b', [], { standbyFor: group.key });
    h = await harness({ providers: [fake], specs: [group, a, b] });
    const outcome = await h.run();
    const byShot = new Map(outcome.jobs.map((j) => [j.shot_id, j]));
    assert.equal(byShot.get('seq:a-b')!.state, 'failed');
    assert.equal(byShot.get('a')!.state, 'done');
    assert.equal(byShot.get('b')!.state, 'failed');
    assert.match(byShot.get('b')!.error_message!, /no model can make this shot on its own/);
  });
});
