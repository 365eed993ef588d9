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
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

// Every test file is a Node process, and many start more (workers, drivers, the CLI): each would
// strip and compile the same TypeScript sources again, about half a second of CPU each. Node's
// compile cache keeps that work on disk, checked against each file's contents
// (NODE_DISABLE_COMPILE_CACHE=1 turns it off, e.g. for coverage). The variable reaches the
// processes a test starts; this process (a test file's, loading this first) turns it on for itself:
// the runner starts test files with the environment it had before this file set the variable.
process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'shotrouter-test-compile-cache');
module.enableCompileCache(process.env.NODE_COMPILE_CACHE);

if (!process.env.SHOTROUTER_TEST_CACHE) {
  const cache = mkdtempSync(join(tmpdir(), 'shotrouter-test-cache-'));
  process.env.SHOTROUTER_TEST_CACHE = cache;
  process.once('exit', () => rmSync(cache, { recursive: true, force: true }));
}

after(() => {
  setTimeout(() => process.exit(), 10_000).unref();
});
