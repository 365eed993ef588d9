/**
 * The prompt each model family is sent, read back from the sandbox's record of the requests it
 * received: one shot with a style, a negative prompt, a character in a look, a camera move,
 * a line of dialogue and a line of narration, pinned to one model of every family. The plan shows
 * the text (`shots[].prompt`); the engine's call options carry it through the real adapter to
 * the sandbox unchanged; the negative prompt reaches exactly the APIs that take one (and the
 * plan warns `negative_prompt_dropped` for the others).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { callOptions } from '../../src/engine/call-options.ts';
import { buildJobSpecs, type JobSpec, VirtualClock } from '../../src/engine/index.ts';
import { providerRegistry } from '../../src/lib/providers.ts';
import { IDEMPOTENCY_HEADER } from '../../src/providers/types.ts';
import { planStoryboard } from '../../src/router/plan.ts';
import type { Plan } from '../../src/router/types.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle, SandboxJob } from '../../src/sandbox/types.ts';
import { loadStoryboard } from '../../src/storyboard/load.ts';
import { sandboxMedia } from '../cache.ts';
import { MAX_SIZE, sandboxAdapters } from '../e2e/harness.ts';

/** One model per family (catalog `family`), and whether it makes sound. */
const FAMILIES: ReadonlyArray<{ model: string; audio: boolean }> = [
  { model: 'veo-3.1', audio: true },
  { model: 'gemini-omni-flash', audio: true },
  { model: 'kling-3.0', audio: true },
  { model: 'runway-gen-4.5', audio: false },
  { model: 'sora-2', audio: true },
  { model: 'seedance-2.0', audio: true },
  { model: 'wan-2.6', audio: true },
  { model: 'wan-2.2-a14b', audio: false },
  { model: 'ltx-2.3', audio: true },
  { model: 'hailuo-2.3', audio: false },
  { model: 'luma-ray-3', audio: false },
  { model: 'pika-2.2', audio: false },
];

const HEAD = `version: 1
title: Prompt dialects
as_of: 2026-09-01
deliver: { resolution: 1280x720, fps: 24 }
policy: { max_vram_gb: 48, allow_retired: true }
style:
  prompt: 35mm film, muted teal and amber grade
  negative: text, watermark, extra fingers
characters:
  mia:
    description: a woman in her thirties with short black hair
    looks:
      gym: { description: "grey hoodie, hair tied back, a fresh bruise on her cheek" }
  narrator: { narrator: true }
shots:
`;

function shotYaml(model: string, audio: boolean): string {
  return `  - id: ${model.replace(/\./g, '_')}
    model: ${model}
    prompt: Mia wraps her hands at the edge of an empty boxing ring.
    duration: 5
    characters: [mia@gym]
    camera: slow dolly in from a wide shot to a close-up
    audio:
      silent: ${!audio}
      dialogue:
        - { speaker: mia, line: One more round. }
        - { speaker: narrator, line: She never stopped. }
      ambient: rain on a tin roof
`;
}

const PERSON =
  'mia: a woman in her thirties with short black hair; grey hoodie, hair tied back, a fresh bruise on her cheek.';
const ACTION = 'Mia wraps her hands at the edge of an empty boxing ring.';

/** What each family is sent, per its dialect (docs/prompts.md). */
const EXPECTED: Record<string, { dialect: string; text: string }> = {
  'veo-3.1': {
    dialect: 'veo',
    text: `${PERSON} ${ACTION} Camera: slow dolly in from a wide shot to a close-up. Style: 35mm film, muted teal and amber grade. mia says: "One more round." A voice-over (narrator, off screen) says: "She never stopped." Ambient noise: rain on a tin roof.`,
  },
  'kling-3.0': {
    dialect: 'kling',
    text: `${PERSON} ${ACTION} Camera: slow dolly in from a wide shot to a close-up. Style: 35mm film, muted teal and amber grade. mia says: "One more round." Voice-over by narrator, who is not on screen: "She never stopped." Ambient sound: rain on a tin roof.`,
  },
  'runway-gen-4.5': {
    dialect: 'runway',
    text: `Slow dolly in from a wide shot to a close-up. ${ACTION} ${PERSON} 35mm film, muted teal and amber grade. mia says: "One more round." Voice-over by narrator, who is not on screen: "She never stopped."`,
  },
  'sora-2': {
    dialect: 'sora',
    text: [
      'Style: 35mm film, muted teal and amber grade.',
      PERSON,
      ACTION,
      'Cinematography:\nCamera: slow dolly in from a wide shot to a close-up',
      'Dialogue:\n- mia: "One more round."\n- narrator (voice-over, off screen): "She never stopped."',
      'Background sound: rain on a tin roof.',
    ].join('\n'),
  },
  'ltx-2.3': {
    dialect: 'ltx',
    text: `Style: 35mm film, muted teal and amber grade. ${ACTION} ${PERSON} The camera: slow dolly in from a wide shot to a close-up. mia says, "One more round." A voice-over by narrator, unseen, says, "She never stopped." Ambient sound: rain on a tin roof.`,
  },
  'luma-ray-3': {
    dialect: 'plain',
    text: [
      PERSON,
      ACTION,
      'Camera: slow dolly in from a wide shot to a close-up.',
      'mia says: "One more round."',
      'Voice-over by narrator, who is not on screen: "She never stopped."',
      'Style: 35mm film, muted teal and amber grade.',
    ].join('\n'),
  },
};

/** Every string in a recorded request (prompts may sit in nested fields or workflow nodes). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === 'object' && value !== null)
    for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe('the prompt each model family is sent, as the sandbox received it', () => {
  let sandbox: SandboxHandle;
  let plan: Plan;
  let specs: JobSpec[];
  const sent = new Map<string, SandboxJob>();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-prompts-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const file = path.join(dir, 'storyboard.yaml');
    fs.writeFileSync(file, HEAD + FAMILIES.map((f) => shotYaml(f.model, f.audio)).join(''));
    const catalog = loadCatalog();
    const storyboard = loadStoryboard(file);
    plan = planStoryboard(storyboard, catalog);
    const clock = new VirtualClock(Date.parse('2026-09-01T09:00:00Z'));
    sandbox = await startSandbox({
      latencyMs: [1000, 1000],
      seed: 1,
      now: () => clock.now(),
      maxSize: MAX_SIZE,
      mediaDir: sandboxMedia(),
    });
    after(() => sandbox.close());
    const registry = providerRegistry(catalog, plan, sandboxAdapters(sandbox.url, catalog, clock));
    specs = await buildJobSpecs(plan, storyboard, registry.executor);
    for (const spec of specs) {
      const route = spec.routes[0]!;
      const before = new Set(sandbox.jobs().map((j) => j.id));
      const { model } = registry.resolve(route.provider, route.model);
      const options = callOptions(spec, route, 0);
      await model.doStart!({
        ...options,
        headers: { ...options.headers, [IDEMPOTENCY_HEADER]: spec.key },
      });
      const job = sandbox.jobs().find((j) => !before.has(j.id));
      assert.ok(job, `${spec.unit}: the sandbox made no job`);
      sent.set(route.model, job);
    }
  });

  test('every family is planned, with the prompt in its dialect', () => {
    assert.deepEqual(
      plan.problems.filter((p) => p.severity === 'error'),
      [],
    );
    for (const { model } of FAMILIES) {
      const planned = plan.shots.find((s) => s.model === model);
      assert.ok(planned?.prompt, `${model} is planned with a prompt`);
      const expected = EXPECTED[model];
      if (expected) {
        assert.equal(planned.prompt.dialect, expected.dialect, model);
        assert.equal(planned.prompt.text, expected.text, model);
      }
    }
  });

  for (const { model } of FAMILIES) {
    test(`${model}: the request carries the plan's prompt, and the negative prompt where the API takes one`, () => {
      const planned = plan.shots.find((s) => s.model === model)!;
      const job = sent.get(model);
      assert.ok(job?.request, `${model}: the sandbox recorded the request`);
      // a multipart form (OpenAI) carries new lines as CRLF, as the form encoding writes them
      const texts = strings(job.request).map((t) => t.replace(/\r\n/g, '\n'));
      assert.ok(
        texts.includes(planned.prompt!.text),
        `${model} (${planned.provider}) was sent:\n${JSON.stringify(job.request, null, 2)}`,
      );
      const negative = texts.some((t) => t.includes('text, watermark, extra fingers'));
      assert.equal(negative, planned.prompt!.takes_negative, `${model} negative prompt`);
      assert.equal(planned.prompt!.negative !== null, planned.prompt!.takes_negative);
      const dropped = planned.warnings.some((w) => w.code === 'negative_prompt_dropped');
      assert.equal(dropped, !planned.prompt!.takes_negative, `${model} dropped warning`);
    });
  }
});
