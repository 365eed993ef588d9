/**
 * The test runner's own set-up (`--test-global-setup`, as `npm test` runs it): once, in the
 * runner's process, before any test file starts. What it puts in the environment reaches every
 * test file's process; what a file's `--import ./test/setup.ts` sets reaches only that file and
 * the processes it starts (the runner's children take its environment as it is here).
 *
 * - One cache folder for the whole run (`SHOTROUTER_TEST_CACHE`): clips that several files
 *   render alike (the sandbox's, the media tests' sources) are rendered once per run, then
 *   reused; removed at the end.
 * - Node's compile cache for every process (see `compileCacheDir`).
 */
import { rmSync } from 'node:fs';
import { compileCacheDir, makeRunCache } from './cache.ts';

/** the run's cache folder, when this set-up made it (one given in the environment is kept) */
let made: string | undefined;

export function globalSetup(): void {
  process.env.NODE_COMPILE_CACHE ??= compileCacheDir();
  if (!process.env.SHOTROUTER_TEST_CACHE) {
    made = makeRunCache();
    process.env.SHOTROUTER_TEST_CACHE = made;
  }
}

export function globalTeardown(): void {
  if (made) rmSync(made, { recursive: true, force: true });
}
