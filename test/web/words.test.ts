/**
 * The board's words for reasons and notes (src/web/words.ts): every reason and warning the
 * router gives for the shipped examples is worded from its fields, with no policy key, score,
 * internal code or missing fact in it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { catalog, loadStoryboard, plan } from '../../src/index.ts';
import { adviceWords, reasonWords, warningWords } from '../../src/web/words.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const models = catalog();
const INTERNAL = /policy\.|score|undefined|null|NaN|\[object|_[a-z]+_|\b[a-z]+_[a-z]+\b/;

describe('the board’s words', () => {
  for (const file of fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
    test(`every reason and note of ${file} reads without internal keys`, () => {
      const planned = plan(loadStoryboard(path.join(EXAMPLES, file), { catalog: models }), models);
      let worded = 0;
      for (const shot of planned.shots) {
        for (const rejected of shot.rejected) {
          for (const reason of rejected.reasons) {
            const words = reasonWords(reason);
            assert.doesNotMatch(words, INTERNAL, `${shot.id} ${rejected.model}: ${words}`);
            const advice = adviceWords(reason);
            if (advice) assert.doesNotMatch(advice, INTERNAL, advice);
            worded++;
          }
        }
        for (const warning of shot.warnings) {
          const words = warningWords(warning);
          assert.doesNotMatch(words, INTERNAL, `${shot.id}: ${words}`);
          worded++;
        }
      }
      assert.ok(worded > 0, 'the example has reasons to word');
    });
  }

  test('facts are said with their numbers', () => {
    assert.equal(
      reasonWords({
        code: 'duration_too_long',
        message: '',
        limit: 8,
        asked: 12,
        continuous: false,
        extension_max: null,
      }),
      'too long for this model: it makes 8 s in one go, the shot needs 12 s',
    );
    assert.equal(
      warningWords({ code: 'duration_snapped', message: '', asked: 3, generated: 4 }),
      'the model makes 4 s, trimmed to 3 s',
    );
    assert.equal(
      reasonWords({ code: 'feasible_not_chosen', message: '', score: 0.7, chosen_score: 0.8 }),
      'it can make this shot; the chosen model suits it better',
    );
  });
});
