/**
 * Narration bought through the real TTS adapters against the provider sandbox (OpenAI, Gemini,
 * MiniMax and ElevenLabs stand-ins, which read with flite): asked for consent first, each
 * narration bought once, a re-run buys nothing, and nothing is bought without consent.
 * The video is made by a fake paying provider: only the narration is under test here.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readNarrationTakes } from '../../src/assemble/index.ts';
import {
  catalog,
  estimateRun,
  loadStoryboard,
  plan,
  run,
  ShotrouterError,
} from '../../src/index.ts';
import type { Plan } from '../../src/router/types.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle } from '../../src/sandbox/types.ts';
import { openStore } from '../../src/store/store.ts';
import { autoShotSeconds } from '../../src/storyboard/narration.ts';
import { fakeTools } from '../engine/helpers.ts';
import { payingRegistry, TEMP_DIRS, tempDir } from './helpers.ts';

const models = catalog();
let sandbox: SandboxHandle;
before(async () => {
  sandbox = await startSandbox({ latencyMs: [0, 0], seed: 1 });
});
after(async () => {
  await sandbox.close();
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const BOARD = `version: 1
title: Four voices
as_of: 2026-12-06
deliver: { resolution: 320x180, fps: 24, audio: true }
budget_usd: 50
voices:
  narrator: { model: tts-1, voice: nova }
  mara: { model: gemini-3.8-flash-tts, voice: Puck, notes: breathless }
  teo: { model: minimax-speech-2.8-turbo }
  ines: { model: eleven-multilingual-v2 }
shots:
  - { id: a, prompt: a harbour at dawn, duration: auto, narration: "The harbour wakes before the sun." }
  - { id: b, prompt: a woman running, duration: 2, narration: { text: "Wait for me!", speaker: mara } }
  - { id: c, prompt: a ferryman, duration: auto, narration: { text: "Not today.", speaker: teo } }
  - { id: d, prompt: a lighthouse, duration: 3, narration: { text: "Then tomorrow.", speaker: ines } }
`;

describe('narration bought in a run', () => {
  const dir = tempDir('narration-paid');
  const file = path.join(dir, 'board.yaml');
  fs.writeFileSync(file, BOARD);
  const env = () => ({ SHOTROUTER_SANDBOX_URL: sandbox.url });

  test('without consent nothing is bought', async () => {
    const storyboard = loadStoryboard(file, { catalog: models });
    const { registry } = payingRegistry();
    await assert.rejects(
      run({
        storyboard,
        catalog: models,
        dir: path.join(dir, 'refused'),
        registry,
        tools: fakeTools,
        env: env(),
        assemble: false,
        confirmSpend: () => false,
      }),
      (e: unknown) => ShotrouterError.is(e) && e.code === 'aborted' && /narration/.test(e.message),
    );
    assert.equal(sandbox.speech().length, 0);
  });

  test('each narration is bought once, with consent, on its voice; a re-run buys nothing', async () => {
    const out = path.join(dir, 'run');
    const storyboard = loadStoryboard(file, { catalog: models });
    const { provider, registry } = payingRegistry();
    const before = await estimateRun({
      storyboard,
      plan: plan(storyboard, models),
      dir: out,
      registry,
    });
    assert.equal(before.jobs, 8, 'four clips and four narrations to buy');
    const asked: number[] = [];
    const stages: string[] = [];
    const first = await run({
      storyboard,
      catalog: models,
      dir: out,
      registry,
      tools: fakeTools,
      env: env(),
      assemble: false,
      confirmSpend: ({ usd, stage }) => {
        asked.push(usd);
        stages.push(stage ?? 'generation');
        return true;
      },
    });
    assert.equal(first.state, 'finished');
    assert.equal(asked.length, 2, 'asked for the narration, then for the video');
    assert.deepEqual(stages, ['narration', 'generation']);
    assert.ok(asked[0]! > 0);
    assert.ok(Math.abs(asked[0]! + asked[1]! - before.usd) < 0.01, 'the estimate held both');
    const bought = sandbox.speech();
    assert.deepEqual(bought.map((s) => [s.provider, s.model, s.voice, s.characters]).sort(), [
      ['elevenlabs', 'eleven_multilingual_v2', 'JBFqnCBsd6RMkjVDRZzb', 14],
      ['google', 'gemini-3.8-flash-tts', 'Puck', 'breathless: Wait for me!'.length],
      ['minimax', 'speech-2.8-turbo', 'English_expressive_narrator', 10],
      ['openai', 'tts-1', 'nova', 33],
    ]);
    const takes = readNarrationTakes(out);
    assert.deepEqual(
      takes.map((t) => t.shot),
      ['a', 'b', 'c', 'd'],
    );
    for (const take of takes) {
      assert.ok(take.seconds > 0.3, `${take.shot}'s narration is speech (${take.seconds} s)`);
      assert.ok(take.cost_usd > 0, `${take.shot}'s narration has its cost on record`);
    }
    // the auto shots were asked for at their narration's measured length
    const store = await openStore({ dir: out });
    const stored = JSON.parse((await store.run(first.runId))!.plan_json) as Plan;
    await store.close();
    const seconds = new Map(takes.map((t) => [t.shot, autoShotSeconds(t.seconds)]));
    for (const id of ['a', 'c']) {
      const shot = stored.shots.find((s) => s.id === id)!;
      assert.equal(shot.trim?.seconds, seconds.get(id), `${id} lasts its narration plus the pause`);
    }
    assert.ok(stored.speech?.every((step) => step.cost_usd > 0));
    assert.equal(provider.startCalls.length, 4);
    const spent = takes.reduce((sum, t) => sum + t.cost_usd, 0);
    assert.ok(Math.abs(first.report.total.narration_usd! - spent) < 1e-6);
    assert.deepEqual(
      first.report.narration!.map((n) => [n.shot, n.speaker]),
      [
        ['a', 'narrator'],
        ['b', 'mara'],
        ['c', 'teo'],
        ['d', 'ines'],
      ],
    );

    const again = loadStoryboard(file, { catalog: models });
    const second = await run({
      storyboard: again,
      catalog: models,
      dir: out,
      registry,
      tools: fakeTools,
      env: env(),
      assemble: false,
      confirmSpend: () => assert.fail('a re-run has nothing to buy'),
    });
    assert.equal(second.state, 'finished');
    const after = await estimateRun({
      storyboard: again,
      plan: plan(again, models),
      dir: out,
      registry,
    });
    assert.equal(after.usd, 0);
    assert.equal(sandbox.speech().length, 4, 'no narration bought again');
    assert.equal(provider.startCalls.length, 4, 'no clip bought again');
    assert.deepEqual(
      readNarrationTakes(out).map((t) => t.cost_usd),
      takes.map((t) => t.cost_usd),
      'what each narration cost stays on record',
    );
  });
});
