/** `policy.qc`: retakes, the check codes that buy them, and the judge; errors with positions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseStoryboard } from '../../src/storyboard/load.ts';
import { DEFAULT_QC_POLICY, QC_CHECK_CODES, qcPolicyOf } from '../../src/storyboard/types.ts';
import { expectProblem, HEAD, INLINE_FILE, lines } from './helpers.ts';

const SHOTS = 'shots: [{ id: a, prompt: p, duration: 2 }]';
/** policy.qc on lines 6-7 and the given lines from line 8. */
const withQc = (...qc: string[]) => lines(...HEAD, 'policy:', '  qc:', ...qc, SHOTS);
const known = { knownModels: ['veo-3.1'], knownJudges: ['gemini-judge'] };

describe('policy.qc', () => {
  test('absent: retake 1 on every check, no judge', () => {
    const board = parseStoryboard(lines(...HEAD, SHOTS), INLINE_FILE);
    assert.equal(board.policy.qc, undefined);
    assert.deepEqual(qcPolicyOf(board.policy), {
      retake: 1,
      on: [...QC_CHECK_CODES],
      judge: 'off',
    });
    assert.equal(DEFAULT_QC_POLICY.retake, 1);
  });

  test('given: each field read, the rest defaulted', () => {
    const board = parseStoryboard(
      withQc('    retake: 2', '    on: [black, frozen, black]', '    judge: gemini-judge'),
      INLINE_FILE,
      known,
    );
    assert.deepEqual(board.policy.qc, {
      retake: 2,
      on: ['black', 'frozen'],
      judge: 'gemini-judge',
    });
    const off = parseStoryboard(withQc('    retake: 0', '    judge: off'), INLINE_FILE, known);
    assert.deepEqual(off.policy.qc, { retake: 0, on: [...QC_CHECK_CODES], judge: 'off' });
    const none = parseStoryboard(withQc('    on: []'), INLINE_FILE, known);
    assert.deepEqual(none.policy.qc?.on, [], 'an empty list: every check recorded, none retakes');
  });

  test('errors say where and what', () => {
    expectProblem(withQc('    retake: 1.5'), {
      path: 'policy.qc.retake',
      line: 8,
      col: 13,
      message: 'must be a whole number',
    });
    expectProblem(withQc('    retake: 21'), { path: 'policy.qc.retake', line: 8, col: 13 });
    const code = expectProblem(withQc('    on: [black, frozn]'), {
      path: 'policy.qc.on[1]',
      line: 8,
      col: 17,
    });
    assert.equal(code.hint, "did you mean 'frozen'?");
    const judge = expectProblem(
      withQc('    judge: gemini-judg'),
      { path: 'policy.qc.judge', line: 8, col: 12 },
      known,
    );
    assert.equal(judge.hint, "did you mean 'gemini-judge'?");
    const field = expectProblem(withQc('    retakes: 2'), {
      path: 'policy.qc.retakes',
      line: 8,
      col: 5,
    });
    assert.equal(field.hint, "did you mean 'retake'?");
    expectProblem(lines(...HEAD, 'policy:', '  qc: 2', SHOTS), {
      path: 'policy.qc',
      line: 7,
      col: 7,
    });
  });
});
