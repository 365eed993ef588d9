/**
 * Takes: with takes > 1 every take is generated and kept; the cut uses take 1 until another is
 * picked; picking assembles again from the kept clips without a single new start, and the pick
 * carries over to a later run that reuses the same clips (and lapses when the shot is remade).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pickTake } from '../../src/assemble/index.ts';
import { ShotrouterError } from '../../src/errors.ts';
import { provenanceOf, readOtio } from '../../src/timeline/index.ts';
import { pixelAt, scratchDir } from '../media/fixtures.ts';
import {
  deliver,
  type FixtureRun,
  fixtureProvider,
  generate,
  planned,
  planOf,
  writeStoryboard,
} from './harness.ts';

const root = scratchDir();
/** take n of `hero` is a frame of COLORS[n] (as RGB), everything else grey */
const COLORS = ['red', 'blue', 'yellow'];
const RGB: Record<string, [number, number, number]> = {
  red: [255, 0, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
};

function storyboardText(closing: string): string {
  return `version: 1
title: Takes
deliver: { resolution: 160x90, fps: 24 }
shots:
  - { id: hero, prompt: the hero shot, duration: 0.5, takes: 3 }
  - { id: close, prompt: ${closing}, duration: 0.5 }
`;
}

const planFor = () =>
  planOf('Takes', [
    planned('hero', { seconds: 0.5 }, { takes: 3 }),
    planned('close', { seconds: 0.5 }),
  ]);

async function assertOpensWith(file: string, color: string): Promise<void> {
  const pixel = await pixelAt(file, 0, 80, 45);
  const distance = Math.max(...pixel.map((c, i) => Math.abs(c - RGB[color]![i]!)));
  assert.ok(distance < 40, `the cut opens ${color}: ${pixel}`);
}

function heroClips(dir: string) {
  const timeline = readOtio(fs.readFileSync(path.join(dir, 'timeline.otio'), 'utf8'));
  const hero = timeline.tracks[0]!.items[0]!;
  return {
    take: provenanceOf(hero)!.take,
    alternates: (hero.alternates ?? []).map((a) => provenanceOf(a)!.take),
  };
}

describe('takes and pick', () => {
  let run: FixtureRun;
  const provider = fixtureProvider((r) =>
    r.unit === 'hero' ? { scenes: [{ color: COLORS[r.take]!, seconds: 1 }] } : {},
  );
  before(async () => {
    const storyboard = writeStoryboard(root, 'takes', storyboardText('the closing shot'));
    run = await generate(storyboard, planFor(), provider);
  });
  after(() => run?.store.close());

  test('every take is generated and kept; the cut uses take 1 and lists the others', async () => {
    const jobs = (await run.store.jobs(run.runId)).filter((j) => j.shot_id === 'hero');
    assert.deepEqual(
      jobs.map((j) => [j.take, j.state]),
      [
        [0, 'done'],
        [1, 'done'],
        [2, 'done'],
      ],
    );
    const delivery = await deliver(run);
    const hero = delivery.report.shots[0]!;
    assert.equal(hero.take, 1);
    assert.equal(hero.picked, false);
    assert.deepEqual(
      hero.takes.map((t) => t.take),
      [1, 2, 3],
    );
    for (const take of hero.takes) assert.ok(fs.existsSync(path.join(run.dir, take.file)));
    await assertOpensWith(delivery.final, 'red');
    assert.deepEqual(heroClips(run.dir), { take: 1, alternates: [2, 3] });
  });

  test('pick assembles again with take 2 and starts nothing at the provider', async () => {
    const startsBefore = provider.starts.length;
    const attemptsBefore = (await run.store.jobs(run.runId)).map((j) => j.attempts);
    const result = await pickTake({
      dir: run.dir,
      store: run.store,
      shotId: 'hero',
      takeNumber: 2,
    });
    assert.ok(result.delivery, 'assembled again');
    assert.equal(provider.starts.length, startsBefore, 'no new start');
    assert.deepEqual(
      (await run.store.jobs(run.runId)).map((j) => j.attempts),
      attemptsBefore,
    );
    const hero = result.delivery.report.shots[0]!;
    assert.equal(hero.take, 2);
    assert.equal(hero.picked, true);
    assert.equal(hero.file, hero.takes[1]!.file);
    await assertOpensWith(result.delivery.final, 'blue');
    assert.deepEqual(heroClips(run.dir), { take: 2, alternates: [1, 3] });
    const written = JSON.parse(fs.readFileSync(path.join(run.dir, 'report.json'), 'utf8'));
    assert.equal(written.shots[0].take, 2);
  });

  test('a shot or take that does not exist is refused with what there is', async () => {
    await assert.rejects(
      pickTake({ dir: run.dir, store: run.store, shotId: 'hero', takeNumber: 4 }),
      (error: unknown) =>
        ShotrouterError.is(error) &&
        error.code === 'usage' &&
        /from 1 to 3 \(hero has takes 1, 2, 3\)/.test(error.message),
    );
    await assert.rejects(
      pickTake({ dir: run.dir, store: run.store, shotId: 'heroo', takeNumber: 1 }),
      (error: unknown) =>
        ShotrouterError.is(error) &&
        /no shot 'heroo' in this run; its shots are hero, close/.test(error.message),
    );
  });

  test('the pick carries over to a new run that reuses the clip, and lapses when the shot is remade', async () => {
    // another shot changes: a new run, hero's takes are reused, the pick still holds
    const edited = writeStoryboard(root, 'takes', storyboardText('a new closing shot'));
    const second = await generate(edited, planFor(), provider, run.store);
    assert.notEqual(second.runId, run.runId);
    assert.deepEqual(
      provider.starts.slice(-1).map((s) => s.unit),
      ['close'],
    );
    const delivery = await deliver(second);
    assert.equal(delivery.report.shots[0]!.take, 2);
    assert.equal(delivery.report.shots[0]!.picked, true);
    await assertOpensWith(delivery.final, 'blue');

    // the hero shot itself is remade: its takes are new clips, the old pick names none of them
    const remade = writeStoryboard(
      root,
      'takes',
      storyboardText('a new closing shot').replace('the hero shot', 'the hero shot at night'),
    );
    const third = await generate(remade, planFor(), provider, run.store);
    const again = await deliver(third);
    assert.equal(again.report.shots[0]!.take, 1);
    assert.equal(again.report.shots[0]!.picked, false);
  });
});
