/**
 * Judge cards (`kind: judge`): they load and validate with their own schema, stay out of the
 * video models, take overlays like any card, and price a call from its usage.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../src/catalog/load.ts';
import { judgeCostUsd, judgeEstimateUsd } from '../../src/catalog/price.ts';
import { InvalidInputError, type Problem } from '../../src/errors.ts';
import { SANDBOX_JUDGE_MODELS } from '../../src/sandbox/providers/judge.ts';

const CATALOG_DIR = fileURLToPath(new URL('../../catalog/', import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'shotrouter-judges-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const shipped = (id: string) => readFileSync(path.join(CATALOG_DIR, `${id}.yaml`), 'utf8');

/** A catalog folder of one veo card and these judge files. */
function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'veo-3.1.yaml'), shipped('veo-3.1'));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

function problemsOf(load: () => unknown): Problem[] {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `InvalidInputError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the catalog to be refused');
}

describe('judge cards', () => {
  const catalog = loadCatalog();

  test('load apart from the video models', () => {
    assert.deepEqual(
      catalog.judges.map((j) => j.id),
      ['gemini-3.1-flash-lite', 'gemini-3.5-flash', 'gpt-5.4-mini'],
    );
    for (const judge of catalog.judges) {
      assert.equal(judge.kind, 'judge');
      assert.equal(catalog.judgesById.get(judge.id), judge);
      assert.equal(catalog.byId.has(judge.id), false, `${judge.id} is not a video model`);
      assert.ok(!catalog.models.some((m) => m.id === judge.id));
      assert.ok(!catalog.editModels.some((m) => m.id === judge.id));
    }
  });

  test('every price has a source with a date, and says so where it is not confirmed', () => {
    for (const judge of catalog.judges) {
      for (const route of judge.routes) {
        const source = judge.sources[route.price.source];
        assert.ok(source?.url && source.as_of, `${judge.id}: price source`);
        assert.ok(route.price.value.input_usd_per_million > 0);
        assert.ok(route.price.value.output_usd_per_million > 0);
        // no primary pricing page could be read in this pass: each price says so
        assert.match(route.price.unconfirmed ?? '', /could not be read/);
      }
    }
  });

  test('every judge route is answered by the sandbox stand-in', () => {
    for (const judge of catalog.judges) {
      for (const route of judge.routes) {
        const known: readonly string[] = SANDBOX_JUDGE_MODELS[route.provider];
        assert.ok(known.includes(route.model), `${route.provider} ${route.model} in the sandbox`);
      }
    }
  });

  test('a judge card with a video field or a provider without a judge adapter is refused where it says so', () => {
    const text = shipped('gpt-5.4-mini')
      .replace('provider: openai', 'provider: kling')
      .replace('notes:', 'quality: { value: 0.5, reason: x, source: judgment }\nnotes:');
    const dir = folder('bad', { 'gpt-5.4-mini.yaml': text });
    const problems = problemsOf(() => loadCatalog({ dir }));
    const where = problems.map((p) => `${path.basename(p.file)}:${p.path}: ${p.message}`);
    assert.ok(
      where.some((w) => w.startsWith('gpt-5.4-mini.yaml:routes[0].provider')),
      where.join('\n'),
    );
    assert.ok(
      where.some((w) => /quality/.test(w)),
      where.join('\n'),
    );
    assert.ok(problems.every((p) => p.line > 0));
  });

  test('an id is unique across video models and judges', () => {
    const text = shipped('gpt-5.4-mini').replace('id: gpt-5.4-mini', 'id: veo-3.1');
    const dir = folder('dup', { 'veo-3.1-judge.yaml': text });
    const problems = problemsOf(() => loadCatalog({ dir }));
    assert.ok(problems.some((p) => /duplicate id 'veo-3.1'/.test(p.message)));
  });

  test('an overlay changes a judge price like any fact', () => {
    const overlay = path.join(tmp, 'overlay.yaml');
    writeFileSync(
      overlay,
      [
        'models:',
        '  - id: gpt-5.4-mini',
        '    routes:',
        '      - provider: openai',
        '        price:',
        '          value: { input_usd_per_million: 0.5, output_usd_per_million: 3 }',
        '          source: our-contract',
        '    sources:',
        '      our-contract: { url: "https://example.com/contract", as_of: 2026-12-01 }',
      ].join('\n'),
    );
    const judge = loadCatalog({ overlays: [overlay] }).judgesById.get('gpt-5.4-mini');
    assert.deepEqual(judge?.routes[0]?.price.value, {
      input_usd_per_million: 0.5,
      output_usd_per_million: 3,
    });
    assert.equal(judge?.routes[0]?.tokens_per_image.value, 2500, 'the rest of the route stays');
  });
});

describe('judge prices', () => {
  const price = { input_usd_per_million: 0.75, output_usd_per_million: 4.5 };

  test('a call costs its input and output tokens at the list price', () => {
    assert.equal(judgeCostUsd(price, { inputTokens: 1_000_000, outputTokens: 0 }), 0.75);
    assert.ok(
      Math.abs(judgeCostUsd(price, { inputTokens: 1200, outputTokens: 40 }) - 0.00108) < 1e-12,
    );
  });

  test('the estimate counts every image, the text and the whole output cap', () => {
    const route = loadCatalog().judgesById.get('gpt-5.4-mini')!.routes[0]!;
    const usd = judgeEstimateUsd(route, { images: 4, textChars: 1000, maxOutputTokens: 1024 });
    const tokensIn = 4 * 2500 + 500;
    assert.ok(Math.abs(usd - (tokensIn * 0.75 + 1024 * 4.5) / 1e6) < 1e-12);
  });
});
