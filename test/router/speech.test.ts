/** The plan's `speech[]`: every narration as a TTS step with its model, voice and cost, in the total. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PlanSchema } from '../../src/contracts/index.ts';
import { catalog, plan } from '../../src/index.ts';
import { speechCostUsd } from '../../src/router/speech.ts';
import { parseStoryboard } from '../../src/storyboard/load.ts';

const models = catalog();
const board = (extra: string) =>
  parseStoryboard(
    `version: 1
title: T
as_of: 2026-12-06
deliver: { resolution: 1280x720, fps: 24 }
${extra}
shots:
  - { id: a, prompt: a pier at dawn, duration: auto, narration: "The harbour wakes before the sun." }
  - { id: b, prompt: gulls, duration: 4 }
  - { id: c, prompt: a ferry, duration: 4, narration: { text: "Not today.", speaker: teo } }
`,
    '/tmp/speech.yaml',
    { knownVoiceModels: models.voices.map((v) => v.id) },
  );

describe('speech in the plan', () => {
  test('every narration is a step with model, provider, voice, characters and cost', () => {
    const planned = plan(
      board('voices:\n  narrator: { model: tts-1, voice: nova }\n  teo: {}'),
      models,
      { providers: [] },
    );
    PlanSchema.parse(planned);
    const speech = planned.speech!;
    assert.deepEqual(
      speech.map((s) => [s.shot, s.speaker, s.model, s.provider, s.voice, s.characters]),
      [
        ['a', 'narrator', 'tts-1', 'openai', 'nova', 33],
        ['c', 'teo', speech[1]!.model, speech[1]!.provider, speech[1]!.voice, 10],
      ],
    );
    // tts-1 at $15 per million characters
    assert.equal(
      speech[0]!.cost_usd,
      speechCostUsd({ unit: 'character', usd_per_million: 15 }, 33, 0),
    );
    assert.ok(speech[0]!.cost_usd > 0);
    assert.match(speech[1]!.reasons[0]!, /no model written for teo under voices: the default/);
    const video = planned.shots.reduce((sum, s) => sum + s.estimate.usd, 0);
    const tts = speech.reduce((sum, s) => sum + s.cost_usd, 0);
    assert.ok(Math.abs(planned.total.usd - (video + tts)) < 1e-6, 'the total holds the speech');
    assert.ok(planned.problems.some((p) => p.code === 'duration_estimated' && p.shot === 'a'));
    assert.ok(!planned.problems.some((p) => p.code === 'narration_too_long'));
    const long = parseStoryboard(
      'version: 1\ntitle: T\ndeliver: { resolution: 1280x720, fps: 24 }\nshots: [{ id: a, prompt: p, duration: 2, narration: "one two three four five six seven eight nine ten" }]\n',
      '/tmp/long.yaml',
    );
    const warned = plan(long, models, { providers: [] }).problems.find(
      (p) => p.code === 'narration_too_long',
    );
    assert.match(warned?.message ?? '', /takes about 4 s .* lasts 2 s/);
  });

  test('under optimize: cost the default voice is the cheapest; a storyboard without narration has no speech', () => {
    const cheap = plan(board('policy: { optimize: cost }'), models, { providers: [] });
    assert.ok(cheap.speech!.every((s) => s.model === cheap.speech![0]!.model));
    const prices = cheap.speech!.map((s) => s.cost_usd);
    const best = plan(board(''), models, { providers: [] });
    assert.ok(prices[0]! <= best.speech![0]!.cost_usd);
    const silent = parseStoryboard(
      'version: 1\ntitle: T\ndeliver: { resolution: 1280x720, fps: 24 }\nshots: [{ id: a, prompt: p, duration: 4 }]\n',
      '/tmp/silent.yaml',
    );
    assert.equal(plan(silent, models).speech, undefined);
  });

  test('a voice its model does not offer is an error that lists the voices', () => {
    const wrong = plan(board('voices:\n  narrator: { model: tts-1, voice: Nova2 }'), models, {
      providers: [],
    });
    const problem = wrong.problems.find((p) => p.code === 'unknown_voice');
    assert.equal(problem?.severity, 'error');
    assert.match(
      problem!.message,
      /voices\.narrator\.voice 'Nova2' is not a voice of tts-1: use one of alloy, ash/,
    );
    const cased = plan(board('voices:\n  narrator: { model: tts-1, voice: NOVA }'), models, {
      providers: [],
    });
    assert.match(
      cased.problems.find((p) => p.code === 'unknown_voice')!.message,
      /did you mean 'nova'/,
    );
  });

  test('the speech comes off the budget', () => {
    const narrated = board('voices:\n  narrator: { model: eleven-multilingual-v2 }');
    const free = plan(narrated, models, { providers: [] });
    const tts = free.speech!.reduce((sum, s) => sum + s.cost_usd, 0);
    const tight = plan(narrated, models, { providers: [], budgetUsd: tts / 2 });
    const over = tight.problems.find((p) => p.code === 'over_budget');
    assert.ok(over, 'a budget below the narration alone is over budget');
  });
});
