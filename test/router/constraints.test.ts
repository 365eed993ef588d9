import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planStoryboard } from '../../src/router/plan.ts';
import type { Plan } from '../../src/router/types.ts';
import { board, card, catalogOf } from './fixtures.ts';

const TODAY = '2026-11-26';

function header(extra = '') {
  return `version: 1
title: t
as_of: ${TODAY}
deliver: { resolution: 1920x1080, fps: 24, audio: true }
${extra}`;
}

function rejection(plan: Plan, shot: string, model: string): string[] {
  const s = plan.shots.find((x) => x.id === shot)!;
  return s.rejected.find((r) => r.model === model)?.reasons.map((r) => r.message) ?? [];
}

function messages(list: ReadonlyArray<{ message: string }>): string[] {
  return list.map((x) => x.message);
}

describe('hard constraints', () => {
  test('a retired model is rejected with its date and replacement; allow_retired lets it in with a warning', () => {
    const cat = catalogOf([
      card({ id: 'old-1', status: 'retired', retiredOn: '2026-09-24', replacement: 'new-1' }),
      card({ id: 'new-1' }),
    ]);
    const yaml = `${header()}shots:\n  - { id: a, prompt: p, duration: 5 }\n`;
    const plan = planStoryboard(board(yaml), cat);
    assert.deepEqual(rejection(plan, 'a', 'old-1'), ['retired 2026-09-24; replacement: new-1']);
    assert.equal(plan.shots[0]!.model, 'new-1');

    const before = planStoryboard(board(yaml), cat, { asOf: '2026-06-01' });
    assert.equal(
      rejection(before, 'a', 'old-1').some((r) => r.startsWith('retired')),
      false,
    );

    const allowed = planStoryboard(
      board(yaml.replace('shots:', 'policy: { allow_retired: true, allow: [old-1] }\nshots:')),
      cat,
    );
    assert.equal(allowed.shots[0]!.model, 'old-1');
    assert.ok(allowed.shots[0]!.warnings.some((w) => w.code === 'retired_allowed'));
  });

  test('allow and deny', () => {
    const cat = catalogOf([card({ id: 'a-1' }), card({ id: 'b-1' })]);
    const plan = planStoryboard(
      board(
        `${header('policy: { allow: [a-1, b-1], deny: [b-1] }\n')}shots:\n  - { id: s, prompt: p, duration: 5 }\n`,
      ),
      cat,
    );
    assert.equal(plan.shots[0]!.model, 'a-1');
    assert.deepEqual(rejection(plan, 's', 'b-1'), ['denied by policy.deny']);
    const only = planStoryboard(
      board(
        `${header('policy: { allow: [b-1] }\n')}shots:\n  - { id: s, prompt: p, duration: 5 }\n`,
      ),
      cat,
    );
    assert.deepEqual(rejection(only, 's', 'a-1'), ['not in policy.allow']);
  });

  test('a pin is honoured, and a pinned model that cannot make the shot is an error, never replaced', () => {
    const cat = catalogOf([
      card({ id: 'good-1', quality: 0.95 }),
      card({ id: 'weak-1', quality: 0.3, durations: { values: [5] } }),
    ]);
    const ok = planStoryboard(
      board(`${header()}shots:\n  - { id: s, prompt: p, duration: 5, model: weak-1 }\n`, [
        'good-1',
        'weak-1',
      ]),
      cat,
    );
    assert.equal(ok.shots[0]!.model, 'weak-1');
    assert.deepEqual(rejection(ok, 's', 'good-1'), ['shot is pinned to weak-1']);

    const bad = planStoryboard(
      board(
        `${header()}shots:\n  - { id: s, prompt: p, duration: 8, continuous: true, model: weak-1 }\n`,
        ['good-1', 'weak-1'],
      ),
      cat,
    );
    assert.equal(bad.shots[0]!.model, null);
    const problem = bad.problems.find((p) => p.code === 'pinned_model_cannot_make_shot')!;
    assert.equal(problem.severity, 'error');
    assert.match(problem.message, /pinned to weak-1.*longest generation 5 s < 8 s needed/);
  });

  test('duration snaps up to the nearest allowed length and the plan trims and says so', () => {
    const cat = catalogOf([card({ id: 'm-1', durations: { values: [4, 6, 8] } })]);
    const plan = planStoryboard(
      board(`${header()}shots:\n  - { id: s, prompt: p, duration: 5 }\n`),
      cat,
    );
    const s = plan.shots[0]!;
    assert.equal(s.generate!.seconds, 6);
    assert.deepEqual(s.trim, { from: 0, seconds: 5 });
    assert.ok(messages(s.warnings).includes('5 s snapped up to 6 s, trimmed to 5 s'));
  });

  test('resolution below the target is rejected unless allow_upscale; orientation must match', () => {
    const cat = catalogOf([card({ id: 'hd-1', sizes: ['1920x1080'] })]);
    const yaml = `${header()}shots:\n  - { id: s, prompt: p, duration: 5, resolution: 4k }\n  - { id: v, prompt: p, duration: 5, resolution: 1080x1920 }\n`;
    const plan = planStoryboard(board(yaml), cat);
    assert.deepEqual(rejection(plan, 's', 'hd-1'), [
      'max 1920x1080 < 3840x2160 needed (set policy.allow_upscale to upscale)',
    ]);
    assert.deepEqual(rejection(plan, 'v', 'hd-1'), ['no portrait output (sizes: 1920x1080)']);
    const up = planStoryboard(
      board(yaml.replace('shots:', 'policy: { allow_upscale: true }\nshots:')),
      cat,
    );
    assert.equal(up.shots[0]!.model, 'hd-1');
    assert.ok(
      messages(up.shots[0]!.warnings).includes('generated at 1920x1080, upscaled to 3840x2160'),
    );
    assert.equal(up.shots[1]!.model, null, 'upscaling never changes orientation');
  });

  // policy.slowmo: native keeps the frame rate a hard need (the default, auto, interpolates
  // where no confirmed rate fits: test/router/truth.test.ts)
  test('native slow motion needs the frame rate: fps 24 < 60 needed for 2.5x slow motion', () => {
    const cat = catalogOf([
      card({ id: 'slow-1', fps: [24] }),
      card({ id: 'fast-1', fps: [24, 60], durations: { min: 3, max: 15, step: 1 } }),
    ]);
    const plan = planStoryboard(
      board(
        `${header('policy: { slowmo: native }\n')}shots:\n  - { id: s, prompt: p, duration: 4, slowmo: 2.5 }\n`,
      ),
      cat,
    );
    assert.deepEqual(rejection(plan, 's', 'slow-1'), ['fps 24 < 60 needed for 2.5x slow motion']);
    const s = plan.shots[0]!;
    assert.equal(s.model, 'fast-1');
    assert.equal(s.generate!.fps, 60);
    assert.equal(s.generate!.seconds, 3);
    assert.deepEqual(s.trim, { from: 0, seconds: 1.6 });
  });

  test('dialogue needs native audio; ambient only prefers it', () => {
    const cat = catalogOf([
      card({ id: 'mute-1', audio: 'none' }),
      card({ id: 'talk-1', audio: 'optional', quality: 0.1 }),
    ]);
    const yaml = `${header('characters: { mara: {} }\n')}shots:
  - { id: d, prompt: p, duration: 5, characters: [mara], audio: { dialogue: [ { speaker: mara, line: hi } ] } }
  - { id: a, prompt: p, duration: 5, audio: { ambient: rain } }
`;
    const plan = planStoryboard(board(yaml), cat);
    assert.deepEqual(rejection(plan, 'd', 'mute-1'), ['no native audio; the shot has dialogue']);
    assert.equal(plan.shots[0]!.model, 'talk-1');
    assert.equal(plan.shots[0]!.generate!.audio, true);
    // The ambient shot may use the silent model, with a warning when it does.
    const mute = planStoryboard(
      board(
        yaml
          .replace('shots:', 'policy: { allow: [mute-1] }\nshots:')
          .replace(/ {2}- \{ id: d.*\n/, ''),
      ),
      cat,
    );
    assert.equal(mute.shots[0]!.model, 'mute-1');
    assert.ok(
      messages(mute.shots[0]!.warnings).includes('no native audio: the ambient/sfx will be silent'),
    );
  });

  test('reference images, first/last frames and image-to-video-only models', () => {
    const cat = catalogOf([
      card({ id: 'refs-3', refs: 3 }),
      card({ id: 'i2v-1', imageRequired: true, firstFrame: true }),
      card({ id: 'nolast-1', lastFrame: false }),
    ]);
    const refs = Array.from({ length: 5 }, (_, i) => `https://example.test/r${i}.png`).join(', ');
    const plan = planStoryboard(
      board(`${header()}shots:
  - { id: r, prompt: p, duration: 5, references: [${refs}] }
  - { id: t, prompt: p, duration: 5 }
  - { id: l, prompt: p, duration: 5, last_frame: https://example.test/end.png }
`),
      cat,
    );
    assert.ok(rejection(plan, 'r', 'refs-3').includes('3 reference images max, shot has 5'));
    assert.ok(
      rejection(plan, 't', 'i2v-1').includes('image-to-video only; the shot has no first_frame'),
    );
    assert.ok(rejection(plan, 'l', 'nolast-1').includes('no last-frame input'));
  });

  test('a route that cannot send the shot’s references is not used for it', () => {
    const cat = catalogOf([
      // takes 5 references, but its only route sends none; the other route sends them
      card({ id: 'drops-refs', refs: 5, routeRefs: 0, quality: 0.99 }),
      card({
        id: 'two-routes',
        refs: 5,
        routeRefs: 0,
        quality: 0.8,
        extraRoutes: [{ provider: 'replicate', perSecond: 0.2 }],
      }),
    ]);
    const plan = planStoryboard(
      board(`${header()}shots:
  - { id: r, prompt: p, duration: 5, references: [https://example.test/a.png] }
  - { id: t, prompt: p, duration: 5 }
`),
      cat,
    );
    assert.ok(
      rejection(plan, 'r', 'drops-refs').includes(
        'the fal route sends no reference images, shot has 1',
      ),
    );
    const r = plan.shots.find((s) => s.id === 'r')!;
    assert.deepEqual([r.model, r.provider], ['two-routes', 'replicate']);
    // a shot without references may still use the route
    assert.equal(plan.shots.find((s) => s.id === 't')!.model, 'drops-refs');
  });

  test('local only, GPU memory and licences', () => {
    const cat = catalogOf([
      card({ id: 'cloud-1', quality: 0.99 }),
      card({ id: 'big-1', openWeights: { license: 'apache-2.0', vram: 80 } }),
      card({ id: 'small-1', openWeights: { license: 'apache-2.0', vram: 8 } }),
      card({ id: 'custom-1', openWeights: { license: 'ltx-2-community', vram: 12 } }),
    ]);
    const plan = planStoryboard(
      board(
        `${header('policy: { local_only: true, max_vram_gb: 24, licenses: [apache-2.0] }\n')}shots:\n  - { id: s, prompt: p, duration: 5 }\n`,
      ),
      cat,
    );
    assert.equal(plan.shots[0]!.model, 'small-1');
    assert.equal(plan.shots[0]!.provider, 'comfyui');
    assert.ok(rejection(plan, 's', 'cloud-1').includes('no local route (policy.local_only)'));
    assert.ok(
      rejection(plan, 's', 'big-1').includes('needs 80 GB GPU memory, policy.max_vram_gb is 24'),
    );
    assert.ok(
      rejection(plan, 's', 'custom-1').includes(
        'licence ltx-2-community not in policy.licenses (apache-2.0)',
      ),
    );
  });

  test('a local route is not used unless the storyboard declares a GPU', () => {
    const cat = catalogOf([
      card({ id: 'small-1', openWeights: { license: 'apache-2.0', vram: 8 } }),
    ]);
    const plan = planStoryboard(
      board(`${header()}shots:\n  - { id: s, prompt: p, duration: 5 }\n`),
      cat,
    );
    assert.equal(plan.shots[0]!.model, null);
    assert.match(rejection(plan, 's', 'small-1').join(), /set policy.max_vram_gb/);
  });
});

describe('long shots', () => {
  test('an extension chain on a model that extends, a split when not continuous, else an error naming the longest', () => {
    const ext = card({
      id: 'ext-1',
      durations: { values: [4, 6, 8] },
      extension: { step_seconds: 7, max_seconds: 30 },
    });
    const plain = card({ id: 'plain-1', durations: { values: [5, 10] } });
    const long = `${header()}shots:\n  - { id: s, prompt: p, duration: 20 }\n`;
    const chained = planStoryboard(board(long), catalogOf([ext]));
    assert.deepEqual(chained.shots[0]!.chain, { kind: 'extend', segments: [8, 7, 7] });
    assert.equal(chained.shots[0]!.generate!.seconds, 22);

    const split = planStoryboard(board(long), catalogOf([plain]));
    assert.deepEqual(split.shots[0]!.chain, { kind: 'split', segments: [10, 10] });

    const continuous = planStoryboard(
      board(long.replace('duration: 20', 'duration: 20, continuous: true')),
      catalogOf([plain]),
    );
    assert.equal(continuous.shots[0]!.model, null);
    const problem = continuous.problems.find((p) => p.code === 'no_model')!;
    assert.match(problem.message, /the longest any allowed model can do is 10 s/);
  });
});

describe('multi-shot groups', () => {
  const multi = card({
    id: 'multi-1',
    durations: { min: 3, max: 15, step: 1 },
    multiShot: { max_cuts: 6, max_seconds: 15 },
  });
  const single = card({ id: 'single-1', durations: { values: [5] } });

  test('adjacent shots of one sequence share one generation, with trims at their offsets', () => {
    const shots = [1, 2, 3]
      .map((i) => `  - { id: m${i}, prompt: cut ${i}, duration: 3, sequence: montage }`)
      .join('\n');
    const plan = planStoryboard(
      board(`${header()}shots:\n${shots}\n  - { id: after, prompt: p, duration: 3 }\n`),
      catalogOf([multi, single]),
    );
    const [a, b, c, after] = plan.shots;
    assert.equal(a!.group, 'montage:m1-m3');
    assert.equal(b!.group, a!.group);
    assert.equal(c!.group, a!.group);
    assert.equal(after!.group, null);
    assert.equal(a!.model, 'multi-1');
    assert.equal(a!.generate!.seconds, 9);
    assert.deepEqual(
      [a!.trim, b!.trim, c!.trim],
      [
        { from: 0, seconds: 3 },
        { from: 3, seconds: 3 },
        { from: 6, seconds: 3 },
      ],
    );
    // The group's price is shared by its shots: 9 s at $0.10/s.
    assert.ok(Math.abs(a!.estimate.usd + b!.estimate.usd + c!.estimate.usd - 0.9) < 1e-9);
  });

  test('a sequence longer than the model allows is cut into several groups', () => {
    const shots = Array.from(
      { length: 8 },
      (_, i) => `  - { id: m${i}, prompt: p, duration: 2, sequence: s }`,
    ).join('\n');
    const plan = planStoryboard(board(`${header()}shots:\n${shots}\n`), catalogOf([multi]));
    const groups = new Set(plan.shots.map((s) => s.group));
    assert.deepEqual([...groups], ['s:m0-m5', 's:m6-m7']);
  });
});

describe('budget', () => {
  const cheap = card({ id: 'cheap-1', quality: 0.4, perSecond: 0.05 });
  const dear = card({ id: 'dear-1', quality: 0.95, perSecond: 0.5 });

  test('the optimizer spends the budget where the priority weight is highest', () => {
    const yaml = `${header('budget_usd: 5.3\npolicy: { optimize: quality }\n')}shots:
  - { id: hero, prompt: p, duration: 5, priority: hero }
  - { id: normal, prompt: p, duration: 5 }
  - { id: draft, prompt: p, duration: 5, priority: draft }
`;
    const plan = planStoryboard(board(yaml), catalogOf([cheap, dear]));
    assert.deepEqual(
      plan.shots.map((s) => s.model),
      ['dear-1', 'dear-1', 'cheap-1'],
    );
    assert.ok(plan.total.usd <= 5.3);
    assert.match(plan.shots[2]!.reasons[0]!, /^budget: chose this over dear-1/);
    assert.equal(plan.problems.filter((p) => p.severity === 'error').length, 0);
  });

  test('over budget even at the cheapest: an error with what the cheapest plan costs', () => {
    const yaml = `${header('budget_usd: 0.2\n')}shots:\n  - { id: a, prompt: p, duration: 5 }\n  - { id: b, prompt: p, duration: 5, takes: 2 }\n`;
    const plan = planStoryboard(board(yaml), catalogOf([cheap, dear]));
    const problem = plan.problems.find((p) => p.code === 'over_budget')!;
    assert.match(problem.message, /cheapest feasible plan costs \$0\.75, over budget_usd \$0\.20/);
  });
});

test('the same input gives byte-identical plan JSON, and fallbacks come best first', () => {
  const cat = catalogOf([
    card({ id: 'a-1', quality: 0.9, strengths: { product: 0.9 } }),
    card({ id: 'b-1', quality: 0.7 }),
    card({ id: 'c-1', quality: 0.5 }),
  ]);
  const yaml = `${header()}shots:\n  - { id: s, prompt: p, duration: 5, tags: [product] }\n`;
  const one = JSON.stringify(planStoryboard(board(yaml), cat));
  const two = JSON.stringify(planStoryboard(board(yaml), cat));
  assert.equal(one, two);
  const plan = planStoryboard(board(yaml), cat);
  assert.equal(plan.shots[0]!.model, 'a-1');
  assert.deepEqual(plan.shots[0]!.fallbacks, ['b-1', 'c-1']);
  assert.ok(plan.shots[0]!.reasons.some((r) => r === 'strong: product (0.9)'));
});

test('routes go through providers with credentials, cheapest first; without any, the plan says what to set', () => {
  const cat = catalogOf([
    card({
      id: 'k-1',
      provider: 'fal',
      perSecond: 0.05,
      extraRoutes: [{ provider: 'kling', perSecond: 0.08 }],
    }),
  ]);
  const yaml = `${header()}shots:\n  - { id: s, prompt: p, duration: 5 }\n`;
  const hint = (p: string) => `set ${p.toUpperCase()}_KEY`;
  const withKling = planStoryboard(board(yaml), cat, {
    configuredProviders: new Set(['kling']),
    credentialHint: hint,
  });
  assert.equal(withKling.shots[0]!.provider, 'kling');
  assert.equal(
    withKling.problems.some((p) => p.code === 'missing_credentials'),
    false,
  );

  const both = planStoryboard(board(yaml), cat, {
    configuredProviders: new Set(['kling', 'fal']),
    credentialHint: hint,
  });
  assert.equal(both.shots[0]!.provider, 'fal');

  const none = planStoryboard(board(yaml), cat, {
    configuredProviders: new Set(),
    credentialHint: hint,
  });
  assert.equal(none.shots[0]!.provider, 'fal', 'still routed by capability and price');
  const problem = none.problems.find((p) => p.code === 'missing_credentials')!;
  assert.equal(problem.severity, 'warning');
  assert.match(problem.message, /1 shot \(s\) route to fal, which has no credentials: set FAL_KEY/);
});

test('a route that offers only some tiers makes a small shot at a tier it offers', () => {
  const only1080 = card({ id: 'big-1', provider: 'fal' });
  only1080.routes[0] = { ...only1080.routes[0]!, tiers: ['1080p'] };
  const plan = planStoryboard(
    board(
      `${header('deliver: { resolution: 1280x720, fps: 24 }\n').replace(/deliver: \{ resolution: 1920x1080, fps: 24, audio: true \}\n/, '')}shots:\n  - { id: s, prompt: p, duration: 5 }\n`,
    ),
    catalogOf([only1080]),
  );
  assert.equal(plan.shots[0]!.model, 'big-1');
  assert.deepEqual([plan.shots[0]!.generate!.width, plan.shots[0]!.generate!.height], [1920, 1080]);
});

test('a binding budget is never passed, whatever the sub-cent prices', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.01, max: 0.9, noNaN: true }), { minLength: 2, maxLength: 4 }),
      fc.integer({ min: 2, max: 12 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (prices, shots, where) => {
        const cat = catalogOf(
          prices.map((usd, i) => card({ id: `m-${i}`, perSecond: usd, quality: 0.2 + 0.15 * i })),
        );
        const lines = Array.from(
          { length: shots },
          (_, i) => `  - { id: s${i}, prompt: p, duration: 5 }`,
        );
        const free = planStoryboard(board(`${header()}shots:\n${lines.join('\n')}\n`), cat);
        const { cheapest_usd, best_usd } = free.cost_range;
        // a budget in cents at or above the cheapest plan, up to the unconstrained best
        const budget =
          Math.ceil((cheapest_usd + 0.0001 + (best_usd - cheapest_usd) * where) * 100) / 100;
        const plan = planStoryboard(board(`${header()}shots:\n${lines.join('\n')}\n`), cat, {
          budgetUsd: budget,
        });
        assert.ok(plan.total.usd <= budget, `${plan.total.usd} > ${budget}`);
        assert.equal(plan.problems.filter((p) => p.severity === 'error').length, 0);
      },
    ),
    { numRuns: 150, seed: 42 },
  );
});
