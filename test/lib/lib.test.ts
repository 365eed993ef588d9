import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { JobSpec } from '../../src/engine/job-spec.ts';
import {
  applyChanges,
  catalog,
  estimateRun,
  loadStoryboard,
  type PlanChanges,
  pickTake,
  plan,
  type RunProgressEvent,
  run,
  runStatus,
  ShotrouterError,
  shotTakes,
} from '../../src/index.ts';
import { probe } from '../../src/media/index.ts';
import { openStore } from '../../src/store/store.ts';
import { fakeTools } from '../engine/helpers.ts';
import { payingRegistry, TEMP_DIRS, THREE_SHOTS, TWO_TAKES, tempDir } from './helpers.ts';

const models = catalog();
after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

describe('plan and changes', () => {
  const storyboard = loadStoryboard(THREE_SHOTS, { catalog: models });
  const base = plan(storyboard, models);

  test('a pin, tags and a priority change the plan without touching the storyboard', () => {
    const other = base.shots[0]!.fallbacks[0]!;
    const changed = applyChanges(
      storyboard,
      { shots: { s01: { model: other, tags: ['b-roll'], priority: 'hero' } } },
      models,
    );
    assert.equal(changed.shots[0]!.model, other);
    assert.deepEqual(changed.shots[0]!.tags, ['b-roll']);
    assert.equal(changed.shots[0]!.priority, 'hero');
    assert.equal(storyboard.shots[0]!.model, undefined, 'the input is not modified');
    assert.equal(plan(changed, models).shots[0]!.model, other);
    // unpinning goes back to the router's choice for the shot as it now is (tags, priority)
    const unpinned = applyChanges(changed, { shots: { s01: { model: null } } }, models);
    const unpinnedOnly = applyChanges(
      storyboard,
      { shots: { s01: { tags: ['b-roll'], priority: 'hero' } } },
      models,
    );
    assert.equal(
      plan(unpinned, models).shots[0]!.model,
      plan(unpinnedOnly, models).shots[0]!.model,
    );
  });

  test('the budget can be changed or removed, and the policy switched', () => {
    const tight = plan(applyChanges(storyboard, { budgetUsd: 0.01 }, models), models);
    assert.equal(tight.budget_usd, 0.01);
    assert.ok(tight.problems.some((p) => p.code === 'over_budget'));
    const none = plan(applyChanges(storyboard, { budgetUsd: null }, models), models);
    assert.equal(none.budget_usd, null);
    const cheap = plan(applyChanges(storyboard, { optimize: 'cost' }, models), models);
    assert.equal(cheap.policy, 'cost');
    assert.ok(cheap.total.usd <= base.total.usd);
  });

  test('a change that cannot apply is a usage error naming it', () => {
    const cases: Array<[PlanChanges, RegExp]> = [
      [{ shots: { nope: { priority: 'hero' } } }, /no shot 'nope'/],
      [{ shots: { s01: { model: 'no-such-model' } } }, /no model 'no-such-model'/],
      [{ shots: { s01: { tags: ['sparkly' as 'b-roll'] } } }, /'sparkly' is not a known tag/],
    ];
    for (const [changes, message] of cases) {
      assert.throws(
        () => applyChanges(storyboard, changes, models),
        (e: unknown) => ShotrouterError.is(e) && e.code === 'usage' && message.test(e.message),
      );
    }
  });
});

describe('run', () => {
  test('a preview reports every stage as events, makes the cut, and status reads it', async () => {
    const dir = tempDir('lib-run');
    const storyboard = loadStoryboard(THREE_SHOTS, { catalog: models });
    const routed = plan(storyboard, models);
    const before = await estimateRun({ storyboard, plan: routed, dir, preview: true });
    assert.deepEqual(before, { usd: 0, jobs: 3, done: 0 });

    const events: RunProgressEvent[] = [];
    const result = await run({
      storyboard,
      catalog: models,
      plan: routed,
      dir,
      preview: true,
      onEvent: (e) => events.push(e),
    });
    assert.equal(result.state, 'finished');
    assert.deepEqual(result.failed, []);
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'prepared');
    assert.equal(types.at(-1), 'assembled');
    assert.ok(types.includes('job') && types.includes('spend'));
    // clips are conformed as they land (each once), then only the whole is left
    const steps = events.flatMap((e) => (e.type === 'assembly' ? [e] : []));
    assert.equal(steps.filter((s) => s.step === 'conform').length, 3);
    const after = events.slice(types.indexOf('assembling') + 1, -1);
    assert.deepEqual(
      after.flatMap((e) => (e.type === 'assembly' && e.step !== 'conform' ? [e.step] : [])),
      ['join', 'timelines', 'report'],
    );
    const prepared = events[0] as Extract<RunProgressEvent, { type: 'prepared' }>;
    assert.equal(prepared.jobs, 3);
    assert.equal(prepared.toSpendUsd, 0);
    const done = events.filter((e) => e.type === 'job' && e.state === 'done');
    assert.equal(done.length, 3);

    const cut = await probe(result.final!);
    assert.equal(cut.width, 320);
    assert.ok(Math.abs(cut.durationSeconds - 3.5) <= 1 / 24);
    // the cut's sound is kept in segments on its grid, one a shot, for the next assembly
    const sound = fs.readdirSync(path.join(dir, 'conformed', 'sound'));
    assert.equal(sound.filter((name) => name.endsWith('.aac')).length, 3);

    const status = await runStatus(dir);
    assert.equal(status?.run.state, 'finished');
    assert.equal(status?.left.jobs, 0);
    assert.deepEqual(await estimateRun({ storyboard, plan: routed, dir, preview: true }), {
      usd: 0,
      jobs: 0,
      done: 3,
    });
  });

  test('a preview draws its placeholders no larger than the deliverable, in their own shape', async () => {
    const { placeholderSized } = await import('../../src/lib/run.ts');
    const route = (width: number, height: number) => ({
      model: 'm',
      provider: 'p',
      generate: { seconds: 2, width, height, fps: 60, audio: false, references: 0 },
      trim: { from: 0, seconds: 2 },
      chain: null,
      estimateUsd: 0,
    });
    const spec = { key: 's#0', routes: [route(3840, 2160), route(1080, 1920), route(640, 360)] };
    const [sized] = placeholderSized([spec as unknown as JobSpec], { width: 1920, height: 1080 });
    assert.deepEqual(
      sized!.routes.map((r) => `${r.generate.width}x${r.generate.height}@${r.generate.fps}`),
      ['1920x1080@60', '608x1080@60', '640x360@60'],
    );
  });

  test('an AbortSignal stops the run, resumable; the same call finishes it', async () => {
    const dir = tempDir('lib-abort');
    const storyboard = loadStoryboard(THREE_SHOTS, { catalog: models });
    const controller = new AbortController();
    const stopped = await run({
      storyboard,
      catalog: models,
      dir,
      preview: true,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'job' && e.state === 'done') controller.abort();
      },
    });
    assert.equal(stopped.state, 'aborted');
    assert.equal(stopped.final, null);
    assert.ok(fs.existsSync(path.join(dir, 'report.json')), 'the report is written even so');

    const jobs: string[] = [];
    const resumed = await run({
      storyboard,
      catalog: models,
      dir,
      preview: true,
      onEvent: (e) => {
        if (e.type === 'job') jobs.push(e.key);
        if (e.type === 'prepared') assert.equal(e.resumed, true);
      },
    });
    assert.equal(resumed.state, 'finished');
    assert.equal(resumed.runId, stopped.runId);
    const made = stopped.report.shots.filter((s) => s.state === 'done').map((s) => s.id);
    assert.ok(made.length >= 1);
    for (const id of made) assert.ok(!jobs.includes(`${id}#0`), `${id} is not made again`);
  });

  test('a run that may spend asks first; without consent nothing is started', async () => {
    const storyboard = loadStoryboard(THREE_SHOTS, { catalog: models });
    const routed = plan(storyboard, models);
    const { provider, registry } = payingRegistry();
    const dir = tempDir('lib-consent');
    const estimate = await estimateRun({ storyboard, plan: routed, dir, registry });
    assert.ok(estimate.usd > 0);
    assert.equal(estimate.jobs, 3);

    await assert.rejects(
      run({ storyboard, catalog: models, plan: routed, dir, registry, tools: fakeTools }),
      (e: unknown) =>
        ShotrouterError.is(e) && e.code === 'aborted' && /nothing spent/.test(e.message),
    );
    assert.equal(provider.startCalls.length, 0);

    let asked = 0;
    const refused = run({
      storyboard,
      catalog: models,
      plan: routed,
      dir,
      registry,
      tools: fakeTools,
      confirmSpend: ({ usd }) => {
        asked = usd;
        return false;
      },
    });
    await assert.rejects(refused, /nothing spent/);
    assert.ok(Math.abs(asked - estimate.usd) < 1e-6, 'asked with the same estimate');
    assert.equal(provider.startCalls.length, 0);

    const paid = await run({
      storyboard,
      catalog: models,
      plan: routed,
      dir,
      registry,
      tools: fakeTools,
      assemble: false,
      confirmSpend: () => true,
    });
    assert.equal(paid.state, 'finished');
    assert.equal(paid.final, null, 'assemble: false writes the report only');
    assert.equal(provider.startCalls.length, 3);
    assert.equal(paid.report.shots.length, 3);
  });

  test('the seams: a custom store opener and executor carry the run', async () => {
    const dir = tempDir('lib-seams');
    const storyboard = loadStoryboard(THREE_SHOTS, { catalog: models });
    const { registry } = payingRegistry();
    let opened = 0;
    let executed = 0;
    const result = await run({
      storyboard,
      catalog: models,
      dir,
      registry,
      tools: fakeTools,
      assemble: false,
      confirmSpend: () => true,
      openStore: (d) => {
        opened++;
        return openStore({ dir: d });
      },
      execute: async (options) => {
        executed++;
        const { runEngine } = await import('../../src/engine/index.ts');
        return runEngine(options);
      },
    });
    assert.equal(result.state, 'finished');
    assert.equal(opened, 1);
    assert.equal(executed, 1);
  });

  test('takes: every take is listed; picking another makes the cut again with it', async () => {
    const dir = tempDir('lib-takes');
    const storyboard = loadStoryboard(TWO_TAKES, { catalog: models });
    const result = await run({ storyboard, catalog: models, dir, preview: true });
    assert.equal(result.state, 'finished');

    const store = await openStore({ dir });
    const listed = await shotTakes(store, storyboard).finally(() => store.close());
    const a2 = listed.shots.find((s) => s.id === 'a2')!;
    assert.deepEqual(
      a2.takes.map((t) => [t.take, t.inCut, t.picked]),
      [
        [1, true, false],
        [2, false, false],
      ],
    );
    assert.equal(a2.jobs.length, 2);

    const picked = await pickTake(dir, 'a2', 2);
    const shot = picked.report?.shots.find((s) => s.id === 'a2');
    assert.equal(shot?.take, 2);
    assert.equal(shot?.picked, true);
    const again = await openStore({ dir });
    const after = await shotTakes(again, storyboard).finally(() => again.close());
    assert.deepEqual(
      after.shots.find((s) => s.id === 'a2')!.takes.map((t) => [t.take, t.inCut, t.picked]),
      [
        [1, false, false],
        [2, true, true],
      ],
    );
    await assert.rejects(pickTake(dir, 'a2', 3), /take must be a whole number from 1 to 2/);
  });

  test('status of a folder without a run is a usage error naming the folder', async () => {
    const dir = tempDir('lib-empty');
    await assert.rejects(runStatus(dir), (e: unknown) => {
      return ShotrouterError.is(e) && e.code === 'usage' && e.message.includes(dir);
    });
  });
});
