import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderPreview, wrapText } from '../../src/media/preview.ts';
import { facts, fraction, isFaststart, pixelAt, scratchDir } from './fixtures.ts';

const dir = scratchDir();
const label = {
  shotId: 'sh-010',
  model: 'veo-3.1-fast',
  prompt: 'A slow dolly in on a rain-soaked neon street at night, 100% wet',
};

describe('renderPreview', () => {
  const cases = [
    {
      name: '1920x1080@24 with audio',
      seconds: 1,
      width: 1920,
      height: 1080,
      fps: 24,
      audio: true,
      frames: 24,
      rate: '24/1',
    },
    {
      name: '1080x1920@30 silent',
      seconds: 1,
      width: 1080,
      height: 1920,
      fps: 30,
      audio: false,
      frames: 30,
      rate: '30/1',
    },
    {
      name: 'half a second',
      seconds: 0.5,
      width: 320,
      height: 180,
      fps: 24,
      audio: true,
      frames: 12,
      rate: '24/1',
    },
    {
      name: '23.976 fps',
      seconds: 2,
      width: 320,
      height: 180,
      fps: 23.976,
      audio: true,
      frames: 48,
      rate: '24000/1001',
    },
  ];
  for (const c of cases) {
    it(`renders ${c.name} exactly`, async () => {
      const output = path.join(dir, `${c.name.replace(/\W+/g, '-')}.mp4`);
      await renderPreview({
        output,
        seconds: c.seconds,
        width: c.width,
        height: c.height,
        fps: c.fps,
        audio: c.audio,
        label,
      });
      const f = await facts(output);
      assert.equal(f.video.codec_name, 'h264');
      assert.equal(f.video.pix_fmt, 'yuv420p');
      assert.equal(f.video.width, c.width);
      assert.equal(f.video.height, c.height);
      assert.equal(f.video.r_frame_rate, c.rate);
      assert.equal(Number(f.video.nb_frames), c.frames);
      const exact = c.frames / fraction(c.rate);
      assert.ok(
        Math.abs(Number(f.video.duration) - exact) < 1e-3,
        `video lasts ${f.video.duration}, want ${exact}`,
      );
      if (c.audio) {
        assert.ok(f.audio, 'has an audio track');
        assert.equal(f.audio.codec_name, 'aac');
        assert.equal(f.audio.sample_rate, '48000');
        assert.equal(f.audio.channels, 2);
        assert.ok(
          Math.abs(Number(f.audio.duration) - exact) < 1e-3,
          `audio lasts ${f.audio.duration}, want ${exact}`,
        );
      } else {
        assert.equal(f.audio, undefined, 'has no audio track');
      }
      assert.ok(await isFaststart(output), 'moov before mdat');
    });
  }

  it('gives different shots different colours', async () => {
    const colours = [];
    for (const shotId of ['sh-001', 'sh-002']) {
      const output = path.join(dir, `${shotId}.mp4`);
      await renderPreview({
        output,
        seconds: 0.5,
        width: 160,
        height: 90,
        fps: 24,
        audio: false,
        label: { ...label, shotId },
      });
      colours.push(await pixelAt(output, 0, 158, 45));
    }
    const [a, b] = colours;
    const distance = Math.hypot(a![0] - b![0], a![1] - b![1], a![2] - b![2]);
    assert.ok(distance > 20, `colours ${a} and ${b} should differ`);
  });

  it('takes any text: empty, quotes, colons, percent signs, brackets, non-Latin', async () => {
    const output = path.join(dir, 'odd-text.mp4');
    const prompt = "50% chance: it's [raining], a;b \\ %{pts} — 雨の夜\n\tend";
    for (const odd of [
      { shotId: '', model: '', prompt: '' },
      { shotId: "sh:1's", model: 'a,b;c', prompt },
    ]) {
      await renderPreview({
        output,
        seconds: 0.25,
        width: 160,
        height: 90,
        fps: 24,
        audio: false,
        label: odd,
      });
      assert.equal(Number((await facts(output)).video.nb_frames), 6);
    }
  });

  it('rejects sizes yuv420p cannot hold and zero-length clips', async () => {
    const base = {
      output: path.join(dir, 'bad.mp4'),
      seconds: 1,
      width: 320,
      height: 180,
      fps: 24,
      audio: false,
      label,
    };
    await assert.rejects(renderPreview({ ...base, width: 321 }), {
      code: 'media_failed',
      message: /even/,
    });
    await assert.rejects(renderPreview({ ...base, seconds: 0.01 }), {
      code: 'media_failed',
      message: /one frame/,
    });
  });
});

describe('wrapText', () => {
  it('wraps at word boundaries', () => {
    assert.deepEqual(wrapText('a slow dolly in on a street', 10, 5), [
      'a slow',
      'dolly in',
      'on a',
      'street',
    ]);
  });
  it('cuts long text to the line budget with an ellipsis', () => {
    const lines = wrapText('one two three four five six seven eight', 9, 2);
    assert.deepEqual(lines, ['one two', 'three…']);
  });
  it('splits words longer than a line and flattens control characters', () => {
    assert.deepEqual(wrapText('abcdefghijkl\n\tx', 5, 5), ['abcde', 'fghij', 'kl x']);
  });
});
