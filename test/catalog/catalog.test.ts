import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { lifecycleAt, loadCatalog, routeRetiredAt, routesAt } from '../../src/catalog/load.ts';
import { LOCAL_PROVIDERS, type ModelCard, PROVIDERS } from '../../src/catalog/schema.ts';
import { TAGS } from '../../src/storyboard/types.ts';
import { ADDED_2026_12, CANONICAL, EDIT_MODELS } from './canonical.ts';

const catalog = loadCatalog();
const card = (id: string): ModelCard => {
  const found = catalog.byId.get(id);
  assert.ok(found, `${id} is in the catalog`);
  return found;
};

/** Every object of a card that carries a `source`, with its path. */
function sourced(
  node: unknown,
  at = '',
): { path: string; source: unknown; unconfirmed: unknown }[] {
  if (node === null || typeof node !== 'object') return [];
  const here =
    'source' in node
      ? [
          {
            path: at,
            source: node.source,
            unconfirmed: (node as { unconfirmed?: unknown }).unconfirmed,
          },
        ]
      : [];
  return [
    ...here,
    ...Object.entries(node)
      .filter(([key]) => at !== '' || key !== 'sources')
      .flatMap(([key, child]) => sourced(child, at === '' ? key : `${at}.${key}`)),
  ];
}

describe('the shipped catalog', () => {
  test('has a valid card for every canonical id, and the extra ones', () => {
    const ids = catalog.models.map((m) => m.id);
    for (const id of CANONICAL) assert.ok(ids.includes(id), `missing ${id}`);
    for (const id of [
      'veo-3.1-lite',
      'seedance-2.0-fast',
      'seedance-2.0-mini',
      'kling-2.5-turbo',
    ]) {
      assert.ok(ids.includes(id), `missing ${id}`);
    }
  });

  test('has the December 2026 models, and edit models only outside the routed list', () => {
    const ids = catalog.models.map((m) => m.id);
    for (const id of ADDED_2026_12) assert.ok(ids.includes(id), `missing ${id}`);
    for (const id of EDIT_MODELS) {
      assert.ok(!ids.includes(id), `${id} must not be routable`);
      assert.equal(catalog.byId.get(id)?.kind, 'edit');
      assert.ok(catalog.editModels.some((m) => m.id === id));
    }
    assert.ok(catalog.models.every((m) => m.kind === 'generate'));
  });

  test('lists models sorted by id, with their files', () => {
    const ids = catalog.models.map((m) => m.id);
    assert.deepEqual(ids, [...ids].sort());
    for (const m of catalog.models) {
      assert.equal(catalog.byId.get(m.id), m);
      assert.equal(path.basename(catalog.fileOf.get(m.id) ?? ''), `${m.id}.yaml`);
    }
  });

  test('gives every fact a defined source with a date', () => {
    for (const m of catalog.models) {
      const facts = sourced(m);
      assert.ok(facts.length >= 18, `${m.id} has its facts`);
      for (const fact of facts) {
        assert.equal(typeof fact.source, 'string', `${m.id} ${fact.path}`);
        const source = m.sources[fact.source as string];
        assert.ok(source, `${m.id} ${fact.path}: source ${String(fact.source)} is defined`);
        assert.match(source.as_of, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(source.url.length > 0);
        if (fact.unconfirmed !== undefined) assert.ok(String(fact.unconfirmed).length > 5);
      }
    }
  });

  test('judges lifecycles at the date asked', () => {
    for (const id of ['sora-2', 'sora-2-pro']) {
      // the shutdown was announced (deprecated) on 2026-03-24 (December 2026 re-read)
      assert.equal(lifecycleAt(card(id), '2026-03-23').state, 'active');
      assert.deepEqual(lifecycleAt(card(id), '2026-06-01'), {
        state: 'deprecated',
        date: '2026-03-24',
        retiresOn: '2026-09-24',
      });
      assert.deepEqual(lifecycleAt(card(id), '2026-11-26'), {
        state: 'retired',
        date: '2026-09-24',
      });
    }
    assert.equal(lifecycleAt(card('sora-2'), '2026-09-01').state, 'deprecated');
    assert.deepEqual(lifecycleAt(card('seedance-1.5-pro'), '2026-11-26'), {
      state: 'retired',
      date: '2026-11-11',
      replacement: 'seedance-2.0-mini',
    });
    assert.ok(catalog.byId.has('seedance-2.0-mini'));
    assert.equal(lifecycleAt(card('seedance-1.5-pro'), '2026-11-10').state, 'active');
    assert.equal(lifecycleAt(card('veo-3.1'), '2026-11-26').state, 'active');
    assert.deepEqual(routesAt(card('sora-2'), '2026-11-26'), []);
  });

  test('retires the Gemini API preview route of Veo but not Vertex', () => {
    const veo = card('veo-3.1');
    const google = veo.routes.find((r) => r.provider === 'google');
    const vertex = veo.routes.find((r) => r.provider === 'vertex');
    assert.ok(google && vertex);
    assert.equal(vertex.model, 'veo-3.1-generate-001');
    assert.equal(routeRetiredAt(google, '2026-10-21'), false);
    assert.equal(routeRetiredAt(google, '2026-11-26'), true);
    assert.equal(routeRetiredAt(vertex, '2026-11-26'), false);
    assert.deepEqual(
      routesAt(veo, '2026-11-26').map((r) => r.provider),
      ['vertex', 'fal'],
    );
  });

  test('records the facts the router depends on', () => {
    assert.equal(card('runway-gen-4-turbo').capabilities.image_required.value, true);
    assert.equal(card('runway-gen-4.5').capabilities.image_required.value, false);
    assert.deepEqual(card('kling-3.0').capabilities.multi_shot.value, {
      max_cuts: 6,
      max_seconds: 15,
    });
    assert.deepEqual(card('veo-3.1').capabilities.extension.value, {
      step_seconds: 7,
      max_seconds: 37,
    });
    assert.equal(card('veo-3.1').capabilities.reference_images.value, 3);
    assert.equal(card('sora-2').capabilities.audio.value, 'always');
    assert.equal(card('luma-ray-3').routes[0]?.model, 'ray-3.2');
    assert.deepEqual(
      card('pika-2.2').routes.map((r) => r.provider),
      ['fal'],
    );
    const kling26 = card('kling-2.6').capabilities.conditions;
    assert.ok(kling26.some((c) => c.when.audio === true && c.then.min_tier === '1080p'));
    assert.ok(kling26.some((c) => c.when.last_frame === true && c.then.audio === 'none'));
    const luma = card('luma-ray-3').capabilities.conditions;
    assert.ok(
      luma.some(
        (c) => c.when.first_frame === true && JSON.stringify(c.then.durations) === '{"values":[5]}',
      ),
    );
  });

  test('records open-weight licences and memory', () => {
    const ltx = card('ltx-2').open_weights;
    assert.ok(ltx);
    assert.notEqual(ltx.license.value, 'apache-2.0');
    assert.equal(ltx.license.value, 'ltx-2-community');
    assert.equal(ltx.min_vram_gb.value, 32);
    const vram = { 'wan-2.1-1.3b': 8.19, 'wan-2.2-5b': 24, 'wan-2.2-a14b': 80 };
    for (const [id, gb] of Object.entries(vram)) {
      const weights = card(id).open_weights;
      assert.ok(weights, id);
      assert.equal(weights.min_vram_gb.value, gb);
      assert.equal(weights.license.value, 'apache-2.0');
    }
    // memory depends on the runtime: fp8 / offloading under ComfyUI need far less than the
    // official native path above
    const comfy = (id: string) => card(id).routes.find((r) => r.provider === 'comfyui')!;
    assert.equal(comfy('wan-2.2-a14b').vram_gb?.value, 24);
    assert.equal(comfy('wan-2.2-5b').vram_gb?.value, 8);
    for (const m of catalog.models) {
      for (const r of m.routes.filter((route) => LOCAL_PROVIDERS.has(route.provider))) {
        assert.ok(m.open_weights, `${m.id} runs locally only with weights`);
        assert.deepEqual(r.price.value, [{ unit: 'second', usd: 0 }]);
      }
    }
  });

  test('uses known providers and tags only, and weights within 0..1', () => {
    for (const m of catalog.models) {
      assert.ok(m.routes.length > 0);
      for (const r of m.routes) assert.ok((PROVIDERS as readonly string[]).includes(r.provider));
      for (const [tag, s] of Object.entries(m.strengths)) {
        assert.ok((TAGS as readonly string[]).includes(tag), `${m.id}: ${tag}`);
        assert.ok(s.weight >= 0 && s.weight <= 1);
      }
      assert.ok(m.quality.value > 0 && m.quality.value <= 1);
    }
  });

  test('is parsed once per process and cannot be changed by a caller', () => {
    const again = loadCatalog();
    assert.equal(again.byId.get('veo-3.1'), catalog.byId.get('veo-3.1'));
    assert.notEqual(again.models, catalog.models, 'each caller gets its own list');
    assert.ok(Object.isFrozen(card('veo-3.1').routes[0]?.price.value));
    assert.throws(() => {
      (card('veo-3.1').capabilities.fps.value as number[]).push(60);
    }, TypeError);
  });
});
