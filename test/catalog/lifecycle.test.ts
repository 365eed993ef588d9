import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lifecycleAt, loadCatalog, routeRetiredAt, routesAt } from '../../src/catalog/load.ts';
import type { ModelCard } from '../../src/catalog/schema.ts';
import { ShotrouterError } from '../../src/errors.ts';

const base = loadCatalog().byId.get('runway-gen-4.5')!;

/** A copy of a real card with another lifecycle and release date. */
function withLifecycle(
  lifecycle: Record<string, unknown>,
  released: string | null = '2026-02-11',
): ModelCard {
  const fact = (value: unknown) => ({ value, source: 'runway-sdk-t2v' });
  const wrapped = Object.fromEntries(
    Object.entries(lifecycle).map(([k, v]) => [k, k === 'replacement' ? v : fact(v)]),
  );
  return { ...structuredClone(base), released: fact(released), lifecycle: wrapped } as ModelCard;
}

describe('lifecycleAt', () => {
  test('is unreleased before the release date', () => {
    const card = withLifecycle({ status: 'active' }, '2026-02-11');
    assert.deepEqual(lifecycleAt(card, '2026-02-10'), { state: 'unreleased', date: '2026-02-11' });
    assert.deepEqual(lifecycleAt(card, '2026-02-11'), { state: 'active' });
    assert.deepEqual(lifecycleAt(withLifecycle({ status: 'active' }, null), '2020-01-01'), {
      state: 'active',
    });
  });

  test('moves from active to deprecated to retired by the dates', () => {
    const card = withLifecycle({
      status: 'retired',
      deprecated_on: '2026-05-01',
      retired_on: '2026-08-01',
      replacement: 'runway-gen-4-turbo',
    });
    assert.deepEqual(lifecycleAt(card, '2026-04-30'), { state: 'active', retiresOn: '2026-08-01' });
    assert.deepEqual(lifecycleAt(card, '2026-05-01'), {
      state: 'deprecated',
      date: '2026-05-01',
      replacement: 'runway-gen-4-turbo',
      retiresOn: '2026-08-01',
    });
    assert.deepEqual(lifecycleAt(card, '2026-08-01'), {
      state: 'retired',
      date: '2026-08-01',
      replacement: 'runway-gen-4-turbo',
    });
  });

  test('falls back on the status when the date is unknown', () => {
    assert.deepEqual(lifecycleAt(withLifecycle({ status: 'retired' }), '2026-03-01'), {
      state: 'retired',
    });
    assert.deepEqual(lifecycleAt(withLifecycle({ status: 'deprecated' }), '2026-03-01'), {
      state: 'deprecated',
    });
    assert.deepEqual(lifecycleAt(withLifecycle({ status: 'preview' }), '2026-03-01'), {
      state: 'preview',
    });
    // retired by its status, but the retirement date is still ahead and no deprecation date is known
    assert.deepEqual(
      lifecycleAt(withLifecycle({ status: 'retired', retired_on: '2026-09-01' }), '2026-03-01'),
      {
        state: 'active',
        retiresOn: '2026-09-01',
      },
    );
  });

  test('refuses a date that is not YYYY-MM-DD', () => {
    assert.throws(
      () => lifecycleAt(base, '26/11/2026'),
      (e: unknown) => ShotrouterError.is(e) && e.code === 'usage',
    );
  });
});

describe('routes at a date', () => {
  test('a route retires on its own date; a retired model has no routes', () => {
    const card = structuredClone(base) as ModelCard;
    const [route] = card.routes;
    assert.ok(route);
    route.retired_on = { value: '2026-10-01', source: 'runway-skill' };
    assert.equal(routeRetiredAt(route, '2026-09-30'), false);
    assert.equal(routeRetiredAt(route, '2026-10-01'), true);
    assert.deepEqual(routesAt(card, '2026-09-30'), [route]);
    assert.deepEqual(routesAt(card, '2026-10-01'), []);
    assert.deepEqual(routesAt(withLifecycle({ status: 'active' }, '2026-02-11'), '2026-01-01'), []);
  });
});
