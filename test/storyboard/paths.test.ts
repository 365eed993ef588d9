import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { loadStoryboard, parseStoryboard } from '../../src/storyboard/load.ts';
import { solidPng } from '../../src/util/png.ts';
import { HEAD, lines, problemAt, problemsOf } from './helpers.ts';

// <tmp>/board/storyboard.yaml with refs/a.png, refs/folder/, refs/link.png -> <tmp>/outside.png
let root: string;
let board: string;
let file: string;

before(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-paths-')));
  board = path.join(root, 'board');
  file = path.join(board, 'storyboard.yaml');
  fs.mkdirSync(path.join(board, 'refs', 'folder'), { recursive: true });
  fs.writeFileSync(path.join(board, 'refs', 'a.png'), solidPng(8, 8));
  fs.writeFileSync(path.join(root, 'outside.png'), solidPng(8, 8));
  fs.symlinkSync(path.join(root, 'outside.png'), path.join(board, 'refs', 'link.png'));
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A storyboard whose only shot has `first_frame: <spec>` on line 10, value at column 18. */
const withFrame = (spec: string) =>
  lines(
    ...HEAD,
    'shots:',
    '  - id: a',
    '    prompt: p',
    '    duration: 2',
    `    first_frame: ${spec}`,
  );

const frameProblem = (spec: string, allowOutsidePaths = false) => {
  const problem = problemAt(
    problemsOf(withFrame(spec), { allowOutsidePaths }, file),
    'shots[0].first_frame',
  );
  assert.deepEqual([problem.line, problem.col], [10, 18]);
  return problem;
};

const frameOf = (spec: string, allowOutsidePaths = false) =>
  parseStoryboard(withFrame(spec), file, { allowOutsidePaths }).shots[0]?.firstFrame;

describe('image paths', () => {
  test('a relative path inside the folder resolves against it', () => {
    assert.deepEqual(frameOf('refs/a.png'), {
      spec: 'refs/a.png',
      path: path.join(board, 'refs', 'a.png'),
      size: { width: 8, height: 8 },
    });
    assert.deepEqual(frameOf('./refs/../refs/a.png')?.path, path.join(board, 'refs', 'a.png'));
  });

  test('../ leaving the folder is refused, and allowed with the flag', () => {
    const problem = frameProblem('../outside.png');
    assert.equal(problem.message, "leaves the storyboard's folder");
    assert.equal(problem.expected, `a path inside ${board}`);
    assert.equal(problem.found, '"../outside.png"');
    assert.match(problem.hint!, /--allow-outside-paths/);
    assert.deepEqual(frameOf('../outside.png', true), {
      spec: '../outside.png',
      path: path.join(root, 'outside.png'),
      size: { width: 8, height: 8 },
    });
  });

  test('an absolute path is refused, and allowed with the flag', () => {
    const absolute = path.join(root, 'outside.png');
    const problem = frameProblem(absolute);
    assert.equal(
      problem.message,
      "is an absolute path; paths must stay inside the storyboard's folder",
    );
    assert.deepEqual(frameOf(absolute, true)?.path, absolute);
  });

  test('a symbolic link out of the folder is refused, and allowed with the flag', () => {
    const problem = frameProblem('refs/link.png');
    assert.equal(problem.message, "is a symbolic link to a file outside the storyboard's folder");
    assert.equal(
      problem.found,
      `"refs/link.png", which leads to ${path.join(root, 'outside.png')}`,
    );
    assert.deepEqual(frameOf('refs/link.png', true)?.path, path.join(board, 'refs', 'link.png'));
  });

  test('a missing file names the closest file in its folder', () => {
    const problem = frameProblem('refs/aa.png');
    assert.equal(problem.message, 'file not found');
    assert.equal(problem.found, `"refs/aa.png" (looked for ${path.join(board, 'refs', 'aa.png')})`);
    assert.equal(problem.hint, "did you mean 'refs/a.png'?");
    assert.equal(frameProblem('ref/a.png').hint, "the folder 'ref' does not exist");
    assert.equal(
      frameProblem('~/a.png').hint,
      "'~' is not expanded here: write the path relative to the storyboard",
    );
    assert.equal(frameProblem('refs\\a.png').hint, "separate folders with '/' rather than '\\'");
  });

  test('a folder is not an image', () => {
    assert.equal(frameProblem('refs/folder').message, 'is a folder, not an image file');
  });

  test('http(s) URLs are taken as written; other schemes are refused', () => {
    assert.deepEqual(frameOf('https://cdn.example.com/a.png'), {
      spec: 'https://cdn.example.com/a.png',
      url: 'https://cdn.example.com/a.png',
    });
    assert.equal(frameOf('HTTP://example.com/a.png')?.url, 'HTTP://example.com/a.png');
    assert.equal(frameProblem('https://').message, 'is not a valid URL');
    const s3 = frameProblem('s3://bucket/a.png');
    assert.equal(s3.message, "'s3:' addresses are not supported, only http(s) URLs and file paths");
    assert.equal(
      frameProblem('file:///tmp/a.png').hint,
      'write the path itself, relative to the storyboard',
    );
  });

  test('wrong types and empty values', () => {
    assert.equal(frameProblem('""').message, 'is empty');
    const number = frameProblem('3');
    assert.equal(number.message, 'must be a path or a URL');
    assert.equal(number.found, 'the number 3');
  });

  test('character references and shot references are checked the same way', () => {
    const problems = problemsOf(
      lines(
        ...HEAD,
        'characters:',
        '  mara: { references: [refs/a.png, ../outside.png] }',
        'shots:',
        '  - { id: a, prompt: p, duration: 2, references: [refs/nope.png], last_frame: /etc/hostname }',
      ),
      {},
      file,
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.col, p.message]),
      [
        ['characters.mara.references[1]', 7, 36, "leaves the storyboard's folder"],
        ['shots[0].references[0]', 9, 51, 'file not found'],
        [
          'shots[0].last_frame',
          9,
          79,
          "is an absolute path; paths must stay inside the storyboard's folder",
        ],
      ],
    );
  });
});

test('the file system is asked once per file, however many shots name it', () => {
  const shots = Array.from(
    { length: 50 },
    (_, i) => `  - { id: s${i}, prompt: p, duration: 2, references: [refs/a.png, ./refs/a.png] }`,
  );
  const stat = mock.method(fs, 'statSync');
  try {
    const sb = parseStoryboard(lines(...HEAD, 'shots:', ...shots), file);
    assert.equal(sb.shots.length, 50);
    // both spellings resolve to the same file: one stat
    assert.equal(stat.mock.callCount(), 1);
    assert.deepEqual(sb.shots[49]?.needs.referenceImages, [
      {
        spec: 'refs/a.png',
        path: path.join(board, 'refs', 'a.png'),
        size: { width: 8, height: 8 },
      },
    ]);
  } finally {
    stat.mock.restore();
  }
});

describe('loadStoryboard', () => {
  test('reads the file and resolves paths against its folder', () => {
    fs.writeFileSync(file, withFrame('refs/a.png'));
    const sb = loadStoryboard(path.relative(process.cwd(), file));
    assert.equal(sb.file, file);
    assert.equal(sb.dir, board);
    assert.equal(sb.shots[0]?.firstFrame?.path, path.join(board, 'refs', 'a.png'));
  });

  test('a missing file is an invalid storyboard that says so', () => {
    const missing = path.join(board, 'nope.yaml');
    assert.throws(
      () => loadStoryboard(missing),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.code === 'invalid_storyboard' &&
        error.problems.length === 1 &&
        error.problems[0]?.file === missing &&
        error.problems[0]?.message === 'cannot read the storyboard: no such file',
    );
    assert.throws(() => loadStoryboard(board), /this is a folder/);
  });
});

describe('frame images and the shot shape', () => {
  test('a landscape first frame on a portrait shot is a warning with a hint; a matching one is not', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-frames-'));
    try {
      fs.writeFileSync(path.join(dir, 'wide.png'), solidPng(640, 360));
      fs.writeFileSync(path.join(dir, 'tall.png'), solidPng(360, 640));
      const file = path.join(dir, 'sb.yaml');
      fs.writeFileSync(
        file,
        'version: 1\ntitle: t\ndeliver: { resolution: 1080x1920, fps: 24 }\nshots:\n  - { id: a, prompt: p, duration: 4, first_frame: wide.png }\n  - { id: b, prompt: p, duration: 4, first_frame: tall.png }\n',
      );
      const sb = loadStoryboard(file);
      assert.equal(sb.shots[0]!.firstFrame!.size!.width, 640);
      assert.equal(sb.warnings.length, 1);
      const warning = sb.warnings[0]!;
      assert.equal(warning.path, 'shots[0].first_frame');
      assert.match(
        warning.message,
        /wide\.png is 640x360 \(landscape\) but the shot is 1080x1920 \(portrait\)/,
      );
      assert.match(warning.hint!, /use a portrait image/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
