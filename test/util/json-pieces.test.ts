import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type JsonLayout, jsonChunks, jsonPieces } from '../../src/util/json-pieces.ts';

const pieces = (value: unknown, layout?: JsonLayout) => {
  const parts: string[] = [];
  jsonPieces(value, (piece) => parts.push(piece), layout);
  return parts;
};

describe('jsonPieces', () => {
  test('writes exactly what JSON.stringify(value, null, 2) writes, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.equal(pieces(value).join(''), JSON.stringify(value, null, 2));
      }),
    );
  });

  test('skips what JSON skips (undefined members, functions) and nulls them in arrays', () => {
    const value = {
      a: undefined,
      b: [undefined, () => 1, 1],
      c: { toJSON: () => 'custom' },
      d: new Date(0),
      e: {},
      f: [],
    };
    assert.equal(pieces(value).join(''), JSON.stringify(value, null, 2));
  });

  test('a long array comes in pieces of bounded size, not one string', () => {
    const shots = Array.from({ length: 5000 }, (_, i) => ({
      id: `s${i}`,
      reasons: ['x'.repeat(40)],
    }));
    const parts = pieces({ shots });
    assert.ok(parts.length > 1, `${parts.length} pieces`);
    assert.ok(Math.max(...parts.map((p) => p.length)) < 70_000);
    assert.equal(parts.join(''), JSON.stringify({ shots }, null, 2));
  });

  test('objects shared between shots, at one depth or several, are written as JSON.stringify writes them', () => {
    const reason = { code: 'x', message: 'é — shared', limit: [1, 2] };
    const rejection = { model: 'm', reasons: [reason, reason] };
    const list = [rejection, { model: 'n', reasons: [reason] }];
    const shots = Array.from({ length: 300 }, (_, i) => ({
      id: `s${i}`,
      rejected: i % 2 === 0 ? list : [rejection, ...list],
      // the same object one level up and down
      deep: { again: list, reason },
      reason,
    }));
    const value = { shots, top: list, reason };
    assert.equal(pieces(value).join(''), JSON.stringify(value, null, 2));
  });

  test('chunks are UTF-8 that decodes chunk by chunk: no character is split between two', () => {
    const shots = Array.from({ length: 3000 }, (_, i) => ({
      id: `s${i}`,
      prompt: `fog, ${'é€😀'.repeat(i % 50)}`,
      shared: { text: '😀'.repeat(40) },
    }));
    const chunks: Buffer[] = [];
    jsonChunks({ shots }, (chunk) => chunks.push(chunk));
    assert.ok(chunks.length > 1);
    assert.equal(
      chunks.map((c) => new TextDecoder('utf-8', { fatal: true }).decode(c)).join(''),
      JSON.stringify({ shots }, null, 2),
    );
  });

  test('with indentedDepth, the top levels are indented and each deeper entry is compact on its own line', () => {
    const reason = { code: 'x', message: 'é — shared', limit: [1, 2] };
    const list = [{ model: 'm', reasons: [reason, reason] }];
    const plan = {
      title: 't',
      shots: Array.from({ length: 300 }, (_, i) => ({ id: `s${i}`, rejected: list, none: [] })),
      total: { usd: 1, nested: { list } },
      empty: {},
    };
    const text = pieces(plan, { indentedDepth: 2 }).join('');
    assert.deepEqual(JSON.parse(text), plan);
    const lines = text.split('\n');
    assert.equal(lines[0], '{');
    assert.equal(lines[1], '  "title": "t",');
    assert.equal(lines[2], '  "shots": [');
    assert.equal(lines[3], `    ${JSON.stringify(plan.shots[0])},`);
    assert.equal(lines[302], `    ${JSON.stringify(plan.shots[299])}`);
    assert.equal(lines[303], '  ],');
    assert.equal(lines[304], '  "total": {');
    assert.equal(lines[306], `    "nested": ${JSON.stringify(plan.total.nested)}`);
    assert.equal(lines.at(-1), '}');
  });

  test('with indentedDepth, any JSON value is the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (value, depth) => {
        const text = pieces(value, { indentedDepth: depth }).join('');
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
        if (depth === 0) assert.equal(text, JSON.stringify(value));
      }),
    );
  });
});
