/**
 * A user's rehearsal, as the README describes it: a real (not preview) `run` of an example with
 * every provider pointed at the sandbox by one setting. Each shot must be made by its planned
 * model in one attempt, each paid start must reach the sandbox once, and the spend must be the
 * plan's estimate.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { probe } from '../../src/media/index.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle } from '../../src/sandbox/types.ts';
import { sandboxMedia } from '../cache.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { writeSmallStoryboard } from '../small-storyboard.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
let sandbox: SandboxHandle;
let dir: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-rehearsal-'));
  sandbox = await startSandbox({
    latencyMs: [100, 300],
    seed: 7,
    mediaDir: sandboxMedia(),
  });
});
after(async () => {
  await sandbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// The refused shot's run mostly waits out its adapter's poll interval, the ad's mostly renders:
// they run at once (each has its own sandbox and run folder).
describe('rehearsals against the sandbox', { concurrency: true }, () => {
  test('the social ad runs on the providers it was planned for, against the sandbox', async () => {
    const out = path.join(dir, 'ad');
    const example = path.join(REPO, 'examples', 'social-ad.yaml');
    const env = { SHOTROUTER_SANDBOX_URL: sandbox.url };
    const planned = memoryIO(REPO, { env });
    assert.equal(await main(['plan', example, '--json'], planned.io), 0);
    const plan = JSON.parse(planned.stdout()) as {
      shots: Array<{ id: string; model: string; provider: string; estimate: { usd: number } }>;
    };

    const t = memoryIO(REPO, { env });
    const code = await main(['run', example, '--out', out, '--yes'], t.io);
    assert.equal(code, 0, t.stderr());

    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as {
      shots: Array<{
        id: string;
        model: string;
        provider: string;
        attempts: number;
        spend_usd: number;
      }>;
      total: { spend_usd: number };
    };
    for (const shot of plan.shots) {
      const made = report.shots.find((s) => s.id === shot.id)!;
      assert.equal(made.model, shot.model, `${shot.id} made by its planned model`);
      assert.equal(made.provider, shot.provider);
      assert.equal(made.attempts, 1, `${shot.id} in one attempt`);
    }
    const estimate = plan.shots.reduce((sum, s) => sum + s.estimate.usd, 0);
    assert.ok(
      Math.abs(report.total.spend_usd - estimate) < 0.02,
      `${report.total.spend_usd} vs ${estimate}`,
    );

    const stats = sandbox.stats().providers;
    const created = Object.values(stats).reduce((sum, p) => sum + p.created, 0);
    assert.equal(created, plan.shots.length, 'one paid start per shot');
    for (const [name, p] of Object.entries(stats)) assert.equal(p.duplicate_keys, 0, name);

    const final = await probe(path.join(out, 'final.mp4'));
    assert.deepEqual(
      [final.width, final.height, final.fps, final.hasAudio],
      [1080, 1920, 30, true],
    );
    assert.ok(Math.abs(final.durationSeconds - 20) < 0.1, `${final.durationSeconds}`);
  });

  test('a shot refused by the only model it may use fails: exit 3, and the refusal is not paid for', async () => {
    const refusing = await startSandbox({
      latencyMs: [50, 100],
      seed: 3,
      faults: { refuse: 1 },
      mediaDir: sandboxMedia(),
    });
    try {
      const file = path.join(dir, 'refused.yaml');
      writeSmallStoryboard(file, 'refused', [
        'shots:',
        '  - { id: only, prompt: a lighthouse at dawn, duration: 4, model: ltx-2 }',
      ]);
      const out = path.join(dir, 'refused');
      const t = memoryIO(REPO, { env: { SHOTROUTER_SANDBOX_URL: refusing.url } });
      const code = await main(['run', file, '--out', out, '--yes'], t.io);
      assert.equal(code, 3, t.stdout() + t.stderr());
      assert.match(t.stderr(), /1 shot failed on every allowed model: only/);
      const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as {
        shots: Array<{ id: string; spend_usd: number }>;
        total: { spend_usd: number };
      };
      assert.equal(report.shots[0]!.spend_usd, 0, 'a refused generation is not paid for');
      assert.equal(report.total.spend_usd, 0);
    } finally {
      await refusing.close();
    }
  });
});
