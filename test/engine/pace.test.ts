/**
 * The first poll's wait: the poll interval until two jobs of a kind agree on how long they stay
 * pending, then a tenth short of the shorter; back to the interval once a job is found done at
 * its first poll.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GenerationPace } from '../../src/engine/pace.ts';

test('the first poll waits until a job of its kind could be nearly done, and only then', () => {
  const pace = new GenerationPace();
  const kind = 'comfyui/wan/5s/160x96/0';
  assert.equal(pace.firstPollMs(kind, 100), 100, 'nothing learnt yet');

  // the first job loaded the model: it teaches nothing until another agrees with it
  pace.sawPending(kind, 30_000);
  assert.equal(pace.firstPollMs(kind, 100), 100);
  pace.sawPending(kind, 1_000);
  assert.equal(pace.firstPollMs(kind, 100), 100, 'the last two disagree');
  pace.sawPending(kind, 950);
  assert.equal(pace.firstPollMs(kind, 100), 855, 'a tenth short of the shorter of the two');
  assert.equal(pace.firstPollMs('comfyui/wan/10s/160x96/0', 100), 100, 'another kind');
  assert.equal(pace.firstPollMs(kind, 2000), 2000, 'never sooner than the interval');

  // a job found done at its first poll may have been done long before: poll every interval again
  pace.doneAtFirstPoll(kind);
  assert.equal(pace.firstPollMs(kind, 100), 100);
});
