/**
 * Loaded before every test file (`node --test --import ./test/setup.ts`). Once all of a file's
 * tests have finished, a leaked handle (a stray child process, a queue client still polling after
 * a failed test) must not keep the file's process alive and stall the whole run. Unlike
 * `--test-force-exit`, which can end a file while tests are still being registered, this only
 * starts counting after the last test.
 */
import { after } from 'node:test';

after(() => {
  setTimeout(() => process.exit(), 10_000).unref();
});
