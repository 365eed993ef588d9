/**
 * Loaded before every test file (`node --test --import ./test/setup.ts`), and first in the
 * runner's own process.
 *
 * The runner makes one cache folder for the whole run (`SHOTROUTER_TEST_CACHE`, inherited by
 * every test file's process): clips that several files render alike (the sandbox's, the media
 * tests' sources) are rendered once per run, then reused. The runner removes it when it exits.
 *
 * Once all of a file's tests have finished, a leaked handle (a stray child process, a queue
 * client still polling after a failed test) must not keep the file's process alive and stall the
 * whole run. Unlike `--test-force-exit`, which can end a file while tests are still being
 * registered, this only starts counting after the last test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

if (!process.env.SHOTROUTER_TEST_CACHE) {
  const cache = mkdtempSync(join(tmpdir(), 'shotrouter-test-cache-'));
  process.env.SHOTROUTER_TEST_CACHE = cache;
  process.once('exit', () => rmSync(cache, { recursive: true, force: true }));
}

after(() => {
  setTimeout(() => process.exit(), 10_000).unref();
});
