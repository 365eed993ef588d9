import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseStoryboard } from '../../src/storyboard/load.ts';
import { expectProblem, HEAD, INLINE_FILE, lines, problemAt, problemsOf } from './helpers.ts';

/** HEAD (lines 1-5), the given top-level lines, then `shots:` and the shot lines. */
const board = (top: string[], ...shotLines: string[]) =>
  lines(...HEAD, ...top, 'shots:', ...shotLines);

describe('images: named stills', () => {
  test('a generated image and a file are named, and first_frame, references and a character use them', () => {
    const storyboard = parseStoryboard(
      board(
        [
          'images:',
          '  dawn: { generate: "a harbour at dawn", size: 1280x720 }',
          '  mara_ref: { file: refs/mara-front.png }',
          'characters:',
          '  mara: { references: [{ image: mara_ref }] }',
        ],
        '  - { id: s1, prompt: p, duration: 2, first_frame: { image: dawn }, characters: [mara] }',
        '  - { id: s2, prompt: p, duration: 2, references: [{ image: dawn }, refs/beach.png] }',
        '  - { id: s3, prompt: p, duration: 2, first_frame: refs/beach.png }',
      ),
      INLINE_FILE,
    );
    assert.deepEqual(storyboard.images?.dawn, {
      name: 'dawn',
      generate: { prompt: 'a harbour at dawn', size: { width: 1280, height: 720 } },
    });
    assert.equal(storyboard.images?.mara_ref?.file?.spec, 'refs/mara-front.png');
    const [s1, s2, s3] = storyboard.shots;
    assert.deepEqual(s1!.firstFrame, {
      spec: 'images.dawn',
      image: 'dawn',
      size: { width: 1280, height: 720 },
    });
    assert.equal(s1!.needs.firstFrame, true);
    const mara = s1!.needs.referenceImages[0]!;
    assert.equal(mara.image, 'mara_ref');
    assert.ok(mara.path?.endsWith('refs/mara-front.png'), 'a named file keeps its path');
    assert.deepEqual(
      s2!.needs.referenceImages.map((r) => r.image ?? r.spec),
      ['dawn', 'refs/beach.png'],
    );
    // a plain path keeps its meaning
    assert.equal(s3!.firstFrame?.image, undefined);
    assert.ok(s3!.firstFrame?.path?.endsWith('refs/beach.png'));
  });

  test("a generated image without a size takes the deliverable's", () => {
    const storyboard = parseStoryboard(
      board(['images: { dawn: { generate: dawn } }'], '  - { id: s1, prompt: p, duration: 2 }'),
      INLINE_FILE,
    );
    assert.deepEqual(storyboard.images?.dawn?.generate?.size, { width: 1920, height: 1080 });
  });

  test('an unknown name is refused at its field path with the closest name', () => {
    const problem = expectProblem(
      board(
        ['images:', '  dawn: { generate: "a harbour at dawn" }'],
        '  - { id: s1, prompt: p, duration: 2, first_frame: { image: dusk } }',
      ),
      { path: 'shots[0].first_frame.image', line: 9, col: 61, message: "unknown image 'dusk'" },
    );
    assert.match(problem.expected ?? '', /dawn/);
    const lookRef = problemsOf(
      board(
        ['characters:', '  mara: { looks: { gym: { references: [{ image: dawm }] } } }'],
        '  - { id: s1, prompt: p, duration: 2 }',
      ),
    );
    const found = problemAt(lookRef, 'characters.mara.looks.gym.references[0].image');
    assert.equal(found.message, "unknown image 'dawm'");
    assert.match(found.hint ?? '', /define it: images\.dawm/);
  });

  test('an entry with both file and generate, or neither, says what to write', () => {
    const both = problemsOf(
      board(
        ['images:', '  a: { file: refs/beach.png, generate: sea }', '  b: { size: 1280x720 }'],
        '  - { id: s1, prompt: p, duration: 2 }',
      ),
    );
    assert.equal(problemAt(both, 'images.a').message, 'has both file and generate');
    assert.match(problemAt(both, 'images.b').message, /neither/);
  });

  test('bad fields of an entry are refused where they are', () => {
    const problems = problemsOf(
      board(
        [
          'images:',
          '  a: { generate: "", size: huge }',
          '  b: { file: refs/nope.png }',
          '  c: { file: refs/beach.png, model: flux-schnell }',
          '  d: { generate: sea, model: fluxx-schnell, colour: red }',
          '  "bad name": { generate: sea }',
        ],
        '  - { id: s1, prompt: p, duration: 2, last_frame: { image: a, frame: 1 } }',
      ),
      { knownImageModels: ['flux-schnell'] },
    );
    assert.equal(problemAt(problems, 'images.a.generate').message, 'is empty');
    problemAt(problems, 'images.a.size');
    assert.equal(problemAt(problems, 'images.b.file').message, 'file not found');
    assert.match(problemAt(problems, 'images.c.model').message, /generated image/);
    const model = problemAt(problems, 'images.d.model');
    assert.equal(model.message, "unknown image model 'fluxx-schnell'");
    assert.equal(model.hint, "did you mean 'flux-schnell'?");
    assert.equal(problemAt(problems, 'images.d.colour').message, "unknown field 'colour'");
    problemAt(problems, 'images.bad name');
    assert.equal(problemAt(problems, 'shots[0].last_frame.frame').message, "unknown field 'frame'");
  });
});
