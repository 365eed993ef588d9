/**
 * The test run's cache folder (made by test/setup.ts, shared by every test file of the run) and
 * files made once per run in it. Test files run in parallel processes, so a file is made under a
 * name of its own and renamed into place: a reader sees a whole file or none.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Node keeps the compiled TypeScript of every test process between runs (its compile
 * cache, checked against each file's contents; NODE_DISABLE_COMPILE_CACHE=1 turns it off, e.g.
 * for coverage). Without it each test file's process, and each worker, driver or CLI a test
 * starts, strips and compiles the same sources again: 0.3-1.8 s of CPU a process.
 */
export function compileCacheDir(): string {
  return join(tmpdir(), 'shotrouter-test-compile-cache');
}

/** A new cache folder for a run (or for a test file run on its own); its maker removes it. */
export function makeRunCache(): string {
  return mkdtempSync(join(tmpdir(), 'shotrouter-test-cache-'));
}

export function runCache(): string {
  const dir = process.env.SHOTROUTER_TEST_CACHE;
  if (!dir)
    throw new Error('SHOTROUTER_TEST_CACHE is unset: run tests with --import ./test/setup.ts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The cached file `name`, made by `make(path)` the first time any test file of the run asks. */
export async function cachedFile(
  name: string,
  make: (file: string) => Promise<unknown>,
): Promise<string> {
  const file = join(runCache(), name);
  if (existsSync(file)) return file;
  const partial = `${file}.${randomUUID().slice(0, 8)}.part${name.slice(name.lastIndexOf('.'))}`;
  try {
    await make(partial);
    await rename(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
  return file;
}

/**
 * The folder of the test sandboxes' clips for the whole run: a clip is keyed by everything it
 * shows (size, length, model, prompt), so every sandbox of every file may share it, and the
 * sandbox writes each clip whole under its final name.
 */
export function sandboxMedia(): string {
  return join(runCache(), 'sandbox-media');
}
