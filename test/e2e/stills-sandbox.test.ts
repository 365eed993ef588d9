/**
 * Stills before video against the provider sandbox: the still is bought from fal's queue API
 * (FLUX schnell) once, the two shots that start from it wait for it and are sent it as their
 * first frame (the sandbox's recorded create request shows it), and a second run buys nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { providerRegistry } from '../../src/lib/providers.ts';
import { run } from '../../src/lib/run.ts';
import { createBytePlusProvider } from '../../src/providers/byteplus/index.ts';
import { createFalProvider } from '../../src/providers/fal/index.ts';
import { createGoogleProvider } from '../../src/providers/google/index.ts';
import { createReplicateProvider } from '../../src/providers/replicate/index.ts';
import { planStoryboard } from '../../src/router/plan.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle } from '../../src/sandbox/types.ts';
import { openStore } from '../../src/store/store.ts';
import { loadStoryboard } from '../../src/storyboard/load.ts';
import { sandboxMedia } from '../cache.ts';
import { fakeTools } from '../engine/helpers.ts';

const catalog = loadCatalog();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-stills-sandbox-'));
let sandbox: SandboxHandle;

before(async () => {
  sandbox = await startSandbox({
    seed: 1,
    latencyMs: [50, 100],
    maxSize: { width: 160, height: 90 },
    mediaDir: sandboxMedia(),
  });
});
after(async () => {
  await sandbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const BOARD = `version: 1
title: Stills on fal
as_of: 2026-12-06
deliver: { resolution: 1280x720, fps: 24, audio: false }
budget_usd: 5
images:
  dawn: { generate: "a harbour at dawn, mist on the water", model: flux-schnell, size: 1280x720 }
shots:
  - { id: s1, prompt: the harbour wakes, duration: 5, first_frame: { image: dawn }, model: kling-2.6 }
  - { id: s2, prompt: the boats stir, duration: 5, first_frame: { image: dawn }, model: kling-2.6 }
`;

describe('stills in the sandbox', () => {
  test('bought once on fal, waited for, sent as each shot’s first frame; a re-run buys nothing', async () => {
    const file = path.join(dir, 'board.yaml');
    fs.writeFileSync(file, BOARD);
    const storyboard = loadStoryboard(file, { knownImageModels: ['flux-schnell'] });
    const plan = planStoryboard(storyboard, catalog, { configuredProviders: new Set(['fal']) });
    assert.deepEqual(
      plan.images?.map((i) => [i.name, i.provider, i.provider_model]),
      [['dawn', 'fal', 'fal-ai/flux/schnell']],
    );
    assert.ok(plan.shots.every((s) => s.provider === 'fal'));
    const env = { SHOTROUTER_SANDBOX_URL: sandbox.url };
    const runOnce = () =>
      run({
        storyboard,
        catalog,
        plan,
        dir: path.join(dir, 'run'),
        registry: providerRegistry(catalog, plan, [createFalProvider({ env, pollIntervalMs: 10 })]),
        // the sandbox renders small (maxSize): the take checks would reject every clip for its size
        tools: fakeTools,
        assemble: false,
        confirmSpend: () => true,
      });

    const first = await runOnce();
    assert.equal(first.state, 'finished', JSON.stringify(first.failed));
    const jobs = sandbox.jobs().filter((j) => j.provider === 'fal');
    const stills = jobs.filter((j) => j.model === 'fal-ai/flux/schnell');
    assert.equal(stills.length, 1, 'the still is bought once for both shots');
    assert.deepEqual(stills[0]!.request, {
      prompt: 'a harbour at dawn, mist on the water',
      image_size: { width: 1280, height: 720 },
      num_images: 1,
      output_format: 'png',
      enable_safety_checker: true,
    });

    // each video start came after the still was made and carried it as its image
    const still = first.report.stills![0]!;
    assert.equal(still.state, 'done');
    const bytes = fs.readFileSync(path.join(dir, 'run', still.file!));
    const videos = jobs.filter((j) => j.model !== 'fal-ai/flux/schnell');
    assert.equal(videos.length, 2);
    for (const video of videos) {
      assert.ok(video.created_at >= stills[0]!.created_at);
      // the sandbox records an inline image by the length of its data URI (SandboxJob.request)
      const sent = `data:image/png;base64,${bytes.toString('base64')}`;
      const image = (video.request as Record<string, unknown>).start_image_url;
      assert.equal(
        image,
        `data:image/png;base64,…(${sent.length} characters)`,
        JSON.stringify(video.request),
      );
    }

    // its list price is spent once and recorded
    const store = await openStore({ dir: path.join(dir, 'run') });
    try {
      const rows = await store.stills(first.runId);
      assert.deepEqual(
        rows.map((r) => [r.name, r.state, Number(r.spent_micro)]),
        [['dawn', 'done', Math.round(plan.images![0]!.cost_usd * 1e6)]],
      );
    } finally {
      await store.close();
    }

    const again = await runOnce();
    assert.equal(again.state, 'finished');
    assert.equal(
      sandbox.jobs().filter((j) => j.provider === 'fal').length,
      jobs.length,
      'a re-run starts nothing at the provider',
    );
  });

  test('Seedream on BytePlus: the synchronous image call is made once and its still kept', async () => {
    const runDir = path.join(dir, 'seedream');
    fs.mkdirSync(runDir, { recursive: true });
    const file = path.join(runDir, 'board.yaml');
    fs.writeFileSync(
      file,
      BOARD.replace('model: flux-schnell, size: 1280x720', 'model: seedream-4.5, size: 2048x1152'),
    );
    const storyboard = loadStoryboard(file, { knownImageModels: ['seedream-4.5'] });
    const plan = planStoryboard(storyboard, catalog, {
      configuredProviders: new Set(['fal', 'byteplus']),
    });
    assert.equal(plan.images![0]!.provider, 'byteplus');
    const env = { SHOTROUTER_SANDBOX_URL: sandbox.url };
    const before = sandbox.jobs().length;
    const registry = providerRegistry(catalog, plan, [
      createFalProvider({ env, pollIntervalMs: 10 }),
      createBytePlusProvider({ env, pollIntervalMs: 10 }),
    ]);
    const options = {
      storyboard,
      catalog,
      plan,
      dir: path.join(runDir, 'run'),
      registry,
      tools: fakeTools,
      assemble: false as const,
      confirmSpend: () => true,
    };
    const first = await run(options);
    assert.equal(first.state, 'finished', JSON.stringify(first.failed));
    const images = sandbox.jobs().filter((j) => j.model === 'seedream-4-5-251128');
    assert.equal(images.length, 1);
    assert.deepEqual(images[0]!.request, {
      model: 'seedream-4-5-251128',
      prompt: 'a harbour at dawn, mist on the water',
      size: '2048x1152',
      response_format: 'url',
      watermark: false,
      sequential_image_generation: 'disabled',
    });
    const still = first.report.stills![0]!;
    assert.equal(still.state, 'done');
    assert.equal(still.spend_usd, 0.04);
    const after = sandbox.jobs().length;
    assert.ok(after > before);
    await run(options);
    assert.equal(sandbox.jobs().length, after, 'a re-run starts nothing');
  });

  test('Imagen on the Gemini API: the nearest aspect ratio is asked, the inline image kept', async () => {
    const runDir = path.join(dir, 'imagen');
    fs.mkdirSync(runDir, { recursive: true });
    const file = path.join(runDir, 'board.yaml');
    fs.writeFileSync(file, BOARD.replace('model: flux-schnell', 'model: imagen-4'));
    const storyboard = loadStoryboard(file, { knownImageModels: ['imagen-4'] });
    const plan = planStoryboard(storyboard, catalog, {
      configuredProviders: new Set(['fal', 'google']),
    });
    assert.equal(plan.images![0]!.provider, 'google');
    const env = { SHOTROUTER_SANDBOX_URL: sandbox.url };
    const options = {
      storyboard,
      catalog,
      plan,
      dir: path.join(runDir, 'run'),
      registry: providerRegistry(catalog, plan, [
        createFalProvider({ env, pollIntervalMs: 10 }),
        createGoogleProvider({ env, pollIntervalMs: 10 }),
      ]),
      tools: fakeTools,
      assemble: false as const,
      confirmSpend: () => true,
    };
    const first = await run(options);
    assert.equal(first.state, 'finished', JSON.stringify(first.failed));
    const images = sandbox.jobs().filter((j) => j.model === 'imagen-4.0-generate-001');
    assert.equal(images.length, 1);
    assert.deepEqual(images[0]!.request, {
      instances: [{ prompt: 'a harbour at dawn, mist on the water' }],
      parameters: { sampleCount: 1, aspectRatio: '16:9' },
    });
    const still = first.report.stills![0]!;
    assert.equal(still.state, 'done');
    assert.equal(still.spend_usd, 0.04);
    const after = sandbox.jobs().length;
    await run(options);
    assert.equal(sandbox.jobs().length, after, 'a re-run starts nothing');
  });

  test('FLUX on Replicate: the prediction is polled and its first output kept', async () => {
    const runDir = path.join(dir, 'replicate');
    fs.mkdirSync(runDir, { recursive: true });
    const file = path.join(runDir, 'board.yaml');
    fs.writeFileSync(file, BOARD);
    const storyboard = loadStoryboard(file, { knownImageModels: ['flux-schnell'] });
    // only Replicate has credentials for stills here; the shots stay on fal
    const plan = planStoryboard(storyboard, catalog, {
      configuredProviders: new Set(['fal', 'replicate']),
    });
    plan.images![0]!.provider = 'replicate';
    plan.images![0]!.provider_model = 'black-forest-labs/flux-schnell';
    const env = { SHOTROUTER_SANDBOX_URL: sandbox.url };
    const options = {
      storyboard,
      catalog,
      plan,
      dir: path.join(runDir, 'run'),
      registry: providerRegistry(catalog, plan, [
        createFalProvider({ env, pollIntervalMs: 10 }),
        createReplicateProvider({ env, pollIntervalMs: 10 }),
      ]),
      tools: fakeTools,
      assemble: false as const,
      confirmSpend: () => true,
    };
    const first = await run(options);
    assert.equal(first.state, 'finished', JSON.stringify(first.failed));
    const images = sandbox.jobs().filter((j) => j.model === 'black-forest-labs/flux-schnell');
    assert.equal(images.length, 1);
    assert.deepEqual(images[0]!.request, {
      input: {
        prompt: 'a harbour at dawn, mist on the water',
        aspect_ratio: '16:9',
        output_format: 'png',
        num_outputs: 1,
      },
    });
    assert.equal(first.report.stills![0]!.state, 'done');
    assert.equal(first.report.stills![0]!.provider, 'replicate');
    const after = sandbox.jobs().length;
    await run(options);
    assert.equal(sandbox.jobs().length, after, 'a re-run starts nothing');
  });
});
