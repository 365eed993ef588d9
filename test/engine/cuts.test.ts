import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wholeSecondCuts } from '../../src/engine/call-options.ts';
import { buildKlingRequest } from '../../src/providers/kling/kling-video-model.ts';
import type { VideoCallOptions } from '../../src/providers/types.ts';

const cut = (shotId: string, seconds: number) => ({ shotId, prompt: `shot ${shotId}`, seconds });

test('multi-shot cuts become whole seconds that add up to the clip', () => {
  assert.deepEqual(
    wholeSecondCuts([cut('a', 3), cut('b', 3), cut('c', 3)], 9).map((c) => c.seconds),
    [3, 3, 3],
  );
  // 2.5 + 2.5 + 4 = 9: the remainders share the spare second, the order decides ties.
  assert.deepEqual(
    wholeSecondCuts([cut('a', 2.5), cut('b', 2.5), cut('c', 4)], 9).map((c) => c.seconds),
    [3, 2, 4],
  );
  // A snap-up (7 s of shots in a 10 s clip) goes to the last cut, which is trimmed anyway.
  assert.deepEqual(
    wholeSecondCuts([cut('a', 3), cut('b', 4)], 10).map((c) => c.seconds),
    [3, 7],
  );
  assert.deepEqual(
    wholeSecondCuts([cut('a', 0.4), cut('b', 4)], 5).map((c) => c.seconds),
    [1, 4],
  );
});

function klingCall(cuts: unknown): VideoCallOptions {
  return {
    prompt: 'A sequence of 3 shots',
    n: 1,
    aspectRatio: '16:9',
    resolution: '1920x1080',
    duration: 9,
    fps: 24,
    seed: undefined,
    image: undefined,
    frameImages: undefined,
    inputReferences: undefined,
    generateAudio: false,
    providerOptions: { shotrouter: { shotId: 'g', take: 0, model: 'kling-3.0', cuts } },
  } as unknown as VideoCallOptions;
}

test("the engine's cuts become Kling 3.0's native multi-shot request", () => {
  const request = buildKlingRequest(
    'kling-v3',
    klingCall(wholeSecondCuts([cut('a', 3), cut('b', 3), cut('c', 3)], 9)),
  );
  assert.equal(request.body.multi_shot, true);
  assert.equal(request.body.shot_type, 'customize');
  assert.deepEqual(request.body.multi_prompt, [
    { index: 1, prompt: 'shot a', duration: '3' },
    { index: 2, prompt: 'shot b', duration: '3' },
    { index: 3, prompt: 'shot c', duration: '3' },
  ]);
  assert.equal(request.body.duration, '9');
  // Older Kling models have no multi-shot: the combined prompt goes as one generation.
  const old = buildKlingRequest(
    'kling-v2-6',
    klingCall(wholeSecondCuts([cut('a', 3), cut('b', 2)], 5)),
  );
  assert.equal(old.body.multi_shot, undefined);
});
