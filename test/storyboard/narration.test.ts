/** `narration`, `voices` and `duration: auto`: what is read, and clear errors where they are wrong. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimatedNarrationSeconds } from '../../src/storyboard/check.ts';
import { parseStoryboard } from '../../src/storyboard/load.ts';
import { autoShotSeconds, withNarrationSeconds } from '../../src/storyboard/narration.ts';
import { expectProblem, HEAD, INLINE_FILE, lines, problemAt, problemsOf } from './helpers.ts';

const known = { knownVoiceModels: ['gpt-4o-mini-tts', 'tts-1'] };

describe('narration', () => {
  test('a plain string is the text, read by the narrator', () => {
    const board = parseStoryboard(
      lines(
        ...HEAD,
        'shots:',
        '  - { id: a, prompt: p, duration: 3, narration: "  Once upon a time. " }',
      ),
      INLINE_FILE,
    );
    assert.deepEqual(board.shots[0]!.narration, { text: 'Once upon a time.', speaker: 'narrator' });
    assert.equal(board.shots[0]!.durationAuto, undefined);
  });

  test('a mapping names its speaker; voices are read with their model, voice and notes', () => {
    const board = parseStoryboard(
      lines(
        ...HEAD,
        'voices:',
        '  narrator: { model: tts-1, voice: alloy, notes: calm }',
        '  mara: {}',
        '  teo:',
        'shots:',
        '  - id: a',
        '    prompt: p',
        '    duration: 3',
        '    narration: { text: Hello there, speaker: mara }',
      ),
      INLINE_FILE,
      known,
    );
    assert.deepEqual(board.shots[0]!.narration, { text: 'Hello there', speaker: 'mara' });
    assert.deepEqual(board.voices, {
      narrator: { model: 'tts-1', voice: 'alloy', notes: 'calm' },
      mara: {},
      teo: {},
    });
  });

  test('duration: auto is the estimate from the words plus the pause, marked as an estimate', () => {
    const text = 'one two three four five six seven eight nine ten';
    const board = parseStoryboard(
      lines(...HEAD, 'shots:', `  - { id: a, prompt: p, duration: auto, narration: "${text}" }`),
      INLINE_FILE,
    );
    const shot = board.shots[0]!;
    // 10 words at 2.5 words a second, and 0.6 s of pause
    assert.equal(shot.duration, 4.6);
    assert.equal(estimatedNarrationSeconds(text), 4.6);
    assert.equal(shot.needs.seconds, 4.6);
    assert.equal(shot.durationAuto, 'estimate');

    const timed = withNarrationSeconds(board, new Map([['a', 2.12]]));
    assert.equal(timed.shots[0]!.duration, autoShotSeconds(2.12));
    assert.equal(timed.shots[0]!.duration, 2.8);
    assert.equal(timed.shots[0]!.needs.seconds, 2.8);
    assert.equal(timed.shots[0]!.durationAuto, 'measured');
    assert.equal(board.shots[0]!.duration, 4.6, 'the given storyboard is left as it was');
  });

  test('duration: auto without narration says what to add', () => {
    const problem = expectProblem(
      lines(...HEAD, 'shots:', '  - { id: a, prompt: p, duration: auto }'),
      {
        path: 'shots[0].duration',
        line: 7,
        col: 35,
        message: 'is auto but the shot has no narration',
      },
    );
    assert.match(problem.hint ?? '', /add narration/);
  });

  test('empty text, an unknown field and an unknown voice model are refused where written', () => {
    const problems = problemsOf(
      lines(
        ...HEAD,
        'voices:',
        '  narrator: { model: tts-2, vioce: alloy }',
        'shots:',
        '  - { id: a, prompt: p, duration: 2, narration: "  " }',
        '  - { id: b, prompt: p, duration: 2, narration: { speaker: mara } }',
        '  - { id: c, prompt: p, duration: 2, narration: { text: "" } }',
      ),
      known,
    );
    assert.equal(problemAt(problems, 'shots[0].narration').message, 'is empty');
    assert.equal(problemAt(problems, 'shots[1].narration.text').message, 'is missing');
    assert.equal(problemAt(problems, 'shots[2].narration.text').message, 'is empty');
    const model = problemAt(problems, 'voices.narrator.model');
    assert.equal(model.message, "unknown voice model 'tts-2'");
    assert.equal(model.hint, "did you mean 'tts-1'?");
    assert.equal(model.line, 7);
    const field = problemAt(problems, 'voices.narrator.vioce');
    assert.equal(field.message, "unknown field 'vioce'");
    assert.equal(field.hint, "did you mean 'voice'?");
  });

  test('policy.dialogue_voice is native or tts', () => {
    const tts = parseStoryboard(
      lines(
        ...HEAD,
        'policy: { dialogue_voice: tts }',
        'shots: [{ id: a, prompt: p, duration: 2, audio: { dialogue: [{ speaker: x, line: hi }] } }]',
      ),
      INLINE_FILE,
    );
    assert.equal(tts.policy.dialogueVoice, 'tts');
    const auto = parseStoryboard(
      lines(
        ...HEAD,
        'policy: { dialogue_voice: tts }',
        'shots: [{ id: a, prompt: p, duration: auto, audio: { dialogue: [{ speaker: x, line: one two three four five }, { speaker: y, line: six seven eight nine ten }] } }]',
      ),
      INLINE_FILE,
    );
    // 10 words at 2.5 a second, one gap of 0.25 s between the lines, the pause of 0.6 s
    assert.equal(auto.shots[0]!.duration, 4.9);
    assert.equal(auto.shots[0]!.durationAuto, 'estimate');
    assert.equal(tts.shots[0]!.needs.audio, 'none');
    const native = parseStoryboard(
      lines(
        ...HEAD,
        'shots: [{ id: a, prompt: p, duration: 2, audio: { dialogue: [{ speaker: x, line: hi }] } }]',
      ),
      INLINE_FILE,
    );
    assert.equal(native.shots[0]!.needs.audio, 'required');
    expectProblem(
      lines(
        ...HEAD,
        'policy: { dialogue_voice: robot }',
        'shots: [{ id: a, prompt: p, duration: 2 }]',
      ),
      {
        path: 'policy.dialogue_voice',
        line: 6,
        col: 27,
      },
    );
  });

  test('voices must be a mapping; narration is not heard without an audio track', () => {
    expectProblem(
      lines(...HEAD, 'voices: [narrator]', 'shots: [{ id: a, prompt: p, duration: 2 }]'),
      {
        path: 'voices',
        line: 6,
        col: 9,
        message: 'must be a mapping of speakers to voices',
      },
    );
    const board = parseStoryboard(
      lines(
        'version: 1',
        'title: Test',
        'deliver: { resolution: 1920x1080, fps: 24, audio: false }',
        'shots: [{ id: a, prompt: p, duration: 2, narration: hello }]',
      ),
      INLINE_FILE,
    );
    assert.match(board.warnings[0]?.message ?? '', /no audio track/);
  });
});
