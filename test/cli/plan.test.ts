import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import type { Plan } from '../../src/router/types.ts';
import { CANONICAL } from '../catalog/canonical.ts';
import { memoryIO } from './memory-io.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = ['launch-film.yaml', 'social-ad.yaml', 'local-short.yaml'].map((f) =>
  path.join(REPO, 'examples', f),
);

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-plan-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const t = memoryIO(REPO, { env });
  const code = await main(args, t.io);
  return { code, stdout: t.stdout(), stderr: t.stderr() };
}

describe('every example plans', () => {
  for (const file of EXAMPLES) {
    test(path.basename(file), async () => {
      const result = await cli(['plan', file, '--json']);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const plan = JSON.parse(result.stdout) as Plan;
      assert.ok(plan.shots.length >= 4);
      for (const shot of plan.shots) {
        assert.ok(shot.model, `${shot.id} has a model`);
        assert.ok(shot.reasons.length > 0, `${shot.id} says why`);
        assert.ok(
          shot.generate && shot.generate.seconds + 1e-9 >= shot.trim!.from + shot.trim!.seconds,
        );
      }
      if (plan.budget_usd !== null) assert.ok(plan.total.usd <= plan.budget_usd);
      const validate = await cli(['validate', file]);
      assert.equal(validate.code, 0, validate.stderr);
    });
  }

  test('the narrated example lists its voices, with their cost in the total', async () => {
    const file = path.join(REPO, 'examples', 'narrated.yaml');
    const json = await cli(['plan', file, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout) as Plan;
    assert.deepEqual(
      plan.speech!.map((s) => [s.shot, s.speaker, s.model]),
      [
        ['s01', 'narrator', 'gpt-4o-mini-tts'],
        ['s02', 'narrator', 'gpt-4o-mini-tts'],
        ['s03', 'keeper', plan.speech![2]!.model],
      ],
    );
    assert.ok(plan.problems.some((p) => p.code === 'duration_estimated' && p.shot === 's01'));
    const text = await cli(['plan', file]);
    assert.match(text.stdout, /narration: 3 text-to-speech steps, \$[\d.]+ \(in the total\)/);
    assert.match(text.stdout, /narrator: gpt-4o-mini-tts \(openai\) voice sage/);
    const validate = await cli(['validate', file]);
    assert.equal(validate.code, 0, validate.stderr);
  });

  test('the launch film shows dialogue with audio, 4K slow motion and a multi-shot montage', async () => {
    const plan = JSON.parse((await cli(['plan', EXAMPLES[0]!, '--json'])).stdout) as Plan;
    const byId = new Map(plan.shots.map((s) => [s.id, s]));
    assert.equal(byId.get('s02')!.generate!.audio, true);
    assert.deepEqual(
      [
        byId.get('s03')!.generate!.width,
        byId.get('s03')!.generate!.height,
        byId.get('s03')!.generate!.fps,
      ],
      [3840, 2160, 24],
    );
    // policy.slowmo defaults to auto: no catalog model has a confirmed 60 fps at 4K (Kling 3.0's
    // was marketing only), so the 2.5x slow motion is interpolated at conform, and the plan says so
    const s03 = byId.get('s03')!;
    assert.equal(s03.slowmo!.path, 'interpolate');
    assert.equal(s03.slowmo!.fps_generated, 24);
    assert.ok(s03.reasons.some((r) => r.startsWith('slow motion (interpolate):')));
    for (const shot of plan.shots) {
      assert.ok(shot.quality, `${shot.id} says which quality it used`);
      assert.ok(shot.reasons.some((r) => r.startsWith('quality')));
    }
    const group = byId.get('s04')!.group;
    assert.ok(group);
    assert.equal(byId.get('s05')!.group, group);
    assert.equal(byId.get('s06')!.group, group);
  });

  test('the local short runs only on the local GPU under Apache-2.0', async () => {
    const plan = JSON.parse((await cli(['plan', EXAMPLES[2]!, '--json'])).stdout) as Plan;
    for (const shot of plan.shots) assert.equal(shot.provider, 'comfyui');
    assert.ok(plan.shots.every((s) => s.model?.startsWith('wan-')));
  });
});

test('plan --json is byte-identical for the same input', async () => {
  const one = await cli(['plan', EXAMPLES[0]!, '--json', '--as-of', '2026-11-26']);
  const two = await cli(['plan', EXAMPLES[0]!, '--json', '--as-of', '2026-11-26']);
  assert.equal(one.stdout, two.stdout);
});

test('the human table fits 100 columns', async () => {
  for (const file of EXAMPLES) {
    const { stdout } = await cli(['plan', file]);
    const table = stdout.split('\n\n')[1]!;
    for (const line of table.split('\n')) assert.ok(line.length <= 100, `${line.length}: ${line}`);
  }
});

test('over budget: exit 2 and the cheapest plan named', async () => {
  const result = await cli(['plan', EXAMPLES[0]!, '--budget', '1']);
  assert.equal(result.code, 2);
  assert.match(
    result.stdout,
    /even the cheapest feasible plan costs \$\d+\.\d\d, over budget_usd \$1\.00/,
  );
});

test('a retired model appears with its date; an earlier --as-of brings it back', async () => {
  const now = JSON.parse((await cli(['plan', EXAMPLES[0]!, '--json'])).stdout) as Plan;
  const sora = now.shots[1]!.rejected.find((r) => r.model === 'sora-2')!;
  const retired = sora.reasons.find((r) => r.code === 'retired');
  assert.ok(retired?.code === 'retired');
  assert.ok(retired.message.startsWith('retired 2026-09-24'));
  assert.equal(retired.date, '2026-09-24');
  const before = JSON.parse(
    (await cli(['plan', EXAMPLES[0]!, '--json', '--as-of', '2026-06-01'])).stdout,
  ) as Plan;
  const soraBefore = before.shots[1]!.rejected.find((r) => r.model === 'sora-2');
  assert.ok(!soraBefore?.reasons.some((r) => r.code === 'retired'));
});

test('missing credentials: the plan names the variable that would enable the route', async () => {
  const { stdout } = await cli(['plan', EXAMPLES[1]!]);
  assert.match(stdout, /which has no credentials: set MINIMAX_API_KEY/);
  const sandboxed = await cli(['plan', EXAMPLES[1]!], {
    SHOTROUTER_SANDBOX_URL: 'http://127.0.0.1:9',
  });
  assert.doesNotMatch(sandboxed.stdout, /no credentials/);
});

test('credentials steer: the plan records its providers, and --providers replays it', async () => {
  const env = { KLING_ACCESS_KEY: 'test-access', KLING_SECRET_KEY: 'test-secret' };
  const steered = await cli(['plan', EXAMPLES[0]!, '--json'], env);
  // the shots with reference images have no reachable route that sends them (Kling's own API
  // takes registered elements, not files): exit 2, with what would unlock one
  assert.equal(steered.code, 2);
  const plan = JSON.parse(steered.stdout) as Plan;
  assert.deepEqual(plan.providers, ['kling']);
  for (const shot of plan.shots) if (shot.provider) assert.equal(shot.provider, 'kling');
  const unlock = plan.problems.filter((p) => p.code === 'credentials_would_unlock');
  assert.ok(unlock.length > 0, 'a better route behind another key is named');
  for (const p of unlock) {
    assert.match(
      p.message,
      /^shot s\d+: set [A-Z_]+.* to unlock [a-z0-9.-]+ on [a-z]+: the plan would choose/,
    );
  }
  const replay = await cli(['plan', EXAMPLES[0]!, '--json', '--providers', 'kling']);
  assert.equal(replay.stdout, steered.stdout, 'same inputs, same plan, without the keys');
  assert.doesNotMatch(steered.stdout, /test-access|test-secret/);
  assert.equal((await cli(['plan', EXAMPLES[0]!, '--providers', 'nope'])).code, 64);
});

test('a plan whose voices need ElevenLabs replays with --providers too', async () => {
  const narrated = path.join(REPO, 'examples', 'narrated.yaml');
  const env = { ELEVENLABS_API_KEY: 'test-eleven', OPENAI_API_KEY: 'test-openai' };
  const steered = await cli(['plan', narrated, '--json'], env);
  const plan = JSON.parse(steered.stdout) as Plan;
  assert.deepEqual(plan.providers, ['elevenlabs', 'openai']);
  const replay = await cli(['plan', narrated, '--json', '--providers', 'elevenlabs,openai']);
  assert.equal(replay.code, steered.code);
  assert.equal(replay.stdout, steered.stdout, 'same inputs, same plan, without the keys');
  assert.doesNotMatch(steered.stdout, /test-eleven|test-openai/);
});

describe('errors and usage', () => {
  test('an invalid storyboard: exit 1 with file:line:col for every problem', async () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      file,
      'version: 1\ntitle: t\ndeliver: { resolution: 1920x1080, fps: 24 }\nshots:\n  - { id: a, prompt: p, duration: -1, tags: [cinematc] }\n  - { id: a, prompt: p, duration: 5 }\n',
    );
    const result = await cli(['validate', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /bad\.yaml:5:\d+: shots\[0\]\.duration/);
    assert.match(result.stderr, /did you mean 'cinematic'/);
    assert.match(result.stderr, /bad\.yaml:6:\d+: shots\[1\]\.id/);
    const plan = await cli(['plan', file]);
    assert.equal(plan.code, 1);
  });

  test('a shot no model can make: exit 2 and a problem that says what to change', async () => {
    const file = path.join(dir, 'long.yaml');
    fs.writeFileSync(
      file,
      'version: 1\ntitle: t\ndeliver: { resolution: 1920x1080, fps: 24 }\nshots:\n  - { id: a, prompt: p, duration: 200, continuous: true }\n',
    );
    const result = await cli(['plan', file, '--json']);
    assert.equal(result.code, 2);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.equal(plan.shots[0]!.model, null);
    assert.match(plan.problems[0]!.message, /the longest any allowed model can do is \d+ s/);
  });

  test('usage errors exit 64', async () => {
    assert.equal((await cli(['nope'])).code, 64);
    assert.equal((await cli(['plan'])).code, 64);
    assert.equal((await cli(['plan', EXAMPLES[0]!, '--as-of', '2026-02-30'])).code, 64);
    assert.equal((await cli(['plan', EXAMPLES[0]!, '--budget', 'lots'])).code, 64);
    assert.equal((await cli(['models', '--bogus'])).code, 64);
  });

  test('models --json lists every canonical model with its lifecycle at the date', async () => {
    const result = await cli(['models', '--json', '--as-of', '2026-11-26']);
    assert.equal(result.code, 0);
    const ids = (JSON.parse(result.stdout).models as Array<{ id: string }>).map((m) => m.id);
    for (const id of CANONICAL) {
      assert.ok(ids.includes(id), id);
    }
    const table = await cli(['models']);
    assert.match(table.stdout, /sora-2 +retired 2026-09-24/);
    // an edit model is listed apart, never among the models plans route to
    const edits = JSON.parse(result.stdout).edit_models as Array<{ id: string; kind: string }>;
    assert.deepEqual(
      edits.map((m) => [m.id, m.kind]),
      [['runway-aleph', 'edit']],
    );
    assert.ok(!ids.includes('runway-aleph'));
    assert.match(
      table.stdout,
      /edit models \(video in, never routed for generation\): runway-aleph/,
    );
    // per-modality quality with its source and snapshot; retirement per route
    const veo = (
      JSON.parse(result.stdout).models as Array<{
        id: string;
        quality_by_modality: Record<
          string,
          { basis: string; arena?: { score: number; snapshot: string; source_url: string } }
        >;
        routes_at_as_of: Array<{ provider: string; usable: boolean; retires_on: string | null }>;
      }>
    ).find((m) => m.id === 'veo-3.1')!;
    assert.equal(veo.quality_by_modality.text_to_video!.basis, 'arena');
    assert.equal(veo.quality_by_modality.text_to_video!.arena!.score, 1201);
    assert.equal(veo.quality_by_modality.text_to_video!.arena!.snapshot, '2026-08-01');
    assert.match(
      veo.quality_by_modality.image_to_video!.arena!.source_url,
      /artificialanalysis\.ai/,
    );
    const google = veo.routes_at_as_of.find((r) => r.provider === 'google')!;
    assert.deepEqual([google.usable, google.retires_on], [false, '2026-10-22']);
    assert.match(table.stdout, /veo-3\.1 .* 1201±12 +1252±12/);
  });
});
