/**
 * Routing on the facts as they are: slow-motion paths, references showing real people, GPU
 * memory per runtime, measured quality with its tie rule, lifecycle warnings and credentials.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shotPrompt } from '../../src/engine/job-spec.ts';
import { planStoryboard } from '../../src/router/plan.ts';
import { ARENA_ANCHOR, arenaToQuality } from '../../src/router/quality.ts';
import type { Plan } from '../../src/router/types.ts';
import { board, card, catalogOf } from './fixtures.ts';

const AS_OF = '2026-11-26';

function header(extra = '') {
  return `version: 1
title: t
as_of: ${AS_OF}
deliver: { resolution: 1920x1080, fps: 24, audio: true }
${extra}`;
}

function rejection(plan: Plan, shot: string, model: string): string[] {
  return (
    plan.shots
      .find((x) => x.id === shot)!
      .rejected.find((r) => r.model === model)
      ?.reasons.map((r) => r.message) ?? []
  );
}

const SLOW_SHOT = 'shots:\n  - { id: s, prompt: p, duration: 4, slowmo: 2.5 }\n';

describe('slow motion', () => {
  test('auto: a confirmed native rate where one fits, with the path in the plan', () => {
    const cat = catalogOf([
      card({ id: 'fast-1', fps: [24, 60], durations: { min: 1, max: 10, step: 1 } }),
    ]);
    const s = planStoryboard(board(`${header()}${SLOW_SHOT}`), cat).shots[0]!;
    assert.equal(s.generate!.fps, 60);
    assert.equal(s.slowmo!.path, 'native');
    assert.equal(s.slowmo!.fps_generated, 60);
    assert.deepEqual(s.trim, { from: 0, seconds: 1.6 });
    assert.ok(
      s.reasons.some((r) => r.startsWith('slow motion (native): native 60 fps (confirmed)')),
    );
  });

  test('auto never relies on an unconfirmed rate: it interpolates at conform instead', () => {
    const cat = catalogOf([
      card({ id: 'claims-60', fps: [24, 60], fpsUnconfirmed: 'marketing only', quality: 0.9 }),
      card({ id: 'plain-24', fps: [24], quality: 0.5 }),
    ]);
    const plan = planStoryboard(board(`${header()}${SLOW_SHOT}`), cat);
    const s = plan.shots[0]!;
    assert.equal(s.model, 'claims-60');
    assert.equal(s.generate!.fps, 24, 'generated at its normal rate');
    assert.equal(s.slowmo!.path, 'interpolate');
    assert.match(s.slowmo!.reason, /60 fps is not confirmed \(marketing only\)/);
    assert.deepEqual(
      s.trim,
      { from: 0, seconds: 1.6 },
      'still 1.6 s of footage, slowed at conform',
    );
    // a model with no fast rate is no longer ruled out
    assert.deepEqual(s.fallbacks, ['plain-24']);
    assert.equal(s.fallback_routes[0]!.slowmo!.path, 'interpolate');
  });

  test('native keeps the hard need: no model is an error that says what to change', () => {
    const cat = catalogOf([card({ id: 'plain-24', fps: [24] })]);
    const plan = planStoryboard(
      board(`${header('policy: { slowmo: native }\n')}${SLOW_SHOT}`),
      cat,
    );
    assert.equal(plan.shots[0]!.model, null);
    const error = plan.problems.find((p) => p.code === 'no_model')!;
    assert.match(error.message, /lower slowmo, or allow a model with a higher frame rate/);
  });

  test('interpolate always synthesises, even where a native rate exists', () => {
    const cat = catalogOf([card({ id: 'fast-1', fps: [24, 60] })]);
    const s = planStoryboard(
      board(`${header('policy: { slowmo: interpolate }\n')}${SLOW_SHOT}`),
      cat,
    ).shots[0]!;
    assert.equal(s.slowmo!.path, 'interpolate');
    assert.equal(s.generate!.fps, 24);
  });

  test('prompt generates the full length at the normal rate and retimes nothing', () => {
    const cat = catalogOf([card({ id: 'fast-1', fps: [24, 60] })]);
    const s = planStoryboard(board(`${header('policy: { slowmo: prompt }\n')}${SLOW_SHOT}`), cat)
      .shots[0]!;
    assert.equal(s.slowmo!.path, 'prompt');
    assert.equal(s.generate!.fps, 24);
    assert.deepEqual(s.trim, { from: 0, seconds: 4 });
    assert.equal(s.generate!.seconds, 5);
    const shot = board(`${header('policy: { slowmo: prompt }\n')}${SLOW_SHOT}`).shots[0]!;
    assert.match(shotPrompt(shot, true), /Slow motion: the action plays 2\.5 times slower/);
    assert.doesNotMatch(shotPrompt(shot), /Slow motion/);
  });
});

describe('references showing real people', () => {
  const condition = {
    when: { real_person: true },
    // biome-ignore lint/suspicious/noThenProperty: the card format's field name
    then: { reference_images: 0 },
    source: 'test',
    note: 'real faces are refused as references',
  };
  const cat = catalogOf([
    card({ id: 'refuses-faces', refs: 9, quality: 0.9, conditions: [condition] }),
    card({ id: 'takes-faces', refs: 3, quality: 0.5 }),
  ]);
  const shots = (who: string) => `shots:
  - { id: c, prompt: p, duration: 5, characters: [${who}] }
  - { id: r, prompt: p, duration: 5, references: ["https://example.test/x.png"], real_person: true }
  - { id: n, prompt: p, duration: 5, references: ["https://example.test/x.png"] }
`;
  const chars = `characters:
  mara: { references: ["https://example.test/mara.png"], real_person: true }
  toon: { references: ["https://example.test/toon.png"] }
`;

  test('a condition reads the input: real people go elsewhere, with the reason', () => {
    const plan = planStoryboard(board(`${header(chars)}${shots('mara')}`), cat);
    const byId = new Map(plan.shots.map((s) => [s.id, s]));
    assert.equal(byId.get('c')!.model, 'takes-faces');
    assert.equal(byId.get('r')!.model, 'takes-faces');
    assert.equal(byId.get('n')!.model, 'refuses-faces');
    assert.deepEqual(rejection(plan, 'c', 'refuses-faces'), [
      'no reference images; shot has 1 (real faces are refused as references)',
    ]);
  });

  test('a character not marked real_person is not affected', () => {
    const plan = planStoryboard(board(`${header(chars)}${shots('toon')}`), cat);
    assert.equal(plan.shots[0]!.model, 'refuses-faces');
  });
});

test("GPU memory is the local route's runtime figure, not the reference implementation's", () => {
  const gpu = (
    vram: number,
  ) => `${header(`policy: { local_only: true, max_vram_gb: ${vram} }\n`)}shots:
  - { id: s, prompt: p, duration: 5, resolution: 1280x720 }
`;
  const cat = catalogOf([
    card({ id: 'big-1', openWeights: { license: 'apache-2.0', vram: 80 }, routeVram: 24 }),
  ]);
  assert.equal(planStoryboard(board(gpu(24)), cat).shots[0]!.model, 'big-1');
  const small = planStoryboard(board(gpu(16)), cat);
  assert.ok(
    rejection(small, 's', 'big-1').includes('needs 24 GB GPU memory, policy.max_vram_gb is 16'),
  );
});

describe('measured quality', () => {
  test('the mapping is monotone and anchored: ARENA_ANCHOR maps to 0.5', () => {
    assert.equal(arenaToQuality(ARENA_ANCHOR), 0.5);
    let last = 0;
    for (let score = 900; score <= 1500; score += 10) {
      const q = arenaToQuality(score);
      assert.ok(q > last && q < 1, `${score} → ${q}`);
      last = q;
    }
  });

  const T2V = `${header('policy: { optimize: quality }\n')}shots:\n  - { id: s, prompt: p, duration: 5 }\n`;

  test('overlapping intervals tie on quality: the cheaper model wins, and the reasons cite the figure', () => {
    const cat = catalogOf([
      card({ id: 'dear-1', arena: { t2v: [1300, 12] }, perSecond: 0.5 }),
      card({ id: 'cheap-1', arena: { t2v: [1290, 12] }, perSecond: 0.1 }),
      card({ id: 'worse-1', arena: { t2v: [1250, 10] }, perSecond: 0.01 }),
    ]);
    const plan = planStoryboard(board(T2V), cat);
    const s = plan.shots[0]!;
    assert.equal(s.model, 'cheap-1', 'noise never picks the dearer model');
    assert.equal(s.quality!.basis, 'arena');
    assert.equal(s.quality!.value, arenaToQuality(1300), 'tied: the best one’s quality');
    assert.deepEqual(s.quality!.tied_with, ['dear-1', 'cheap-1']);
    assert.ok(s.reasons.some((r) => r.startsWith('quality: text-to-video, 1290 ± 12, 2026-08-01')));
    assert.ok(s.reasons.some((r) => r.startsWith('equal on quality with dear-1')));
    const worse = plan.shots[0]!.fallback_routes.map((f) => f.model);
    assert.equal(worse.at(-1), 'worse-1', 'outside the interval: ranked below');
  });

  test('separate intervals: the better measured model wins whatever it costs under optimize: quality', () => {
    const cat = catalogOf([
      card({ id: 'dear-1', arena: { t2v: [1330, 8] }, perSecond: 0.5 }),
      card({ id: 'cheap-1', arena: { t2v: [1290, 12] }, perSecond: 0.1 }),
    ]);
    assert.equal(planStoryboard(board(T2V), cat).shots[0]!.model, 'dear-1');
  });

  test('per modality: an image-to-video shot uses the i2v figure, or the judged quality when none', () => {
    const cat = catalogOf([
      card({ id: 'm-1', arena: { t2v: [1300, 12] }, quality: 0.4 }),
      card({ id: 'm-2', arena: { i2v: [1280, 10] } }),
    ]);
    const yaml = `${header('policy: { optimize: quality }\n')}shots:
  - { id: i, prompt: p, duration: 5, first_frame: "https://example.test/f.png" }
`;
    const s = planStoryboard(board(yaml), cat).shots[0]!;
    assert.equal(s.model, 'm-2');
    assert.equal(s.quality!.modality, 'image_to_video');
    const judged = s.fallback_routes[0]!;
    assert.equal(judged.model, 'm-1');
  });
});

describe('lifecycle ahead', () => {
  test('a route retiring within 30 days warns with the date, days left and the replacement', () => {
    const cat = catalogOf([
      card({ id: 'old-1', retiredOn: '2026-12-06', replacement: 'new-1', quality: 0.9 }),
      card({ id: 'new-1', quality: 0.5 }),
    ]);
    const plan = planStoryboard(
      board(`${header()}shots:\n  - { id: s, prompt: p, duration: 5 }\n`),
      cat,
    );
    const warning = plan.problems.find((p) => p.code === 'route_retiring_soon')!;
    assert.equal(warning.severity, 'warning');
    assert.match(
      warning.message,
      /old-1 \(all routes\) retires 2026-12-06, 10 days after as_of; the catalog names new-1 as its replacement \(used by s\)/,
    );
  });

  test('a card whose newest source is over 120 days old says its facts may be stale', () => {
    const cat = catalogOf([card({ id: 'old-facts', sourceDate: '2026-07-01' })]);
    const plan = planStoryboard(
      board(`${header()}shots:\n  - { id: s, prompt: p, duration: 5 }\n`),
      cat,
    );
    const stale = plan.problems.find((p) => p.code === 'catalog_facts_may_be_stale')!;
    assert.match(
      stale.message,
      /old-facts: its newest source is from 2026-07-01, 148 days before as_of/,
    );
    const fresh = planStoryboard(
      board(`${header()}shots:\n  - { id: s, prompt: p, duration: 5 }\n`),
      catalogOf([card({ id: 'new-facts', sourceDate: '2026-10-01' })]),
    );
    assert.ok(!fresh.problems.some((p) => p.code === 'catalog_facts_may_be_stale'));
  });
});

describe('credentials steer', () => {
  const cat = catalogOf([
    card({ id: 'best-1', provider: 'kling', quality: 0.95, perSecond: 0.1 }),
    card({ id: 'ok-1', provider: 'fal', quality: 0.5, perSecond: 0.1 }),
  ]);
  const yaml = `${header()}shots:\n  - { id: s, prompt: p, duration: 5 }\n`;
  const hint = (p: string) => `set ${p.toUpperCase()}_KEY`;

  test('with a key set, unreachable routes are not chosen; the plan says what a key would unlock', () => {
    const plan = planStoryboard(board(yaml), cat, {
      configuredProviders: new Set(['fal']),
      credentialHint: hint,
    });
    assert.equal(plan.shots[0]!.model, 'ok-1');
    assert.deepEqual(plan.providers, ['fal']);
    assert.match(rejection(plan, 's', 'best-1').join(), /kling route: no credentials for kling/);
    const advice = plan.problems.find((p) => p.code === 'credentials_would_unlock')!;
    assert.match(
      advice.message,
      /^shot s: set KLING_KEY to unlock best-1 on kling: the plan would choose best-1 \(quality base [\d.]+, \$0\.50 per take\) instead of ok-1 on fal/,
    );
  });

  test('with no key set, routing is by capability; the plan records the (empty) provider list', () => {
    const plan = planStoryboard(board(yaml), cat, {
      configuredProviders: new Set(),
      credentialHint: hint,
    });
    assert.equal(plan.shots[0]!.model, 'best-1');
    assert.deepEqual(plan.providers, []);
    assert.ok(!plan.problems.some((p) => p.code === 'credentials_would_unlock'));
    assert.equal(planStoryboard(board(yaml), cat).providers, null);
  });
});

test('no unlock advice when the best choice is reachable already', () => {
  const cat = catalogOf([
    card({
      id: 'k-1',
      provider: 'fal',
      perSecond: 0.05,
      extraRoutes: [{ provider: 'kling', perSecond: 0.08 }],
    }),
    card({ id: 'other-1', provider: 'kling', quality: 0.3 }),
  ]);
  const plan = planStoryboard(
    board(`${header()}shots:\n  - { id: s, prompt: p, duration: 5 }\n`),
    cat,
    {
      configuredProviders: new Set(['fal']),
    },
  );
  assert.equal(plan.shots[0]!.model, 'k-1');
  assert.ok(!plan.problems.some((p) => p.code === 'credentials_would_unlock'));
});
