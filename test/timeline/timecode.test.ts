import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  frameRateOf,
  framesToTimecode,
  secondsToFrames,
  timecodeToFrames,
} from '../../src/timeline/index.ts';

const NTSC30 = { num: 30000, den: 1001 };
const NTSC60 = { num: 60000, den: 1001 };

describe('frame rates', () => {
  test('NTSC rates are exact fractions, whatever way they are written', () => {
    for (const fps of [23.976, 23.98, 24000 / 1001])
      assert.deepEqual(frameRateOf(fps), { num: 24000, den: 1001 });
    assert.deepEqual(frameRateOf(29.97), NTSC30);
    assert.deepEqual(frameRateOf(59.94), NTSC60);
    assert.deepEqual(frameRateOf(25), { num: 25, den: 1 });
    assert.deepEqual(frameRateOf(12.5), { num: 25, den: 2 });
    assert.throws(() => frameRateOf(0), /positive/);
    assert.throws(() => frameRateOf(Number.NaN), /positive/);
  });

  test('seconds snap to the nearest frame at the exact rate', () => {
    assert.equal(secondsToFrames(1001 / 24000, frameRateOf(23.976)), 1);
    assert.equal(secondsToFrames(3600, frameRateOf(29.97)), 107892);
    assert.equal(secondsToFrames(5.005, frameRateOf(23.976)), 120);
  });
});

describe('timecode', () => {
  test('drop-frame at 29.97 skips frame numbers 0 and 1 except every tenth minute', () => {
    const cases: Array<[number, string]> = [
      [0, '00:00:00;00'],
      [1799, '00:00:59;29'],
      [1800, '00:01:00;02'],
      [3598, '00:02:00;02'],
      [17981, '00:09:59;29'],
      [17982, '00:10:00;00'],
      [107892, '01:00:00;00'],
      [2589407, '23:59:59;29'],
    ];
    for (const [frames, tc] of cases) {
      assert.equal(framesToTimecode(frames, NTSC30, true), tc);
      assert.equal(timecodeToFrames(tc, NTSC30, true), frames);
    }
    assert.equal(framesToTimecode(2589408, NTSC30, true), '00:00:00;00', 'wraps at 24 h');
    assert.throws(() => timecodeToFrames('00:01:00;01', NTSC30, true), /skipped/);
  });

  test('drop-frame at 59.94 skips four numbers a minute', () => {
    assert.equal(framesToTimecode(3600, NTSC60, true), '00:01:00;04');
    assert.equal(timecodeToFrames('01:00:00;00', NTSC60, true), 215784);
  });

  test('non-drop counts whole-number frames, also at 23.976', () => {
    const rate = frameRateOf(23.976);
    assert.equal(framesToTimecode(86400, rate), '01:00:00:00');
    assert.equal(timecodeToFrames('01:00:04:05', frameRateOf(24)), 86501);
    assert.equal(timecodeToFrames('00:00:01:24', frameRateOf(25)), 49);
    assert.throws(() => timecodeToFrames('00:00:01:24', frameRateOf(24)), /frame 24/);
    assert.throws(() => timecodeToFrames('00:61:00:00', frameRateOf(24)), /> 59/);
    assert.throws(() => framesToTimecode(0, frameRateOf(25), true), /only at 29\.97/);
  });

  test('every frame of the first twenty minutes at 29.97 DF counts up by one', () => {
    let previous = -1;
    for (let f = 0; f < 36000; f++) {
      const tc = framesToTimecode(f, NTSC30, true);
      const back = timecodeToFrames(tc, NTSC30, true);
      assert.equal(back, f, tc);
      assert.ok(back > previous);
      previous = back;
    }
  });

  test('frames → timecode → frames is the identity over a whole day', () => {
    const rates = [
      { rate: NTSC30, df: true },
      { rate: NTSC60, df: true },
      { rate: NTSC30, df: false },
      { rate: frameRateOf(23.976), df: false },
      { rate: frameRateOf(25), df: false },
    ];
    for (const { rate, df } of rates) {
      const day = df
        ? rate.num === 30000
          ? 2589408
          : 5178816
        : Math.round(rate.num / rate.den) * 86400;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: day - 1 }), (f) => {
          assert.equal(timecodeToFrames(framesToTimecode(f, rate, df), rate, df), f);
        }),
        { numRuns: 500 },
      );
    }
  });
});
