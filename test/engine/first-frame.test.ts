import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import type { ClipTools } from '../../src/engine/index.ts';
import { sha256 } from '../../src/engine/job-spec.ts';
import { providerErrors } from '../../src/providers/errors.ts';
import type { FirstFrameSource } from '../../src/store/picks.ts';
import type { JobRow } from '../../src/store/store.ts';
import { FakeProvider } from './fake-provider.ts';
import { ENGINE_PATHS, fakeTools, type Harness, harness, route, spec } from './helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The fake tools, with a frame that names the clip it came from and the time it was taken at. */
const tools: ClipTools = {
  ...fakeTools,
  async frame(input, atSeconds, output) {
    fs.writeFileSync(output, `frame of [${fs.readFileSync(input, 'utf8')}] at ${atSeconds}`);
  },
};

/** s1 (takes as given), and s2 starting from s1's last frame. */
function specs(takes = 1) {
  const s1 = Array.from({ length: takes }, (_, take) =>
    spec('s1', [route('fake', 'm1', 1, 4)], { take }),
  );
  const s2 = spec('s2', [route('fake', 'm1', 1, 4)], {
    firstFrameFrom: { shot: 's1', frame: 'last' },
  });
  return [...s1, s2];
}

const sentImage = (fake: FakeProvider, shotId: string) => {
  const job = [...fake.jobs.values()].find((j) => j.shotId === shotId)!;
  const image = job.options.image;
  assert.ok(image && image.type === 'file');
  return Buffer.from(image.data as Uint8Array).toString();
};

for (const path of ENGINE_PATHS) {
  describe(`engine (${path}): first_frame_from`, () => {
    test('waits for the shot it starts from and sends that take’s last frame as its first frame', async () => {
      const fake = new FakeProvider();
      h = await harness({ providers: [fake], specs: specs(), path });
      const outcome = await h.run({ tools });
      assert.equal(outcome.done, 2);
      assert.deepEqual(
        fake.startCalls.map((c) => c.shotId),
        ['s1', 's2'],
      );
      const s1Key = fake.startCalls[0]!.key;
      // the last frame of a 4-second clip at 24 fps starts 1/24 s before its end
      const expected = `frame of [clip ${s1Key}] at 3.958333`;
      assert.equal(sentImage(fake, 's2'), expected);

      const rows = new Map(outcome.jobs.map((j) => [j.shot_id, j]));
      const source = JSON.parse(rows.get('s2')!.first_frame_json!) as FirstFrameSource;
      assert.deepEqual(source, {
        shot: 's1',
        frame: 'last',
        take: 0,
        cache_key: rows.get('s1')!.cache_key,
        media_sha256: rows.get('s1')!.media_sha256,
        at_seconds: 3.958333,
        frame_sha256: sha256(expected),
      });
      // the frame is kept by content, and its digest is part of what the attempt asked
      assert.equal(
        fs.readFileSync(h.media.absolute(`media/${source.frame_sha256}.png`), 'utf8'),
        expected,
      );
      const [attempt] = await h.store.attempts(rows.get('s2')!.id);
      const request = JSON.parse(attempt!.request_json) as { references: unknown[] };
      assert.deepEqual(request.references, [{ role: 'first_frame', id: source.frame_sha256 }]);
    });
  });
}

describe('engine: first_frame_from', () => {
  test('the picked take gives the frame; a later pick buys nothing, in this run or a new one', async () => {
    const fake = new FakeProvider();
    h = await harness({ providers: [fake], specs: specs(2) });
    const jobOf = (rows: JobRow[], shot: string, take = 0) =>
      rows.find((j) => j.shot_id === shot && j.take === take)!;
    // take 2 of s1 is picked (a pick names the take and its job's cache key)
    const before = await h.store.jobs(h.runId);
    const pick = (take: number) =>
      h!.store.setPick({
        run_id: h!.runId,
        shot_id: 's1',
        take,
        cache_key: jobOf(before, 's1', take).cache_key,
      });
    await pick(1);
    const outcome = await h.run({ tools });
    assert.equal(outcome.done, 3);
    const take2 = jobOf(outcome.jobs, 's1', 1);
    const clip = await h.store.media(take2.media_sha256!);
    const clipText = fs.readFileSync(h.media.absolute(clip!.path), 'utf8');
    assert.equal(sentImage(fake, 's2'), `frame of [${clipText}] at 3.958333`);
    const s2 = jobOf(outcome.jobs, 's2');
    const source = JSON.parse(s2.first_frame_json!) as FirstFrameSource;
    assert.equal(source.take, 1);
    assert.equal(source.media_sha256, take2.media_sha256);

    // picking take 1 now: the same run buys nothing more, nor does a new run of the same shots
    await pick(0);
    const created = fake.created;
    await h.run({ tools });
    assert.equal(fake.created, created);
    await h.prepare([...specs(2), spec('s3', [route('fake', 'm1', 1, 4)])]);
    const again = await h.run({ tools });
    assert.equal(fake.created, created + 1, 'only the new shot s3 is made');
    const kept = jobOf(again.jobs, 's2');
    assert.equal(kept.state, 'done');
    assert.equal(kept.cached, 1);
    assert.equal(
      kept.first_frame_json,
      s2.first_frame_json,
      'it still says which frame it came from',
    );
  });

  test('when the shot it starts from fails, it fails too, saying why, and is never started', async () => {
    const fake = new FakeProvider({
      onStart: ({ shotId }) =>
        shotId === 's1' ? { error: providerErrors.contentRefused('fake', 'no') } : undefined,
    });
    h = await harness({ providers: [fake], specs: specs() });
    const outcome = await h.run({ tools });
    const s2 = outcome.jobs.find((j) => j.shot_id === 's2')!;
    assert.equal(s2.state, 'failed');
    assert.equal(s2.error_message, "starts from s1's last frame, but s1 has no take (it failed)");
    assert.deepEqual(
      fake.startCalls.map((c) => c.shotId),
      ['s1'],
    );
  });
});
