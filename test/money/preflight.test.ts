/**
 * Preflight through the real CLI and the sandbox: when the machine cannot keep what a run would
 * buy, the run stops before its first paid start (exit 2, one line per problem) and the sandbox
 * sees no start at all.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { catalog, loadStoryboard } from '../../src/lib/catalog.ts';
import { plan } from '../../src/lib/plan.ts';
import { run as runLibrary } from '../../src/lib/run.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle } from '../../src/sandbox/types.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { writeSmallStoryboard } from '../small-storyboard.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
let sandbox: SandboxHandle;
let dir: string;
let storyboard: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-preflight-'));
  sandbox = await startSandbox({
    latencyMs: [50, 100],
    seed: 1,
    mediaDir: path.join(dir, 'sandbox'),
  });
  storyboard = path.join(dir, 'film.yaml');
  writeSmallStoryboard(storyboard, 'preflight', [
    'shots:',
    '  - { id: a, prompt: a lighthouse at dawn, duration: 4, model: ltx-2 }',
    '  - { id: b, prompt: waves on the rocks, duration: 4, model: ltx-2 }',
  ]);
});
after(async () => {
  await sandbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Paid starts the sandbox has seen, over every provider. */
function starts(): number {
  return Object.values(sandbox.stats().providers).reduce((sum, p) => sum + p.created, 0);
}

async function run(
  args: string[],
  env: Record<string, string> = { SHOTROUTER_SANDBOX_URL: sandbox.url },
) {
  const t = memoryIO(dir, { env });
  const code = await main(['run', ...args, '--yes'], t.io);
  return { code, out: t.stdout(), err: t.stderr() };
}

describe('a run stops before its first paid start', () => {
  test('ffmpeg missing from the PATH (the real binary, in a child process)', async () => {
    const before = starts();
    const nodeOnly = path.dirname(process.execPath);
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [
          path.join(REPO, 'bin', 'shotrouter.js'),
          'run',
          storyboard,
          '--out',
          path.join(dir, 'no-ffmpeg'),
          '--yes',
        ],
        { env: { PATH: nodeOnly, HOME: dir, SHOTROUTER_SANDBOX_URL: sandbox.url }, cwd: dir },
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /the run cannot start \(nothing was spent\)/);
    assert.match(result.stderr, /ffmpeg was not found on PATH; install it/);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
    assert.equal(starts(), before, 'no paid start');
  });

  test('--out under a file, or inside /proc, is refused at once', async () => {
    const before = starts();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    let r = await run([storyboard, '--out', path.join(file, 'run')]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /a-file is a file, not a folder; give --out another path/);
    r = await run([storyboard, '--out', '/proc/shotrouter-test/run']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /inside \/proc, which is not storage/);
    assert.equal(starts(), before);
  });

  test('no credentials for a first choice: exit 2 naming what to set', async () => {
    const r = await run([storyboard, '--out', path.join(dir, 'no-keys')], {});
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no credentials for \w+, the first choice of 2 shots \(a, b\): set /);
  });

  test('a sandbox that is not listening: exit 2 at once naming the address, no retries', async () => {
    // a port that was just listening and is now closed: nothing answers there
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const r = await run([storyboard, '--out', path.join(dir, 'dead-sandbox')], {
      SHOTROUTER_SANDBOX_URL: `http://127.0.0.1:${closed}`,
    });
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err,
      new RegExp(
        `\\w+ is the first choice of 2 shots \\(a, b\\) but http://127\\.0\\.0\\.1:${closed} cannot be reached \\(connection refused\\): start it`,
      ),
    );
  });

  test('a prompt longer than the routed model takes is refused at its place', async () => {
    const before = starts();
    const long = path.join(dir, 'long.yaml');
    fs.writeFileSync(
      long,
      fs
        .readFileSync(storyboard, 'utf8')
        .replace(
          'a lighthouse at dawn, duration: 4, model: ltx-2',
          `${'a lighthouse '.repeat(250)}, duration: 5, model: kling-2.6`,
        ),
    );
    const r = await run([long, '--out', path.join(dir, 'long')]);
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err,
      /long\.yaml:6:\d+: shots\[0\]\.prompt: the prompt of a is 32\d\d characters; kling-2\.6 takes at most 2500/,
    );
    assert.equal(starts(), before);
  });

  test('the run database locked by another process: a plain message, nothing started', async () => {
    const before = starts();
    const out = path.join(dir, 'locked');
    fs.mkdirSync(out);
    const holder = new DatabaseSync(path.join(out, 'shotrouter.db'));
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const r = await run([storyboard, '--out', out]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /the run database in .*locked is locked by another process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    assert.equal(starts(), before);
  });

  test('too little free disk for the clips (a 4 MB tmpfs; needs root to mount)', async (t) => {
    const mount = path.join(dir, 'small-disk');
    fs.mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      t.skip('cannot mount a tmpfs here (not root)');
      return;
    }
    try {
      const before = starts();
      const r = await run([storyboard, '--out', path.join(mount, 'run')]);
      assert.equal(r.code, 2, r.err);
      assert.match(
        r.err,
        /not enough free disk for the run in .*: \d+ MiB free, about \d+ MiB needed/,
      );
      assert.equal(starts(), before);
    } finally {
      execFileSync('umount', [mount]);
    }
  });
});

test('doctor runs the same checks on a storyboard', async () => {
  const t = memoryIO(dir, { env: {} });
  const code = await main(
    ['doctor', storyboard, '--out', path.join(dir, 'doctor'), '--json'],
    t.io,
  );
  assert.equal(code, 2);
  const report = JSON.parse(t.stdout());
  assert.equal(report.media.ok, true);
  assert.deepEqual(
    report.problems.map((p: { check: string }) => p.check),
    ['credentials'],
  );
  const ok = memoryIO(dir, { env: { SHOTROUTER_SANDBOX_URL: sandbox.url } });
  assert.equal(
    await main(['doctor', storyboard, '--out', path.join(dir, 'doctor')], ok.io),
    0,
    ok.stderr(),
  );
  assert.match(ok.stdout(), /preflight: the run can start/);
});

test('a fallback without credentials is dropped with a warning, not a stop', async () => {
  const file = path.join(dir, 'fallbacks.yaml');
  writeSmallStoryboard(file, 'fallbacks', [
    'shots:',
    '  - { id: a, prompt: a lighthouse at dawn, duration: 4 }',
  ]);
  // The CLI plans only onto providers with keys (credentials steer), so a plan with keyless
  // fallbacks is one made elsewhere: here, for fal and Kling, and run where only fal has a key.
  const env = { FAL_KEY: 'test-key', SHOTROUTER_FAL_BASE_URL: `${sandbox.url}/fal`, HOME: dir };
  const models = catalog({ env });
  const board = loadStoryboard(file, { catalog: models });
  const routed = plan(board, models, { providers: ['fal', 'kling'] });
  assert.equal(routed.shots[0]!.provider, 'fal', 'fal is the first choice');
  assert.ok(routed.shots[0]!.fallback_routes.some((f) => f.provider !== 'fal'));
  const warnings: string[] = [];
  const before = starts();
  const result = await runLibrary({
    storyboard: board,
    catalog: models,
    plan: routed,
    dir: path.join(dir, 'fallbacks'),
    env,
    confirmSpend: () => true,
    onEvent: (e) => {
      if (e.type === 'prepared') warnings.push(...e.warnings);
    },
  });
  assert.equal(result.state, 'finished');
  assert.ok(
    warnings.some((w) => /^a#0: fallback [\w.-]+ \(\w+\) dropped: no credentials \(set /.test(w)),
    warnings.join('\n'),
  );
  assert.equal(starts(), before + 1);
});

test('an unreachable fallback is dropped with a warning; an unreachable first choice is a problem', async () => {
  const open = path.join(dir, 'open.yaml');
  fs.writeFileSync(
    open,
    fs
      .readFileSync(storyboard, 'utf8')
      .replaceAll(', model: ltx-2', '')
      .replace('1280x720', '1920x1080'),
  );
  const board = loadStoryboard(open);
  const planned = plan(board, catalog());
  const { buildJobSpecs } = await import('../../src/engine/job-spec.ts');
  const { checkReachable } = await import('../../src/lib/preflight.ts');
  const specs = await buildJobSpecs(planned, board, 'providers');
  const spec = specs[0]!;
  assert.ok(spec.routes.length >= 2, 'the shot has a fallback to drop');
  const [first, second] = spec.routes as [(typeof spec.routes)[0], (typeof spec.routes)[0]];
  const asked: string[] = [];
  const env = { SHOTROUTER_SANDBOX_URL: 'http://127.0.0.1:9' };
  // the first choice's provider answers; every other provider refuses
  const reach = await checkReachable(specs, env, async (host, port) => {
    asked.push(`${host}:${port}`);
    return null;
  });
  assert.deepEqual(reach.problems, []);
  const providers = new Set(specs.flatMap((s) => s.routes.map((r) => r.provider)));
  assert.equal(asked.length, providers.size, 'one connection per provider');
  assert.ok(
    asked.every((a) => a === '127.0.0.1:9'),
    'the base URL the adapters would use',
  );
  const refuseOthers = await checkReachable(specs, env, async () => 'connection refused');
  if (first.provider !== second.provider) {
    assert.ok(
      refuseOthers.warnings.some((w) =>
        w.includes(`fallback ${second.model} (${second.provider}) dropped`),
      ),
      refuseOthers.warnings.join('\n'),
    );
  }
  assert.equal(refuseOthers.problems.length, 1);
  assert.equal(refuseOthers.problems[0]?.check, 'reachable');
  assert.equal(refuseOthers.specs[0]?.routes.length, spec.routes.length, 'routes kept in place');
  assert.equal(
    await checkReachable(
      specs,
      { ...env, HTTPS_PROXY: 'http://proxy:3128' },
      async () => 'refused',
    ).then((r) => r.problems.length),
    0,
    'behind a proxy the direct check is skipped',
  );
});
