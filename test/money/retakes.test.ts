/**
 * Checked takes, against the sandbox's clip-defect faults through the real adapter, engine,
 * ffmpeg checks and assembly: a take that fails its checks is kept and marked, and `policy.qc`
 * buys retakes only while the budget covers them. When every take fails, the best one is in the
 * cut, marked (report, timelines, status), and `run` ends with exit 3 naming the failed checks.
 * A retake that passes makes the shot. The library runs poll the sandbox every 50 ms (the
 * adapter's own 10 s would make these slow); the CLI run shows the exit and its words.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { catalog as loadCatalog, loadStoryboard } from '../../src/lib/catalog.ts';
import { plan as makePlan } from '../../src/lib/plan.ts';
import { providerRegistry } from '../../src/lib/providers.ts';
import { run } from '../../src/lib/run.ts';
import { runStatus } from '../../src/lib/status.ts';
import { createGoogleProvider } from '../../src/providers/google/index.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox/types.ts';
import { memoryIO } from '../cli/memory-io.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-retakes-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Shots of 3 s at 640x360 on one model (no fallbacks), with `policy.qc` as given. */
function storyboard(name: string, budget: number, shots: number, qc: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    [
      'version: 1',
      `title: ${name}`,
      'as_of: 2026-11-26',
      'deliver: { resolution: 640x360, fps: 24, audio: false }',
      `budget_usd: ${budget}`,
      `policy: { qc: ${qc} }`,
      'shots:',
      ...Array.from(
        { length: shots },
        (_, i) =>
          `  - { id: s${i + 1}, prompt: a lighthouse at dawn number ${i + 1}, duration: 3, model: gemini-omni-flash }`,
      ),
      '',
    ].join('\n'),
  );
  return file;
}

async function withSandbox<T>(options: SandboxOptions, body: (s: SandboxHandle) => Promise<T>) {
  const sandbox = await startSandbox({
    latencyMs: [20, 40],
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

async function cli(sandbox: SandboxHandle, args: string[]) {
  const t = memoryIO(dir, { env: { SHOTROUTER_SANDBOX_URL: sandbox.url } });
  const code = await main(args, t.io);
  return { code, out: t.stdout(), err: t.stderr() };
}

interface Check {
  code: string;
  ok: boolean;
  at?: number;
}
interface Report {
  shots: Array<{
    id: string;
    state: string;
    file: string | null;
    error: string | null;
    error_code: string | null;
    verdict: Check[] | null;
    paid_takes: Array<{ state: string; file: string | null; in_cut: boolean; verdict: Check[] }>;
  }>;
  total: { spend_usd: number };
  budget_usd: number;
}
/** `run` in the library, on the sandbox's Google API polled every 50 ms; the spend agreed. */
async function runFast(sandbox: SandboxHandle, file: string, out: string) {
  const catalog = loadCatalog();
  const storyboard = loadStoryboard(file, { catalog });
  const plan = makePlan(storyboard, catalog);
  const google = createGoogleProvider({
    env: { SHOTROUTER_SANDBOX_URL: sandbox.url },
    pollIntervalMs: 50,
  });
  return run({
    storyboard,
    catalog,
    plan,
    dir: out,
    registry: providerRegistry(catalog, plan, [google]),
    confirmSpend: () => true,
  });
}

const report = (out: string) =>
  JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;

async function pricePerTake(sandbox: SandboxHandle, file: string): Promise<number> {
  const planned = await cli(sandbox, ['plan', file, '--json']);
  assert.equal(planned.code, 0, planned.err);
  const plan = JSON.parse(planned.out) as {
    shots: Array<{ estimate: { usd: number }; fallbacks: string[] }>;
    total: { usd: number; worst_case_usd: number };
  };
  assert.deepEqual(plan.shots[0]!.fallbacks, [], 'pinned: retakes stay on the one model');
  return plan.shots[0]!.estimate.usd;
}

/** The fault stream of seed 8 draws 0.156 then 0.625: at 0.5 the first clip is black, the second not. */
const SEED_FAIL_THEN_PASS = 8;

// The CLI runs wait out the Google adapter's 10 s poll interval: the tests (each with its own
// sandbox, storyboards and run folders) run at once, so those waits overlap.
describe('retakes', { concurrency: true }, () => {
  test('every clip black: retakes are bought while the budget covers them, never over it; the best take is in the cut, marked in the report, the timelines and the status', async () => {
    await withSandbox({ faults: { black: 1 }, seed: 1 }, async (sandbox) => {
      const probe = storyboard('price', 100, 2, '{ retake: 2 }');
      const price = await pricePerTake(sandbox, probe);
      // room for the two takes the plan buys and one retake, not two
      const budget = Number((price * 3.5).toFixed(4));
      const file = storyboard('black', budget, 2, '{ retake: 2 }');
      const planned = await cli(sandbox, ['plan', file, '--json']);
      const total = (JSON.parse(planned.out) as { total: { usd: number; worst_case_usd: number } })
        .total;
      assert.ok(
        Math.abs(total.worst_case_usd - 3 * total.usd) < 1e-6,
        `two retakes of every take at worst: ${JSON.stringify(total)}`,
      );

      const out = path.join(dir, 'black');
      const ran = await runFast(sandbox, file, out);
      assert.deepEqual(
        ran.failed.map((f) => f.id),
        ['s1', 's2'],
      );
      assert.equal(starts(sandbox), 3, 'two takes and the one retake the budget covers');
      const r = report(out);
      assert.ok(r.total.spend_usd <= budget + 1e-9, `spent ${r.total.spend_usd} of ${budget}`);
      assert.ok(Math.abs(r.total.spend_usd - 3 * price) < 1e-6);
      const paid = r.shots.flatMap((s) => s.paid_takes);
      assert.equal(paid.length, 3, 'every failing take is kept');
      for (const shot of r.shots) {
        assert.equal(shot.state, 'failed');
        assert.equal(shot.error_code, 'verification_failed');
        assert.ok(
          shot.file && fs.existsSync(path.join(out, shot.file)),
          'a marked take is in the cut',
        );
        const black = shot.verdict?.find((c) => c.code === 'black');
        assert.equal(black?.ok, false);
        assert.equal(typeof black?.at, 'number');
        assert.equal(shot.paid_takes.filter((t) => t.in_cut).length, 1);
        for (const take of shot.paid_takes) {
          assert.equal(take.state, 'rejected');
          assert.ok(take.file && fs.existsSync(path.join(out, take.file)));
        }
      }
      assert.match(
        r.shots.map((s) => s.error).join(' '),
        /pass the budget/,
        'the retake the budget could not cover is said',
      );

      // the report shows the failing frame, the timelines mark it
      const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
      const thumb = /src="(qc\/[^"]+-black\.jpg)"/.exec(html);
      assert.ok(thumb, 'a thumbnail of the black frame');
      assert.ok(fs.statSync(path.join(out, thumb[1]!)).size > 0);
      assert.match(fs.readFileSync(path.join(out, 'timeline.edl'), 'utf8'), /^\* LOC: .* black$/m);
      assert.match(
        fs.readFileSync(path.join(out, 'timeline.fcpxml'), 'utf8'),
        /<marker [^>]*value="black"/,
      );
      assert.match(fs.readFileSync(path.join(out, 'timeline.otio'), 'utf8'), /"Marker\.2"/);

      // status says it per take
      const jobs = (await runStatus(out))!.jobs;
      assert.deepEqual(
        jobs.map((j) => j.state),
        ['failed', 'failed'],
      );
      assert.deepEqual(jobs.map((j) => j.failed_takes).sort(), [1, 2]);
      for (const j of jobs) assert.equal(j.verdict?.find((c) => c.code === 'black')?.ok, false);

      // running again buys nothing
      await runFast(sandbox, file, out);
      assert.equal(starts(sandbox), 3);
    });
  });

  test('a retake that passes makes the shot: the failing take stays kept, the good one is in the cut', async () => {
    // with this seed the sandbox blacks out the first clip and not the second
    await withSandbox({ faults: { black: 0.5 }, seed: SEED_FAIL_THEN_PASS }, async (sandbox) => {
      const file = storyboard('pass', 10, 1, '{ retake: 1, on: [black] }');
      const out = path.join(dir, 'pass');
      const ran = await runFast(sandbox, file, out);
      assert.deepEqual(ran.failed, []);
      assert.equal(starts(sandbox), 2);
      const [shot] = report(out).shots;
      assert.equal(shot!.state, 'done');
      assert.ok(
        shot!.verdict!.length > 0 && shot!.verdict!.every((c) => c.ok),
        'the cut’s take passed',
      );
      assert.equal(shot!.paid_takes.length, 1);
      assert.equal(shot!.paid_takes[0]!.in_cut, false);
      assert.equal(shot!.paid_takes[0]!.verdict.find((c) => c.code === 'black')?.ok, false);
    });
  });

  test('a check not in `on` is recorded, not retaken; the CLI ends with exit 3 naming it', async () => {
    await withSandbox({ faults: { black: 1 }, seed: 1 }, async (sandbox) => {
      const file = storyboard('recorded', 10, 1, '{ retake: 3, on: [frozen] }');
      const out = path.join(dir, 'recorded');
      const ran = await cli(sandbox, ['run', file, '--out', out, '--yes']);
      assert.equal(ran.code, 3, ran.err);
      assert.match(ran.err, /black/, 'exit 3 names the failed check');
      assert.match(ran.err, /the best failing take is in the cut, marked/);
      assert.equal(starts(sandbox), 1, 'black is not in `on`: nothing more bought');
      assert.equal(report(out).shots[0]!.paid_takes[0]!.in_cut, true);
    });
  });

  test('the vision judge (sandbox stand-in) joins the checks: a take it says does not show the prompt fails `judge`', async () => {
    await withSandbox({ seed: 1 }, async (sandbox) => {
      const shown = storyboard('judged', 10, 1, '{ retake: 0, judge: gemini-3.1-flash-lite }');
      const hidden = storyboard('not-shown', 10, 1, '{ retake: 0, judge: gemini-3.1-flash-lite }');
      fs.writeFileSync(
        hidden,
        fs
          .readFileSync(hidden, 'utf8')
          .replace('a lighthouse at dawn', 'SANDBOX_NOT_SHOWN a lighthouse'),
      );
      // both runs at once: each waits out the adapter's poll interval
      const [good, bad] = await Promise.all([
        cli(sandbox, ['run', shown, '--out', path.join(dir, 'judged'), '--yes']),
        cli(sandbox, ['run', hidden, '--out', path.join(dir, 'not-shown'), '--yes']),
      ]);
      assert.equal(good.code, 0, good.err);
      const passed = report(path.join(dir, 'judged')).shots[0]!.verdict as Check[];
      const judge = passed.find((c) => c.code === 'judge');
      assert.equal(judge?.ok, true, JSON.stringify(passed));
      assert.equal(bad.code, 3, bad.err);
      assert.match(bad.err, /judge/, 'exit 3 names the judge');
    });
  });

  test('policy.qc.judge must name a judge model of the catalog', () => {
    const file = storyboard('bad-judge', 10, 1, '{ judge: veo-3.1 }');
    assert.throws(() => loadStoryboard(file), /unknown judge model 'veo-3\.1'/);
  });
});
