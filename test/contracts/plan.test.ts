/**
 * The router's plans conform to the plan's one definition, and its rejection reasons and
 * warnings carry their codes and facts: a client reads the fields, never the message.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import {
  PlanSchema,
  type PlanWarning,
  parseStoredPlan,
  planWarning,
  type RejectionReason,
  rejectionReason,
} from '../../src/contracts/index.ts';
import { planStoryboard } from '../../src/router/plan.ts';
import type { Plan } from '../../src/router/types.ts';
import { loadStoryboard } from '../../src/storyboard/load.ts';
import { board, card, catalogOf } from '../router/fixtures.ts';

const EXAMPLES = path.join(import.meta.dirname, '..', '..', 'examples');
const HEADER = `version: 1
title: t
as_of: 2026-11-26
deliver: { resolution: 1920x1080, fps: 24, audio: true }
`;

function reasonsOf(plan: Plan, shot: string, model: string): RejectionReason[] {
  return plan.shots.find((s) => s.id === shot)!.rejected.find((r) => r.model === model)!.reasons;
}

describe('plans conform to the contract', () => {
  for (const name of ['launch-film.yaml', 'social-ad.yaml', 'local-short.yaml', 'stills.yaml']) {
    test(name, () => {
      const file = path.join(EXAMPLES, name);
      const plan = planStoryboard(loadStoryboard(file), loadCatalog(), { today: '2026-11-26' });
      // parsing strips unknown keys, so equality also says the plan has no field the contract lacks
      assert.deepEqual(PlanSchema.parse(plan), plan);
      const reasons = plan.shots.flatMap((s) => s.rejected.flatMap((r) => r.reasons));
      const warnings = plan.shots.flatMap((s) => s.warnings);
      assert.ok(reasons.length > 0);
      // every message is the one formatted from the reason's own facts
      for (const r of reasons) assert.equal(rejectionReason(factsOf(r)).message, r.message);
      for (const w of warnings) assert.equal(planWarning(factsOf(w)).message, w.message);
    });
  }
});

function factsOf<T extends RejectionReason | PlanWarning>(item: T) {
  const { message: _message, advice: _advice, ...facts } = item;
  return facts as never;
}

describe('reasons and warnings carry codes and facts', () => {
  test('too long for one generation: limit, asked, advice; the no-model error advises by code', () => {
    const plan = planStoryboard(
      board(`${HEADER}shots:\n  - { id: s, prompt: p, duration: 20, continuous: true }\n`),
      catalogOf([card({ id: 'short-1', durations: { values: [5, 10] } })]),
    );
    assert.deepEqual(reasonsOf(plan, 's', 'short-1'), [
      {
        code: 'duration_too_long',
        message:
          'longest generation 10 s < 20 s needed (shot is continuous, so it cannot be split); no extension',
        limit: 10,
        asked: 20,
        continuous: true,
        extension_max: null,
        advice: 'split the shot or shorten it',
      },
    ]);
    const problem = plan.problems.find((p) => p.code === 'no_model')!;
    assert.match(problem.message, /To fix: the longest any allowed model can do is 10 s/);
  });

  test('size, references, frames and audio each have their code', () => {
    const plan = planStoryboard(
      board(
        `${HEADER}characters: { mara: {} }
shots:
  - { id: s, prompt: p, duration: 5, characters: [mara], audio: { dialogue: [ { speaker: mara, line: hi } ] }, references: [https://example.test/a.png, https://example.test/b.png] }
`,
      ),
      catalogOf([
        card({ id: 'mute-1', audio: 'none', refs: 1 }),
        card({ id: 'small-1', sizes: ['1280x720'], refs: 2 }),
        card({ id: 'ok-1', refs: 2 }),
      ]),
    );
    const codes = (model: string) => reasonsOf(plan, 's', model).map((r) => r.code);
    assert.deepEqual(codes('mute-1'), ['no_native_audio', 'too_many_references']);
    assert.deepEqual(
      reasonsOf(plan, 's', 'mute-1').find((r) => r.code === 'too_many_references'),
      {
        code: 'too_many_references',
        message: '1 reference image max, shot has 2',
        limit: 1,
        asked: 2,
        advice: 'use fewer reference images',
      },
    );
    assert.deepEqual(codes('small-1'), ['size_too_small']);
    assert.equal(plan.shots[0]!.model, 'ok-1');
  });

  test('a chosen model’s compromises are warnings with codes; a feasible model not chosen says so', () => {
    const plan = planStoryboard(
      board(`${HEADER}shots:\n  - { id: s, prompt: p, duration: 4 }\n`),
      catalogOf([
        card({ id: 'snap-1', durations: { values: [5] }, quality: 0.9 }),
        card({ id: 'other-1', durations: { values: [5] }, quality: 0.5 }),
      ]),
    );
    const shot = plan.shots[0]!;
    assert.equal(shot.model, 'snap-1');
    assert.deepEqual(
      shot.warnings.find((w) => w.code === 'duration_snapped'),
      {
        code: 'duration_snapped',
        message: '4 s snapped up to 5 s, trimmed to 4 s',
        asked: 4,
        generated: 5,
      },
    );
    const [notChosen] = reasonsOf(plan, 's', 'other-1');
    assert.equal(notChosen?.code, 'feasible_not_chosen');
    assert.ok(
      plan.problems.some((p) => p.code === 'warning' && p.message === shot.warnings[0]!.message),
    );
  });
});

test('a plan stored before reasons and warnings had codes reads as unclassified entries', () => {
  const plan = planStoryboard(
    board(`${HEADER}shots:\n  - { id: s, prompt: p, duration: 4 }\n`),
    catalogOf([card({ id: 'snap-1', durations: { values: [5] } }), card({ id: 'x-1', refs: 0 })]),
  );
  const old = JSON.parse(JSON.stringify(plan));
  for (const shot of old.shots) {
    shot.warnings = shot.warnings.map((w: PlanWarning) => w.message);
    for (const r of shot.rejected) r.reasons = r.reasons.map((x: RejectionReason) => x.message);
  }
  const read = parseStoredPlan(JSON.stringify(old));
  assert.deepEqual(
    read.shots[0]!.warnings,
    plan.shots[0]!.warnings.map((w) => ({ code: 'unclassified', message: w.message })),
  );
  assert.equal(read.shots[0]!.rejected[0]!.reasons[0]!.code, 'unclassified');
  // a current plan reads back unchanged
  assert.deepEqual(parseStoredPlan(JSON.stringify(plan)), plan);
});

test('a catalog_condition rejection says the condition, then what the model makes under it', () => {
  const reason = rejectionReason({
    code: 'catalog_condition',
    note: 'sound requires mode pro (1080p) on v2.6',
    when: 'with audio',
    min_tier: '1080p',
  });
  assert.equal(
    reason.message,
    'with audio, it makes only 1080p or larger (sound requires mode pro (1080p) on v2.6)',
  );
});
