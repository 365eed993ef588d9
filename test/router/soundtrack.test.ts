/** The soundtrack warning (router/soundtrack.ts) on a plan whose shots share their lists. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planStoryboard } from '../../src/router/plan.ts';
import { board, card, catalogOf } from './fixtures.ts';

test('a soundtrack warning goes on the last shot only, not on the shots that share its lists', () => {
  const catalog = catalogOf([card({ id: 'a' }), card({ id: 'b', quality: 0.5 })]);
  const storyboard = board(`version: 1
title: t
deliver: { resolution: 1280x720, fps: 24 }
shots:
  - { id: s1, prompt: a, duration: 4 }
  - { id: s2, prompt: b, duration: 4 }
`);
  // two shots that need the same thing share one warnings list; the track is longer than the cut
  storyboard.soundtrack = {
    spec: 'track.wav',
    path: '/tmp/shotrouter-test/track.wav',
    fit: 'none',
    seconds: 20,
    position: { line: 1, col: 1 },
  };
  const plan = planStoryboard(storyboard, catalog, { asOf: '2026-11-26' });
  assert.deepEqual(
    plan.shots.map((s) => s.warnings.some((w) => w.code === 'soundtrack_length')),
    [false, true],
  );
});
