/**
 * A paid clip is never thrown away and never bought twice without asking, through the real CLI
 * and the sandbox: a clip of the wrong size (the sandbox renders smaller than asked) is kept as
 * a rejected take with its verdict and cost; an unreadable download (the `corrupt` fault) is
 * recorded as paid and unusable. Running the same command again starts nothing; `--retry-failed`
 * buys each shot again, within the budget. A budget that cannot cover the next start is exit 2.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/types.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { writeSmallStoryboard } from '../small-storyboard.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-paid-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function storyboard(name: string, budget: number, shots = 2): string {
  return writeSmallStoryboard(path.join(dir, `${name}.yaml`), name, [
    `budget_usd: ${budget}`,
    // no retakes: these tests are about what happens to a failing paid take (retakes.test.ts)
    'policy: { qc: { retake: 0 } }',
    'shots:',
    ...Array.from(
      { length: shots },
      (_, i) =>
        `  - { id: s${i + 1}, prompt: a lighthouse at dawn number ${i + 1}, duration: 4, model: ltx-2 }`,
    ),
  ]);
}

async function withSandbox<T>(
  options: SandboxOptions,
  body: (sandbox: SandboxHandle) => Promise<T>,
) {
  const sandbox = await startSandbox({
    latencyMs: [50, 100],
    seed: 2,
    mediaDir: path.join(dir, 'sb-media'),
    ...options,
  });
  try {
    return await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

const starts = (sandbox: SandboxHandle) =>
  Object.values(sandbox.stats().providers).reduce((sum, p) => sum + p.created, 0);

async function run(sandbox: SandboxHandle, args: string[]) {
  const t = memoryIO(dir, { env: { SHOTROUTER_SANDBOX_URL: sandbox.url } });
  const code = await main(['run', ...args, '--yes'], t.io);
  return { code, out: t.stdout(), err: t.stderr() };
}

interface Report {
  shots: Array<{
    id: string;
    state: string;
    spend_usd: number;
    estimate_usd: number;
    reserved_usd: number;
    error_code: string | null;
    paid_takes: Array<{
      state: string;
      file: string | null;
      spend_usd: number;
      verdict: Array<{ code: string; ok: boolean; value: unknown; limit: unknown }>;
    }>;
  }>;
  total: { spend_usd: number };
}
const report = (out: string) =>
  JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;

// Each CLI run mostly waits out the LTX adapter's 5 s poll interval: the tests (each with its
// own sandbox, storyboard and run folder) run at once, so those waits overlap.
describe('paid takes', { concurrency: true }, () => {
  test('a clip of the wrong size is kept with its verdict; the same command does not buy it again; --retry-failed does', async () => {
    // the sandbox renders at most 320x180: every 1280x720 clip fails the size check
    await withSandbox({ maxSize: { width: 320, height: 180 } }, async (sandbox) => {
      const file = storyboard('wrong-size', 20);
      const out = path.join(dir, 'wrong-size');
      const first = await run(sandbox, [file, '--out', out]);
      assert.equal(first.code, 3, first.err);
      assert.match(first.err, /kept a paid take that failed its checks .*add --retry-failed/);
      assert.equal(starts(sandbox), 2, 'one paid start per shot, no fallback bought');
      const r = report(out);
      for (const shot of r.shots) {
        assert.equal(shot.state, 'failed');
        assert.equal(shot.error_code, 'verification_failed');
        assert.ok(shot.spend_usd > 0, 'the take was paid');
        assert.equal(shot.reserved_usd, 0);
        assert.ok(shot.estimate_usd > 0);
        const [take] = shot.paid_takes;
        assert.equal(take?.state, 'rejected');
        assert.ok(take.file && fs.existsSync(path.join(out, take.file)), 'the paid clip is kept');
        const size = take.verdict.find((c) => c.code === 'size')!;
        assert.equal(size.ok, false);
        assert.match(String(size.value), /^\d+x180$/, 'the frame the sandbox rendered');
        assert.notEqual(size.value, size.limit);
      }

      const again = await run(sandbox, [file, '--out', out]);
      assert.equal(again.code, 3, again.err);
      assert.match(again.out, /to spend: up to \$0\.00/);
      assert.equal(starts(sandbox), 2, 'running the same command again buys nothing');

      const retry = await run(sandbox, [file, '--out', out, '--retry-failed']);
      assert.equal(retry.code, 3, retry.err);
      assert.equal(starts(sandbox), 4, '--retry-failed buys each shot once more');
      assert.equal(report(out).shots[0]!.paid_takes.length, 2, 'both paid takes are kept');
    });
  });

  test('an unreadable paid download is recorded as paid and unusable, and not bought again', async () => {
    await withSandbox({ faults: { corrupt: 1 } }, async (sandbox) => {
      const file = storyboard('corrupt', 20, 1);
      const out = path.join(dir, 'corrupt');
      const first = await run(sandbox, [file, '--out', out]);
      assert.equal(first.code, 3, first.err);
      const shot = report(out).shots[0]!;
      assert.equal(shot.error_code, 'unusable_clip');
      assert.equal(shot.paid_takes[0]?.state, 'unusable');
      assert.ok(shot.paid_takes[0]!.spend_usd > 0);
      assert.equal(shot.paid_takes[0]!.verdict[0]?.code, 'playable');
      assert.ok(
        fs.readFileSync(path.join(out, 'report.html'), 'utf8').includes('paid and unusable'),
      );
      assert.equal(starts(sandbox), 1);
      await run(sandbox, [file, '--out', out]);
      assert.equal(starts(sandbox), 1, 'not bought again');
    });
  });

  test('a budget equal to the shown total runs; when what is left cannot cover the next start, exit 2', async () => {
    await withSandbox({ maxSize: { width: 320, height: 180 } }, async (sandbox) => {
      const file = storyboard('budget', 100, 3);
      const planned = memoryIO(dir, { env: { SHOTROUTER_SANDBOX_URL: sandbox.url } });
      assert.equal(await main(['plan', file], planned.io), 0);
      const shown = /total: \$(\d+\.\d\d)/.exec(planned.stdout())![1]!;
      const out = path.join(dir, 'budget');
      const exact = await run(sandbox, [file, '--out', out, '--budget', shown]);
      assert.equal(exact.code, 3, exact.err);
      assert.equal(starts(sandbox), 3, 'the budget equal to the shown total paid for every shot');
      assert.ok(report(out).total.spend_usd <= Number(shown));

      // every dollar is spent on kept takes: buying them again cannot fit
      const retry = await run(sandbox, [file, '--out', out, '--budget', shown, '--retry-failed']);
      assert.equal(retry.code, 2, retry.err);
      assert.match(retry.err, /the budget left could not cover/);
      assert.equal(starts(sandbox), 3, 'nothing started over budget');
    });
  });
});
