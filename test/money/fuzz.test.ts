/**
 * Storyboard files of every shape (random YAML and JSON values, valid storyboards with fields of
 * the wrong type, huge strings, deep nesting, binary bytes) through the real CLI: `validate` and
 * `plan` never crash (no exit 70) and never hang; `run` of a file that does not validate never
 * reaches the sandbox (no paid start).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle } from '../../src/sandbox/types.ts';
import { memoryIO } from '../cli/memory-io.ts';

let dir: string;
let sandbox: SandboxHandle;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-fuzz-'));
  sandbox = await startSandbox({
    latencyMs: [10, 20],
    seed: 9,
    mediaDir: path.join(dir, 'sandbox'),
  });
});
after(async () => {
  await sandbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const VALID = {
  version: 1,
  title: 'Fuzz',
  as_of: '2026-11-26',
  deliver: { resolution: '1280x720', fps: 24, audio: false },
  budget_usd: 20,
  shots: [
    { id: 'a', prompt: 'a lighthouse at dawn', duration: 4 },
    { id: 'b', prompt: 'waves on the rocks', duration: 2, model: 'ltx-2' },
  ],
};

/** Any JSON-like value, including the awkward ones (huge strings, NaN-like text, nesting). */
const wild = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(-1, 0, 1e-9, 1e308, -0, 2 ** 53, 0.01, '4', '', null, true, [], {}),
  fc.constant('x'.repeat(200_000)),
);

/** A valid storyboard with one field replaced by a wild value, at the top, in deliver or a shot. */
const mutated = fc
  .tuple(
    fc.constantFrom('top', 'deliver', 'shot'),
    fc.constantFrom(
      'version',
      'title',
      'deliver',
      'shots',
      'budget_usd',
      'resolution',
      'fps',
      'audio',
      'id',
      'prompt',
      'duration',
      'model',
      'references',
      'takes',
      'slowmo',
      'first_frame',
      'tags',
    ),
    wild,
  )
  .map(([where, key, value]) => {
    const board = structuredClone(VALID) as Record<string, unknown> & {
      deliver: Record<string, unknown>;
      shots: Array<Record<string, unknown>>;
    };
    const target = where === 'top' ? board : where === 'deliver' ? board.deliver : board.shots[0]!;
    target[key] = value;
    return board;
  });

const text = fc.oneof(
  mutated.map((board) => stringify(board)),
  mutated.map((board) => JSON.stringify(board)),
  fc.anything({ maxDepth: 4 }).map((value) => stringify(value ?? null)),
  fc.string({ maxLength: 400 }),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `${'- '.repeat(n)}x`),
  fc.integer({ min: 1, max: 5_000 }).map((n) => `a: &a [${'*a,'.repeat(n)}]`),
);

const starts = () =>
  Object.values(sandbox.stats().providers).reduce((sum, p) => sum + p.created, 0);

async function cli(args: string[]) {
  const t = memoryIO(dir, { env: { SHOTROUTER_SANDBOX_URL: sandbox.url } });
  const code = await main(args, t.io);
  return { code, err: t.stderr() };
}

test('random storyboard files never crash, hang or spend', { timeout: 600_000 }, async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(text, async (content) => {
      const file = path.join(dir, `case-${n++}.yaml`);
      fs.writeFileSync(file, content);
      const validated = await cli(['validate', file]);
      assert.ok(
        [0, 1].includes(validated.code),
        `validate exit ${validated.code}: ${validated.err.slice(0, 500)}`,
      );
      assert.doesNotMatch(validated.err, /internal error/);
      const planned = await cli(['plan', file, '--json']);
      assert.ok(
        [0, 1, 2].includes(planned.code),
        `plan exit ${planned.code}: ${planned.err.slice(0, 500)}`,
      );
      if (validated.code !== 0) {
        const before = starts();
        const ran = await cli(['run', file, '--yes', '--out', path.join(dir, 'runs', String(n))]);
        assert.equal(ran.code, 1, ran.err.slice(0, 500));
        assert.equal(starts(), before, 'an invalid storyboard never reaches a provider');
      }
      fs.rmSync(file);
    }),
    // 120 files in the everyday suite; SHOTROUTER_FUZZ_RUNS=5000 for a deeper search
    { numRuns: Number(process.env.SHOTROUTER_FUZZ_RUNS ?? 120), seed: 20261206 },
  );
});

test('binary files, a huge string and an oversized file are refused plainly', async () => {
  const cases: Array<[string, Buffer | string]> = [
    ['elf.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0])],
    [
      'huge-prompt.yaml',
      stringify({ ...VALID, shots: [{ id: 'a', prompt: 'x'.repeat(5_000_000), duration: 4 }] }),
    ],
  ];
  for (const [name, content] of cases) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    const r = await cli(['run', file, '--yes', '--out', path.join(dir, 'runs', name)]);
    assert.equal(r.code, 1, r.err.slice(0, 300));
  }
  const big = path.join(dir, 'big.yaml');
  const handle = fs.openSync(big, 'w');
  fs.ftruncateSync(handle, 65 * 1024 * 1024);
  fs.closeSync(handle);
  const r = await cli(['validate', big]);
  assert.equal(r.code, 1);
  assert.match(r.err, /over the 64\.0 MiB limit/);
});
