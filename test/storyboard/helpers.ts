/** Shared by the storyboard tests: where the fixtures are, and how to get problems back. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError, type Problem, ShotrouterError } from '../../src/errors.ts';
import { type LoadOptions, parseStoryboard } from '../../src/storyboard/load.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/storyboards/', import.meta.url));
export const EXAMPLE_DIR = path.join(FIXTURES, 'example');
/** A storyboard file name inside the example folder, so that refs/*.png resolve. */
export const INLINE_FILE = path.join(EXAMPLE_DIR, 'inline.yaml');

/** Lines joined with newlines: line N of the text is element N-1, which keeps positions readable. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/** A valid head (lines 1-5) for storyboards whose shots a test is about. */
export const HEAD = [
  'version: 1',
  'title: Test',
  'deliver:',
  '  resolution: 1920x1080',
  '  fps: 24',
];

/** Parses text that must be invalid; returns its problems after checking the error's shape. */
export function problemsOf(text: string, options: LoadOptions = {}, file = INLINE_FILE): Problem[] {
  try {
    parseStoryboard(text, file, options);
  } catch (error) {
    assert.ok(
      error instanceof InvalidInputError,
      `expected InvalidInputError, got ${String(error)}`,
    );
    assert.ok(ShotrouterError.is(error));
    assert.equal(error.code, 'invalid_storyboard');
    assert.equal(error.retryable, false);
    for (const p of error.problems) assert.equal(p.file, file);
    return error.problems;
  }
  assert.fail('expected the storyboard to be refused');
}

/** The one problem at `path` (fails when there is none or several). */
export function problemAt(problems: readonly Problem[], path: string): Problem {
  const found = problems.filter((p) => p.path === path);
  assert.equal(
    found.length,
    1,
    `one problem at ${path}; all: ${JSON.stringify(problems, null, 2)}`,
  );
  return found[0]!;
}

/** Asserts the one problem in `text` is at `path`, `line:col`, and has these fields. */
export function expectProblem(
  text: string,
  expected: Partial<Problem> & { path: string; line: number; col: number },
  options: LoadOptions = {},
): Problem {
  const problems = problemsOf(text, options);
  const problem = problemAt(problems, expected.path);
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(
      problem[key as keyof Problem],
      value,
      `${key} of ${JSON.stringify(problem, null, 2)}`,
    );
  }
  return problem;
}
