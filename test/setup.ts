/**
 * Loaded before every test file (`node --test --import ./test/setup.ts`), in the file's own
 * process. The whole run's set-up is test/global-setup.ts; a file run on its own, without the
 * runner's global set-up, makes its own cache folder here and removes it when it exits.
 *
 * Once all of a file's tests have finished, a leaked handle (a stray child process, a queue
 * client still polling after a failed test) must not keep the file's process alive and stall the
 * whole run. Unlike `--test-force-exit`, which can end a file while tests are still being
 * registered, this only starts counting after the last test.
 */
import { rmSync } from 'node:fs';
import module from 'node:module';
import { after } from 'node:test';
import { compileCacheDir, makeRunCache } from './cache.ts';

// Node's compile cache (test/cache.ts) for this file's process too, when the runner did not set it.
process.env.NODE_COMPILE_CACHE ??= compileCacheDir();
module.enableCompileCache(process.env.NODE_COMPILE_CACHE);

if (!process.env.SHOTROUTER_TEST_CACHE) {
  const cache = makeRunCache();
  process.env.SHOTROUTER_TEST_CACHE = cache;
  process.once('exit', () => rmSync(cache, { recursive: true, force: true }));
}

after(() => {
  setTimeout(() => process.exit(), 10_000).unref();
});
