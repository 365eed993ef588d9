import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ClipTools } from '../../src/engine/index.ts';
import { sha256 } from '../../src/engine/job-spec.ts';
import { catalog, loadStoryboard, plan, run, runStatus } from '../../src/index.ts';
import { extractFrame } from '../../src/media/index.ts';
import type { FirstFrameSource } from '../../src/store/picks.ts';
import { openStore } from '../../src/store/store.ts';
import { shownUsd } from '../../src/util/money.ts';
import { fakeTools } from '../engine/helpers.ts';
import { payingRegistry, TEMP_DIRS, tempDir } from './helpers.ts';

const FIRST_FRAME = fileURLToPath(new URL('../fixtures/lib/first-frame.yaml', import.meta.url));
const models = catalog();
after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

describe('first_frame_from in a preview run', () => {
  test('the frame sent is the last frame of the take as cut; a source made anew leaves the shot stale, not bought again', async () => {
    const dir = tempDir('lib-first-frame');
    const storyboard = loadStoryboard(FIRST_FRAME, { catalog: models });
    const result = await run({ storyboard, catalog: models, dir, preview: true });
    assert.equal(result.state, 'finished');
    assert.deepEqual(result.failed, []);

    const store = await openStore({ dir });
    try {
      const run1 = (await store.latestRun())!;
      const jobs = await store.jobs(run1.id);
      const a2 = jobs.find((j) => j.shot_id === 'a2')!;
      const a1 = jobs.find((j) => j.shot_id === 'a1' && j.take === 0)!;
      const source = JSON.parse(a2.first_frame_json!) as FirstFrameSource;
      assert.equal(source.take, 0, 'no pick yet: the first take made');
      assert.equal(source.media_sha256, a1.media_sha256);
      // the last frame of the second the cut keeps, not of the longer clip the model made
      assert.equal(source.at_seconds, Math.round((1 - 1 / 24) * 1e6) / 1e6);
      // the same frame, taken again from a1's clip, is byte for byte what was sent
      const clip = (await store.media(a1.media_sha256!))!;
      const again = path.join(dir, 'check.png');
      await extractFrame({
        input: path.join(dir, clip.path),
        atSeconds: source.at_seconds,
        output: again,
      });
      assert.equal(sha256(fs.readFileSync(again)), source.frame_sha256);
      const [attempt] = await store.attempts(a2.id);
      const request = JSON.parse(attempt!.request_json) as { references: unknown[] };
      assert.deepEqual(request.references, [{ role: 'first_frame', id: source.frame_sha256 }]);
    } finally {
      await store.close();
    }
    assert.deepEqual((await runStatus(dir))!.stale, []);

    // a1 made anew (its prompt edited): a2 is kept, and is stale
    const edited = path.join(dir, 'edited.yaml');
    fs.writeFileSync(
      edited,
      fs.readFileSync(FIRST_FRAME, 'utf8').replace('rain gutter', 'storm drain'),
    );
    const second = await run({
      storyboard: loadStoryboard(edited, { catalog: models }),
      catalog: models,
      dir,
      preview: true,
    });
    assert.equal(second.state, 'finished');
    const store2 = await openStore({ dir });
    try {
      const jobs = await store2.jobs((await store2.latestRun())!.id);
      const a2 = jobs.find((j) => j.shot_id === 'a2')!;
      assert.equal(a2.cached, 1, 'a2 is not made again by itself');
      assert.ok(
        jobs.some((j) => j.shot_id === 'a1' && j.cached === 0),
        'a1 is made anew',
      );
    } finally {
      await store2.close();
    }
    const [stale] = (await runStatus(dir))!.stale ?? [];
    assert.equal(stale?.shot, 'a2');
    assert.match(
      stale!.message,
      /^stale: a2 starts from a1's old pick \(take 1; a1's take 1 is a new clip\); regenerate would cost ~\$0\.\d\d/,
    );
    // report.json says the same on the shot
    const reported = second.report.shots.find((s) => s.id === 'a2')!;
    assert.ok(reported.warnings.includes(stale!.message), JSON.stringify(reported.warnings));
  });

  test('a later pick of the shot it starts from marks it stale with its price, and buys nothing', async () => {
    const dir = tempDir('lib-first-frame-pick');
    const storyboard = loadStoryboard(FIRST_FRAME, { catalog: models });
    const { provider, registry } = payingRegistry();
    const tools: ClipTools = {
      ...fakeTools,
      async frame(input, atSeconds, output) {
        fs.writeFileSync(output, `frame of [${fs.readFileSync(input, 'utf8')}] at ${atSeconds}`);
      },
    };
    const paid = {
      storyboard,
      catalog: models,
      dir,
      registry,
      tools,
      assemble: false as const,
      confirmSpend: () => true,
    };
    const routed = plan(storyboard, models);
    assert.equal((await run({ ...paid, plan: routed })).state, 'finished');
    assert.equal(provider.startCalls.length, 3);
    assert.deepEqual((await runStatus(dir))!.stale, []);

    // `shotrouter pick a1 2` records this (and assembles the cut, which fake clips cannot make)
    const store = await openStore({ dir });
    try {
      const run1 = (await store.latestRun())!;
      const take2 = (await store.jobs(run1.id)).find((j) => j.shot_id === 'a1' && j.take === 1)!;
      await store.setPick({ run_id: run1.id, shot_id: 'a1', take: 1, cache_key: take2.cache_key });
    } finally {
      await store.close();
    }
    const status = (await runStatus(dir))!;
    const a2 = routed.shots.find((s) => s.id === 'a2')!;
    assert.deepEqual(status.stale, [
      {
        shot: 'a2',
        take: 1,
        from_shot: 'a1',
        from_take: 1,
        picked_take: 2,
        estimate_usd: a2.estimate.usd,
        message: `stale: a2 starts from a1's old pick (take 1; the cut now uses take 2); regenerate would cost ~${shownUsd(a2.estimate.usd)} (nothing is bought by itself: raise its takes, or edit it, to make one from the new pick)`,
      },
    ]);
    assert.ok(a2.estimate.usd > 0);
    assert.equal((await run({ ...paid, plan: routed })).state, 'finished');
    assert.equal(provider.startCalls.length, 3, 'nothing bought by itself');
  });
});
