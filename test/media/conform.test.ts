import assert from 'node:assert/strict';
import { readdirSync, watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { conformClip, scaledSize } from '../../src/media/conform.ts';
import { renderPreview } from '../../src/media/preview.ts';
import { probe } from '../../src/media/probe.ts';
import {
  facts,
  ffmpegBytes,
  frameLumas,
  integratedLoudness,
  makeClip,
  monoSamples,
  onsetAfter,
  peakLevel,
  pixelAt,
  rotatedCopy,
  scratchDir,
} from './fixtures.ts';

const dir = scratchDir();
const src = {
  gray: path.join(dir, 'gray-320x180.mp4'),
  ramp24: path.join(dir, 'ramp-24.mp4'),
  ramp30: path.join(dir, 'ramp-30.mp4'),
  ramp60: path.join(dir, 'ramp-60.mp4'),
  beep: path.join(dir, 'beep.mp4'),
  quiet: path.join(dir, 'quiet.mp4'),
  rotated: path.join(dir, 'rotated.mp4'),
};
const out = (name: string) => path.join(dir, 'out', name);

before(async () => {
  await Promise.all([
    makeClip(src.gray, {
      seconds: 1,
      width: 320,
      height: 180,
      fps: 24,
      picture: { color: 'gray' },
    }),
    makeClip(src.ramp24, { seconds: 2, width: 160, height: 90, fps: 24, picture: 'ramp' }),
    makeClip(src.ramp30, { seconds: 1, width: 160, height: 90, fps: 30, picture: 'ramp' }),
    makeClip(src.ramp60, {
      seconds: 0.8,
      width: 160,
      height: 90,
      fps: 60,
      picture: 'ramp',
      audio: { rate: 44100, channels: 1 },
    }),
    makeClip(src.beep, {
      seconds: 2,
      width: 160,
      height: 90,
      fps: 24,
      audio: { rate: 44100, beepAt: 1.5 },
    }),
    makeClip(src.quiet, { seconds: 2, width: 160, height: 90, fps: 25, audio: { dbfs: -35 } }),
  ]);
  await rotatedCopy(src.gray, src.rotated, 90);
});

/** The MD5 of each stored picture of `file`, in stored order. */
const videoPackets = async (file: string) =>
  (await ffmpegBytes(['-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', '-']))
    .toString()
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)!.trim());

/** The source frame number each output frame shows, read from the ramp's luma. */
const rampFrames = (lumas: number[]) => lumas.map((y) => Math.round((y - 16) / 4));

describe('conformClip', () => {
  it('fits landscape into portrait with black bars above and below', async () => {
    const output = out('fit.mp4');
    const info = await conformClip({
      input: src.gray,
      output,
      trimFrom: 0,
      trimSeconds: 1,
      width: 180,
      height: 320,
      fps: 24,
      audio: false,
    });
    const f = await facts(output);
    assert.equal(f.video.width, 180);
    assert.equal(f.video.height, 320);
    assert.deepEqual([info.width, info.height, info.frames], [180, 320, 24]);
    const top = await pixelAt(output, 0, 90, 10);
    const middle = await pixelAt(output, 0, 90, 160);
    assert.ok(
      top.every((c) => c < 10),
      `top ${top} is black`,
    );
    assert.ok(
      middle.every((c) => c > 100),
      `middle ${middle} is the picture`,
    );
  });

  it('fills portrait from landscape by cropping, without bars', async () => {
    const output = out('fill.mp4');
    await conformClip({
      input: src.gray,
      output,
      trimFrom: 0,
      trimSeconds: 1,
      width: 180,
      height: 320,
      fps: 24,
      fit: 'fill',
      audio: false,
    });
    const f = await facts(output);
    assert.deepEqual([f.video.width, f.video.height], [180, 320]);
    for (const y of [2, 160, 317]) {
      const pixel = await pixelAt(output, 0, 90, y);
      assert.ok(
        pixel.every((c) => c > 100),
        `row ${y}: ${pixel} is the picture`,
      );
    }
  });

  it('turns a clip stored sideways the way players show it', async () => {
    const output = out('rotated.mp4');
    await conformClip({
      input: src.rotated,
      output,
      trimFrom: 0,
      trimSeconds: 1,
      width: 180,
      height: 320,
      fps: 24,
      audio: false,
    });
    // shown upright, the picture already is portrait: it fills the frame, no bars
    for (const y of [5, 315]) {
      const pixel = await pixelAt(output, 0, 90, y);
      assert.ok(
        pixel.every((c) => c > 100),
        `row ${y}: ${pixel} is the picture`,
      );
    }
  });

  it('plays 60 fps at 24 fps for slowmo 2.5: every source frame once, in order, 2.5x as long', async () => {
    const output = out('slowmo.mp4');
    await conformClip({
      input: src.ramp60,
      output,
      trimFrom: 0,
      trimSeconds: 0.8,
      width: 160,
      height: 90,
      fps: 24,
      slowmo: 2.5,
      audio: true,
    });
    const f = await facts(output);
    assert.equal(f.video.r_frame_rate, '24/1');
    assert.equal(Number(f.video.nb_frames), 48);
    assert.ok(Math.abs(Number(f.video.duration) - 2) < 1e-3);
    assert.ok(
      Math.abs(Number(f.audio!.duration) - 2) < 1e-3,
      'silent track as long as the picture',
    );
    assert.deepEqual(
      rampFrames(await frameLumas(output)),
      Array.from({ length: 48 }, (_, i) => i),
    );
    assert.ok((await peakLevel(output)) < -80, 'slow-motion sound is replaced by silence');
  });

  it('interpolates 24 fps slowed 2.5x: a new frame every output frame, in order, no repeats', async () => {
    const plain = out('slowmo24-repeat.mp4');
    const smooth = out('slowmo24-interpolated.mp4');
    const base = {
      input: src.ramp24,
      trimFrom: 0,
      trimSeconds: 0.8,
      width: 160,
      height: 90,
      fps: 24,
      slowmo: 2.5,
      audio: false,
    };
    await conformClip({ ...base, output: plain });
    await conformClip({ ...base, output: smooth, interpolate: true });
    const repeated = await frameLumas(plain);
    const interpolated = await frameLumas(smooth);
    assert.equal(interpolated.length, 48);
    assert.equal(Number((await facts(smooth)).video.nb_frames), 48);
    // without interpolation 20 source frames are each shown 2 or 3 times
    assert.ok(new Set(repeated).size <= 20, `repeated: ${new Set(repeated).size} distinct`);
    assert.equal(new Set(interpolated).size, 48, 'every output frame is a different picture');
    for (let i = 1; i < interpolated.length; i++) {
      assert.ok(interpolated[i]! > interpolated[i - 1]!, `frame ${i} moves forward`);
    }
    // it starts on the first source frame and covers the same stretch of the source
    assert.equal(interpolated[0], repeated[0]);
    assert.ok(Math.abs(interpolated.at(-1)! - repeated.at(-1)!) <= 4);
  });

  it('does not interpolate a source with enough frames (60 fps slowed 2.5x into 24 fps)', async () => {
    const output = out('slowmo60-no-interpolation.mp4');
    await conformClip({
      input: src.ramp60,
      output,
      trimFrom: 0,
      trimSeconds: 0.8,
      width: 160,
      height: 90,
      fps: 24,
      slowmo: 2.5,
      audio: false,
      interpolate: true,
    });
    assert.deepEqual(
      rampFrames(await frameLumas(output)),
      Array.from({ length: 48 }, (_, i) => i),
    );
  });

  it('converts 30 fps to 24 by picking the nearest source frames', async () => {
    const output = out('30to24.mp4');
    await conformClip({
      input: src.ramp30,
      output,
      trimFrom: 0,
      trimSeconds: 1,
      width: 160,
      height: 90,
      fps: 24,
      audio: false,
    });
    const f = await facts(output);
    assert.equal(f.video.r_frame_rate, '24/1');
    assert.equal(Number(f.video.nb_frames), 24);
    const frames = rampFrames(await frameLumas(output));
    frames.forEach((source, k) => {
      assert.ok(
        Math.abs(source - k * 1.25) <= 0.5,
        `output frame ${k} shows source frame ${source}`,
      );
    });
  });

  it('trims frame-exactly, even where the start time has no exact binary form', async () => {
    const output = out('trim.mp4');
    const info = await conformClip({
      input: src.ramp24,
      output,
      trimFrom: 25 / 24,
      trimSeconds: 0.5,
      width: 160,
      height: 90,
      fps: 24,
      audio: false,
    });
    assert.equal(info.frames, 12);
    assert.deepEqual(
      rampFrames(await frameLumas(output)),
      Array.from({ length: 12 }, (_, i) => 25 + i),
    );
  });

  it('keeps sound in sync with the picture when trimming, resampling to 48 kHz stereo', async () => {
    const output = out('sync.mp4');
    await conformClip({
      input: src.beep,
      output,
      trimFrom: 1,
      trimSeconds: 1,
      width: 160,
      height: 90,
      fps: 24,
      audio: true,
    });
    const f = await facts(output);
    assert.equal(f.audio?.sample_rate, '48000');
    assert.equal(f.audio?.channels, 2);
    assert.ok(Math.abs(Number(f.audio!.duration) - Number(f.video.duration)) < 1e-3);
    const onset = onsetAfter(await monoSamples(output), 0);
    // the beep was 1.5 s into the source, so 0.5 s into the clip; 2 ms covers AAC pre-echo
    assert.ok(Math.abs(onset - 0.5) < 0.002, `beep at ${onset} s`);
  });

  it('adds a silent 48 kHz stereo track when the input has none', async () => {
    const output = out('silence.mp4');
    const info = await conformClip({
      input: src.gray,
      output,
      trimFrom: 0.25,
      trimSeconds: 0.5,
      width: 320,
      height: 180,
      fps: 24,
      audio: true,
    });
    assert.equal(info.hasAudio, true);
    const f = await facts(output);
    assert.deepEqual(
      [f.audio?.codec_name, f.audio?.sample_rate, f.audio?.channels],
      ['aac', '48000', 2],
    );
    assert.ok(Math.abs(Number(f.audio!.duration) - 0.5) < 1e-3);
    assert.ok((await peakLevel(output)) <= -90, 'digital silence');
  });

  for (const target of [-23, -14]) {
    it(`normalises loudness to ${target} LUFS within 1 LU`, async () => {
      const output = out(`loud${target}.mp4`);
      await conformClip({
        input: src.quiet,
        output,
        trimFrom: 0,
        trimSeconds: 2,
        width: 160,
        height: 90,
        fps: 25,
        audio: true,
        loudnessLufs: target,
      });
      const measured = await integratedLoudness(output);
      assert.ok(Math.abs(measured - target) <= 1, `measured ${measured} LUFS`);
      const f = await facts(output);
      assert.ok(Math.abs(Number(f.audio!.duration) - 2) < 1e-3);
    });
  }

  it('gives clips from different sources identical codec parameters', async () => {
    const a = out('same-a.mp4');
    const b = out('same-b.mp4');
    const target = { trimFrom: 0, trimSeconds: 0.5, width: 160, height: 90, fps: 24, audio: true };
    await conformClip({ ...target, input: src.ramp60, output: a });
    await conformClip({ ...target, input: src.gray, output: b });
    const [fa, fb] = [await facts(a), await facts(b)];
    for (const key of [
      'codec_name',
      'profile',
      'pix_fmt',
      'time_base',
      'r_frame_rate',
      'extradata',
    ] as const) {
      assert.equal(fa.video[key], fb.video[key], `video ${key}`);
    }
    for (const key of [
      'codec_name',
      'profile',
      'sample_rate',
      'channel_layout',
      'time_base',
      'extradata',
    ] as const) {
      assert.equal(fa.audio![key], fb.audio![key], `audio ${key}`);
    }
  });

  it('copies a picture already in the format (frame for frame), and encodes one that is not', async () => {
    // drafts: their encoder stores frames in display order, so an end can be cut off by copy
    const target = { trimFrom: 0, width: 160, height: 90, fps: 24, audio: true, draft: true };
    const first = out('copy-source.mp4');
    await conformClip({ ...target, trimSeconds: 1, input: src.ramp30, output: first });
    const again = out('copy-again.mp4');
    await conformClip({ ...target, trimSeconds: 0.5, input: first, output: again });
    const packets = videoPackets;
    const [source, copied] = [await packets(first), await packets(again)];
    assert.equal(copied.length, 12);
    assert.deepEqual(copied, source.slice(0, 12), 'the first 12 frames, as stored');
    // and all of its sound (a frame count used to end the file with the picture, and the last
    // AAC frames with it); to the millisecond, as an edit list keeps the sound's length
    const copiedFacts = await facts(again);
    const shortBy = Number(copiedFacts.video.duration) - Number(copiedFacts.audio!.duration);
    assert.ok(Math.abs(shortBy) <= 0.001, `the sound is ${shortBy} s shorter than the picture`);
    // another size, or the final encoding, is encoded: none of its frames is the source's
    for (const [name, change] of [
      ['copy-other.mp4', { width: 96 }],
      ['copy-final.mp4', { draft: false }],
    ] as const) {
      const other = out(name);
      await conformClip({ ...target, ...change, trimSeconds: 0.5, input: first, output: other });
      const encoded = await packets(other);
      assert.equal(encoded.length, 12);
      assert.ok(
        encoded.every((md5) => !source.includes(md5)),
        name,
      );
    }
    // and the copy has the codec parameters of drafts encoded from other sources
    const encodedDraft = out('copy-draft-gray.mp4');
    await conformClip({ ...target, trimSeconds: 0.5, input: src.gray, output: encodedDraft });
    const [fa, fb] = [await facts(again), await facts(encodedDraft)];
    assert.equal(fa.video.extradata, fb.video.extradata);
  });

  it('copies a shot of a multi-shot preview from its keyframe, in sync with its sound', async () => {
    // three shots; the second starts on frame 13 (0.5417 s, not a whole microsecond). HD, as
    // previews are tagged BT.709 (and so copied) from 1280 wide
    const size = { width: 1280, height: 720, fps: 24 };
    const group = out('group-preview.mp4');
    await renderPreview({
      ...size,
      output: group,
      seconds: 1.5,
      audio: true,
      label: { shotId: 'g1', model: 'm', prompt: 'p' },
      shots: [
        { shotId: 'g1', prompt: 'one', seconds: 13 / 24 },
        { shotId: 'g2', prompt: 'two', seconds: 12 / 24 },
        { shotId: 'g3', prompt: 'three', seconds: 11 / 24 },
      ],
    });
    const target = { ...size, audio: true, draft: true, trimSeconds: 0.5 };
    const source = await videoPackets(group);
    const second = out('group-second.mp4');
    await conformClip({ ...target, trimFrom: 13 / 24, input: group, output: second });
    assert.deepEqual(await videoPackets(second), source.slice(13, 25), 'frames 13–24, as stored');
    // the same shot encoded (the final encoding is not the draft's): the same sound, to the
    // sample (the tone moves by 0.0025 a sample; the first and last AAC frames, where the two
    // encodes differ a little, aside)
    const encoded = out('group-second-encoded.mp4');
    await conformClip({
      ...target,
      draft: false,
      trimFrom: 13 / 24,
      input: group,
      output: encoded,
    });
    const [copiedSound, encodedSound] = [await monoSamples(second), await monoSamples(encoded)];
    assert.equal(copiedSound.length, encodedSound.length);
    const inner = copiedSound.subarray(1024, -1024);
    assert.ok(
      inner.every((v, i) => Math.abs(v - encodedSound[i + 1024]!) < 1e-3),
      'the copy’s sound starts where the encoded clip’s does',
    );
    const [copiedInfo, encodedInfo] = [await probe(second), await probe(encoded)];
    assert.equal(copiedInfo.frames, 12);
    assert.equal(copiedInfo.durationSeconds, encodedInfo.durationSeconds);
    // a start between keyframes is encoded
    const between = out('group-between.mp4');
    await conformClip({ ...target, trimFrom: 6 / 24, input: group, output: between });
    const fromMiddle = await videoPackets(between);
    assert.equal(fromMiddle.length, 12);
    assert.notEqual(fromMiddle[0], source[6]);
  });

  it('describes what it wrote exactly as ffprobe does', async () => {
    for (const [name, codec] of [
      ['described.mp4', 'h264'],
      ['described.mov', 'prores'],
    ] as const) {
      const output = out(name);
      const described = await conformClip({
        input: src.ramp30,
        output,
        trimFrom: 0.1,
        trimSeconds: 0.5,
        width: 160,
        height: 90,
        fps: 23.976,
        audio: true,
        codec,
      });
      assert.deepEqual(described, await probe(output));
    }
  });

  it('writes ProRes to .mov and H.265 to .mp4', async () => {
    const target = {
      input: src.gray,
      trimFrom: 0,
      trimSeconds: 0.25,
      width: 160,
      height: 90,
      fps: 24,
      audio: true,
    };
    const prores = await conformClip({ ...target, output: out('prores.mov'), codec: 'prores' });
    assert.deepEqual(
      [prores.videoCodec, prores.pixelFormat, prores.audioCodec],
      ['prores', 'yuv422p10le', 'pcm_s24le'],
    );
    const hevc = await conformClip({ ...target, output: out('hevc.mp4'), codec: 'h265' });
    assert.deepEqual([hevc.videoCodec, hevc.pixelFormat, hevc.frames], ['hevc', 'yuv420p', 6]);
    await assert.rejects(conformClip({ ...target, output: out('prores.mp4'), codec: 'prores' }), {
      code: 'media_failed',
      message: /\.mov/,
    });
  });

  it('holds the last frame over a small shortfall and refuses a large one', async () => {
    const target = {
      input: src.gray,
      width: 160,
      height: 90,
      fps: 24,
      audio: false,
      trimFrom: 0.5,
    };
    const info = await conformClip({ ...target, output: out('short.mp4'), trimSeconds: 0.7 });
    assert.equal(info.frames, Math.round(0.7 * 24));
    await assert.rejects(conformClip({ ...target, output: out('too-short.mp4'), trimSeconds: 1 }), {
      code: 'media_failed',
      message: /is not there/,
    });
  });

  it('stops ffmpeg on abort and leaves no partial file', async () => {
    const folder = out('aborted');
    await mkdir(folder, { recursive: true });
    const controller = new AbortController();
    // abort as soon as ffmpeg has created its temporary output
    const watcher = watch(folder, () => controller.abort());
    try {
      await assert.rejects(
        conformClip({
          input: src.beep,
          output: path.join(folder, 'clip.mp4'),
          trimFrom: 0,
          trimSeconds: 2,
          width: 1920,
          height: 1080,
          fps: 60,
          audio: true,
          loudnessLufs: -23,
          signal: controller.signal,
        }),
        { code: 'aborted' },
      );
    } finally {
      watcher.close();
    }
    assert.deepEqual(readdirSync(folder), []);
  });
});

describe('scaledSize', () => {
  it('fits and fills by the displayed aspect ratio, on even sizes', () => {
    assert.deepEqual(scaledSize(16 / 9, 1080, 1920, 'fit'), { width: 1080, height: 608 });
    assert.deepEqual(scaledSize(16 / 9, 1080, 1920, 'fill'), { width: 3414, height: 1920 });
    assert.deepEqual(scaledSize(9 / 16, 1920, 1080, 'fit'), { width: 608, height: 1080 });
    assert.deepEqual(scaledSize(16 / 9, 1920, 1080, 'fill'), { width: 1920, height: 1080 });
  });
});
