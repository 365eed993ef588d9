/** Honest shapes and groups: a cut shape no model makes, and a sequence no model makes whole. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planStoryboard } from '../../src/router/plan.ts';
import { board, card, catalogOf } from './fixtures.ts';

const header = (deliver: string) => `version: 1
title: t
as_of: 2026-06-01
deliver: ${deliver}
shots:
`;

describe('a cut shape no model makes natively', () => {
  const wide = card({ id: 'wide-1', sizes: ['1280x720', '1920x1080', '2560x1440'] }); // 16:9 only

  test('3:2 is generated at 16:9 and letterboxed, and the plan says so', () => {
    const plan = planStoryboard(
      board(
        `${header('{ resolution: 1920x1280, fps: 24 }')}  - { id: a, prompt: p, duration: 5 }\n`,
      ),
      catalogOf([wide]),
    );
    const warning = plan.shots[0]!.warnings.find((w) => w.code === 'reshaped');
    assert.deepEqual(warning && { ...warning, message: undefined }, {
      code: 'reshaped',
      message: undefined,
      generated: '2560x1440',
      asked: '1920x1280',
      how: 'pad',
      edges: 'top_bottom',
    });
    assert.match(warning!.message, /16:9\), letterboxed into the 1920x1280 \(3:2\) frame/);
    assert.ok(plan.problems.some((p) => p.shot === 'a' && p.message === warning!.message));
  });

  test('with fit: fill it is cropped at the sides instead', () => {
    const plan = planStoryboard(
      board(
        `${header('{ resolution: 1920x1280, fps: 24, fit: fill }')}  - { id: a, prompt: p, duration: 5 }\n`,
      ),
      catalogOf([wide]),
    );
    const warning = plan.shots[0]!.warnings.find((w) => w.code === 'reshaped')!;
    assert.equal(warning.how, 'crop');
    assert.equal(warning.edges, 'sides');
    assert.match(warning.message, /cropped at the sides/);
  });

  test('a shape a model makes brings no warning', () => {
    const plan = planStoryboard(
      board(
        `${header('{ resolution: 1280x720, fps: 24 }')}  - { id: a, prompt: p, duration: 5 }\n`,
      ),
      catalogOf([wide]),
    );
    assert.equal(plan.shots[0]!.warnings.filter((w) => w.code === 'reshaped').length, 0);
  });
});

describe('a sequence no model can make whole', () => {
  const multi = card({
    id: 'multi-1',
    durations: { min: 3, max: 15, step: 1 },
    multiShot: { max_cuts: 6, max_seconds: 15 },
  });
  const single = card({ id: 'single-1', durations: { values: [5] }, lastFrame: true });
  const shots = (lastFrameOn: number) =>
    [1, 2, 3, 4]
      .map(
        (i) =>
          `  - { id: m${i}, prompt: p, duration: 3, sequence: s${i === lastFrameOn ? ', last_frame: https://example.test/end.png' : ''} }`,
      )
      .join('\n');

  test('the plan says why per model, and tries the halves before making shots one by one', () => {
    const plan = planStoryboard(
      board(`${header('{ resolution: 1920x1080, fps: 24 }')}${shots(4)}\n`),
      catalogOf([multi, single]),
    );
    assert.deepEqual(
      plan.shots.map((s) => [s.id, s.group, s.model]),
      [
        ['m1', 's:m1-m2', 'multi-1'],
        ['m2', 's:m1-m2', 'multi-1'],
        ['m3', null, 'multi-1'],
        ['m4', null, 'single-1'],
      ],
    );
    const split = plan.problems.find((p) => p.code === 'sequence_split')!;
    assert.equal(
      split.message,
      "sequence 's' (m1, m2, m3, m4): no allowed model can generate these 4 shots together (multi-1 cannot make m4; single-1 make one shot per generation); trying (m1, m2) and (m3, m4) separately",
    );
    const apart = plan.problems.find((p) => p.code === 'sequence_not_grouped')!;
    assert.match(
      apart.message,
      /^sequence 's' \(m3, m4\): .*multi-1 cannot make m4.*each is generated separately$/,
    );
  });

  test('a sequence one model makes whole is not split', () => {
    const plan = planStoryboard(
      board(`${header('{ resolution: 1920x1080, fps: 24 }')}${shots(0)}\n`),
      catalogOf([multi, single]),
    );
    assert.deepEqual(new Set(plan.shots.map((s) => s.group)), new Set(['s:m1-m4']));
    assert.equal(plan.problems.filter((p) => p.code.startsWith('sequence')).length, 0);
  });
});

describe('the edit in the plan', () => {
  test('scenes, omitted shots and reuse shots are listed; reuse shots are not planned', () => {
    const plan = planStoryboard(
      board(
        `${header('{ resolution: 1920x1080, fps: 24 }')}  - { id: a, prompt: p, duration: 5, scene: ONE }
  - { id: b, prompt: p, duration: 5, omit: true }
  - { id: c, reuse: { shot: a, in: 1 }, duration: 2, scene: TWO }
`,
      ),
      catalogOf([card({ id: 'wide-1' })]),
    );
    assert.deepEqual(
      plan.shots.map((s) => s.id),
      ['a', 'b'],
    );
    assert.deepEqual(plan.edit, {
      scenes: [
        { heading: 'ONE', shots: ['a', 'b'] },
        { heading: 'TWO', shots: ['c'] },
      ],
      omitted: ['b'],
      reuses: [{ id: 'c', shot: 'a', in: 1, seconds: 2 }],
    });
  });

  test('a storyboard without edit fields has no edit in its plan', () => {
    const plan = planStoryboard(
      board(
        `${header('{ resolution: 1920x1080, fps: 24 }')}  - { id: a, prompt: p, duration: 5 }\n`,
      ),
      catalogOf([card({ id: 'wide-1' })]),
    );
    assert.equal('edit' in plan, false);
  });
});
