/**
 * Stills before video (storyboard `images:`), through the library's `run`: a preview draws each
 * still as a labelled placeholder and the shots start from it; a paid run buys each still once,
 * within the budget, the shots wait for it and are sent its bytes as their first frame, and a
 * second run buys nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { JSONValue } from '@ai-sdk/provider';
import { catalog, loadStoryboard, plan, run } from '../../src/index.ts';
import { frameAnchors } from '../../src/providers/adapter-kit.ts';
import { providerErrors } from '../../src/providers/errors.ts';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import type { ImageCall, ImageModel, ImageStatus } from '../../src/providers/types.ts';
import { openStore } from '../../src/store/store.ts';
import { FakeProvider } from '../engine/fake-provider.ts';
import { fakeTools } from '../engine/helpers.ts';
import { PNG, TEMP_DIRS, tempDir } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const models = catalog();

const BOARD = `version: 1
title: Stills
deliver: { resolution: 320x180, fps: 24 }
budget_usd: 5
images:
  dawn: { generate: "a harbour at dawn, mist on the water" }
  spare: { generate: "a lighthouse", model: seedream-4.5, size: 2048x2048 }
shots:
  - { id: s1, prompt: the harbour wakes, duration: 1, first_frame: { image: dawn } }
  - { id: s2, prompt: the boats stir, duration: 1, first_frame: { image: dawn }, references: [{ image: spare }] }
  - { id: s3, prompt: gulls, duration: 1 }
`;

function storyboardIn(dir: string) {
  const file = path.join(dir, 'board.yaml');
  fs.writeFileSync(file, BOARD);
  return loadStoryboard(file, { catalog: models });
}

/** An image model that makes a small PNG after one pending poll, counting its starts. */
class FakeImages {
  readonly starts: ImageCall[] = [];
  readonly model = (modelId: string): ImageModel => ({
    provider: 'paid',
    modelId,
    start: async (call) => {
      this.starts.push(call);
      return { operation: { id: this.starts.length, polled: 0 } };
    },
    status: async (operation: JSONValue): Promise<ImageStatus> => {
      const op = operation as { polled: number };
      if (op.polled++ === 0) return { status: 'pending' };
      return { status: 'completed', image: { data: new Uint8Array(PNG), mediaType: 'image/png' } };
    },
  });
}

describe('stills before video', () => {
  test('a preview draws each still, labelled, and the shots start from it', async () => {
    const dir = tempDir('stills-preview');
    const storyboard = storyboardIn(dir);
    const result = await run({ storyboard, catalog: models, dir, preview: true });
    assert.equal(result.state, 'finished');
    assert.ok(result.final && fs.existsSync(result.final), 'the cut is made');
    const stills = result.report.stills!;
    assert.deepEqual(
      stills.map((s) => [s.name, s.state, s.spend_usd, s.used_by]),
      [
        ['dawn', 'done', 0, ['s1', 's2']],
        ['spare', 'done', 0, ['s2']],
      ],
    );
    assert.equal(stills[1]!.model, 'seedream-4.5', 'the model it names');
    const dawn = stills[0]!;
    assert.ok(fs.existsSync(path.join(dir, dawn.file!)), 'the still is kept in the run folder');
    assert.deepEqual([dawn.width, dawn.height], [320, 180]);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    assert.match(html, /<h2>Stills<\/h2>/);
    assert.match(html, /<img src="data:image\/jpeg;base64,[^"]+" alt="dawn">/);

    // each shot's preview clip opened on the still: its operation names the still's bytes
    const store = await openStore({ dir });
    try {
      const jobs = await store.jobs(result.runId);
      for (const shot of ['s1', 's2']) {
        const job = jobs.find((j) => j.shot_id === shot)!;
        const [attempt] = await store.attempts(job.id);
        const operation = JSON.parse(attempt!.operation_json!) as { firstFrame?: string };
        assert.equal(path.basename(operation.firstFrame ?? ''), dawn.sha256, shot);
      }
      const s3 = jobs.find((j) => j.shot_id === 's3')!;
      const [plain] = await store.attempts(s3.id);
      assert.equal(
        (JSON.parse(plain!.operation_json!) as { firstFrame?: string }).firstFrame,
        undefined,
      );
    } finally {
      await store.close();
    }
  });

  test('a paid run buys each still once, sends it as the first frame, and a re-run buys nothing', async () => {
    const dir = tempDir('stills-paid');
    const storyboard = storyboardIn(dir);
    const routed = plan(storyboard, models);
    const video = new FakeProvider({ id: 'paid', pollIntervalMs: 0, polls: 0, concurrency: 8 });
    const images = new FakeImages();
    Object.assign(video, { image: images.model });
    const registry = createStandInRegistry(video);
    const asked: number[] = [];
    const options = {
      storyboard,
      catalog: models,
      plan: routed,
      dir,
      registry,
      tools: fakeTools,
      assemble: false as const,
      confirmSpend: (estimate: { usd: number }) => {
        asked.push(estimate.usd);
        return true;
      },
    };
    const first = await run(options);
    assert.equal(first.state, 'finished');
    assert.equal(images.starts.length, 2, 'each still once, though two shots use dawn');
    assert.deepEqual(
      images.starts.map((c) => [c.label?.name, c.width, c.height]),
      [
        ['dawn', 320, 180],
        ['spare', 2048, 2048],
      ].filter((s) => images.starts.some((c) => c.label?.name === s[0])),
    );
    const stillsUsd = routed.images!.reduce((sum, i) => sum + i.cost_usd, 0);
    assert.ok(asked[0]! >= stillsUsd, 'the consent covers the stills');

    // the video requests carried the still's bytes as their first frame
    for (const shot of ['s1', 's2']) {
      const job = [...video.jobs.values()].find((j) => j.shotId === shot)!;
      const { first: frame } = frameAnchors(job.options);
      assert.ok(frame?.type === 'file', `${shot} was sent a first frame`);
      assert.deepEqual(Buffer.from(frame.data as Uint8Array), PNG);
    }
    const s3 = [...video.jobs.values()].find((j) => j.shotId === 's3')!;
    assert.equal(frameAnchors(s3.options).first, undefined);

    // the stills' spend is the run's, at list price, and in the report
    const store = await openStore({ dir });
    try {
      const rows = await store.stills(first.runId);
      assert.deepEqual(
        rows.map((r) => [r.name, r.state, Number(r.spent_micro), Number(r.reserved_micro)]).sort(),
        routed.images!.map((i) => [i.name, 'done', Math.round(i.cost_usd * 1e6), 0]).sort(),
      );
    } finally {
      await store.close();
    }
    assert.equal(
      first.report.stills?.every((s) => s.state === 'done' && !s.cached),
      true,
    );

    const again = await run({ ...options, retryFailed: false });
    assert.equal(again.state, 'finished');
    assert.equal(images.starts.length, 2, 'a re-run buys no still');
    assert.equal(asked.length, 1, 'nothing left to spend: consent is not asked again');
  });

  test('a still that cannot be made fails the shots using it, with the reason; others go on', async () => {
    const dir = tempDir('stills-refused');
    const storyboard = storyboardIn(dir);
    const video = new FakeProvider({ id: 'paid', pollIntervalMs: 0, polls: 0, concurrency: 8 });
    Object.assign(video, {
      image: (modelId: string): ImageModel => ({
        provider: 'paid',
        modelId,
        start: async () => ({ operation: {} }),
        status: async () => ({
          status: 'error',
          code: 'content_refused',
          message: 'the prompt was refused by moderation',
        }),
      }),
    });
    const result = await run({
      storyboard,
      catalog: models,
      dir,
      registry: createStandInRegistry(video),
      tools: fakeTools,
      assemble: false,
      confirmSpend: () => true,
    });
    const failed = new Map(result.failed.map((s) => [s.id, s.error]));
    assert.match(
      failed.get('s1') ?? '',
      /its still could not be made: images\.dawn: the prompt was refused/,
    );
    assert.ok(!failed.has('s3'), 's3 uses no still and is made');
    assert.equal(
      [...video.jobs.values()].some((j) => j.shotId === 's1'),
      false,
      'no video is bought for a shot whose still failed',
    );
    // spare's only shot could not start without dawn, so spare was never bought
    assert.deepEqual(
      result.report.stills?.map((s) => [s.name, s.state, s.spend_usd]),
      [
        ['dawn', 'failed', 0],
        ['spare', 'pending', 0],
      ],
    );
  });

  test('a start whose outcome is unknown is never sent again', async () => {
    const dir = tempDir('stills-lost');
    const storyboard = storyboardIn(dir);
    const video = new FakeProvider({ id: 'paid', pollIntervalMs: 0, polls: 0, concurrency: 8 });
    const images = new FakeImages();
    let calls = 0;
    Object.assign(video, {
      image: (modelId: string): ImageModel => {
        const model = images.model(modelId);
        return {
          ...model,
          start: async (call) => {
            calls++;
            // the connection drops once the request is sent: the provider may have it
            if (call.label?.name === 'dawn') throw providerErrors.connectionDropped('paid');
            return model.start(call);
          },
        };
      },
    });
    const options = {
      storyboard,
      catalog: models,
      dir,
      registry: createStandInRegistry(video),
      tools: fakeTools,
      assemble: false as const,
      confirmSpend: () => true,
    };
    const first = await run(options);
    const failed = new Map(first.failed.map((s) => [s.id, s.error]));
    assert.match(failed.get('s1') ?? '', /images\.dawn: .*outcome unknown/);
    assert.deepEqual(
      first.report.stills?.map((s) => [s.name, s.state]),
      [
        ['dawn', 'lost'],
        ['spare', 'pending'],
      ],
    );
    const sent = calls;
    const again = await run(options);
    assert.equal(calls, sent, 'the lost start is not sent again');
    assert.match(
      new Map(again.failed.map((s) => [s.id, s.error])).get('s1') ?? '',
      /not bought again/,
    );
  });
});
