import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { detectCuts, matchCuts, splitAtCuts } from '../../src/media/split.ts';
import { facts, ffmpeg, pixelAt, scratchDir } from './fixtures.ts';

const dir = scratchDir();
const threeShots = path.join(dir, 'three-shots.mp4');
const frame = 1 / 24;

before(async () => {
  // red 1 s, green 0.5 s, blue 1 s (red and green have the same luma), with a tone
  const segment = (color: string, seconds: number) => `color=c=${color}:s=160x90:r=24:d=${seconds}`;
  await ffmpeg([
    ...[
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      segment('red', 1),
      '-f',
      'lavfi',
      '-i',
      segment('green', 0.5),
    ],
    ...['-f', 'lavfi', '-i', segment('blue', 1), '-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=2.5'],
    ...[
      '-filter_complex',
      '[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]',
      '-map',
      '[v]',
      '-map',
      '3:a',
    ],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', threeShots],
  ]);
});

const near = (actual: number[], expected: number[]) =>
  actual.length === expected.length &&
  actual.every((t, i) => Math.abs(t - expected[i]!) < frame / 2);

describe('detectCuts', () => {
  it('finds the scene changes of a three-shot clip, colour changes included', async () => {
    const cuts = await detectCuts(threeShots);
    assert.ok(near(cuts, [1, 1.5]), `cuts ${cuts}`);
  });
});

describe('splitAtCuts', () => {
  it('cuts at the detected changes that match the plan, frame-exactly', async () => {
    const outputs = ['a', 'b', 'c'].map((name) => path.join(dir, `${name}.mp4`));
    // the plan is off by 0.3 s: still within reach of the real cuts
    const { cuts, warnings } = await splitAtCuts({
      input: threeShots,
      expectedDurations: [1.3, 0.5, 0.7],
      outputs,
    });
    assert.ok(near(cuts, [1, 1.5]), `cuts ${cuts}`);
    assert.deepEqual(warnings, []);
    const expected = [
      { frames: 24, colour: [255, 0, 0] },
      { frames: 12, colour: [0, 128, 0] },
      { frames: 24, colour: [0, 0, 255] },
    ];
    for (const [i, output] of outputs.entries()) {
      const f = await facts(output);
      assert.equal(Number(f.video.nb_frames), expected[i]!.frames, `shot ${i + 1} frames`);
      assert.ok(f.audio, `shot ${i + 1} keeps its sound`);
      for (const t of [0, (expected[i]!.frames - 1) / 24]) {
        const pixel = await pixelAt(output, t, 80, 45);
        const distance = Math.hypot(...pixel.map((c, k) => c - expected[i]!.colour[k]!));
        assert.ok(distance < 40, `shot ${i + 1} at ${t} s is ${pixel}`);
      }
    }
  });

  it('falls back to the planned boundary, and says so, when no cut is near', async () => {
    const outputs = ['x', 'y', 'z'].map((name) => path.join(dir, `${name}.mp4`));
    const { cuts, warnings } = await splitAtCuts({
      input: threeShots,
      expectedDurations: [0.4, 1.1, 1],
      outputs,
    });
    assert.ok(near(cuts, [10 / 24, 1.5]), `cuts ${cuts}`);
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[0]!,
      /cut 1 .*nearest scene change is at 1\.000 s; cut at the planned 0\.417 s/,
    );
    assert.match(warnings[1]!, /scene change at 1\.000 s matches no planned cut/);
    assert.equal(Number((await facts(outputs[0]!)).video.nb_frames), 10);
  });

  it('refuses a plan the clip is too short for', async () => {
    const outputs = ['p', 'q'].map((name) => path.join(dir, `${name}.mp4`));
    await assert.rejects(splitAtCuts({ input: threeShots, expectedDurations: [3, 1], outputs }), {
      code: 'media_failed',
      message: /too short/,
    });
    await assert.rejects(splitAtCuts({ input: threeShots, expectedDurations: [1], outputs }), {
      code: 'media_failed',
      message: /one output per planned shot/,
    });
  });
});

describe('matchCuts', () => {
  const rate = { num: 24, den: 1 };
  it('takes each detected cut at most once, in order', () => {
    const { cuts, warnings } = matchCuts([1, 1.3], [1.1], rate, 5);
    assert.deepEqual(cuts, [1.1, 31 / 24]);
    assert.deepEqual(warnings, [
      'cut 2 (shot 2 → 3): the nearest scene change is at 1.100 s; cut at the planned 1.292 s instead',
    ]);
  });
  it('pairs a consistently late plan with every cut rather than the nearest first', () => {
    assert.deepEqual(matchCuts([1.3, 1.8], [1, 1.5], rate, 5), { cuts: [1, 1.5], warnings: [] });
  });
  it('reports boundaries with nothing detected', () => {
    const { cuts, warnings } = matchCuts([2], [], rate, 5);
    assert.deepEqual(cuts, [2]);
    assert.match(warnings[0]!, /no scene change was detected/);
  });
  it('accepts a cut 0.5 s away but not further', () => {
    assert.deepEqual(matchCuts([2], [2.5], rate, 5).cuts, [2.5]);
    assert.deepEqual(matchCuts([2], [2.55], rate, 5).cuts, [2]);
  });
});
