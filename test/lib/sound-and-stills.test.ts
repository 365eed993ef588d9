/**
 * Issue 20's whole story in one preview: a generated still the first shot starts from, that
 * shot narrated and timed by its narration (`duration: auto`), a music bed under the whole cut.
 * The plan lists the text-to-speech and image steps with model and cost; the cut carries the
 * narration over the bed; the report and timelines show the sound as tracks and the still.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNarrationTakes } from '../../src/assemble/index.ts';
import { catalog, loadStoryboard, plan, run } from '../../src/index.ts';
import { probe } from '../../src/media/index.ts';
import type { RunReport } from '../../src/report/types.ts';
import { autoShotSeconds } from '../../src/storyboard/narration.ts';
import { meanVolume, TEMP_DIRS, tempDir } from './helpers.ts';

const models = catalog();
after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const BED = fileURLToPath(new URL('../../examples/media/harbour-bed.m4a', import.meta.url));

const BOARD = `version: 1
title: Sound and stills
deliver: { resolution: 320x180, fps: 24, audio: true }
# a model asked for no sound: its placeholders are silent, so the bed and the voice are what is heard
policy: { allow: [veo-3.1-lite] }
images:
  dawn: { generate: "a harbour at dawn, mist on the water" }
voices:
  narrator: { model: tts-1, voice: alloy }
music:
  - { file: bed.m4a, gain: -6 }
shots:
  - id: a
    prompt: the harbour wakes
    duration: auto
    first_frame: { image: dawn }
    narration: Every morning the boats go out before the sun.
  - id: b
    prompt: gulls over the water
    duration: 3
`;

describe('a narrated preview with a music bed and a generated still', () => {
  const dir = tempDir('sound-stills');
  const file = path.join(dir, 'board.yaml');
  fs.writeFileSync(file, BOARD);
  fs.copyFileSync(BED, path.join(dir, 'bed.m4a'));
  const out = path.join(dir, 'run');

  test('the plan lists the narration and the still with their model and cost', () => {
    const planned = plan(loadStoryboard(file, { catalog: models }), models, { providers: [] });
    assert.deepEqual(
      planned.speech?.map((s) => [s.shot, s.speaker, s.model]),
      [['a', 'narrator', 'tts-1']],
    );
    assert.ok(planned.speech![0]!.cost_usd > 0, 'the narration has a price');
    assert.equal(planned.images?.length, 1);
    const still = planned.images![0]!;
    assert.equal(still.name, 'dawn');
    assert.ok(still.model, 'an image model makes the still');
    assert.ok(still.cost_usd > 0, 'the still has a price');
    assert.deepEqual(still.used_by, ['a']);
    // both are in the plan's total
    const shots = planned.shots.reduce((sum, s) => sum + s.estimate.usd, 0);
    assert.ok(planned.total.usd >= shots + still.cost_usd + planned.speech![0]!.cost_usd - 1e-6);
  });

  test('the cut carries the narration over the bed, timed by it, and shows its sources', async () => {
    const storyboard = loadStoryboard(file, { catalog: models });
    const result = await run({ storyboard, catalog: models, dir: out, preview: true });
    assert.equal(result.state, 'finished');

    const [spoken] = readNarrationTakes(out);
    assert.ok(spoken, 'the narration was read');
    assert.equal(spoken.voice, 'flite:slt');
    const a = autoShotSeconds(spoken.seconds);
    const cut = await probe(result.final!);
    assert.ok(cut.hasAudio);
    assert.ok(
      Math.abs(cut.durationSeconds - (a + 3)) < 0.05,
      `the cut lasts ${cut.durationSeconds} s; shot a is ${a} s (its narration and the pause), b 3 s`,
    );

    // the voice is heard over shot a; under shot b (no narration) the bed alone is heard
    const voice = await meanVolume(result.final!, 0.2, spoken.seconds - 0.4);
    const bed = await meanVolume(result.final!, a + 0.5, 2);
    assert.ok(voice > -40, `the narration is heard (${voice} dB)`);
    assert.ok(bed > -45, `the bed is heard under shot b (${bed} dB)`);

    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as RunReport;
    const tracks = report.audio?.tracks.map((t) => [t.name, t.role]) ?? [];
    assert.deepEqual(tracks.sort(), [
      ['music', 'music'],
      ['narration', 'dialogue'],
    ]);
    assert.deepEqual(
      report.stills?.map((s) => [s.name, s.state, s.used_by]),
      [['dawn', 'done', ['a']]],
    );
    assert.ok(fs.existsSync(path.join(out, report.stills![0]!.file!)), 'the still is kept');
    const otio = fs.readFileSync(path.join(out, 'timeline.otio'), 'utf8');
    assert.match(otio, /"narration"/);
    assert.match(otio, /"music"/);
  });
});
