/** A take's failing checks become markers where the defect shows in the clip as cut. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { takeMarkers } from '../../src/assemble/qc-markers.ts';
import type { RunState } from '../../src/assemble/run-state.ts';
import type { ShotTake } from '../../src/assemble/shot-sources.ts';
import type { Shot } from '../../src/storyboard/types.ts';

const take = (from: number, seconds: number) =>
  ({ job: { id: 'j1' }, trim: { from, seconds } }) as unknown as ShotTake;
const stateWith = (verdict: unknown[]) =>
  ({ facts: new Map([['j1', { verdict }]]) }) as unknown as RunState;
const shot = (duration: number) => ({ duration }) as Shot;

test('markers sit at the check’s time in the cut: after the trim, stretched by slow motion', () => {
  const state = stateWith([
    { code: 'black', ok: false, at: 3, message: 'black for 0.75 s from 3 s' },
    { code: 'size', ok: false, value: '960x540', message: 'is 960x540' },
    { code: 'frozen', ok: true, at: 1, message: 'fine' },
  ]);
  assert.deepEqual(takeMarkers(state, shot(4), take(1, 4)), [
    { at: 2, name: 'black', note: 'black for 0.75 s from 3 s' },
    { at: 0, name: 'size', note: 'is 960x540' },
  ]);
  // 2 s of footage from 1 s played over 8 s (4× slow motion): 3 s in is 8 s into the shot
  assert.equal(takeMarkers(state, shot(8), take(1, 2))[0]!.at, 8);
  // before the kept part: the shot's first frame
  assert.equal(takeMarkers(state, shot(4), take(3.5, 4))[0]!.at, 0);
  assert.deepEqual(takeMarkers(stateWith([]), shot(4), take(0, 4)), []);
});
