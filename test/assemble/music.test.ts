/**
 * `music` and `soundtrack` through real preview runs (real ffmpeg): the bed sits under the
 * shots it names, the whole cut is set to the loudness target, and a file that is not sound
 * stops the run before anything starts, naming its field. The mix itself (ducking, gain,
 * fades) is measured in test/media/mix.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { placeOnTracks } from '../../src/assemble/music.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { catalog, loadStoryboard, plan, run } from '../../src/index.ts';
import { packageEdit } from '../../src/lib/package.ts';
import { probe } from '../../src/media/index.ts';
import { type AudioTrack, readEdl, readOtio } from '../../src/timeline/index.ts';
import { bandLevel, integratedLoudness, makeTone } from '../media/fixtures.ts';

const models = catalog();
let root: string;
const BED_HZ = 1000;
before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-music-'));
  fs.mkdirSync(path.join(root, 'media'));
  await makeTone(path.join(root, 'media', 'bed.m4a'), BED_HZ, 12, -20);
  await makeTone(path.join(root, 'media', 'track8.wav'), BED_HZ, 8, -20);
  await makeTone(path.join(root, 'media', 'track5.m4a'), BED_HZ, 5, -20);
  fs.writeFileSync(path.join(root, 'media', 'notes.m4a'), 'not sound at all');
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

const HEAD = `version: 1
title: Music film
as_of: 2026-11-26
deliver: { resolution: 160x90, fps: 24, loudness: -20 }
budget_usd: 5
`;
const SHOTS = `shots:
  - { id: a, prompt: A harbour at dawn, duration: 2 }
  - { id: b, prompt: A kite over the beach, duration: 2 }
  - { id: c, prompt: The kite falls into the sand, duration: 2 }
`;

async function preview(name: string, text: string) {
  const dir = path.join(root, name);
  const file = path.join(root, `${name}.yaml`);
  fs.writeFileSync(file, text);
  const storyboard = loadStoryboard(file, { catalog: models });
  const result = await run({ storyboard, catalog: models, dir, preview: true });
  return { dir, result };
}

describe('music under the cut', () => {
  test('a bed from one shot to another, and the whole cut at the loudness target', async () => {
    const { dir, result } = await preview(
      'bed',
      `${HEAD}music:\n  - { file: media/bed.m4a, from: b, to: b, gain: -6 }\n${SHOTS}`,
    );
    assert.equal(result.state, 'finished');
    const final = path.join(dir, 'final.mp4');
    const before = await bandLevel(final, 0.3, 1.7, BED_HZ);
    const during = await bandLevel(final, 2.4, 3.6, BED_HZ);
    const afterwards = await bandLevel(final, 4.4, 5.7, BED_HZ);
    assert.ok(during > before + 15, `bed ${during} dB under b, ${before} dB under a`);
    assert.ok(during > afterwards + 15, `bed ${during} dB under b, ${afterwards} dB under c`);
    const lufs = await integratedLoudness(final);
    assert.ok(Math.abs(lufs - -20) <= 1, `integrated ${lufs} LUFS, want -20 ± 1`);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('unmixed')),
      [],
      'the unmixed join is removed',
    );
    // the mix is visible: the report and the three timelines list the bed on a track of its own
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    assert.deepEqual(report.audio, {
      loudness_lufs: -20,
      tracks: [
        {
          name: 'music',
          role: 'music',
          sounds: [
            {
              name: 'bed',
              file: 'audio/music-0-bed.m4a',
              source: 'music',
              start: 2,
              seconds: 2,
              gain_db: -6,
              ducked: true,
            },
          ],
        },
      ],
      shots: [
        { id: 'a', sources: ['clip'] },
        { id: 'b', sources: ['clip', 'music'] },
        { id: 'c', sources: ['clip'] },
      ],
    });
    assert.ok(fs.existsSync(path.join(dir, 'audio', 'music-0-bed.m4a')));
    assert.match(fs.readFileSync(path.join(dir, 'report.html'), 'utf8'), /<h2>Sound<\/h2>/);
    const otio = readOtio(fs.readFileSync(path.join(dir, 'timeline.otio'), 'utf8'));
    const music = otio.tracks.find((t) => t.name === 'A2 music');
    assert.deepEqual(
      music?.items.map((i) => [i.kind, i.file, i.duration]),
      [
        ['gap', undefined, 2],
        ['clip', 'audio/music-0-bed.m4a', 2],
      ],
    );
    const fcpxml = fs.readFileSync(path.join(dir, 'timeline.fcpxml'), 'utf8');
    assert.match(fcpxml, /<asset-clip [^>]*lane="-1"[^>]*name="bed"[^>]*audioRole="music"/);
    const edl = readEdl(fs.readFileSync(path.join(dir, 'timeline.edl'), 'utf8'), 24);
    assert.ok(
      edl.tracks.some(
        (t) => t.name === 'A3' && t.items.some((i) => i.file === 'audio/music-0-bed.m4a'),
      ),
    );

    // the package carries the bed beside the clips, on its own track
    const out = path.join(root, 'bed-package');
    const made = await packageEdit({ dir, out });
    assert.ok(made.files.includes('media/music-0-bed.m4a'), made.files.join(', '));
    const packaged = readOtio(fs.readFileSync(path.join(out, 'timeline.otio'), 'utf8'));
    assert.deepEqual(
      packaged.tracks.find((t) => t.name === 'A2 music')?.items.map((i) => i.file),
      [undefined, 'media/music-0-bed.m4a'],
    );
    assert.match(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /audio tracks of their own/);
  });

  test('a file that is not sound stops the run before anything is stored', async () => {
    await assert.rejects(
      preview('bad', `${HEAD}music:\n  - file: media/notes.m4a\n${SHOTS}`),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.equal(error.problems[0]?.path, 'music[0].file');
        assert.equal(error.problems[0]?.line, 7);
        return true;
      },
    );
    assert.equal(fs.existsSync(path.join(root, 'bad', 'shotrouter.db')), false);
  });

  /** The soundtrack warning the plan puts on the cut's last shot, by name. */
  function soundtrackWarning(name: string, text: string) {
    const file = path.join(root, `${name}.yaml`);
    fs.writeFileSync(file, text);
    const storyboard = loadStoryboard(file, { catalog: models });
    const routed = plan(storyboard, models);
    const last = routed.shots.at(-1)!;
    return {
      storyboard,
      warning: last.warnings.find((w) => w.code === 'soundtrack_length'),
    };
  }

  test('a soundtrack longer than the shots: warned, and trim_track fades it out at the cut', async () => {
    const none = soundtrackWarning('track-none', `${HEAD}soundtrack: media/track8.wav\n${SHOTS}`);
    assert.deepEqual(
      { ...none.warning, message: undefined },
      {
        code: 'soundtrack_length',
        message: undefined,
        track: 8,
        cut: 6,
        fit: 'none',
        stretched_from: null,
      },
    );
    assert.match(none.warning!.message, /cut off where the cut ends/);
    const { dir } = await preview(
      'track-trim',
      `${HEAD}soundtrack: { file: media/track8.wav, fit: trim_track }\n${SHOTS}`,
    );
    const final = path.join(dir, 'final.mp4');
    assert.ok(
      Math.abs((await probe(final)).durationSeconds - 6) < 0.05,
      'the cut keeps its length',
    );
    const steady = await bandLevel(final, 1, 3.5, BED_HZ);
    const fading = await bandLevel(final, 4.8, 5.9, BED_HZ);
    assert.ok(fading < steady - 4, `track ${steady} dB before the fade, ${fading} dB in it`);
  });

  test('stretch_last gives the last shot the length that ends the cut with the track', async () => {
    const longer = soundtrackWarning(
      'track-stretch',
      `${HEAD}soundtrack: { file: media/track8.wav, fit: stretch_last }\n${SHOTS}`,
    );
    assert.equal(longer.storyboard.shots.at(-1)!.duration, 4);
    assert.equal(longer.warning?.stretched_from, 2);
    assert.match(longer.warning!.message, /made 4 s instead of 2 s/);
    const shorter = soundtrackWarning(
      'track-shorten',
      `${HEAD}soundtrack: { file: media/track5.m4a, fit: stretch_last }\n${SHOTS}`,
    );
    assert.ok(Math.abs(shorter.storyboard.shots.at(-1)!.duration - 1) < 0.05);
    const { dir } = await preview(
      'track-stretch-run',
      `${HEAD}soundtrack: { file: media/track8.wav, fit: stretch_last }\n${SHOTS}`,
    );
    const final = path.join(dir, 'final.mp4');
    assert.ok(Math.abs((await probe(final)).durationSeconds - 8) < 0.05, 'the cut lasts 8 s');
    assert.ok((await bandLevel(final, 6.5, 7.5, BED_HZ)) > -40, 'the track plays to the end');
  });

  test('a soundtrack as long as the shots is not warned about', () => {
    const fitting = `${HEAD}soundtrack: media/track8.wav\n${SHOTS.replace('duration: 2 }\n', 'duration: 4 }\n')}`;
    assert.equal(soundtrackWarning('track-fits', fitting).warning, undefined);
  });

  test('sounds of one kind share a track until two play at once', () => {
    const tracks: AudioTrack[] = [];
    const sound = (name: string, at: number, duration: number) => ({
      name,
      file: `audio/${name}.m4a`,
      at,
      sourceStart: 0,
      duration,
      source: 'music' as const,
      gainDb: 0,
      ducked: true,
    });
    placeOnTracks(tracks, 'music', 'music', sound('one', 0, 4));
    placeOnTracks(tracks, 'music', 'music', sound('two', 4, 2));
    placeOnTracks(tracks, 'music', 'music', sound('three', 3, 2));
    placeOnTracks(tracks, 'soundtrack', 'music', sound('track', 0, 9));
    assert.deepEqual(
      tracks.map((t) => [t.name, t.clips.map((c) => c.name)]),
      [
        ['music', ['one', 'two']],
        ['music 2', ['three']],
        ['soundtrack', ['track']],
      ],
    );
  });
});
