/**
 * Image cards (`kind: image`): they load with their own schema, stay out of the video models
 * and the judges, carry a sourced price on every route, and price a still by its size.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../src/catalog/load.ts';
import { imageCostUsd } from '../../src/catalog/price.ts';
import { InvalidInputError } from '../../src/errors.ts';

const CATALOG_DIR = fileURLToPath(new URL('../../catalog/', import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'shotrouter-images-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('image cards', () => {
  const catalog = loadCatalog();

  test('load apart from the video models and the judges', () => {
    assert.deepEqual(
      catalog.images.map((i) => i.id),
      ['flux-schnell', 'imagen-4', 'seedream-4.5'],
    );
    for (const image of catalog.images) {
      assert.equal(catalog.imagesById.get(image.id), image);
      assert.equal(catalog.byId.has(image.id), false, `${image.id} is not a video model`);
      assert.equal(catalog.judgesById.has(image.id), false);
    }
  });

  test('every price names a dated source, and says why where it is not confirmed', () => {
    for (const image of catalog.images) {
      for (const route of image.routes) {
        const source = image.sources[route.price.source];
        assert.ok(source, `${image.id} ${route.provider}: source defined`);
        assert.match(source.as_of, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(source.url.length > 0);
        if (source.url.startsWith('https://') && !source.url.includes(image.vendor.toLowerCase()))
          assert.ok(route.price.unconfirmed, `${image.id}: a third party's price is unconfirmed`);
      }
    }
  });

  test('a still is priced per image or per whole megapixel', () => {
    assert.equal(imageCostUsd({ unit: 'image', usd: 0.04 }, 4096, 4096), 0.04);
    assert.equal(imageCostUsd({ unit: 'megapixel', usd: 0.003 }, 1024, 1024), 0.003);
    assert.equal(imageCostUsd({ unit: 'megapixel', usd: 0.003 }, 1920, 1080), 0.006);
    assert.equal(imageCostUsd({ unit: 'megapixel', usd: 0.003 }, 256, 256), 0.003);
  });

  test('a broken image card is refused where it is wrong', () => {
    const dir = path.join(tmp, 'broken');
    mkdirSync(dir);
    const text = readFileSync(path.join(CATALOG_DIR, 'flux-schnell.yaml'), 'utf8')
      .replace('provider: replicate', 'provider: kling')
      .replace('unit: image, usd: 0.003', 'unit: frame, usd: 0.003');
    writeFileSync(path.join(dir, 'flux-schnell.yaml'), text);
    try {
      loadCatalog({ dir });
      assert.fail('expected the card to be refused');
    } catch (error) {
      assert.ok(error instanceof InvalidInputError, String(error));
      const paths = error.problems.map((p) => p.path);
      assert.ok(paths.includes('routes[1].provider'), paths.join(', '));
      assert.ok(paths.includes('routes[1].price.value.unit'), paths.join(', '));
    }
  });
});
