/**
 * Every conform case through the assembly, checked with ffprobe and on the pictures: sizes of
 * both orientations with fit and fill, frame-rate conversion, slow motion by retiming, missing
 * sound, sound of another rate and layout, loudness to -23 and -14 LUFS, and the three codecs.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { facts, frameLumas, integratedLoudness, pixelAt, scratchDir } from '../media/fixtures.ts';
import {
  cutClip,
  deliver,
  type FixtureRun,
  fixtureProvider,
  generate,
  planned,
  planOf,
  writeStoryboard,
} from './harness.ts';

const root = scratchDir();
const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected}`);

describe('conform: a landscape 160x90 cut at 24 fps, fit, -23 LUFS', () => {
  let run: FixtureRun;
  let delivery: Awaited<ReturnType<typeof deliver>>;
  before(async () => {
    const storyboard = writeStoryboard(
      root,
      'landscape',
      `version: 1
title: Conform cases
deliver: { resolution: 160x90, fps: 24 }
shots:
  - { id: wide43, prompt: a 4:3 clip at 30 fps with quiet mono 44.1 kHz sound, duration: 1 }
  - { id: tall, prompt: a portrait clip with no sound, duration: 1, resolution: 90x160 }
  - { id: slow, prompt: 60 fps played at 24, duration: 1, slowmo: 2.5 }
  - { id: big, prompt: a larger clip at 25 fps with loud sound, duration: 1 }
`,
    );
    const plan = planOf('Conform cases', [
      planned('wide43', { seconds: 1, width: 120, height: 90, fps: 30, audio: true }),
      planned('tall', { seconds: 1, width: 90, height: 160, fps: 24 }),
      planned('slow', { seconds: 0.4, width: 160, height: 90, fps: 60 }),
      planned('big', { seconds: 1, width: 320, height: 180, fps: 25, audio: true }),
    ]);
    const provider = fixtureProvider((r) => {
      if (r.unit === 'wide43') {
        return {
          scenes: [{ color: 'white', seconds: 1 }],
          tone: { dbfs: -35, rate: 44100, channels: 1 },
        };
      }
      if (r.unit === 'tall') return { scenes: [{ color: 'white', seconds: 1 }] };
      if (r.unit === 'slow') return { ramp: true };
      return { tone: { dbfs: -12 } };
    });
    run = await generate(storyboard, plan, provider);
    delivery = await deliver(run);
  });
  after(() => run?.store.close());

  test('every clip of the cut is 160x90 at exactly 24 fps with 48 kHz stereo, as long as its shot', async () => {
    for (const id of ['wide43', 'tall', 'slow', 'big']) {
      const f = await facts(cutClip(run, delivery, id));
      assert.equal(f.video.width, 160, id);
      assert.equal(f.video.height, 90, id);
      assert.equal(f.video.r_frame_rate, '24/1', id);
      assert.equal(f.video.nb_frames, '24', id);
      assert.equal(f.audio?.sample_rate, '48000', id);
      assert.equal(f.audio?.channels, 2, id);
      near(Number(f.video.duration), 1, 0.001, `${id} duration`);
    }
  });

  test('fit: a 4:3 picture and a portrait picture are pillarboxed, not stretched or cropped', async () => {
    // 120x90 in 160x90: 20 px black each side; 90x160 in 160x90: about 50 px wide in the middle
    for (const [id, barX] of [
      ['wide43', 5],
      ['tall', 30],
    ] as const) {
      const clip = cutClip(run, delivery, id);
      const bar = await pixelAt(clip, 0.5, barX, 45);
      const middle = await pixelAt(clip, 0.5, 80, 45);
      assert.ok(Math.max(...bar) < 30, `${id}: the side is black: ${bar}`);
      assert.ok(Math.min(...middle) > 220, `${id}: the picture is in the middle: ${middle}`);
    }
  });

  test('slow motion: 60 fps played at 24, every source frame once, no blending', async () => {
    const lumas = await frameLumas(cutClip(run, delivery, 'slow'));
    assert.equal(lumas.length, 24);
    for (const [n, luma] of lumas.entries()) near(luma, 16 + 4 * n, 1.5, `frame ${n}`);
  });

  test('missing sound becomes silence; the whole cut is normalised to -23 LUFS, clips keep their levels', async () => {
    assert.ok((await facts(cutClip(run, delivery, 'tall'))).audio, 'the silent clip has a track');
    const quiet = await integratedLoudness(cutClip(run, delivery, 'wide43'));
    const loud = await integratedLoudness(cutClip(run, delivery, 'big'));
    // a -35 dBFS tone and a -12 dBFS one: conforming leaves their levels as they came
    assert.ok(loud - quiet > 15, `the loud clip stays louder: ${loud} vs ${quiet} LUFS`);
    near(await integratedLoudness(delivery.final), -23, 1, 'the cut');
  });

  test('the cut joins the clips by stream copy into one H.264 file of the summed length', async () => {
    const f = await facts(delivery.final);
    assert.equal(path.basename(delivery.final), 'final.mp4');
    assert.equal(delivery.report.join, 'copy');
    assert.equal(f.video.codec_name, 'h264');
    assert.equal(f.video.nb_frames, '96');
    assert.equal(f.audio?.sample_rate, '48000');
    assert.equal(
      delivery.report.shots.every((s) => s.state === 'done'),
      true,
    );
  });
});

describe('conform: a portrait 90x160 social cut, fill, -14 LUFS, H.265', () => {
  let run: FixtureRun;
  let delivery: Awaited<ReturnType<typeof deliver>>;
  before(async () => {
    const storyboard = writeStoryboard(
      root,
      'portrait',
      `version: 1
title: Social cut
deliver: { resolution: 90x160, fps: 30, codec: h265, fit: fill, loudness: -14 }
shots:
  - { id: land, prompt: a landscape clip filling a portrait frame, duration: 1, resolution: 160x90 }
  - { id: talk, prompt: a portrait clip with quiet sound, duration: 1 }
`,
    );
    const plan = planOf('Social cut', [
      planned('land', { seconds: 1, width: 160, height: 90, fps: 24 }),
      planned('talk', { seconds: 1, width: 90, height: 160, fps: 30, audio: true }),
    ]);
    const provider = fixtureProvider((r) =>
      r.unit === 'land' ? { scenes: [{ color: 'white', seconds: 1 }] } : { tone: { dbfs: -30 } },
    );
    run = await generate(storyboard, plan, provider);
    delivery = await deliver(run);
  });
  after(() => run?.store.close());

  test('fill: the landscape picture is cropped to cover the portrait frame (no bars)', async () => {
    const clip = cutClip(run, delivery, 'land');
    const f = await facts(clip);
    assert.equal(f.video.width, 90);
    assert.equal(f.video.height, 160);
    assert.equal(f.video.r_frame_rate, '30/1');
    for (const [x, y] of [
      [45, 3],
      [3, 80],
      [45, 156],
    ] as const) {
      const pixel = await pixelAt(clip, 0.5, x, y);
      assert.ok(Math.min(...pixel) > 220, `(${x}, ${y}) is picture, not a bar: ${pixel}`);
    }
  });

  test('sound is normalised to -14 LUFS over the cut, and the cut is H.265 at 90x160', async () => {
    const f = await facts(delivery.final);
    assert.equal(f.video.codec_name, 'hevc');
    assert.equal(f.video.width, 90);
    assert.equal(f.video.height, 160);
    near(await integratedLoudness(delivery.final), -14, 1, 'the cut');
  });
});

describe('conform: ProRes delivery', () => {
  test('the cut is ProRes 422 HQ with 24-bit PCM in final.mov', async () => {
    const storyboard = writeStoryboard(
      root,
      'prores',
      `version: 1
title: Broadcast master
deliver: { resolution: 160x90, fps: 25, codec: prores }
shots:
  - { id: one, prompt: a clip, duration: 0.4 }
  - { id: two, prompt: another clip, duration: 0.4 }
`,
    );
    const plan = planOf('Broadcast master', [
      planned('one', { seconds: 0.4, fps: 25, audio: true }),
      planned('two', { seconds: 0.4, fps: 25 }),
    ]);
    const run = await generate(
      storyboard,
      plan,
      fixtureProvider(() => ({})),
    );
    try {
      const delivery = await deliver(run);
      assert.equal(path.basename(delivery.final), 'final.mov');
      assert.equal(delivery.report.final, 'final.mov');
      const f = await facts(delivery.final);
      assert.equal(f.video.codec_name, 'prores');
      assert.equal(f.video.profile, 'HQ');
      assert.equal(f.audio?.codec_name, 'pcm_s24le');
      assert.equal(f.video.nb_frames, '20');
      assert.equal(delivery.report.join, 'copy');
    } finally {
      await run.store.close();
    }
  });
});
