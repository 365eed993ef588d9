import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadCatalog } from '../../src/catalog/load.ts';
import { formatProblem, InvalidInputError, type Problem } from '../../src/errors.ts';

const CATALOG_DIR = fileURLToPath(new URL('../../catalog/', import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'shotrouter-catalog-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let folders = 0;
/** A fresh catalog folder holding these files (text by file name). */
function catalogDir(files: Record<string, string>): string {
  const dir = path.join(tmp, `catalog-${folders++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function writeFile(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

function shipped(id: string): string {
  return readFileSync(path.join(CATALOG_DIR, `${id}.yaml`), 'utf8');
}

function problemsOf(load: () => unknown): Problem[] {
  try {
    load();
  } catch (error) {
    assert.ok(
      error instanceof InvalidInputError,
      `expected InvalidInputError, got ${String(error)}`,
    );
    assert.equal(error.code, 'invalid_catalog');
    assert.equal(error.retryable, false);
    return error.problems;
  }
  return assert.fail('expected the catalog to be refused');
}

/** 1-based line and column where `needle` first appears in `text`. */
function positionOf(text: string, needle: string): { line: number; col: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `'${needle}' is in the text`);
  return { line: line + 1, col: lines[line]!.indexOf(needle) + 1 };
}

describe('loading a catalog folder', () => {
  test('refuses a fact whose source is not defined, pointing at it with a hint', () => {
    const text = shipped('runway-gen-4-turbo').replace(
      'fps: { value: [24], source: runway-help-gen4 }',
      'fps: { value: [24], source: runway-help-gen }',
    );
    const dir = catalogDir({ 'runway-gen-4-turbo.yaml': text });
    const problems = problemsOf(() => loadCatalog({ dir }));
    assert.equal(problems.length, 1);
    const [p] = problems;
    const at = positionOf(text, 'runway-help-gen }');
    assert.deepEqual(
      { file: p?.file, line: p?.line, col: p?.col, path: p?.path },
      { file: path.join(dir, 'runway-gen-4-turbo.yaml'), ...at, path: 'capabilities.fps.source' },
    );
    assert.match(p?.message ?? '', /source 'runway-help-gen' is not defined/);
    assert.equal(p?.hint, "did you mean 'runway-help-gen4'?");
  });

  test('reports every problem of every card at once, with file:line:col', () => {
    const veo = shipped('veo-3.1')
      .replace('durations: { value: { values: [4, 6, 8] }', 'durations: { value: { min: 4 }')
      .replace('  photoreal: { weight: 0.95', '  photorel: { weight: 0.95');
    const kling = shipped('kling-2.6').replace(
      'reference_images: { value: 0,',
      'reference_images: { value: -1,',
    );
    const dir = catalogDir({ 'veo-3.1.yaml': veo, 'kling-2.6.yaml': kling });
    const problems = problemsOf(() => loadCatalog({ dir }));
    const text = problems.map(formatProblem).join('\n');
    const veoFile = path.join(dir, 'veo-3.1.yaml');
    const klingFile = path.join(dir, 'kling-2.6.yaml');
    const tag = positionOf(veo, 'photorel');
    assert.ok(
      text.includes(
        `${veoFile}:${tag.line}:${tag.col}: strengths.photorel: unknown tag 'photorel'`,
      ),
      text,
    );
    assert.ok(text.includes("hint:     did you mean 'photoreal'?"), text);
    assert.ok(text.includes('capabilities.durations.value.max: missing'), text);
    const refs = positionOf(kling, '-1,');
    assert.ok(
      text.includes(`${klingFile}:${refs.line}:${refs.col}: capabilities.reference_images.value:`),
      text,
    );
    // sorted by file, then position
    assert.deepEqual(
      problems.map((p) => p.file),
      [...problems.map((p) => p.file)].sort(),
    );
  });

  test('refuses duplicate ids and a file not named after its card', () => {
    const text = shipped('pika-2.2');
    const dir = catalogDir({ 'pika-2.2.yaml': text, 'pika-copy.yaml': text });
    const problems = problemsOf(() => loadCatalog({ dir }));
    const messages = problems.map(formatProblem).join('\n');
    assert.match(messages, /pika-copy\.yaml:1:5: id: a card's file is named after its id/);
    assert.match(messages, /duplicate id 'pika-2\.2'/);
  });

  test('refuses an unknown field, a price for a tier with no size, and an unknown replacement', () => {
    const card = shipped('seedance-1.5-pro');
    const unknownField = card.replace(
      '  replacement: seedance-2.0-mini',
      '  replacement: seedance-2.0-mini\n  successor: x',
    );
    const [field] = problemsOf(() =>
      loadCatalog({ dir: catalogDir({ 'seedance-1.5-pro.yaml': unknownField }) }),
    );
    const successor = positionOf(unknownField, 'successor');
    assert.deepEqual(
      [field?.message, field?.path, field?.line, field?.col],
      ["unknown field 'successor'", 'lifecycle.successor', successor.line, successor.col],
    );

    const with4k = card.replace(
      '- { unit: token, audio: false, usd_per_million: 1.20 }',
      '- { unit: token, tier: 4k, usd_per_million: 1.20 }',
    );
    const [tier] = problemsOf(() =>
      loadCatalog({ dir: catalogDir({ 'seedance-1.5-pro.yaml': with4k }) }),
    );
    assert.equal(tier?.message, 'price row for 4k, a tier with no size');
    assert.equal(tier?.expected, '720p | 1080p');

    // alone, the card names a replacement that is not in its catalog
    const [replacement] = problemsOf(() =>
      loadCatalog({ dir: catalogDir({ 'seedance-1.5-pro.yaml': card }) }),
    );
    assert.equal(
      replacement?.message,
      "replacement 'seedance-2.0-mini' is not a model of the catalog",
    );
    assert.equal(replacement?.line, positionOf(card, 'seedance-2.0-mini').line);
  });

  test('reports a YAML syntax error with its position', () => {
    const dir = catalogDir({ 'broken.yaml': 'id: broken\nname: [unclosed\n' });
    const [p] = problemsOf(() => loadCatalog({ dir }));
    assert.equal(p?.file, path.join(dir, 'broken.yaml'));
    assert.ok((p?.line ?? 0) >= 2);
    assert.match(p?.message ?? '', /syntax error/);
  });
});

describe('overlays', () => {
  test('override one price and add a model, leaving the catalog as it was', () => {
    const newCard = parse(shipped('wan-2.1-1.3b')) as Record<string, unknown>;
    newCard.id = 'my-wan-finetune';
    newCard.name = 'My Wan fine-tune';
    const overlay = writeFile(
      'overlay-ok.yaml',
      stringify({
        models: [
          {
            id: 'veo-3.1',
            routes: [
              {
                provider: 'vertex',
                price: {
                  value: [{ unit: 'second', tier: '720p', audio: true, usd: 0.33 }],
                  source: 'our-contract',
                },
              },
            ],
            sources: {
              'our-contract': { url: 'https://example.com/contract', as_of: '2026-11-20' },
            },
          },
          newCard,
        ],
      }),
    );
    const before = loadCatalog();
    const catalog = loadCatalog({ overlays: [overlay] });

    const veo = catalog.byId.get('veo-3.1');
    assert.ok(veo);
    const vertex = veo.routes.find((r) => r.provider === 'vertex');
    assert.deepEqual(vertex?.price.value, [
      { unit: 'second', tier: '720p', audio: true, usd: 0.33 },
    ]);
    assert.equal(vertex?.price.source, 'our-contract');
    assert.equal(vertex?.model, 'veo-3.1-generate-001', 'the rest of the route is kept');
    assert.equal(vertex?.latency_seconds.value, 90);
    assert.equal(
      veo.routes.length,
      before.byId.get('veo-3.1')?.routes.length,
      'no route added or lost',
    );
    assert.equal(
      veo.sources['gemini-video']?.url,
      before.byId.get('veo-3.1')?.sources['gemini-video']?.url,
    );
    assert.equal(catalog.fileOf.get('veo-3.1'), overlay);

    const mine = catalog.byId.get('my-wan-finetune');
    assert.equal(mine?.name, 'My Wan fine-tune');
    assert.equal(catalog.fileOf.get('my-wan-finetune'), overlay);
    const ids = catalog.models.map((m) => m.id);
    assert.deepEqual(ids, [...ids].sort());

    const after = loadCatalog();
    assert.equal(after.byId.has('my-wan-finetune'), false);
    assert.deepEqual(after.byId.get('veo-3.1')?.routes[0]?.price.value[0], {
      unit: 'second',
      tier: '720p',
      audio: false,
      usd: 0.2,
    });
  });

  test('add a route when provider and model match none', () => {
    const overlay = writeFile(
      'overlay-route.yaml',
      stringify({
        models: [
          {
            id: 'pika-2.2',
            routes: [
              {
                provider: 'replicate',
                model: 'pika/pika-2.2',
                price: { value: [{ unit: 'second', usd: 0.05 }], source: 'quote' },
                latency_seconds: { value: 50, source: 'quote' },
              },
            ],
            sources: { quote: { url: 'https://example.com/q', as_of: '2026-11-01' } },
          },
        ],
      }),
    );
    const pika = loadCatalog({ overlays: [overlay] }).byId.get('pika-2.2');
    assert.deepEqual(
      pika?.routes.map((r) => `${r.provider} ${r.model}`),
      ['fal fal-ai/pika/v2.2', 'replicate pika/pika-2.2'],
    );
  });

  test('problems point at the overlay file, line and column', () => {
    const text = [
      'models:', //                                                   1
      '  - id: veo-3.1', //                                           2
      '    routes:', //                                               3
      '      - provider: fal', //                                     4
      '        price:', //                                            5
      '          value:', //                                          6
      '            - { unit: second, usd: -1 }', //                   7
      '          source: our-quote', //                               8
      '    strengths:', //                                            9
      '      photoreal: { weight: 2, reason: sharp, source: seed-article }', // 10
      '  - id: veo-31', //                                            11
      '    name: Typo', //                                            12
    ].join('\n');
    const overlay = writeFile('overlay-bad.yaml', text);
    const problems = problemsOf(() => loadCatalog({ overlays: [overlay] }));
    for (const p of problems) assert.equal(p.file, overlay);
    const find = (path: string) => problems.find((p) => p.path === path);

    const usd = find('models[0].routes[0].price.value[0].usd');
    assert.deepEqual([usd?.line, usd?.col], [7, positionOf(text, '-1').col]);
    const source = find('models[0].routes[0].price.source');
    assert.deepEqual([source?.line, source?.col], [8, positionOf(text, 'our-quote').col]);
    assert.match(source?.message ?? '', /source 'our-quote' is not defined/);
    const weight = find('models[0].strengths.photoreal.weight');
    assert.equal(weight?.line, 10);

    const typo = find('models[1].id');
    assert.equal(typo?.line, 11);
    assert.match(
      typo?.message ?? '',
      /'veo-31' is not in the catalog, so it must be a complete card/,
    );
    assert.equal(typo?.hint, 'to change veo-3.1, write id: veo-3.1');
    assert.ok(problems.some((p) => p.path === 'models[1].vendor' && p.message === 'missing'));

    const [first] = problems;
    assert.ok(first);
    assert.match(
      formatProblem(first),
      new RegExp(`^${overlay.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `),
    );
  });

  test('a problem in a merged card that the overlay did not write points at the catalog file', () => {
    // the overlay makes the model silent, so the catalog's audio price rows become wrong
    const overlay = writeFile(
      'overlay-silent.yaml',
      'models:\n  - id: kling-2.6\n    capabilities:\n      audio: { value: none, source: kling-docs-copy }\n',
    );
    const problems = problemsOf(() => loadCatalog({ overlays: [overlay] }));
    const kling = path.join(CATALOG_DIR, 'kling-2.6.yaml');
    const row = problems.find((p) => p.message === 'price row for audio, but the model makes none');
    assert.equal(row?.file, kling);
    assert.equal(row?.line, positionOf(shipped('kling-2.6'), 'tier: 1080p, audio: true').line);
  });

  test('refuse an overlay that is not a list of models, or cannot be read', () => {
    const notAList = writeFile('overlay-shape.yaml', 'model:\n  - id: veo-3.1\n');
    const [shape] = problemsOf(() => loadCatalog({ overlays: [notAList] }));
    assert.equal(shape?.file, notAList);
    assert.match(shape?.message ?? '', /an overlay is a map with a list `models`/);

    const missing = path.join(tmp, 'no-such-overlay.yaml');
    const [unread] = problemsOf(() => loadCatalog({ overlays: [missing] }));
    assert.deepEqual([unread?.file, unread?.line, unread?.col], [missing, 1, 1]);
    assert.match(unread?.message ?? '', /cannot read the overlay \(ENOENT\)/);
  });

  test('apply in order, a later one over an earlier one', () => {
    const price = (usd: number) =>
      stringify({
        models: [
          {
            id: 'runway-gen-4.5',
            routes: [
              {
                provider: 'runway',
                price: { value: [{ unit: 'second', usd }], source: 'runway-skill' },
              },
            ],
          },
        ],
      });
    const first = writeFile('overlay-a.yaml', price(0.2));
    const second = writeFile('overlay-b.yaml', price(0.1));
    const card = loadCatalog({ overlays: [first, second] }).byId.get('runway-gen-4.5');
    assert.deepEqual(card?.routes[0]?.price.value, [{ unit: 'second', usd: 0.1 }]);
  });
});
