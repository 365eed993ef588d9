/**
 * A multi-shot generation is cut back into its shots at the scene changes, checked against the
 * plan: a scene that ends early is held on its last frame (never showing the next shot), a
 * late one is trimmed, and every disagreement is a warning in the report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { facts, pixelAt, scratchDir } from '../media/fixtures.ts';
import {
  cutClip,
  deliver,
  type FixtureRun,
  fixtureProvider,
  generate,
  groupOf,
  planned,
  planOf,
  writeStoryboard,
} from './harness.ts';

const root = scratchDir();
type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 128, 0];
const BLUE: Rgb = [0, 0, 255];

function assertColor(actual: Rgb, expected: Rgb, what: string): void {
  const distance = Math.max(...actual.map((c, i) => Math.abs(c - expected[i]!)));
  assert.ok(distance < 40, `${what}: ${actual}, expected about ${expected}`);
}

const STORYBOARD = `version: 1
title: Montage
deliver: { resolution: 160x90, fps: 24 }
shots:
  - { id: m1, prompt: the bezel, duration: 1, sequence: montage }
  - { id: m2, prompt: the crown, duration: 1, sequence: montage }
  - { id: m3, prompt: the dial, duration: 1, sequence: montage }
  - { id: after, prompt: a shot of its own, duration: 0.5 }
`;

describe('multi-shot split', () => {
  let run: FixtureRun;
  let delivery: Awaited<ReturnType<typeof deliver>>;
  before(async () => {
    const storyboard = writeStoryboard(root, 'montage', STORYBOARD);
    const plan = planOf('Montage', [
      ...groupOf('montage:m1-m3', { seconds: 3.5, audio: true }, [
        { id: 'm1', seconds: 1 },
        { id: 'm2', seconds: 1 },
        { id: 'm3', seconds: 1 },
      ]),
      planned('after', { seconds: 0.5 }),
    ]);
    // the model cut to the second shot on time, and to the third 0.4 s early
    const provider = fixtureProvider((r) =>
      r.unit === 'montage:m1-m3'
        ? {
            scenes: [
              { color: 'red', seconds: 1 },
              { color: 'green', seconds: 0.6 },
              { color: 'blue', seconds: 1.9 },
            ],
          }
        : {},
    );
    run = await generate(storyboard, plan, provider);
    delivery = await deliver(run);
  });
  after(() => run?.store.close());

  test('one generation served three shots; each clip of the cut is its own scene, full length', async () => {
    assert.deepEqual(
      run.provider.starts.map((s) => s.unit),
      ['montage:m1-m3', 'after'],
    );
    for (const id of ['m1', 'm2', 'm3']) {
      const f = await facts(cutClip(run, delivery, id));
      assert.equal(f.video.nb_frames, '24', id);
      assert.ok(f.audio, `${id} keeps its sound`);
    }
    const m1 = cutClip(run, delivery, 'm1');
    assertColor(await pixelAt(m1, 0, 80, 45), RED, 'm1 first frame');
    assertColor(await pixelAt(m1, 0.95, 80, 45), RED, 'm1 last frame');
    const m2 = cutClip(run, delivery, 'm2');
    assertColor(await pixelAt(m2, 0, 80, 45), GREEN, 'm2 first frame');
    // its scene lasted 0.6 s: the rest holds its last frame instead of showing m3's start
    assertColor(await pixelAt(m2, 0.95, 80, 45), GREEN, 'm2 last frame');
    const m3 = cutClip(run, delivery, 'm3');
    assertColor(await pixelAt(m3, 0, 80, 45), BLUE, 'm3 first frame');
    const final = await facts(delivery.final);
    assert.equal(final.video.nb_frames, String(24 * 3 + 12));
  });

  test('what the split found is in the report, on the shots it concerns', () => {
    const warnings = (id: string) => delivery.report.shots.find((s) => s.id === id)!.warnings;
    assert.ok(
      warnings('m2').some((w) =>
        /m2's scene lasts 0\.6\d* s of the 1\.000 s planned; its last frame is held/.test(w),
      ),
      warnings('m2').join('\n'),
    );
    assert.equal(
      warnings('m1').some((w) => /held/.test(w)),
      false,
    );
    assert.deepEqual(warnings('after'), []);
    // the three shots come from one kept clip
    const m1 = delivery.report.shots.find((s) => s.id === 'm1')!;
    assert.equal(m1.file, delivery.report.shots.find((s) => s.id === 'm3')!.file);
  });

  test('assembling again reuses the split and the conformed clips', async () => {
    const before = delivery.report.shots.map((s) => s.clip);
    const again = await deliver(run);
    assert.deepEqual(
      again.report.shots.map((s) => s.clip),
      before,
    );
    assert.equal(run.provider.starts.length, 2);
  });
});

describe('multi-shot split without a visible cut', () => {
  test('each boundary is cut where planned, and the report says no scene change was seen', async () => {
    const storyboard = writeStoryboard(
      root,
      'seamless',
      `version: 1
title: Seamless
deliver: { resolution: 160x90, fps: 24 }
shots:
  - { id: a, prompt: first half, duration: 0.5, sequence: one }
  - { id: b, prompt: second half, duration: 0.5, sequence: one }
`,
    );
    const plan = planOf(
      'Seamless',
      groupOf('one:a-b', { seconds: 1 }, [
        { id: 'a', seconds: 0.5 },
        { id: 'b', seconds: 0.5 },
      ]),
    );
    const run = await generate(
      storyboard,
      plan,
      fixtureProvider(() => ({})),
    );
    try {
      const delivery = await deliver(run);
      for (const shot of delivery.report.shots) {
        assert.ok(
          shot.warnings.some((w) =>
            /multi-shot one:a-b: cut 1 \(a → b\): no scene change was detected; cut at the planned 0\.500 s/.test(
              w,
            ),
          ),
          `${shot.id}: ${shot.warnings.join('\n')}`,
        );
        assert.equal((await facts(cutClip(run, delivery, shot.id))).video.nb_frames, '12');
      }
    } finally {
      await run.store.close();
    }
  });
});
