import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Semaphore } from '../../src/engine/limits.ts';

test('resumed operations count against the limit at once; new starts wait until it is back under', async () => {
  const slots = new Semaphore(2);
  // three jobs the provider was still running when the last process stopped
  const resumed = await Promise.all([1, 2, 3].map(() => slots.acquireForResume()));
  assert.equal(slots.inUse, 3);

  let started = false;
  const fresh = slots.acquire().then((release) => {
    started = true;
    return release;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started, false, 'no new start while the provider runs more than the limit');

  resumed[0]!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started, false, 'back at the limit: still no room');
  assert.equal(slots.inUse, 2);

  resumed[1]!();
  const release = await fresh;
  assert.equal(started, true);
  assert.equal(slots.inUse, 2, 'one resumed job and the new one');
  release();
  resumed[2]!();
  assert.equal(slots.inUse, 0);
});
