/**
 * Crash safety: the engine runs in a child process that is killed with SIGKILL at random moments
 * (15 times), then resumed until it finishes. The provider keeps its own record outside the run.
 * Every logical start must reach the provider exactly once, and every shot must be made.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { openStore } from '../../src/store/store.ts';
import { SHOTS } from './crash-driver.ts';

const DRIVER = fileURLToPath(new URL('./crash-driver.ts', import.meta.url));
const KILLS = 15;

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-crash-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the driver; kills it after `killAfterEvents` events (+ a few ms), unless it finishes first. */
function runDriver(
  runDir: string,
  providerFile: string,
  killAfterEvents: number | null,
  jitterMs: number,
) {
  return new Promise<{ finished: boolean; killed: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, [DRIVER, runDir, providerFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let events = 0;
    let finished = false;
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('FINISHED')) finished = true;
      else if (++events === killAfterEvents) setTimeout(() => child.kill('SIGKILL'), jitterMs);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') return resolve({ finished, killed: true });
      if (code !== 0) return reject(new Error(`driver exited ${code}: ${stderr}`));
      resolve({ finished, killed: false });
    });
  });
}

test('SIGKILL at random moments: every start reaches the provider once, every shot is made', async () => {
  const runDir = path.join(dir, 'run');
  const providerFile = path.join(dir, 'provider.jsonl');
  // random but repeatable kill points: after 2..12 events of that process, then 0..4 ms
  const points = fc.sample(
    fc.tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 4 })),
    {
      numRuns: 3 * KILLS,
      seed: 20261126,
    },
  );
  let kills = 0;
  for (const [afterEvents, jitter] of points) {
    const result = await runDriver(runDir, providerFile, afterEvents, jitter);
    if (result.killed) kills++;
    if (result.finished || kills === KILLS) break;
  }
  // then let it finish
  for (let i = 0; i < 3; i++) {
    const result = await runDriver(runDir, providerFile, null, 0);
    if (result.finished) break;
  }
  assert.equal(kills, KILLS, `only ${kills} kills landed before the run finished`);

  const received = fs
    .readFileSync(providerFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { key: string; duplicate?: true });
  const duplicates = received.filter((r) => r.duplicate);
  assert.deepEqual(duplicates, [], 'a start was sent twice');

  const store = await openStore({ dir: runDir });
  try {
    const run = (await store.latestRun())!;
    const jobs = await store.jobs(run.id);
    assert.equal(jobs.length, SHOTS);
    assert.ok(
      jobs.every((j) => j.state === 'done'),
      jobs.map((j) => `${j.shot_id}:${j.state}`).join(' '),
    );
    const attempts = (await Promise.all(jobs.map((j) => store.attempts(j.id)))).flat();
    // one logical start per shot; each reached the provider exactly once
    assert.equal(attempts.length, SHOTS);
    assert.deepEqual(
      attempts.map((a) => a.idempotency_key).sort(),
      received.map((r) => r.key).sort(),
    );
    assert.deepEqual(await store.ledgerTotals(run.id), {
      reservedMicro: 0,
      spentMicro: SHOTS * 500_000,
    });
  } finally {
    await store.close();
  }
});
