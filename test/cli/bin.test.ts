/**
 * The installed entry point: `bin/shotrouter.js` runs the compiled build when it is up to date
 * (as after `npm ci`) and the sources otherwise. Either way it must answer exactly as the
 * library does in-process.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { memoryIO } from './memory-io.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

test('bin/shotrouter.js plans exactly as the library does', async () => {
  const args = [
    'plan',
    path.join('examples', 'launch-film.yaml'),
    '--json',
    '--as-of',
    '2026-11-26',
  ];
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const viaBin = execFileSync(
    process.execPath,
    [path.join(REPO, 'bin', 'shotrouter.js'), ...args],
    {
      cwd: REPO,
      env,
      encoding: 'utf8',
    },
  );
  const t = memoryIO(REPO, { env });
  assert.equal(await main(args, t.io), 0);
  assert.equal(viaBin, t.stdout());
  const version = execFileSync(
    process.execPath,
    [path.join(REPO, 'bin', 'shotrouter.js'), '--version'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(version.trim(), 'shotrouter 0.1.0');
});
