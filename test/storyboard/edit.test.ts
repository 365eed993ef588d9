/** The edit-only fields: scenes, omit, reuse, trim, transitions, fade out, titles and captions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cutEntries, cutStarts } from '../../src/storyboard/edit.ts';
import { parseStoryboard } from '../../src/storyboard/load.ts';
import { HEAD, INLINE_FILE, lines, problemAt, problemsOf } from './helpers.ts';

/** HEAD (lines 1-5), `shots:` on line 6, then the given lines from line 7. */
const board = (...shotLines: string[]) => lines(...HEAD, 'shots:', ...shotLines);

describe('edit fields', () => {
  test('a full edit parses into scenes, reuses and per-shot edits', () => {
    const storyboard = parseStoryboard(
      board(
        '  - { id: a, prompt: p, duration: 3, scene: INT. PIER - NIGHT, transition: fade, title: The Pier }',
        '  - { id: b, prompt: p, duration: 4, trim: { in: 1 }, transition: { type: dissolve, duration: 0.5 }, caption: Hello }',
        '  - { id: c, reuse: { shot: a, in: 1 }, duration: 2, scene: EXT. BEACH, transition: wipe }',
        '  - { id: d, prompt: p, duration: 2, omit: true }',
        '  - { id: e, prompt: p, duration: 2, fade_out: 1.5 }',
      ),
      INLINE_FILE,
    );
    assert.deepEqual(
      storyboard.shots.map((s) => s.id),
      ['a', 'b', 'd', 'e'],
      'a reuse shot is not a generated shot',
    );
    assert.deepEqual(storyboard.scenes, [
      { heading: 'INT. PIER - NIGHT', shots: ['a', 'b'] },
      { heading: 'EXT. BEACH', shots: ['c', 'd', 'e'] },
    ]);
    assert.deepEqual(storyboard.reuses?.[0]?.reuse, { shot: 'a', in: 1 });
    assert.deepEqual(storyboard.reuses?.[0]?.position, { line: 9, col: 5 });
    const [a, b] = storyboard.shots;
    assert.deepEqual(a!.edit?.transition, { type: 'fade', duration: 1 });
    assert.deepEqual(b!.edit?.trim, { in: 1, out: 4 });
    const entries = cutEntries(storyboard);
    assert.deepEqual(
      entries.map((e) => [e.id, e.source, e.in, e.seconds]),
      [
        ['a', 'a', 0, 3],
        ['b', 'b', 1, 3],
        ['c', 'a', 1, 2],
        ['e', 'e', 0, 2],
      ],
      'omitted d is not in the cut; c is a piece of a',
    );
    // b dissolves 0.5 s into a, c wipes 1 s into b: each starts that much earlier
    assert.deepEqual(cutStarts(entries), [0, 2.5, 4.5, 6.5]);
  });

  test('reuse of an unknown shot, of a reuse shot, and past the end of the clip', () => {
    const problems = problemsOf(
      board(
        '  - { id: a, prompt: p, duration: 3 }',
        '  - { id: b, reuse: { shot: aa }, duration: 1 }',
        '  - { id: c, reuse: { shot: b }, duration: 1 }',
        '  - { id: d, reuse: { shot: a, in: 2.5 }, duration: 1 }',
      ),
    );
    const unknown = problemAt(problems, 'shots[1].reuse.shot');
    assert.deepEqual([unknown.line, unknown.col], [8, 29]);
    assert.equal(unknown.hint, "did you mean 'a'?");
    assert.match(problemAt(problems, 'shots[2].reuse.shot').message, /itself a reuse shot/);
    const past = problemAt(problems, 'shots[3].reuse.in');
    assert.deepEqual([past.line, past.col], [10, 36]);
    assert.match(past.message, /past the end of a's clip/);
    assert.equal(past.hint, 'start at 2 s or earlier, or shorten this shot');
  });

  test('a reuse shot generates nothing, so it may not ask a model for anything', () => {
    const problems = problemsOf(
      board(
        '  - { id: a, prompt: p, duration: 3 }',
        '  - { id: b, reuse: { shot: a }, duration: 1, prompt: q, takes: 2 }',
      ),
    );
    assert.match(problemAt(problems, 'shots[1].prompt').message, /generates nothing/);
    assert.match(problemAt(problems, 'shots[1].takes').message, /generates nothing/);
  });

  test('trims, transitions and fades are judged against the shots they touch', () => {
    const problems = problemsOf(
      board(
        '  - { id: a, prompt: p, duration: 2, transition: dissolve, fade_out: 1 }',
        '  - { id: b, prompt: p, duration: 2, trim: { in: 1, out: 3 } }',
        '  - { id: c, prompt: p, duration: 2, trim: { in: 1, out: 1 } }',
        '  - { id: d, prompt: p, duration: 1, transition: { type: wipe, duration: 1.5 } }',
        '  - { id: e, prompt: p, duration: 2, transition: { type: cut, duration: 1 } }',
        '  - { id: f, prompt: p, duration: 2, transition: { type: swirl } }',
      ),
    );
    assert.match(problemAt(problems, 'shots[0].transition').message, /nothing to dissolve from/);
    assert.match(problemAt(problems, 'shots[0].fade_out').message, /only the last shot/);
    const out = problemAt(problems, 'shots[1].trim.out');
    assert.deepEqual([out.line, out.col], [8, 58]);
    assert.match(out.message, /past the end of the shot/);
    assert.match(problemAt(problems, 'shots[2].trim').message, /leaves nothing/);
    assert.match(problemAt(problems, 'shots[3].transition').message, /longer than the shot/);
    assert.match(problemAt(problems, 'shots[4].transition.duration').message, /takes no time/);
    const type = problemAt(problems, 'shots[5].transition.type');
    assert.match(type.message, /cut, fade, dissolve or wipe/);
  });

  test('a dissolve may not overlap a shot by more than is left of it', () => {
    const problems = problemsOf(
      board(
        '  - { id: a, prompt: p, duration: 2 }',
        '  - { id: b, prompt: p, duration: 2, transition: { type: dissolve, duration: 1.5 } }',
        '  - { id: c, prompt: p, duration: 2, transition: { type: dissolve, duration: 1 } }',
      ),
    );
    assert.match(problemAt(problems, 'shots[2].transition').message, /overlaps b .* by more/);
  });

  test('edit fields on an omitted shot are a warning: they would not show', () => {
    const storyboard = parseStoryboard(
      board(
        '  - { id: a, prompt: p, duration: 3 }',
        '  - { id: b, prompt: p, duration: 3, omit: true, caption: Lost }',
      ),
      INLINE_FILE,
    );
    assert.deepEqual(
      storyboard.warnings.map((w) => [w.path, w.line, w.message]),
      [['shots[1].caption', 8, 'the shot is omitted, so its caption does not show']],
    );
  });

  test('a cut with every shot omitted is refused', () => {
    const problems = problemsOf(board('  - { id: a, prompt: p, duration: 3, omit: true }'));
    const empty = problemAt(problems, 'shots');
    assert.equal(empty.line, 7);
    assert.match(empty.message, /cut would be empty/);
  });
});
