/**
 * A narrated storyboard's preview: flite reads each narration before the plan is made, the
 * `duration: auto` shots last their narration plus the pause, and the cut's sound carries the
 * voices where their shots are (measured with ffmpeg: loud in a narration, silent in a pause).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { type NarrationTake, readNarrationTakes } from '../../src/assemble/index.ts';
import { catalog, loadStoryboard, plan, run, ShotrouterError } from '../../src/index.ts';
import { probe } from '../../src/media/index.ts';
import { autoShotSeconds } from '../../src/storyboard/narration.ts';
import { meanVolume, TEMP_DIRS, tempDir } from './helpers.ts';

const models = catalog();
after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const BOARD = `version: 1
title: Narrated
deliver: { resolution: 320x180, fps: 24, audio: true }
# a model asked for no sound: its placeholders are silent, so the voices alone are heard
policy: { allow: [veo-3.1-lite] }
voices:
  narrator: { model: tts-1, voice: alloy }
shots:
  - id: a
    prompt: a lighthouse at dusk
    duration: auto
    narration: The lamp was lit every night for forty years.
  - id: b
    prompt: waves on the rocks
    duration: 2
  - id: c
    prompt: a hand turning a brass key
    duration: auto
    narration: { text: "One more night, old friend.", speaker: keeper }
`;

describe('narration in a preview', () => {
  const dir = tempDir('narrated');
  const file = path.join(dir, 'narrated.yaml');
  fs.writeFileSync(file, BOARD);
  const out = path.join(dir, 'run');

  test('the cut speaks the narration, and auto shots last their narration plus the pause', async () => {
    const storyboard = loadStoryboard(file, { catalog: models });
    assert.equal(storyboard.shots[0]!.durationAuto, 'estimate');
    const result = await run({ storyboard, catalog: models, dir: out, preview: true });
    assert.equal(result.state, 'finished');
    const takes = readNarrationTakes(out);
    assert.deepEqual(
      takes.map((t) => [t.shot, t.speaker, t.voice]),
      [
        ['a', 'narrator', 'flite:slt'],
        ['c', 'keeper', 'flite:slt'],
      ],
    );
    const [a, c] = takes.map((t) => autoShotSeconds(t.seconds)) as [number, number];
    const cut = await probe(result.final!);
    assert.ok(cut.hasAudio);
    assert.ok(
      Math.abs(cut.durationSeconds - (a + 2 + c)) < 0.05,
      `the cut lasts ${cut.durationSeconds} s, the shots ${a} + 2 + ${c}`,
    );
    const spokenA = await meanVolume(result.final!, 0.2, takes[0]!.seconds - 0.4);
    const pauseA = await meanVolume(
      result.final!,
      takes[0]!.seconds + 0.1,
      a - takes[0]!.seconds - 0.2,
    );
    const shotB = await meanVolume(result.final!, a + 0.2, 1.6);
    const spokenC = await meanVolume(result.final!, a + 2 + 0.2, takes[1]!.seconds - 0.4);
    assert.ok(spokenA > -45, `narration over shot a is heard (${spokenA} dB)`);
    assert.ok(spokenC > -45, `narration over shot c is heard (${spokenC} dB)`);
    assert.ok(pauseA < spokenA - 30, `the pause is silent (${pauseA} dB against ${spokenA} dB)`);
    assert.ok(shotB < spokenA - 30, `shot b has no narration (${shotB} dB)`);
  });

  test('a second run makes no narration again', async () => {
    const before = readNarrationTakes(out).map((t) => fs.statSync(path.join(out, t.file)).mtimeMs);
    const storyboard = loadStoryboard(file, { catalog: models });
    const again = await run({ storyboard, catalog: models, dir: out, preview: true });
    assert.equal(again.state, 'finished');
    const later = readNarrationTakes(out).map((t) => fs.statSync(path.join(out, t.file)).mtimeMs);
    assert.deepEqual(later, before);
  });

  test('a paid run without credentials for its voice is refused before anything is spent', async () => {
    const storyboard = loadStoryboard(file, { catalog: models });
    await assert.rejects(
      run({ storyboard, catalog: models, dir: path.join(dir, 'paid'), env: {} }),
      (error: unknown) =>
        ShotrouterError.is(error) &&
        error.code === 'environment' &&
        /narration is read on openai/.test(error.message) &&
        /OPENAI_API_KEY/.test(error.message),
    );
    assert.equal(fs.existsSync(path.join(dir, 'paid', 'narration')), false);
  });
});

describe('dialogue voiced by TTS (policy.dialogue_voice: tts)', () => {
  const dir = tempDir('dialogue-tts');
  const file = path.join(dir, 'talk.yaml');
  fs.writeFileSync(
    file,
    `version: 1
title: Talk
deliver: { resolution: 320x180, fps: 24, audio: true }
policy: { allow: [veo-3.1-lite], dialogue_voice: tts }
characters:
  mara: { description: a woman in a red coat }
  teo: { description: an old ferryman }
voices:
  teo: { model: tts-1, voice: onyx }
shots:
  - id: a
    prompt: two people talk on a pier
    duration: auto
    narration: They met at the pier.
    characters: [mara, teo]
    audio:
      dialogue:
        - { speaker: mara, line: "Is this the last boat?" }
        - { speaker: teo, line: "It is." }
`,
  );

  test('the model is asked for no sound; each line is a TTS step, heard one after the other', async () => {
    const storyboard = loadStoryboard(file, { catalog: models });
    assert.equal(storyboard.shots[0]!.needs.audio, 'none', 'no sound asked of the model');
    const planned = plan(storyboard, models, { providers: [] });
    assert.deepEqual(
      planned.speech!.map((s) => [s.kind, s.line, s.speaker]),
      [
        ['narration', undefined, 'narrator'],
        ['dialogue', 0, 'mara'],
        ['dialogue', 1, 'teo'],
      ],
    );
    assert.equal(planned.speech![2]!.model, 'tts-1');

    const out = path.join(dir, 'run');
    const result = await run({ storyboard, catalog: models, dir: out, preview: true });
    const takes = readNarrationTakes(out);
    assert.deepEqual(
      takes.map((t) => [t.kind, t.speaker]),
      [
        ['narration', 'narrator'],
        ['dialogue', 'mara'],
        ['dialogue', 'teo'],
      ],
    );
    const [n, m, t] = takes as [NarrationTake, NarrationTake, NarrationTake];
    assert.equal(n.offset, 0);
    assert.ok(Math.abs(m.offset! - (n.seconds + 0.25)) < 0.002);
    assert.ok(Math.abs(t.offset! - (m.offset! + m.seconds + 0.25)) < 0.002);
    const cut = await probe(result.final!);
    const expected = autoShotSeconds(t.offset! + t.seconds);
    assert.ok(
      Math.abs(cut.durationSeconds - expected) < 0.05,
      `${cut.durationSeconds} ≈ ${expected}`,
    );
    // the last line is heard where it was placed
    const heard = await meanVolume(result.final!, t.offset! + 0.1, t.seconds - 0.2);
    assert.ok(heard > -45, `teo's line is heard (${heard} dB)`);
  });
});
