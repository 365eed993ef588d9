import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { conformClip, type SoundInPlace } from '../../src/media/conform.ts';
import { mediaConcurrency, setMediaConcurrency } from '../../src/media/ffmpeg.ts';
import {
  joinClips,
  type LandingSound,
  landingSound,
  prepareCutSound,
} from '../../src/media/join.ts';
import {
  facts,
  integratedLoudness,
  makeClip,
  monoSamples,
  onsetAfter,
  peakLevel,
  scratchDir,
} from './fixtures.ts';

const dir = scratchDir();
const at = (name: string) => path.join(dir, name);
/** conformed 160x90@24 clips with sound sidecars: quiet tones at different levels */
const levels = [-30, -24, -36, -28, -26];
const seconds = [1, 0.75, 1.25, 0.5, 1];
const clips = levels.map((_, i) => at(`clip${i}.mp4`));

/** The segment files a sound cache holds, with their modification times. */
async function segments(cache: string): Promise<Map<string, number>> {
  const names = (await readdir(cache)).filter((name) => name.endsWith('.aac'));
  return new Map(
    await Promise.all(
      names.map(async (name) => [name, (await stat(path.join(cache, name))).mtimeMs] as const),
    ),
  );
}

/** Raw clip `i` conformed to `output`, with its sound sidecar (and its sound in place). */
function conformRaw(i: number, output: string, soundInPlace?: SoundInPlace, signal?: AbortSignal) {
  return conformClip({
    input: at(`raw${i}.mp4`),
    output,
    trimFrom: 0,
    trimSeconds: seconds[i]!,
    width: 160,
    height: 90,
    fps: 24,
    audio: true,
    soundSidecar: true,
    ...(soundInPlace ? { soundInPlace } : {}),
    ...(signal ? { signal } : {}),
  });
}

/** How many ffmpeg processes this process has running (Linux /proc). */
function ffmpegChildren(): number {
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8');
  return children
    .trim()
    .split(' ')
    .filter((pid) => {
      try {
        return pid !== '' && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ffmpeg';
      } catch {
        return false; // it ended meanwhile
      }
    }).length;
}

/**
 * The cut's sound made ahead without clip 3 (in cache `name`), then `use` given the sound in
 * place for that clip's conform; disposed of after.
 */
async function withSoundInPlace(name: string, use: (sound: LandingSound) => Promise<void>) {
  const last = 3;
  const entries = clips.map((clip, i) => (i === last ? { frames: seconds[i]! * 24 } : { clip }));
  const options = { entries, output: at(`${name}.mp4`), soundCache: at(name) };
  await prepareCutSound(options);
  const sound = await landingSound({ ...options, landing: last });
  assert.ok(sound, 'everything around the last clip is known');
  try {
    await use(sound);
  } finally {
    await sound.dispose();
  }
}

before(async () => {
  await Promise.all(
    levels.map(async (dbfs, i) => {
      await makeClip(at(`raw${i}.mp4`), {
        seconds: seconds[i]!,
        width: 160,
        height: 90,
        fps: 24,
        audio: { dbfs },
      });
      await conformRaw(i, clips[i]!);
    }),
  );
});

describe('joinClips: the cut’s loudness on the AAC grid', () => {
  it('sets the whole cut to the target, one gain for every clip, by copy', async () => {
    const output = at('loud.mp4');
    assert.deepEqual(await joinClips({ inputs: clips, output, loudnessLufs: -20 }), {
      method: 'copy',
    });
    const measured = await integratedLoudness(output);
    assert.ok(Math.abs(measured - -20) <= 0.15, `the cut measures ${measured} LUFS`);
    const f = await facts(output);
    const total = seconds.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(Number(f.audio!.duration) - total) < 1e-3, `sound ${f.audio!.duration} s`);
    assert.ok(Math.abs(Number(f.video.duration) - total) < 1e-3, `picture ${f.video.duration} s`);
  });

  it('keeps its segments: the same cut again encodes nothing, a changed clip only around it', async () => {
    const cache = at('cache');
    await joinClips({ inputs: clips, output: at('first.mp4'), soundCache: cache });
    const first = await segments(cache);
    assert.equal(first.size, clips.length);
    await joinClips({ inputs: clips, output: at('again.mp4'), soundCache: cache });
    assert.deepEqual(await segments(cache), first, 'nothing encoded again');
    // the last clip replaced by the first: its segment and its neighbour's are new, and the
    // ones no longer used are gone
    const changed = [...clips.slice(0, -1), clips[0]!];
    await joinClips({ inputs: changed, output: at('changed.mp4'), soundCache: cache });
    const after = await segments(cache);
    const kept = [...after.keys()].filter((name) => first.get(name) === after.get(name));
    assert.equal(kept.length, clips.length - 2, `kept ${kept.length} of ${clips.length}`);
    assert.equal(after.size, clips.length);
  });

  /**
   * The cut's sound made ahead as if every clip but `last` had landed, then the cut joined:
   * how many segments were made ahead, the cache's segments before and after the join.
   */
  async function aheadThenJoin(last: number, name: string) {
    const cache = at(`${name}-cache`);
    const output = at(`${name}.mp4`);
    const loudness = { loudnessLufs: -20, loudnessToleranceDb: 0.3, soundCache: cache };
    const { encoded } = await prepareCutSound({
      entries: clips.map((clip, i) => (i === last ? { frames: seconds[i]! * 24 } : { clip })),
      output,
      ...loudness,
    });
    const ahead = await segments(cache);
    await joinClips({ inputs: clips, output, ...loudness });
    return {
      encoded,
      ahead,
      after: await segments(cache),
      loudness: await integratedLoudness(output),
    };
  }

  it('takes the sound made ahead as clips landed, encoding only around the last', async () => {
    // the fourth clip is at about the cut's loudness: the gain made ahead holds
    const { encoded, ahead, after, loudness } = await aheadThenJoin(3, 'ahead');
    // the segments whose sound or context touch the missing clip wait for it
    assert.equal(encoded, clips.length - 3);
    const reused = [...ahead.keys()].filter((name) => after.get(name) === ahead.get(name));
    assert.equal(reused.length, clips.length - 3, 'the segments made ahead are in the cut');
    assert.ok(Math.abs(loudness - -20) <= 0.3 + 0.1, `the cut measures ${loudness} LUFS`);
  });

  it('makes the sound around the last clip in its conform: the join then encodes nothing', async () => {
    const last = 3;
    const landed = at('landed.mp4');
    const inputs = clips.with(last, landed);
    /** the cut joined after its sound was made ahead without `last`, and `last` conformed */
    const cut = async (name: string, inPlace: boolean) => {
      const loudness = { loudnessLufs: -20, loudnessToleranceDb: 0.3, soundCache: at(name) };
      const entries = clips.map((clip, i) =>
        i === last ? { frames: seconds[i]! * 24 } : { clip },
      );
      await prepareCutSound({ entries, output: at(`${name}.mp4`), ...loudness });
      const sound = inPlace
        ? await landingSound({ entries, output: at(`${name}.mp4`), landing: last, ...loudness })
        : undefined;
      if (inPlace) assert.ok(sound, 'everything around the last clip is known');
      await conformRaw(last, landed, sound?.soundInPlace);
      if (sound) {
        assert.equal(await sound.kept(landed), true);
        await sound.dispose();
      }
      const ahead = await segments(at(name));
      await joinClips({ inputs, output: at(`${name}.mp4`), ...loudness });
      const audio = await monoSamples(at(`${name}.mp4`));
      return { ahead, after: await segments(at(name)), audio };
    };
    const inPlace = await cut('in-place', true);
    assert.equal(inPlace.ahead.size, clips.length, 'every segment made before the join');
    assert.deepEqual(inPlace.after, inPlace.ahead, 'the join encoded nothing');
    // the same sound as when the join encodes around the last clip, to the sample: the two
    // differ only as two AAC encodes begun at different places do (the join may split its
    // runs over the processes), far below anything misplaced (the tones are at -36 to -24 dBFS)
    const byJoin = await cut('by-join', false);
    assert.equal(byJoin.ahead.size, clips.length - 3);
    assert.equal(inPlace.audio.length, byJoin.audio.length);
    let worst = 0;
    for (const [i, sample] of inPlace.audio.entries()) {
      worst = Math.max(worst, Math.abs(sample - byJoin.audio[i]!));
    }
    assert.ok(worst < 0.001, `the two cuts differ by up to ${worst}`);
  });

  it('conforms the clip when its sound in place cannot be made, and keeps none of it', async () => {
    await withSoundInPlace('broken', async (sound) => {
      // the sound after the clip cannot be read (a neighbour's sidecar changed meanwhile):
      // the encode fails midway, after writing the packets before it
      const broken = {
        ...sound.soundInPlace,
        // biome-ignore lint/correctness/useYield: it fails before its first chunk
        async *after() {
          throw new Error('the sidecar changed');
        },
      };
      const landed = at('broken-landed.mp4');
      const info = await conformRaw(3, landed, broken);
      assert.equal(info.durationSeconds, seconds[3]);
      await assert.rejects(stat(broken.output), { code: 'ENOENT' });
      assert.equal(await sound.kept(landed), false);
    });
  });

  it('stops both processes when the conform is stopped, whatever the sound in place was doing', async () => {
    await withSoundInPlace('stopped', async (sound) => {
      const { before } = sound.soundInPlace;
      // still reading the sound before the clip when the conform stops
      const slow = {
        ...sound.soundInPlace,
        async *before() {
          await new Promise((resolve) => setTimeout(resolve, 400));
          yield* before();
        },
      };
      const landed = at('stopped-landed.mp4');
      await assert.rejects(conformRaw(3, landed, slow, AbortSignal.timeout(50)), {
        code: 'aborted',
      });
      await assert.rejects(stat(slow.output), { code: 'ENOENT' });
      await assert.rejects(stat(landed), { code: 'ENOENT' });
    });
  });

  it('makes the sound in place beside the conform, in its slot, even with one ffmpeg at a time', async () => {
    await withSoundInPlace('one', async (sound) => {
      const processes = mediaConcurrency();
      setMediaConcurrency(1);
      let most = 0;
      const watch = setInterval(() => {
        most = Math.max(most, ffmpegChildren());
      }, 5);
      try {
        const landed = at('one-landed.mp4');
        await conformRaw(3, landed, sound.soundInPlace);
        assert.equal(await sound.kept(landed), true);
        assert.equal(most, 2, 'the conform and the sound in place ran at once');
      } finally {
        clearInterval(watch);
        setMediaConcurrency(processes);
      }
    });
  });

  it('makes no sound in place while the sound around the clip is not all known', async () => {
    const entries = (missing: number[]) =>
      clips.map((clip, i) => (missing.includes(i) ? { frames: seconds[i]! * 24 } : { clip }));
    const options = { output: at('unknown.mp4'), soundCache: at('unknown') };
    // its neighbour is missing too: the segment between them waits for both
    assert.equal(
      await landingSound({ ...options, entries: entries([2, 3]), landing: 3 }),
      undefined,
    );
    // a clip further away is missing: nothing around this one waits for it
    const sound = await landingSound({ ...options, entries: entries([0, 3]), landing: 3 });
    assert.ok(sound);
    await sound.dispose();
    // the place is not missing
    assert.equal(await landingSound({ ...options, entries: entries([0]), landing: 3 }), undefined);
  });

  it('encodes the whole cut again when the last clip moves its loudness past the tolerance', async () => {
    // the third is the quietest and the longest: without it the cut is over 1 dB louder
    const { ahead, after, loudness } = await aheadThenJoin(2, 'quiet');
    assert.equal([...after.keys()].filter((name) => ahead.has(name)).length, 0);
    assert.equal(after.size, clips.length);
    assert.ok(Math.abs(loudness - -20) <= 0.15, `the cut measures ${loudness} LUFS`);
  });

  it('measures the true peak near the ceiling, and limits only when the gain would pass it', async () => {
    // the sample peak leaves no margin for the peaks between samples: measured, and a plain
    // gain after all
    const near = at('near.mp4');
    await joinClips({ inputs: clips, output: near, loudnessLufs: -8 });
    const nearLoudness = await integratedLoudness(near);
    assert.ok(Math.abs(nearLoudness - -8) <= 0.15, `the cut measures ${nearLoudness} LUFS`);
    // past the ceiling: loudnorm's limiter holds the peaks at -1 dBTP over the whole cut
    const limited = at('limited.mp4');
    await joinClips({ inputs: clips, output: limited, loudnessLufs: -5 });
    assert.ok((await peakLevel(limited)) <= -0.5, `peak ${await peakLevel(limited)} dBFS`);
    const limitedLoudness = await integratedLoudness(limited);
    assert.ok(Math.abs(limitedLoudness - -5) <= 2, `the cut measures ${limitedLoudness} LUFS`);
    // and the sound still starts with the picture
    assert.ok(onsetAfter(await monoSamples(limited), 0) < 0.03, 'sound from the start');
  });
});
