/**
 * Prompt assembly (router/prompt.ts) and what the plan and the job specs make of it: the plain
 * form is the prompt of earlier versions (stored runs keep their cache keys), fallbacks get
 * their own family's dialect, long prompts are cut with a warning, a multi-shot group shows its
 * group prompt, and the plan's warnings are counted the way `plan` prints them; and the plan's
 * words say "allowed" only where a policy list ruled something out.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { formatPlan } from '../../src/cli/commands/plan.ts';
import { buildJobSpecs, shotPrompt } from '../../src/engine/job-spec.ts';
import { planStoryboard } from '../../src/router/plan.ts';
import { buildPrompt, DIALECTS, fitPrompt } from '../../src/router/prompt.ts';
import type { PlannedShot } from '../../src/router/types.ts';
import { loadStoryboard } from '../../src/storyboard/load.ts';
import type { Storyboard } from '../../src/storyboard/types.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-prompt-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

function storyboard(yaml: string): Storyboard {
  const file = path.join(dir, `s${files++}.yaml`);
  fs.writeFileSync(file, yaml);
  return loadStoryboard(file);
}

const HEAD = `version: 1
title: t
as_of: 2026-09-01
deliver: { resolution: 1280x720, fps: 24 }
`;

describe('the plain form', () => {
  test('a shot without style, descriptions or narration is written as before dialects', () => {
    const sb = storyboard(`${HEAD}characters: { mia: {} }
shots:
  - id: a
    prompt: "  A kettle boils.  "
    duration: 4
    slowmo: 2
    camera: static close-up
    audio:
      dialogue: [{ speaker: mia, line: Tea? }]
      ambient: a quiet kitchen
      sfx: a whistle
`);
    const shot = sb.shots[0]!;
    // the text earlier versions built, spelled out
    const before = [
      'A kettle boils.',
      'Slow motion: the action plays 2 times slower than real time.',
      'Camera: static close-up.',
      'mia says: "Tea?"',
      'Ambient sound: a quiet kitchen.',
      'Sound effects: a whistle.',
    ].join('\n');
    assert.equal(shotPrompt(shot, true), before);
    assert.equal(
      buildPrompt(shot, sb.characters, { dialect: 'plain', audio: true, slowMotionLook: true }),
      before,
    );
  });

  test('every dialect writes every part it is given, once', () => {
    const sb = storyboard(`${HEAD}style: { prompt: noir }
characters:
  mia: { description: tall, looks: { wet: { description: soaked coat } } }
  vo: { narrator: true }
shots:
  - id: a
    prompt: Mia runs.
    duration: 4
    characters: [mia@wet]
    camera: tracking shot
    audio:
      dialogue: [{ speaker: mia, line: Wait! }, { speaker: vo, line: She ran. }]
      sfx: thunder
`);
    for (const dialect of Object.keys(DIALECTS) as (keyof typeof DIALECTS)[]) {
      const text = buildPrompt(sb.shots[0]!, sb.characters, { dialect, audio: true });
      for (const part of [
        'noir',
        'tall; soaked coat',
        'Mia runs.',
        'tracking shot',
        'Wait!',
        'She ran.',
        'thunder',
      ]) {
        // Runway's form starts sentences with a capital
        assert.equal(
          text.toLowerCase().split(part.toLowerCase()).length - 1,
          1,
          `${dialect}: ${part} in\n${text}`,
        );
      }
      assert.ok(!/vo says/.test(text), `${dialect}: the narrator is not someone on screen`);
      const silent = buildPrompt(sb.shots[0]!, sb.characters, { dialect, audio: false });
      assert.ok(!silent.includes('thunder'), `${dialect}: no sound parts for a silent clip`);
    }
  });
});

test('fitPrompt cuts at a word boundary and says how long it was', () => {
  assert.deepEqual(fitPrompt('short', 100), { text: 'short' });
  assert.deepEqual(fitPrompt('one two three four', 12), { text: 'one two', cut: 18 });
  assert.deepEqual(fitPrompt('abcdefghij', 4), { text: 'abcd', cut: 10 });
});

describe('the plan and the job specs', () => {
  const catalog = loadCatalog();

  test('a prompt made longer than the API takes by its style is cut, with a warning, and the job sends the cut text', async () => {
    const long = 'a very long description of the look of a rainy street at night '.repeat(20);
    const sb = storyboard(`${HEAD}style: "${long}"
shots:
  - { id: a, model: runway-gen-4.5, prompt: A bus passes., duration: 5 }
`);
    const plan = planStoryboard(sb, catalog);
    const shot = plan.shots[0]!;
    assert.equal(shot.prompt?.max_chars, 1000);
    assert.ok(shot.prompt!.text.length <= 1000);
    assert.ok(shot.prompt!.text.startsWith('A bus passes. '), 'the shot’s own words are kept');
    const warning = shot.warnings.find((w) => w.code === 'prompt_truncated');
    assert.ok(warning, 'a prompt_truncated warning');
    assert.match(warning.message, /is \d+ characters and runway-gen-4\.5 takes at most 1000/);
    const specs = await buildJobSpecs(plan, sb, 'providers');
    assert.equal(specs[0]!.prompt, shot.prompt!.text);
    assert.equal(specs[0]!.routes[0]!.prompt, shot.prompt!.text);
  });

  test('fallbacks get their own family’s dialect; the negative prompt only where the API takes one', async () => {
    const sb = storyboard(`${HEAD}style: { prompt: pastel, negative: blur }
shots:
  - { id: a, prompt: A kite over a beach., duration: 5, camera: aerial }
`);
    const plan = planStoryboard(sb, catalog);
    const planned = plan.shots[0]!;
    assert.ok(planned.fallback_routes.every((f) => f.prompt !== undefined));
    const [spec] = await buildJobSpecs(plan, sb, 'providers');
    const dialects = new Set<string>();
    for (const [k, route] of spec!.routes.entries()) {
      const form = k === 0 ? planned.prompt! : planned.fallback_routes[k - 1]!.prompt!;
      dialects.add(form.dialect);
      assert.equal(route.negativePrompt, form.takes_negative ? 'blur' : undefined, route.model);
      assert.ok(route.prompt?.includes('A kite over a beach.'));
    }
    assert.ok(dialects.size > 2, `several dialects among the routes: ${[...dialects]}`);
  });

  test('a multi-shot group shows the group prompt on each of its shots', () => {
    const sb = storyboard(`${HEAD}shots:
  - { id: a, prompt: A door opens., duration: 3, sequence: s, model: kling-3.0 }
  - { id: b, prompt: A cat walks in., duration: 3, sequence: s, model: kling-3.0 }
`);
    const plan = planStoryboard(sb, catalog);
    const [a, b] = plan.shots as [PlannedShot, PlannedShot];
    assert.ok(a.group !== null && a.group === b.group, 'grouped');
    assert.equal(a.prompt!.text, b.prompt!.text);
    assert.match(
      a.prompt!.text,
      /^A sequence of 2 shots[\s\S]*A door opens\.[\s\S]*A cat walks in\./,
    );
  });

  test('plan warnings are counted as printed: one line per warning, however many shots share it', () => {
    const sb = storyboard(`${HEAD}style: { negative: blur }
shots:
  - { id: a, model: runway-gen-4.5, prompt: Rain., duration: 5 }
  - { id: b, model: runway-gen-4.5, prompt: Snow., duration: 5 }
  - { id: c, model: runway-gen-4.5, prompt: Fog., duration: 5 }
`);
    const text = formatPlan(planStoryboard(sb, catalog));
    const header = /^(\d+) warnings?( \((\d+) counting each shot\))?:$/m.exec(text);
    assert.ok(header, text);
    const printed = text
      .slice(header.index)
      .split('\n')
      .slice(1)
      .filter((l) => l.startsWith('  '));
    assert.equal(Number(header[1]), printed.length, text);
    assert.equal(Number(header[3]), 6, 'two warnings on each of three shots');
    assert.ok(printed.some((l) => l.includes('[a, b, c]') && l.includes('no negative prompt')));
  });
});

test('the shot’s own words over the limit are never cut: the run’s preflight refuses instead', () => {
  const own = 'word '.repeat(300);
  assert.deepEqual(fitPrompt(`${own} Style: noir.`, 1000, own.trim().length), {
    text: `${own} Style: noir.`,
  });
});

describe('plain messages', () => {
  const catalog = loadCatalog();
  const pinned = (policy: string) =>
    planStoryboard(
      storyboard(`${HEAD}${policy}shots:
  - { id: a, prompt: Rain., duration: 5, model: kling-3.0 }
`),
      catalog,
    ).shots[0]!.reasons[0]!;

  test('"allowed" only when policy.allow or policy.deny ruled a model out', () => {
    assert.match(pinned(''), /^only model that can make it/);
    assert.match(pinned('policy: { deny: [veo-3.1] }\n'), /^only allowed model that can make it/);
  });
});
