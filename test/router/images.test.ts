/**
 * The plan's `images`: every generated still with its image model, route, price and the shots
 * using it, its cost in the plan's totals and budget, and a clear error where none can be made.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { PlanSchema } from '../../src/contracts/plan.ts';
import { planStoryboard } from '../../src/router/plan.ts';
import { board } from './fixtures.ts';

const catalog = loadCatalog();
const AS_OF = '2026-12-06';

const storyboard = (top: string, budget = '') =>
  board(
    [
      'version: 1',
      'title: Stills',
      'deliver: { resolution: 1280x720, fps: 24 }',
      budget,
      top,
      'characters:',
      '  mara: { references: [{ image: mara }] }',
      'shots:',
      '  - { id: s1, prompt: the harbour wakes, duration: 5, first_frame: { image: dawn } }',
      '  - { id: s2, prompt: mara walks, duration: 5, characters: [mara] }',
      '  - { id: s3, prompt: boats, duration: 5 }',
    ].join('\n'),
  );

const IMAGES = [
  'images:',
  '  dawn: { generate: "a harbour at dawn" }',
  '  mara: { generate: "a woman in a yellow coat", model: seedream-4.5, size: 2048x2048 }',
].join('\n');

describe('plan images', () => {
  test('each still has its model, route, cost and users; the totals include it', () => {
    const plan = planStoryboard(storyboard(IMAGES), catalog, { asOf: AS_OF });
    PlanSchema.parse(plan);
    const [dawn, mara] = plan.images!;
    assert.equal(dawn!.name, 'dawn');
    assert.equal(dawn!.model, 'flux-schnell');
    assert.deepEqual(dawn!.size, { width: 1280, height: 720 });
    assert.equal(dawn!.cost_usd, 0.003);
    assert.deepEqual(dawn!.used_by, ['s1']);
    assert.equal(mara!.model, 'seedream-4.5');
    assert.equal(mara!.provider, 'byteplus');
    assert.equal(mara!.provider_model, 'seedream-4-5-251128');
    assert.equal(mara!.cost_usd, 0.04);
    assert.deepEqual(mara!.used_by, ['s2'], 'through the character');
    assert.ok(mara!.reasons.some((r) => r.includes('images.mara.model')));

    const without = planStoryboard(
      board(
        [
          'version: 1',
          'title: Stills',
          'deliver: { resolution: 1280x720, fps: 24 }',
          'shots:',
          '  - { id: s1, prompt: the harbour wakes, duration: 5, first_frame: https://example.test/a.png }',
          '  - { id: s2, prompt: mara walks, duration: 5, references: [https://example.test/b.png] }',
          '  - { id: s3, prompt: boats, duration: 5 }',
        ].join('\n'),
      ),
      catalog,
      { asOf: AS_OF },
    );
    assert.equal(without.images, undefined);
    assert.equal(
      Math.round((plan.total.usd - without.total.usd) * 1e6),
      43_000,
      'the stills add their cost to the total',
    );
    assert.ok(plan.total.worst_case_usd >= without.total.worst_case_usd + 0.043 - 1e-9);
  });

  test('a shot starting from a still is routed to a model that takes a first frame', () => {
    const plan = planStoryboard(storyboard(IMAGES), catalog, { asOf: AS_OF });
    const s1 = plan.shots.find((s) => s.id === 's1')!;
    const card = catalog.byId.get(s1.model!)!;
    assert.ok(card.capabilities.first_frame.value, `${s1.model} takes a first frame`);
    for (const model of catalog.models.filter((m) => !m.capabilities.first_frame.value)) {
      const rejected = s1.rejected.find((r) => r.model === model.id);
      assert.ok(
        rejected?.reasons.some((reason) => reason.code === 'no_first_frame_input'),
        `${model.id} takes no first frame and is ruled out`,
      );
    }
    // and a model that needs one is allowed for it, as for a file's first frame
    const s3 = plan.shots.find((s) => s.id === 's3')!;
    for (const model of catalog.models.filter((m) => m.capabilities.image_required.value)) {
      const rejected = s1.rejected.find((r) => r.model === model.id);
      assert.ok(!rejected?.reasons.some((reason) => reason.code === 'image_to_video_only'));
      assert.ok(s3.rejected.some((r) => r.model === model.id));
    }
  });

  test('the budget pays for the stills first; over it, the plan says so', () => {
    const plan = planStoryboard(storyboard(IMAGES, 'budget_usd: 0.04'), catalog, { asOf: AS_OF });
    assert.ok(plan.problems.some((p) => p.code === 'over_budget'));
  });

  test('a still no image model can make is an error that says what to do', () => {
    const local = planStoryboard(storyboard(`${IMAGES}\npolicy: { local_only: true }`), catalog, {
      asOf: AS_OF,
    });
    const problem = local.problems.find((p) => p.code === 'no_image_model');
    assert.ok(problem, JSON.stringify(local.problems));
    assert.equal(problem.severity, 'error');
    assert.match(problem.message, /images\.dawn: policy\.local_only .* \{ file: PATH \}/);
    assert.equal(local.images![0]!.model, null);

    const huge = planStoryboard(
      storyboard('images: { dawn: { generate: dawn, size: 8000x8000 }, mara: { generate: m } }'),
      catalog,
      { asOf: AS_OF },
    );
    assert.match(
      huge.problems.find((p) => p.code === 'no_image_model')?.message ?? '',
      /no image model of the catalog makes 8000x8000/,
    );
  });

  test('a still nobody uses is a warning; credentials missing for its provider are named', () => {
    const plan = planStoryboard(storyboard(`${IMAGES}\n  spare: { generate: spare }`), catalog, {
      asOf: AS_OF,
      configuredProviders: new Set(['google']),
    });
    assert.ok(
      plan.problems.some((p) => p.message.startsWith('images.spare is bought but no shot')),
    );
    const google = plan.images!.find((i) => i.name === 'dawn')!;
    assert.equal(google.provider, 'google', 'a provider with credentials comes first');
    assert.ok(
      plan.problems.some(
        (p) => p.code === 'missing_credentials' && p.message.includes('images.mara'),
      ),
    );
  });
});
