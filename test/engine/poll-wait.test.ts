/**
 * The wait between polls, which a provider's push cuts short: on a virtual clock, a nudge ends a
 * wait and removes its timer, a nudge between waits ends the next one at once (once), and the
 * caller's abort still ends a wait.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VirtualClock } from '../../src/engine/clock.ts';
import { PollWait } from '../../src/engine/poll-wait.ts';

describe('PollWait', () => {
  test('a nudge ends the wait and its timer; one that came between waits ends the next at once', async () => {
    const clock = new VirtualClock();
    const wait = new PollWait();
    const signal = new AbortController().signal;
    const startedAt = clock.now();
    const sleeping = wait.sleep(clock, 60_000, signal);
    wait.nudge();
    assert.equal(await sleeping, true);
    assert.equal(clock.now(), startedAt, 'no time passed');
    assert.equal(clock.sleepers, 0, 'the timer is gone');

    wait.nudge(); // during a poll
    assert.equal(await wait.sleep(clock, 60_000, signal), true);
    // used up: the next wait is a whole one
    assert.equal(await wait.sleep(clock, 1000, signal), false);
    assert.equal(clock.now(), startedAt + 1000);
  });

  test('the caller’s abort still ends the wait with its reason', async () => {
    const clock = new VirtualClock();
    const wait = new PollWait();
    const stop = new AbortController();
    const sleeping = wait.sleep(clock, 60_000, stop.signal);
    stop.abort(new Error('stopped'));
    await assert.rejects(sleeping);
    assert.equal(clock.sleepers, 0);
  });
});
