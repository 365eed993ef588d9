/**
 * The retake policy from `policy.qc` (pure), the best of failing takes, and the engine running
 * the take checks after each download: a failing take is kept and marked, retaken on the same
 * model for a chance defect, on the next model for the model's own trait, only while the budget
 * covers it; the judge seam is called only when the policy names a judge.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import type { ClipTools } from '../../src/engine/index.ts';
import { BudgetGate, bestTake, qcRetakes, retakePolicyOf } from '../../src/engine/index.ts';
import { ShotrouterError } from '../../src/errors.ts';
import type { Check } from '../../src/qc/index.ts';
import type { AttemptRow } from '../../src/store/store.ts';
import { DEFAULT_QC_POLICY, type QcPolicy } from '../../src/storyboard/types.ts';
import { FakeProvider } from './fake-provider.ts';
import { fakeTools, type Harness, harness, route, spec } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const qc = (over: Partial<QcPolicy> = {}): QcPolicy => ({ ...DEFAULT_QC_POLICY, ...over });
const check = (code: Check['code'], ok: boolean, at?: number): Check => ({
  code,
  ok,
  value: ok ? 0 : 1,
  limit: 0.5,
  message: ok ? `${code} fine` : `${code} failed`,
  ...(at === undefined ? {} : { at }),
});
const failedWith = (...codes: string[]) =>
  new ShotrouterError('verification_failed', codes.join('; '), {
    details: { paidTake: true, checks: codes.map((code) => ({ code, ok: false })) },
  });

describe('retake policy from policy.qc', () => {
  const two = [route('fake', 'm1'), route('fake', 'm2')];
  const decide = (policy: QcPolicy, error: ShotrouterError, failedTakes = 1, routes = two) =>
    retakePolicyOf(policy).afterFailedTake({
      spec: spec('s1', routes),
      routeIndex: 0,
      failedTakes,
      error,
    });

  test('a chance defect is retaken on the same model, up to `retake` times', () => {
    assert.equal(decide(qc(), failedWith('black')), 'retake');
    assert.equal(decide(qc({ retake: 2 }), failedWith('frozen'), 2), 'retake');
    assert.equal(decide(qc({ retake: 2 }), failedWith('frozen'), 3), 'keep');
    assert.equal(decide(qc({ retake: 0 }), failedWith('black')), 'keep');
  });

  test('the model’s own trait (size, fps, duration, sound) falls back when a next model may be used', () => {
    assert.equal(decide(qc(), failedWith('size')), 'fallback');
    assert.equal(decide(qc(), failedWith('size', 'duration')), 'fallback');
    assert.equal(decide(qc(), failedWith('size', 'black')), 'retake', 'a chance defect too');
    assert.equal(decide(qc(), failedWith('size'), 1, [two[0]!]), 'retake', 'no next model');
    const unusable = [two[0]!, { ...two[1]!, unusable: 'no credentials' }];
    assert.equal(decide(qc(), failedWith('fps'), 1, unusable), 'retake');
  });

  test('checks not in `on` are recorded only; an unreadable take always counts', () => {
    assert.equal(decide(qc({ on: ['frozen'] }), failedWith('black')), 'keep');
    assert.equal(decide(qc({ on: ['frozen'] }), failedWith('black', 'frozen')), 'retake');
    assert.equal(decide(qc({ on: [] }), failedWith('playable')), 'retake');
    assert.equal(decide(qc({ on: [] }), failedWith('downloaded')), 'retake');
  });

  test('the engine’s default follows each job’s own policy; a job without one keeps', () => {
    const take = { routeIndex: 0, failedTakes: 1, error: failedWith('black') };
    assert.equal(qcRetakes.afterFailedTake({ ...take, spec: spec('s1', two) }), 'keep');
    assert.equal(
      qcRetakes.afterFailedTake({ ...take, spec: spec('s1', two, { qc: qc() }) }),
      'retake',
    );
  });
});

test('the budget gate says whether a retake fits, reserving nothing', () => {
  const gate = new BudgetGate({ budgetMicro: 3_000_000, spentMicro: 1_000_000 });
  assert.ok(gate.tryReserve(1_000_000));
  assert.equal(gate.covers(1_000_000), true, 'spent 1 + held 1 + 1 = the budget');
  assert.equal(gate.covers(1_000_001), false);
  assert.equal(gate.snapshot().reservedMicro, 1_000_000, 'nothing reserved by asking');
  assert.equal(new BudgetGate({ budgetMicro: null }).covers(10 ** 12), true, 'no budget');
});

describe('best of failing takes', () => {
  const attempt = (id: string, verdict: Check[], state = 'rejected'): AttemptRow =>
    ({
      id,
      state,
      media_sha256: `sha-${id}`,
      verdict_json: JSON.stringify(verdict),
    }) as AttemptRow;

  test('fewest failing checks that buy retakes, then fewest failing, then the latest', () => {
    const a = attempt('a', [check('black', false), check('frozen', false)]);
    const b = attempt('b', [check('black', false), check('cuts', false), check('size', false)]);
    const c = attempt('c', [check('cuts', false)]);
    assert.equal(bestTake([a, b, c], ['black', 'frozen'])?.id, 'c');
    assert.equal(bestTake([a, b], ['black', 'frozen'])?.id, 'b', 'one failing `on` check, not two');
    assert.equal(bestTake([a, b])?.id, 'a', 'without `on`: fewest failing');
    const d = attempt('d', [check('cuts', false)]);
    assert.equal(bestTake([c, d])?.id, 'd', 'a tie goes to the later take');
    assert.equal(bestTake([attempt('u', [], 'unusable')]), undefined, 'only kept clips');
  });
});

/**
 * The engine's fake clip tools with take checks: the n-th clip checked (from 1) gets the
 * checks `verdict(n)` returns.
 */
function checkingTools(verdict: (n: number) => Check[]): ClipTools & { checked: number } {
  const tools = {
    ...fakeTools,
    checked: 0,
    async check() {
      tools.checked++;
      return verdict(tools.checked);
    },
  };
  return tools;
}

const good = [check('duration', true), check('black', true), check('cuts', true)];

describe('engine: checked takes', () => {
  test('a black first take is kept and marked; the retake passes and makes the shot', async () => {
    const fake = new FakeProvider();
    const tools = checkingTools((n) => (n === 1 ? [...good, check('black', false, 0.8)] : good));
    h = await harness({
      providers: [fake],
      specs: [spec('s1', [route('fake', 'm1', 1)], { qc: qc() })],
      budgetUsd: 10,
    });
    const outcome = await h.run({ tools });
    const job = outcome.jobs[0]!;
    assert.equal(job.state, 'done');
    assert.equal(fake.created, 2);
    assert.equal(job.spend_micro, 2_000_000, 'both takes paid');
    const [first, second] = await h.store.attempts(job.id);
    assert.equal(first!.state, 'rejected');
    assert.ok(first!.media_sha256, 'the failing take is kept');
    const verdict = JSON.parse(first!.verdict_json!) as Check[];
    assert.deepEqual(
      verdict.filter((c) => !c.ok).map((c) => [c.code, c.at]),
      [['black', 0.8]],
    );
    assert.equal(second!.state, 'completed');
    assert.deepEqual(
      JSON.parse(second!.verdict_json!),
      good,
      'the kept take’s verdict is its checks',
    );
    assert.equal(job.media_sha256, second!.media_sha256);
    assert.ok(
      h.events.some((e) => e.type === 'retry' && e.message.includes('black')),
      'the retake is told',
    );
  });

  test('no retake the budget cannot cover: the failing take is the job’s, and the job says why', async () => {
    const fake = new FakeProvider();
    const tools = checkingTools(() => [...good, check('frozen', false, 1)]);
    h = await harness({
      providers: [fake],
      specs: [spec('s1', [route('fake', 'm1', 1)], { qc: qc({ retake: 3 }) })],
      budgetUsd: 1.5,
    });
    const outcome = await h.run({ tools });
    const job = outcome.jobs[0]!;
    assert.equal(fake.created, 1, 'never over the budget');
    assert.equal(job.state, 'failed');
    assert.equal(job.error_code, 'verification_failed');
    assert.match(job.error_message!, /frozen/);
    assert.match(job.error_message!, /would pass the budget/);
    const [only] = await h.store.attempts(job.id);
    assert.equal(job.media_sha256, only!.media_sha256, 'the best failing take goes in the cut');
  });

  test('a wrong size falls back to the next model; every take failing leaves the best one', async () => {
    const fake = new FakeProvider();
    const tools = checkingTools((n) =>
      n === 1 ? [...good, check('size', false)] : [...good, check('cuts', false, 2)],
    );
    h = await harness({
      providers: [fake],
      specs: [
        spec('s1', [route('fake', 'm1', 1), route('fake', 'm2', 1)], {
          qc: qc({ retake: 1, on: ['size'] }),
        }),
      ],
      budgetUsd: 10,
    });
    const outcome = await h.run({ tools });
    const job = outcome.jobs[0]!;
    assert.deepEqual(
      fake.startCalls.map((c) => c.model),
      ['m1', 'm2'],
      'fell back; cuts on m2 is recorded, not retaken',
    );
    assert.equal(job.state, 'failed');
    const attempts = await h.store.attempts(job.id);
    assert.equal(job.media_sha256, attempts[1]!.media_sha256, 'm2’s take fails no `on` check');
  });

  test('a clip the checks cannot decode through is kept, not thrown away', async () => {
    const fake = new FakeProvider();
    const tools = {
      ...fakeTools,
      async check(): Promise<Check[]> {
        throw new ShotrouterError('verification_failed', 'clip.mp4 could not be decoded: broken', {
          details: { reason: 'unreadable' },
        });
      },
    };
    h = await harness({
      providers: [fake],
      specs: [spec('s1', [route('fake', 'm1', 1)], { qc: qc({ retake: 0 }) })],
    });
    const outcome = await h.run({ tools });
    const [attempt] = await h.store.attempts(outcome.jobs[0]!.id);
    assert.equal(attempt!.state, 'rejected');
    const media = await h.store.media(attempt!.media_sha256!);
    assert.ok(media && fs.existsSync(h.media.absolute(media.path)), 'the paid clip is kept');
    assert.equal((JSON.parse(attempt!.verdict_json!) as Check[])[0]!.code, 'playable');
  });

  test('the judge is called after the checks only when the policy names one; its checks join the verdict', async () => {
    const judged: string[] = [];
    const judge = async (take: { model: string; checks: Check[] }) => {
      judged.push(take.model);
      return [check('last_frame', false)];
    };
    const fake = new FakeProvider();
    h = await harness({
      providers: [fake],
      specs: [
        spec('s1', [route('fake', 'm1', 1)], { qc: qc({ retake: 0, judge: 'judge-model' }) }),
        spec('s2', [route('fake', 'm1', 1)], { qc: qc({ retake: 0 }) }),
      ],
    });
    const outcome = await h.run({ tools: checkingTools(() => [...good]), judge });
    assert.deepEqual(judged, ['judge-model']);
    const [s1, s2] = outcome.jobs;
    assert.equal(s1!.state, 'failed', 'the judge’s failing check fails the take');
    assert.equal(s2!.state, 'done');
  });
});
