import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPlan } from '../../src/cli/commands/plan.ts';
import { planStoryboard } from '../../src/router/plan.ts';
import type { Plan } from '../../src/router/types.ts';
import { board, card, catalogOf } from './fixtures.ts';

// Families come from the id's first part: alpha-x and alpha-y are one family, beta-x another.
// alpha has native audio, beta none; beta-x is a little better and cheaper than alpha-x.
const CATALOG = catalogOf([
  card({ id: 'alpha-x', quality: 0.8, perSecond: 0.12 }),
  card({ id: 'alpha-y', quality: 0.6, perSecond: 0.05 }),
  card({ id: 'beta-x', quality: 0.82, perSecond: 0.1, audio: 'none' }),
  card({ id: 'gamma-x', quality: 0.95, perSecond: 0.1, audio: 'none', sizes: ['1080x1920'] }),
]);

/**
 * s1 and s2 share mara; s2 speaks, so only alpha can make it. s3 shares the harbour with s2 and
 * is much better on gamma (which makes only portrait shots, as s3 is). s4 has nobody in common with anyone.
 */
function storyboard(continuity: string, extra = '') {
  return board(`version: 1
title: t
as_of: 2026-11-26
deliver: { resolution: 1920x1080, fps: 24, audio: true }
policy: { optimize: quality${continuity ? `, continuity: ${continuity}` : ''} }
${extra}characters: { mara: {}, teo: {} }
locations: { harbour: {} }
shots:
  - { id: s1, prompt: p, duration: 5, characters: [mara] }
  - id: s2
    prompt: p
    duration: 5
    characters: [mara]
    location: harbour
    audio: { dialogue: [{ speaker: mara, line: hello }] }
  - { id: s3, prompt: p, duration: 5, location: harbour, resolution: 1080x1920 }
  - { id: s4, prompt: p, duration: 5, characters: [teo] }
`);
}

const models = (plan: Plan) => Object.fromEntries(plan.shots.map((s) => [s.id, s.model]));

describe('continuity', () => {
  test('shots that agree share their lists; a continuity reason goes only to the grouped shots', () => {
    const plan = planStoryboard(
      board(`version: 1
title: t
as_of: 2026-11-26
deliver: { resolution: 1920x1080, fps: 24, audio: true }
policy: { optimize: quality }
characters: { mara: {} }
shots:
  - { id: s1, prompt: p, duration: 5, characters: [mara] }
  - { id: s2, prompt: p, duration: 5, characters: [mara] }
  - { id: s3, prompt: p, duration: 5 }
`),
      CATALOG,
    );
    const [s1, s2, s3] = plan.shots;
    assert.deepEqual(models(plan), { s1: 'beta-x', s2: 'beta-x', s3: 'beta-x' });
    // one object for what the three shots have in common (the plan is read-only)
    assert.equal(s3!.rejected, s1!.rejected);
    assert.equal(s3!.fallback_routes, s1!.fallback_routes);
    assert.match(s1!.reasons[1]!, /^continuity \(prefer\): on the beta family with s2/);
    assert.match(s2!.reasons[1]!, /^continuity \(prefer\): on the beta family with s1/);
    assert.ok(!s3!.reasons.some((r) => r.startsWith('continuity')), s3!.reasons.join('\n'));
    assert.equal(s1!.reasons.length, s3!.reasons.length + 1);
  });

  test('off: every shot on its own; the group is still shown, on no one family', () => {
    const plan = planStoryboard(storyboard('off'), CATALOG);
    assert.deepEqual(models(plan), { s1: 'beta-x', s2: 'alpha-x', s3: 'gamma-x', s4: 'beta-x' });
    assert.deepEqual(plan.continuity, {
      policy: 'off',
      groups: [
        {
          id: 'continuity-1',
          shots: ['s1', 's2', 's3'],
          characters: ['mara'],
          locations: ['harbour'],
          family: null,
          kept: false,
          usd: 1.6,
          unconstrained_usd: 1.6,
          delta_usd: 0,
          score_delta: 0,
        },
      ],
    });
    assert.ok(plan.shots.every((s) => !s.reasons.some((r) => r.startsWith('continuity'))));
  });

  test('prefer (the default): a small bonus moves a near tie onto the group’s family, not a clear winner', () => {
    const plan = planStoryboard(storyboard(''), CATALOG);
    assert.equal(plan.continuity!.policy, 'prefer');
    // s1: beta-x 0.82 vs alpha-x 0.80 is within the bonus; s3: gamma-x 0.95 is not
    assert.deepEqual(models(plan), { s1: 'alpha-x', s2: 'alpha-x', s3: 'gamma-x', s4: 'beta-x' });
    const [group] = plan.continuity!.groups;
    assert.equal(group!.family, 'alpha');
    assert.equal(group!.kept, false);
    // s1 on alpha-x costs 5 s × $0.02 more than on beta-x
    assert.equal(group!.usd, 1.7);
    assert.equal(group!.unconstrained_usd, 1.6);
    assert.equal(group!.delta_usd, 0.1);
    assert.ok(group!.score_delta < 0);
    const s1 = plan.shots[0]!;
    assert.equal(
      s1.reasons[0],
      'continuity (prefer): on the alpha family with s2, s3 (sharing mara, harbour); on its own it would be beta-x (score 0.82 vs 0.8, $0.50 vs $0.60): the +0.05 continuity bonus decided',
    );
    assert.match(plan.shots[2]!.reasons[1]!, /^continuity \(prefer\): not on the alpha family/);
    assert.ok(!plan.shots[3]!.reasons.some((r) => r.startsWith('continuity')));
    const text = formatPlan(plan);
    assert.match(
      text,
      /continuity \(prefer\):\n {2}continuity-1 \[s1, s2, s3\] sharing mara, harbour: alpha \(not every shot\); \+\$0\.10, score -0\.\d+ vs each shot on its own/,
    );
    assert.deepEqual(
      plan.problems.filter((p) => p.severity === 'error'),
      [],
    );
  });

  test('strict: the whole group on one family, or an error that says which shots each family cannot make', () => {
    const plan = planStoryboard(storyboard('strict'), CATALOG);
    assert.deepEqual(models(plan), { s1: 'alpha-x', s2: 'alpha-x', s3: 'alpha-x', s4: 'beta-x' });
    const [group] = plan.continuity!.groups;
    assert.equal(group!.kept, true);
    assert.equal(group!.delta_usd, 0.2);
    assert.match(plan.shots[2]!.reasons[0]!, /^continuity \(strict\): on the alpha family/);

    // a shot only beta can make (a 10-second pin to beta-x) in the same group as s2
    const split = board(`version: 1
title: t
as_of: 2026-11-26
deliver: { resolution: 1920x1080, fps: 24, audio: true }
policy: { continuity: strict }
characters: { mara: {} }
shots:
  - { id: s1, prompt: p, duration: 5, characters: [mara], model: beta-x }
  - id: s2
    prompt: p
    duration: 5
    characters: [mara]
    audio: { dialogue: [{ speaker: mara, line: hello }] }
`);
    const refused = planStoryboard(split, CATALOG);
    const error = refused.problems.find((p) => p.code === 'continuity_infeasible');
    assert.ok(error, JSON.stringify(refused.problems));
    assert.equal(error.severity, 'error');
    assert.equal(error.shot, 's1');
    assert.match(
      error.message,
      /no one model family can make every shot of s1, s2 \(sharing mara\)/,
    );
    assert.match(error.message, /alpha cannot make s1/);
    assert.match(error.message, /beta cannot make s2/);
    assert.equal(refused.continuity!.groups[0]!.family, null);
  });

  test('strict under a budget: the cheapest family that fits when the best does not', () => {
    // alpha-x for all three: $1.80; alpha-y for all three: $0.75 (beta cannot make s2)
    const plan = planStoryboard(storyboard('strict', 'budget_usd: 1.5\n'), CATALOG);
    assert.equal(
      plan.problems.filter((p) => p.severity === 'error').length,
      0,
      JSON.stringify(plan.problems),
    );
    const group = plan.continuity!.groups[0]!;
    assert.equal(group.family, 'alpha');
    assert.ok(plan.total.usd <= 1.5);
    assert.ok(['s1', 's2', 's3'].every((id) => models(plan)[id]!.startsWith('alpha-')));
  });

  test('a shot starting from another shot’s frame is never in a multi-shot generation', () => {
    const multi = catalogOf([
      card({
        id: 'multi-x',
        multiShot: { max_cuts: 4, max_seconds: 20 },
        durations: { values: [5, 10, 15] },
      }),
    ]);
    const yaml = (link: string) => `version: 1
title: t
as_of: 2026-11-26
deliver: { resolution: 1920x1080, fps: 24, audio: false }
shots:
  - { id: a, prompt: p, duration: 5, sequence: q }
  - { id: b, prompt: p, duration: 5, sequence: q${link} }
`;
    assert.ok(planStoryboard(board(yaml('')), multi).shots.every((s) => s.group !== null));
    const linked = planStoryboard(board(yaml(', first_frame_from: { shot: a }')), multi);
    assert.ok(linked.shots.every((s) => s.group === null));
    // its estimate is known before anything runs, and its reasons say where it starts
    assert.ok(linked.shots[1]!.estimate.usd > 0);
    assert.ok(
      linked.shots[1]!.reasons.includes(
        "starts from the last frame of a's picked take, sent as its first frame once a is made",
      ),
    );
  });
});
