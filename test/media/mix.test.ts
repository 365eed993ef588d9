import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { mixSoundtrack } from '../../src/media/mix.ts';
import {
  bandLevel,
  facts,
  integratedLoudness,
  makeClip,
  makeTone,
  scratchDir,
} from './fixtures.ts';

const dir = scratchDir();
const at = (name: string) => path.join(dir, name);
/** 6 s of picture without sound, and 6 s with a quiet 440 Hz tone of its own */
const silentCut = at('silent-cut.mp4');
const soundCut = at('sound-cut.mp4');
/** the bed: 1 kHz at -20 dBFS; the "voice": 3 kHz at -18 dBFS, 1.5 s */
const bed = at('bed.m4a');
const voice = at('voice.wav');
const BED_HZ = 1000;
const VOICE_HZ = 3000;

before(async () => {
  await Promise.all([
    makeClip(silentCut, { seconds: 6, width: 160, height: 90, fps: 24 }),
    makeClip(soundCut, { seconds: 6, width: 160, height: 90, fps: 24, audio: { dbfs: -30 } }),
    makeTone(bed, BED_HZ, 10, -20),
    makeTone(voice, VOICE_HZ, 1.5, -18),
  ]);
});

const bedUnder = (voiceAt: number, duck = true) => ({
  voices: [
    { file: voice, at: voiceAt, shotId: 's1', speaker: 'narrator', kind: 'narration' as const },
  ],
  music: [{ file: bed, at: 0, until: 6, offset: 0, gainDb: 0, duck }],
});

describe('mixSoundtrack', () => {
  it('ducks the bed under a voice, keeps it elsewhere, and places the voice on a cut without sound', async () => {
    const output = at('ducked.mp4');
    await mixSoundtrack({ input: silentCut, output, ...bedUnder(2) });
    const bedBefore = await bandLevel(output, 0.5, 1.8, BED_HZ);
    const bedUnderVoice = await bandLevel(output, 2.3, 3.4, BED_HZ);
    const bedAfter = await bandLevel(output, 4.6, 5.5, BED_HZ);
    assert.ok(
      bedUnderVoice < bedBefore - 10,
      `bed ${bedBefore} dB before, ${bedUnderVoice} dB under the voice`,
    );
    assert.ok(
      Math.abs(bedAfter - bedBefore) < 1.5,
      `bed back to ${bedAfter} dB (was ${bedBefore})`,
    );
    const voiceThere = await bandLevel(output, 2.1, 3.4, VOICE_HZ);
    const voiceBefore = await bandLevel(output, 0.5, 1.8, VOICE_HZ);
    assert.ok(
      voiceThere > voiceBefore + 20,
      `voice ${voiceThere} dB at 2 s, ${voiceBefore} dB before`,
    );
    const f = await facts(output);
    assert.equal(f.video.codec_name, 'h264');
    assert.equal(f.audio?.codec_name, 'aac');
    assert.ok(Math.abs(Number(f.audio!.duration) - Number(f.video.duration)) < 1e-3);
  });

  it('leaves a bed alone under a voice when duck is false', async () => {
    const output = at('unducked.mp4');
    await mixSoundtrack({ input: silentCut, output, ...bedUnder(2, false) });
    const before = await bandLevel(output, 0.5, 1.8, BED_HZ);
    const under = await bandLevel(output, 2.3, 3.4, BED_HZ);
    assert.ok(Math.abs(under - before) < 1, `bed ${before} dB before, ${under} dB under the voice`);
  });

  it('places a bed from its offset between at and until, with its gain, over the cut sound', async () => {
    const output = at('placed.mp4');
    await mixSoundtrack({
      input: soundCut,
      output,
      voices: [],
      music: [{ file: bed, at: 1, until: 3, offset: 4, gainDb: -6, duck: true }],
    });
    const during = await bandLevel(output, 1.5, 2.5, BED_HZ);
    const before = await bandLevel(output, 0.1, 0.8, BED_HZ);
    const after = await bandLevel(output, 3.3, 5.8, BED_HZ);
    // the band-pass lets a little of the cut's 440 Hz through: about -60 dB
    assert.ok(before < during - 20, `no bed before at (${before} dB, ${during} dB during)`);
    assert.ok(after < during - 20, `no bed after until (${after} dB, ${during} dB during)`);
    const cutTone = await bandLevel(output, 3.3, 5.8, 440);
    assert.ok(cutTone > -50, `the cut's own sound is kept (${cutTone} dB)`);
    const full = at('placed-full.mp4');
    await mixSoundtrack({
      input: soundCut,
      output: full,
      voices: [],
      music: [{ file: bed, at: 1, until: 3, offset: 4, gainDb: 0, duck: true }],
    });
    const louder = await bandLevel(full, 1.5, 2.5, BED_HZ);
    assert.ok(Math.abs(louder - during - 6) < 0.5, `gain -6 dB: ${during} against ${louder}`);
  });

  it('sets the whole programme to the loudness target and writes the tags', async () => {
    const output = at('loud.mp4');
    await mixSoundtrack({
      input: soundCut,
      output,
      ...bedUnder(1),
      loudnessLufs: -16,
      tags: { comment: 'mixed' },
    });
    const lufs = await integratedLoudness(output);
    assert.ok(Math.abs(lufs - -16) <= 1, `integrated ${lufs} LUFS, want -16 ± 1`);
    const f = await facts(output);
    const source = await facts(soundCut);
    assert.equal(f.video.nb_frames, source.video.nb_frames, 'the picture is copied whole');
    assert.ok(Math.abs(Number(f.audio!.duration) - Number(f.video.duration)) < 1e-3);
    const { stdout } = await promisify(execFile)('ffprobe', [
      ...['-v', 'error', '-show_entries', 'format_tags=comment', '-of', 'csv=p=0', output],
    ]);
    assert.equal(stdout.trim(), 'mixed');
  });

  it('ducks under real speech (flite)', async () => {
    const speech = at('speech.wav');
    await promisify(execFile)('flite', [
      ...['-t', 'The harbour wakes before the sun, and the boats go out.', '-o', speech],
    ]);
    const output = at('speech.mp4');
    await mixSoundtrack({
      input: silentCut,
      output,
      voices: [{ file: speech, at: 2, shotId: 's1', speaker: 'narrator', kind: 'narration' }],
      music: [{ file: bed, at: 0, until: 6, offset: 0, gainDb: 0, duck: true }],
    });
    const before = await bandLevel(output, 0.5, 1.8, BED_HZ);
    const under = await bandLevel(output, 2.5, 3.5, BED_HZ);
    assert.ok(under < before - 6, `bed ${before} dB before, ${under} dB under speech`);
  });

  it('names a missing or soundless music file', async () => {
    const notAudio = at('notes.txt');
    await writeFile(notAudio, 'not a sound');
    for (const file of [at('nowhere.m4a'), notAudio, silentCut]) {
      await assert.rejects(
        mixSoundtrack({
          input: silentCut,
          output: at('never.mp4'),
          voices: [],
          music: [{ file, at: 0, until: 2, offset: 0, gainDb: 0, duck: true }],
        }),
        (error: Error) => error.message.includes(path.basename(file)),
      );
    }
  });

  it('refuses a bed that ends before it starts', async () => {
    await assert.rejects(
      mixSoundtrack({
        input: silentCut,
        output: at('never.mp4'),
        voices: [],
        music: [{ file: bed, at: 3, until: 2, offset: 0, gainDb: 0, duck: true }],
      }),
      /must end after it starts/,
    );
  });
});
