/**
 * The fast parsers must agree with the `yaml` library on everything they accept: the same value
 * (NaN, -0 and key order included), no syntax error in yaml's eyes, and the same position for
 * every value and key. Checked on random documents built from storyboard-like pieces and on
 * random token soup.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { parseJsonFast } from '../../src/storyboard/fast-json.ts';
import { parseYamlSubset } from '../../src/storyboard/fast-yaml.ts';
import { readSourceDoc } from '../../src/storyboard/read-source.ts';
import { type PathKey, parseSourceDoc, type SourceDoc } from '../../src/util/source-doc.ts';
import { EXAMPLE_DIR } from './helpers.ts';

/** Every path into a value (containers and scalars), plus one missing key under each map. */
function pathsOf(value: unknown, prefix: PathKey[] = [], out: PathKey[][] = []): PathKey[][] {
  out.push(prefix);
  if (out.length > 400) return out;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      pathsOf(item, [...prefix, i], out);
    });
    out.push([...prefix, value.length]);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], out);
    out.push([...prefix, 'missing-key']);
  }
  return out;
}

/** Fails unless `fast` (when it accepted) agrees with the full parser on `text`. */
function assertAgrees(text: string, fast: SourceDoc | undefined): void {
  if (fast === undefined) return;
  const full = parseSourceDoc(text, 'x');
  assert.deepEqual(full.syntaxProblems, [], `fast parser accepted invalid YAML:\n${text}`);
  assert.ok(
    isDeepStrictEqual(fast.value, full.value),
    `values differ for:\n${text}\nfast: ${JSON.stringify(fast.value)}\nfull: ${JSON.stringify(full.value)}`,
  );
  assert.deepEqual(Object.keys(fast.value ?? {}), Object.keys(full.value ?? {}));
  for (const p of pathsOf(full.value)) {
    assert.deepEqual(
      fast.positionOf(p),
      full.positionOf(p),
      `positionOf ${JSON.stringify(p)} in:\n${text}`,
    );
    assert.deepEqual(
      fast.keyPositionOf(p),
      full.keyPositionOf(p),
      `keyPositionOf ${JSON.stringify(p)} in:\n${text}`,
    );
  }
}

// ---- random YAML documents built from storyboard-like pieces ----

type Doc =
  | { t: 'scalar'; raw: string; comment: boolean }
  | { t: 'map'; flow: boolean; step: number; entries: [string, Doc][] }
  | { t: 'list'; flow: boolean; sameIndent: boolean; step: number; gap: number; items: Doc[] };

/** Scalars the subset accepts anywhere (block or flow). */
const GOOD_SCALARS = [
  'mara',
  'Wide shot of a town at dawn',
  "Mara's watch",
  'a#b',
  'a:b',
  'http://x.io/a.png#top',
  '1920x1080',
  '2026-11-26',
  '4k',
  '1',
  '-2',
  '+3',
  '012',
  '1.5',
  '.5',
  '5.',
  '-0',
  '1e3',
  '2.5E-2',
  '0x1F',
  '0o17',
  '0b11',
  '1_000',
  '.inf',
  '-.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  'true',
  'False',
  'NULL',
  '~',
  'null',
  'yes',
  'on',
  '-1',
  '-a',
  '--',
  'ü ñ 日本',
  'a  b',
  'trailing ',
  '"double"',
  "'single'",
  '"he said \\"hi\\""',
  "'it''s'",
  '"tab\\there"',
  '"\\u00e9\\x41\\U0001F600"',
  '"\\/"',
  '"a # not a comment"',
  "'a: b'",
  '""',
  "''",
  '"[not, a, list]"',
];
/** Scalars that are errors, outside the subset, or change meaning with their place. */
const ODD_SCALARS = [
  '',
  'x,y',
  '- dash',
  '---',
  '...',
  'a [b] {c}',
  'Wide shot, at dawn',
  '"\\q"',
  '"unterminated',
  "'unterminated",
  '&anchor x',
  '*alias',
  '!tag x',
  '|',
  '>',
  '? x',
  ':x',
  'a: b',
  'a:',
  '@x',
  '`x',
  '%x',
  'a #comment',
  '[1, 2',
  '{a: 1',
];
const GOOD_KEYS = ['id', 'prompt', 'duration', 'a', 'b-c', '_x', 'X1'];
const ODD_KEYS = ['true', 'null', '1', '"quoted"', 'with space', '__proto__', 'a.b', 'ü', 'id'];

function docArb(odd: boolean): fc.Arbitrary<Doc> {
  const scalars = odd ? [...GOOD_SCALARS, ...ODD_SCALARS] : GOOD_SCALARS;
  const keys = odd ? [...GOOD_KEYS, ...ODD_KEYS] : GOOD_KEYS;
  const { node, collection } = fc.letrec<{ node: Doc; collection: Doc }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({
        t: fc.constant('scalar' as const),
        raw: fc.constantFrom(...scalars),
        comment: fc.boolean(),
      }),
      tie('collection'),
    ),
    collection: fc.oneof(
      fc.record({
        t: fc.constant('map' as const),
        flow: fc.boolean(),
        step: fc.constantFrom(1, 2, 4),
        entries: odd
          ? fc.array(fc.tuple(fc.constantFrom(...keys), tie('node')), { maxLength: 4 })
          : fc.uniqueArray(fc.tuple(fc.constantFrom(...keys), tie('node')), {
              maxLength: 4,
              selector: ([k]) => k,
            }),
      }),
      fc.record({
        t: fc.constant('list' as const),
        flow: fc.boolean(),
        sameIndent: fc.boolean(),
        step: fc.constantFrom(1, 2, 4),
        gap: fc.constantFrom(1, 3),
        items: fc.array(tie('node'), { maxLength: 4 }),
      }),
    ),
  }));
  if (odd) return node;
  // a storyboard is a block map or list with something in it
  return collection.filter(
    (doc) =>
      doc.t !== 'scalar' && !doc.flow && (doc.t === 'map' ? doc.entries : doc.items).length > 0,
  );
}

const pad = (n: number) => ' '.repeat(n);

function flow(doc: Doc): string {
  if (doc.t === 'scalar') return doc.raw;
  if (doc.t === 'list') return `[${doc.items.map(flow).join(', ')}]`;
  return `{ ${doc.entries.map(([k, v]) => `${k}: ${flow(v)}`).join(', ')} }`;
}

/** Text after `key:` or `- `: the rest of the line, and the lines below. */
function after(doc: Doc, indent: number): string {
  if (doc.t === 'scalar') return ` ${doc.raw}${doc.comment ? ' # note' : ''}`;
  if (doc.flow || (doc.t === 'map' ? doc.entries.length : doc.items.length) === 0)
    return ` ${flow(doc)}`;
  if (doc.t === 'list' && doc.sameIndent) return `\n${block(doc, indent)}`;
  return `\n${block(doc, indent + doc.step)}`;
}

function block(doc: Doc, indent: number): string {
  if (doc.t === 'scalar' || doc.flow) return `${pad(indent)}${flow(doc)}`;
  if (doc.t === 'map') {
    return doc.entries.map(([k, v]) => `${pad(indent)}${k}:${after(v, indent)}`).join('\n');
  }
  return doc.items
    .map((item) => {
      if (item.t === 'map' && !item.flow && item.entries.length > 0) {
        // `- key: value` with the rest of the map indented under the first key
        const [first, ...rest] = item.entries;
        const column = indent + 1 + doc.gap;
        const head = `${pad(indent)}-${pad(doc.gap)}${first![0]}:${after(first![1], column)}`;
        const tail = rest.map(([k, v]) => `${pad(column)}${k}:${after(v, column)}`);
        return [head, ...tail].join('\n');
      }
      if (item.t === 'list' && !item.flow && item.items.length > 0) {
        return `${pad(indent)}-\n${block(item, indent + doc.step)}`;
      }
      return `${pad(indent)}-${after(item, indent)}`;
    })
    .join('\n');
}

/** Blank lines, comment lines and a document start sprinkled in, CRLF sometimes. */
function withNoise(text: string, noise: number[], crlf: boolean, start: boolean): string {
  const out: string[] = start ? ['--- # doc'] : [];
  text.split('\n').forEach((line, i) => {
    const n = noise[i % Math.max(1, noise.length)] ?? 0;
    if (n % 7 === 1) out.push('');
    if (n % 7 === 2) out.push(`${pad(n % 5)}# a comment: with [brackets]`);
    out.push(line);
  });
  return `${out.join(crlf ? '\r\n' : '\n')}\n`;
}

describe('the YAML subset parser', () => {
  const noiseArb = fc.tuple(fc.array(fc.nat(20), { maxLength: 8 }), fc.boolean(), fc.boolean());

  test('accepts every document built from its pieces, and agrees with yaml', () => {
    fc.assert(
      fc.property(docArb(false), noiseArb, (doc, [noise, crlf, start]) => {
        const text = withNoise(block(doc, 0), noise, crlf, start);
        const fast = parseYamlSubset(text, 'x');
        assert.ok(fast, `declined:\n${text}`);
        assertAgrees(text, fast);
      }),
      { numRuns: 2000 },
    );
  });

  test('agrees with yaml on documents with odd pieces, whenever it accepts one', () => {
    let accepted = 0;
    fc.assert(
      fc.property(docArb(true), noiseArb, (doc, [noise, crlf, start]) => {
        const text = withNoise(block(doc, 0), noise, crlf, start);
        const fast = parseYamlSubset(text, 'x');
        if (fast !== undefined) accepted++;
        assertAgrees(text, fast);
      }),
      { numRuns: 3000 },
    );
    assert.ok(accepted > 100, `accepted only ${accepted} of 3000`);
  });

  test('agrees with yaml on random token soup', () => {
    const tokens = [
      'a',
      'key',
      'id',
      ':',
      ': ',
      ' ',
      '  ',
      '-',
      '- ',
      '\n',
      '\n  ',
      '\n    ',
      '#',
      ' #',
      '"',
      "'",
      '[',
      ']',
      '{',
      '}',
      ',',
      ', ',
      '1',
      '.',
      'e',
      '0x',
      'true',
      'null',
      '~',
      '\\',
      '\\n',
      'x',
      '&',
      '*',
      '!',
      '|',
      '>',
      '?',
      '---',
      '...',
      '\r\n',
      '\t',
      'ü',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        assertAgrees(text, parseYamlSubset(text, 'x'));
      }),
      { numRuns: 5000 },
    );
  });

  test('accepts the spec example and typical storyboards', () => {
    const text = fs.readFileSync(path.join(EXAMPLE_DIR, 'storyboard.yaml'), 'utf8');
    const fast = parseYamlSubset(text, 'x');
    assert.ok(fast, 'the spec example is in the subset');
    assertAgrees(text, fast);
  });

  test('declines what it does not handle, and readSourceDoc still reads it', () => {
    const outside = [
      'a: &x 1\nb: *x\n',
      'text: |\n  line one\n  line two\n',
      'text: >\n  folded\n',
      'text: plain\n  continued\n',
      'text: "quoted\n  continued"\n',
      'list: [1,\n  2]\n',
      '"quoted key": 1\n',
      'a:\tb\n',
      '%YAML 1.2\n---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      '? complex\n: key\n',
      'a: !!str 1\n',
      'bom: 1\n'.replace(/^/, '\ufeff'),
      'key with space: 1\n',
      '1: one\n',
    ];
    for (const text of outside) {
      assert.equal(parseYamlSubset(text, 'x'), undefined, JSON.stringify(text));
      const doc = readSourceDoc(text, 'x');
      assert.deepEqual(doc.value, parseSourceDoc(text, 'x').value);
    }
  });

  test('declines invalid YAML so that the full parser reports it', () => {
    for (const text of [
      'a: b: c\n',
      'a: 1\na: 2\n',
      '- a\nb: 1\n',
      'a:\n  - x\n  y: 1\n',
      'a: [1, 2] x\n',
      '  a: 1\nb: 2\n',
    ]) {
      assert.equal(parseYamlSubset(text, 'x'), undefined, JSON.stringify(text));
      assert.ok(parseSourceDoc(text, 'x').syntaxProblems.length > 0, JSON.stringify(text));
    }
  });
});

describe('the JSON parser', () => {
  test('agrees with JSON.parse and yaml on random JSON, any indentation', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.constantFrom(0, 1, 2, '\t', ' \r\n'),
        (value, indent) => {
          // CRLF between tokens where the indentation asks for it
          const text =
            typeof indent === 'string' && indent.includes('\r')
              ? JSON.stringify(value, null, 1).replaceAll('\n', '\r\n')
              : JSON.stringify(value, null, indent);
          const fast = parseJsonFast(text, 'x');
          const hasProto = text.includes('"__proto__"');
          if (!hasProto) {
            assert.ok(fast, `declined valid JSON: ${text}`);
            assert.ok(isDeepStrictEqual(fast.value, JSON.parse(text)));
          }
          assertAgrees(text, fast);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('declines duplicate keys, trailing commas and comments', () => {
    for (const text of [
      '{"a": 1, "a": 2}',
      '{"a": 1,}',
      '[1, 2,]',
      '{"a": 1} // c',
      '{"a": 01}',
      "{'a': 1}",
      '{"a": "\t"}',
    ]) {
      assert.equal(parseJsonFast(text, 'x'), undefined, text);
    }
  });

  test('readSourceDoc uses it for text that starts like JSON', () => {
    const text = '\n  {"shots": [{"id": "a"}, {"id": "b"}]}';
    const doc = readSourceDoc(text, 'x');
    assert.deepEqual(doc.value, { shots: [{ id: 'a' }, { id: 'b' }] });
    assert.deepEqual(doc.positionOf(['shots', 1, 'id']), { line: 2, col: 34 });
    assert.deepEqual(doc.keyPositionOf(['shots', 1, 'id']), { line: 2, col: 28 });
  });
});
