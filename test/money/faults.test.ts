/**
 * Faults during a run end cleanly: a disk that fills up while generations are in flight stops
 * the run with a plain message (exit 2, no stack trace); what was paid for is fetched by the
 * next run without starting it again. A hung ffmpeg is killed at its time limit.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { runFfmpeg, timeLimitMs } from '../../src/media/ffmpeg.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { writeSmallStoryboard } from '../small-storyboard.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-faults-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function runningAttempts(database: string): number {
  if (!fs.existsSync(database)) return 0;
  const db = new DatabaseSync(database, { readOnly: true, timeout: 1000 });
  try {
    const row = db.prepare("select count(*) as n from attempt where state = 'running'").get() as
      | { n: number }
      | undefined;
    return Number(row?.n ?? 0);
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 3000 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), `waited for ${what}`);
}

// Both runs mostly wait out the LTX adapter's 5 s poll interval: they run at once (each with its
// own sandbox and folders). The hung-ffmpeg test sets FFMPEG_PATH for the whole process, so it
// runs after them, alone.
describe('a run losing its disk or its folder', { concurrency: true }, () => {
  test('the disk fills up mid-run: exit 2 with a plain message; the next run fetches what was paid, starting nothing again', async (t) => {
    const mount = path.join(dir, 'disk');
    fs.mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300m', 'tmpfs', mount], {
        stdio: 'ignore',
      });
    } catch {
      t.skip('cannot mount a tmpfs here (not root)');
      return;
    }
    // each generation takes 1.5-2 s of real time: long enough to fill the disk while they run
    const sandbox = await startSandbox({
      latencyMs: [1500, 2000],
      seed: 4,
      mediaDir: path.join(dir, 'sandbox'),
    });
    try {
      const file = path.join(dir, 'film.yaml');
      writeSmallStoryboard(file, 'full disk', [
        'shots:',
        '  - { id: a, prompt: a lighthouse at dawn, duration: 4, model: ltx-2 }',
        '  - { id: b, prompt: waves on the rocks, duration: 4, model: ltx-2 }',
      ]);
      const out = path.join(mount, 'run');
      const env = { SHOTROUTER_SANDBOX_URL: sandbox.url };
      const starts = () =>
        Object.values(sandbox.stats().providers).reduce((sum, p) => sum + p.created, 0);
      const first = memoryIO(dir, { env });
      const running = main(['run', file, '--out', out, '--yes'], first.io);
      await until('both paid starts', () => starts() === 2);
      // and both handles stored (a start whose handle was never written cannot be found again at
      // fal, and is rightly never sent again)
      await until(
        'both handles stored',
        () => runningAttempts(path.join(out, 'shotrouter.db')) === 2,
      );
      const filler = path.join(mount, 'filler');
      const free = fs.statfsSync(mount);
      execFileSync('fallocate', ['-l', String(free.bavail * free.bsize), filler]);
      const code = await running;
      assert.equal(code, 2, first.stderr());
      assert.match(first.stderr(), /the run stopped: .*disk is full/);
      assert.match(first.stderr(), /run the same command again/);
      assert.doesNotMatch(first.stderr(), /internal error|at .*\.ts:\d+/);
      assert.equal(starts(), 2);

      fs.rmSync(filler);
      const again = memoryIO(dir, { env });
      assert.equal(await main(['run', file, '--out', out, '--yes'], again.io), 0, again.stderr());
      assert.equal(starts(), 2, 'what was paid is fetched, not bought again');
      const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
      assert.deepEqual(
        report.shots.map((s: { state: string }) => s.state),
        ['done', 'done'],
      );
    } finally {
      await sandbox.close();
      execFileSync('umount', ['-l', mount]);
    }
  });

  test('the run folder removed mid-run: no new starts, exit 2 with a plain message', async () => {
    const sandbox = await startSandbox({
      latencyMs: [1500, 2000],
      seed: 6,
      mediaDir: path.join(dir, 'sandbox-2'),
    });
    try {
      const file = path.join(dir, 'removed.yaml');
      writeSmallStoryboard(file, 'removed folder', [
        'shots:',
        '  - { id: a, prompt: a lighthouse at dawn, duration: 4, model: ltx-2 }',
      ]);
      const out = path.join(dir, 'removed-run');
      const starts = () =>
        Object.values(sandbox.stats().providers).reduce((sum, p) => sum + p.created, 0);
      const t = memoryIO(dir, { env: { SHOTROUTER_SANDBOX_URL: sandbox.url } });
      const running = main(['run', file, '--out', out, '--yes'], t.io);
      await until(
        'the handle stored',
        () => runningAttempts(path.join(out, 'shotrouter.db')) === 1,
      );
      fs.rmSync(out, { recursive: true, force: true });
      assert.equal(await running, 2, t.stderr());
      assert.match(
        t.stderr(),
        /the run folder .*removed-run .*was removed while the run was writing to it/,
      );
      assert.doesNotMatch(t.stderr(), /internal error/);
      assert.equal(starts(), 1, 'nothing more was started');
    } finally {
      await sandbox.close();
    }
  });
});

test('a hung ffmpeg is killed at its time limit and reported', async () => {
  const hung = path.join(dir, 'hung-ffmpeg');
  fs.writeFileSync(hung, '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
  const saved = process.env.FFMPEG_PATH;
  process.env.FFMPEG_PATH = hung;
  try {
    await assert.rejects(
      runFfmpeg(['-i', 'x.mp4', 'y.mp4'], { timeoutMs: 200 }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'media_failed');
        assert.match(error.message, /ffmpeg did not finish within 0 s and was stopped \(hung\?\)/);
        return true;
      },
    );
  } finally {
    if (saved === undefined) delete process.env.FFMPEG_PATH;
    else process.env.FFMPEG_PATH = saved;
  }
  // the limit scales with the media: a minute plus a minute per second
  assert.equal(timeLimitMs('ffmpeg', { mediaSeconds: 10 }), 660_000);
  assert.equal(timeLimitMs('ffprobe', {}), 120_000);
});
