import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { didYouMean, editDistance } from '../../src/util/did-you-mean.ts';

/** The whole table, no early stop: what the bounded count must agree with. */
function fullDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}

describe('didYouMean', () => {
  test('finds slips of punctuation, a swap or a letter, and nothing far off', () => {
    const models = ['kling-3.0', 'veo-3.1', 'seedance-2.0', 'ltx-2'];
    assert.equal(didYouMean('kling3', models), 'kling-3.0');
    assert.equal(didYouMean('VEO-31', models), 'veo-3.1');
    assert.equal(didYouMean('seedacne-2.0', models), 'seedance-2.0');
    assert.equal(didYouMean('foo', models), undefined);
    assert.equal(didYouMean('', models), undefined);
  });

  test('the first of equally close candidates wins', () => {
    assert.equal(didYouMean('cat', ['bat', 'hat']), 'bat');
    assert.equal(didYouMean('cat', ['hat', 'bat']), 'hat');
  });

  test('a huge value gets no suggestion, and is not compared letter by letter', () => {
    const huge = 'x'.repeat(200_000);
    assert.equal(didYouMean(huge, ['x'.repeat(199_999), 'veo-3.1']), undefined);
    // long but suggestible: the lengths alone rule the short candidates out
    assert.equal(didYouMean('a'.repeat(250), ['a'.repeat(249), 'b']), 'a'.repeat(249));
  });

  test('the bounded distance is exact up to its bound and past it says bound + 1', () => {
    const word = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', 'c', '-') });
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 14 }), (a, b, max) => {
        const full = fullDistance(a, b);
        assert.equal(editDistance(a, b), full);
        assert.equal(editDistance(a, b, max), full <= max ? full : max + 1);
      }),
      { numRuns: 2000, seed: 20261207 },
    );
  });
});
