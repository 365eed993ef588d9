import assert from 'node:assert/strict';
import { copyFile, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { conformClip } from '../../src/media/conform.ts';
import { joinClips } from '../../src/media/join.ts';
import { soundSidecarOf } from '../../src/media/sound-sidecar.ts';
import {
  facts,
  ffmpeg,
  frameLumas,
  makeClip,
  monoSamples,
  onsetAfter,
  scratchDir,
} from './fixtures.ts';

const dir = scratchDir();
const at = (name: string) => path.join(dir, name);
const lengths = [1, 0.5, 0.75];
/** conformed 160x90@24 clips with sound, each with a beep 0.25 s in */
const clips = lengths.map((_, i) => at(`clip${i}.mp4`));
const silentClip = at('silent.mp4');
const rawLarger = at('raw-320x180-30.mp4');

before(async () => {
  await Promise.all(
    lengths.map(async (seconds, i) => {
      const raw = await makeClip(at(`raw${i}.mp4`), {
        seconds,
        width: 320,
        height: 180,
        fps: 30,
        audio: { rate: 44100, beepAt: 0.25 },
      });
      await conformClip({
        input: raw,
        output: clips[i]!,
        trimFrom: 0,
        trimSeconds: seconds,
        width: 160,
        height: 90,
        fps: 24,
        audio: true,
      });
    }),
  );
  await makeClip(rawLarger, { seconds: 1, width: 320, height: 180, fps: 30, audio: {} });
  await conformClip({
    input: rawLarger,
    output: silentClip,
    trimFrom: 0,
    trimSeconds: 0.5,
    width: 160,
    height: 90,
    fps: 24,
    audio: false,
  });
});

/** Asserts picture and sound both last `seconds` and a beep sits at each of `beeps`. */
async function assertJoined(file: string, seconds: number, beeps: number[]): Promise<void> {
  const f = await facts(file);
  assert.ok(
    Math.abs(Number(f.video.duration) - seconds) < 1e-3,
    `picture lasts ${f.video.duration} s, want ${seconds}`,
  );
  assert.ok(
    Math.abs(Number(f.audio!.duration) - seconds) < 1e-3,
    `sound lasts ${f.audio!.duration} s, want ${seconds}`,
  );
  const samples = await monoSamples(file);
  let from = 0;
  for (const beep of beeps) {
    const onset = onsetAfter(samples, from);
    assert.ok(Math.abs(onset - beep) < 0.002, `beep expected at ${beep} s, found at ${onset} s`);
    from = beep + 0.1;
  }
}

describe('joinClips', () => {
  it('joins clips with equal codec parameters by stream copy, without drift', async () => {
    const output = at('copy.mp4');
    assert.deepEqual(await joinClips({ inputs: clips, output }), { method: 'copy' });
    const f = await facts(output);
    assert.equal(Number(f.video.nb_frames), 54);
    assert.deepEqual([f.video.width, f.video.height, f.video.r_frame_rate], [160, 90, '24/1']);
    await assertJoined(output, 2.25, [0.25, 1.25, 1.75]);
  });

  it('fills silence for clips that have no sound, still by copy', async () => {
    const output = at('with-silent.mp4');
    assert.deepEqual(await joinClips({ inputs: [silentClip, clips[0]!], output }), {
      method: 'copy',
    });
    await assertJoined(output, 1.5, [0.75]);
  });

  it('mixes sound down in groups when there are many clips', async () => {
    const output = at('grouped.mp4');
    const inputs = [...clips, clips[0]!, clips[1]!];
    assert.deepEqual(await joinClips({ inputs, output, soundInputsPerRun: 2 }), { method: 'copy' });
    await assertJoined(output, 3.75, [0.25, 1.25, 1.75, 2.5, 3.5]);
  });

  it("encodes once when the clips differ, in the first clip's format", async () => {
    const output = at('encode.mp4');
    assert.deepEqual(await joinClips({ inputs: [clips[0]!, rawLarger], output }), {
      method: 'encode',
    });
    const f = await facts(output);
    assert.deepEqual(
      [f.video.width, f.video.height, f.video.r_frame_rate, f.video.codec_name],
      [160, 90, '24/1', 'h264'],
    );
    assert.equal(Number(f.video.nb_frames), 48);
    await assertJoined(output, 2, [0.25]);
  });

  it('encodes clips that are not MP4', async () => {
    const webm = at('clip.webm');
    await ffmpeg([
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=160x90:r=24:d=0.5',
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      webm,
    ]);
    const output = at('from-webm.mp4');
    assert.deepEqual(await joinClips({ inputs: [clips[1]!, webm], output }), { method: 'encode' });
    await assertJoined(output, 1, [0.25]);
  });

  it('re-encodes to the codec asked for', async () => {
    const output = at('hevc.mp4');
    assert.deepEqual(await joinClips({ inputs: clips.slice(0, 2), output, codec: 'h265' }), {
      method: 'encode',
    });
    const f = await facts(output);
    assert.equal(f.video.codec_name, 'hevc');
    await assertJoined(output, 1.5, [0.25, 1.25]);
  });

  it('joins ProRes clips with PCM sound by copy', async () => {
    const inputs = [at('p0.mov'), at('p1.mov')];
    for (const [i, output] of inputs.entries()) {
      await conformClip({
        input: at(`raw${i}.mp4`),
        output,
        trimFrom: 0,
        trimSeconds: lengths[i]!,
        width: 160,
        height: 90,
        fps: 24,
        audio: true,
        codec: 'prores',
      });
    }
    const output = at('prores.mov');
    assert.deepEqual(await joinClips({ inputs, output }), { method: 'copy' });
    const f = await facts(output);
    assert.deepEqual([f.video.codec_name, f.audio?.codec_name], ['prores', 'pcm_s24le']);
    await assertJoined(output, 1.5, [0.25, 1.25]);
  });

  describe('with sound sidecars', () => {
    // ramp pictures (each clip's first frame the darkest) with a beep on that first frame
    const seconds = [0.5, 1, 0.25, 0.75, 0.5];
    const kept = seconds.map((_, i) => at(`kept${i}.mp4`));
    before(async () => {
      await Promise.all(
        seconds.map(async (length, i) => {
          const raw = await makeClip(at(`ramp${i}.mp4`), {
            seconds: length,
            width: 160,
            height: 90,
            fps: 30,
            picture: 'ramp',
            audio: { rate: 44100, beepAt: 0 },
          });
          await conformClip({
            input: raw,
            output: kept[i]!,
            trimFrom: 0,
            trimSeconds: length,
            width: 160,
            height: 90,
            fps: 24,
            audio: true,
            soundSidecar: true,
          });
        }),
      );
    });

    it('keeps each clip’s exact sound beside it', async () => {
      for (const [i, clip] of kept.entries()) {
        const sidecar = await stat(soundSidecarOf(clip));
        assert.equal(sidecar.size, seconds[i]! * 48000 * 8, `${clip}: 48 kHz stereo float`);
      }
    });

    it('every clip’s beep lands on its first frame in the cut, to the sample', async () => {
      const output = at('sidecars.mp4');
      assert.deepEqual(await joinClips({ inputs: kept, output }), {
        method: 'copy',
      });
      const f = await facts(output);
      assert.equal(Number(f.video.nb_frames), 72);
      assert.ok(Math.abs(Number(f.audio!.duration) - 3) < 1e-3, `sound ${f.audio!.duration} s`);
      // the first frame of each clip, found in the picture: the ramp starts again
      const lumas = await frameLumas(output);
      const firstFrames = lumas.flatMap((luma, i) =>
        i === 0 || luma < lumas[i - 1]! - 8 ? [i] : [],
      );
      const starts = seconds.map((_, i) => seconds.slice(0, i).reduce((a, b) => a + b, 0));
      assert.deepEqual(
        firstFrames,
        starts.map((t) => Math.round(t * 24)),
      );
      const samples = await monoSamples(output);
      for (const frame of firstFrames) {
        const onset = onsetAfter(samples, Math.max(0, frame / 24 - 0.01));
        assert.ok(
          Math.abs(onset - frame / 24) < 0.002,
          `frame ${frame} shows at ${frame / 24} s, its beep starts at ${onset} s`,
        );
      }
    });

    it('decodes a clip written again after its sidecar (the sidecar is stale)', async () => {
      const rewritten = at('rewritten.mp4');
      await copyFile(kept[1]!, rewritten);
      await copyFile(soundSidecarOf(kept[1]!), soundSidecarOf(rewritten));
      // the clip is now the one with a beep at 0.25 s, the sidecar still the old one's sound
      await copyFile(clips[0]!, rewritten);
      const { mtimeMs } = await stat(soundSidecarOf(rewritten));
      await utimes(rewritten, new Date(), new Date(mtimeMs + 1000)); // written a second later
      const output = at('stale.mp4');
      await joinClips({ inputs: [kept[0]!, rewritten], output });
      await assertJoined(output, 1.5, [0, 0.75]);
    });
  });

  it('says what is wrong with its inputs', async () => {
    await assert.rejects(joinClips({ inputs: [], output: at('none.mp4') }), {
      code: 'media_failed',
      message: /no clips/,
    });
    await assert.rejects(joinClips({ inputs: [at('missing.mp4')], output: at('none.mp4') }), {
      code: 'media_failed',
      message: /does not exist/,
    });
  });
});
