import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseStoryboard } from '../../src/storyboard/load.ts';
import { expectProblem, HEAD, INLINE_FILE, lines, problemAt, problemsOf } from './helpers.ts';

/** HEAD (lines 1-5), the given top-level lines, then `shots:` and the shot lines. */
const board = (top: string[], ...shotLines: string[]) =>
  lines(...HEAD, ...top, 'shots:', ...shotLines);

describe('locations', () => {
  test('a location is defined like a character and its references travel with its shots', () => {
    const storyboard = parseStoryboard(
      board(
        [
          'characters:',
          '  mara: { references: [refs/mara-front.png] }',
          'locations:',
          '  harbour:',
          '    description: a grey harbour at dawn',
          '    references: [refs/beach.png, refs/mara-front.png]',
        ],
        '  - { id: s1, prompt: p, duration: 2, characters: [mara], location: harbour }',
        '  - { id: s2, prompt: p, duration: 2 }',
      ),
      INLINE_FILE,
    );
    assert.equal(storyboard.locations?.harbour?.description, 'a grey harbour at dawn');
    const [s1, s2] = storyboard.shots;
    assert.equal(s1!.location, 'harbour');
    // the character's image first, then the location's new one (each image once)
    assert.deepEqual(
      s1!.needs.referenceImages.map((r) => r.spec),
      ['refs/mara-front.png', 'refs/beach.png'],
    );
    assert.equal(s2!.location, undefined);
    assert.deepEqual(s2!.needs.referenceImages, []);
  });

  test('an unknown location names the closest one, at its line and column', () => {
    const problem = expectProblem(
      board(
        ['locations:', '  harbour: { description: docks }'],
        '  - { id: s1, prompt: p, duration: 2, location: harbor }',
      ),
      { path: 'shots[0].location', line: 9, col: 49, message: "unknown location 'harbor'" },
    );
    assert.equal(problem.hint, "did you mean 'harbour'?");
  });

  test('a location has only description and references', () => {
    const problem = expectProblem(
      board(
        ['locations:', '  harbour: { real_person: true }'],
        '  - { id: s1, prompt: p, duration: 2 }',
      ),
      { path: 'locations.harbour.real_person', line: 7, col: 14 },
    );
    assert.equal(problem.message, "unknown field 'real_person'");
  });
});

describe('policy.continuity', () => {
  test('prefer, strict or off; absent means prefer', () => {
    const shots = ['  - { id: s1, prompt: p, duration: 2 }'];
    assert.equal(parseStoryboard(board([], ...shots), INLINE_FILE).policy.continuity, undefined);
    const strict = parseStoryboard(
      board(['policy: { continuity: strict }'], ...shots),
      INLINE_FILE,
    );
    assert.equal(strict.policy.continuity, 'strict');
    const problem = expectProblem(board(['policy: { continuity: stric }'], ...shots), {
      path: 'policy.continuity',
      line: 6,
      col: 23,
    });
    assert.equal(problem.hint, "did you mean 'strict'?");
  });
});

describe('first_frame_from', () => {
  test('names another shot and a frame (last by default); the shot then needs a first frame', () => {
    const storyboard = parseStoryboard(
      board(
        [],
        '  - { id: s1, prompt: p, duration: 2 }',
        '  - { id: s2, prompt: p, duration: 2, first_frame_from: { shot: s1 } }',
        '  - { id: s3, prompt: p, duration: 2, first_frame_from: { shot: s2, frame: first } }',
      ),
      INLINE_FILE,
    );
    const [s1, s2, s3] = storyboard.shots;
    assert.equal(s1!.needs.firstFrame, false);
    assert.deepEqual(s2!.firstFrameFrom, { shot: 's1', frame: 'last' });
    assert.equal(s2!.needs.firstFrame, true);
    assert.equal(s2!.firstFrame, undefined, 'first_frame keeps its meaning: an image');
    assert.deepEqual(s3!.firstFrameFrom, { shot: 's2', frame: 'first' });
  });

  test('a source of another orientation is a warning, as a first_frame image would be', () => {
    const storyboard = parseStoryboard(
      board(
        [],
        '  - { id: s1, prompt: p, duration: 2, resolution: 1080x1920 }',
        '  - { id: s2, prompt: p, duration: 2, first_frame_from: { shot: s1 } }',
      ),
      INLINE_FILE,
    );
    const [warning] = storyboard.warnings;
    assert.equal(warning?.path, 'shots[1].first_frame_from.shot');
    assert.equal(warning?.line, 8);
    assert.match(
      warning!.message,
      /s1 is 1080x1920 \(portrait\) but this shot is 1920x1080 \(landscape\)/,
    );
  });

  test('an unknown shot is refused with a did-you-mean, at the shot it names', () => {
    const problem = expectProblem(
      board(
        [],
        '  - { id: s01, prompt: p, duration: 2 }',
        '  - { id: s02, prompt: p, duration: 2, first_frame_from: { shot: s1 } }',
      ),
      { path: 'shots[1].first_frame_from.shot', line: 8, col: 66, message: "unknown shot 's1'" },
    );
    assert.equal(problem.hint, "did you mean 's01'?");
  });

  test('a shot cannot start from itself', () => {
    expectProblem(
      board([], '  - { id: s1, prompt: p, duration: 2, first_frame_from: { shot: s1 } }'),
      {
        path: 'shots[0].first_frame_from.shot',
        line: 7,
        col: 65,
        message: 'a shot cannot start from its own frame',
      },
    );
  });

  test('a cycle is refused once, at its first shot, naming the whole circle', () => {
    const problems = problemsOf(
      board(
        [],
        '  - { id: s1, prompt: p, duration: 2, first_frame_from: { shot: s3 } }',
        '  - { id: s2, prompt: p, duration: 2, first_frame_from: { shot: s1 } }',
        '  - { id: s3, prompt: p, duration: 2, first_frame_from: { shot: s2 } }',
        '  - { id: s4, prompt: p, duration: 2, first_frame_from: { shot: s3 } }',
      ),
    );
    assert.equal(problems.length, 1, JSON.stringify(problems));
    const cycle = problemAt(problems, 'shots[0].first_frame_from.shot');
    assert.equal(cycle.line, 7);
    assert.equal(cycle.col, 65);
    assert.equal(cycle.message, 'first_frame_from goes round in a circle: s1 → s3 → s2 → s1');
  });

  test('not together with first_frame; frame is first or last; shot is required', () => {
    const both = expectProblem(
      board(
        [],
        '  - { id: s1, prompt: p, duration: 2 }',
        '  - id: s2',
        '    prompt: p',
        '    duration: 2',
        '    first_frame: refs/beach.png',
        '    first_frame_from: { shot: s1 }',
      ),
      { path: 'shots[1].first_frame_from', line: 12, col: 23 },
    );
    assert.equal(both.message, 'cannot be used together with first_frame');
    const problems = problemsOf(
      board(
        [],
        '  - { id: s1, prompt: p, duration: 2 }',
        '  - { id: s2, prompt: p, duration: 2, first_frame_from: { shot: s1, frame: middle } }',
        '  - { id: s3, prompt: p, duration: 2, first_frame_from: { frame: last } }',
      ),
    );
    assert.match(problemAt(problems, 'shots[1].first_frame_from.frame').message, /first or last/);
    assert.equal(problemAt(problems, 'shots[2].first_frame_from.shot').message, 'is missing');
  });
});
