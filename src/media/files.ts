/** Temporary files and atomic output: a reader never sees a half-written clip. */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Calls `write` with a temporary name next to `output` (same extension, so ffmpeg picks the
 * same muxer) and renames it to `output` on success; removes it on failure or abort.
 */
export async function writeAtomically<T>(
  output: string,
  write: (temporary: string) => Promise<T>,
): Promise<T> {
  const dir = path.dirname(output);
  await mkdir(dir, { recursive: true });
  const ext = path.extname(output);
  const temporary = path.join(
    dir,
    `.${path.basename(output, ext)}.${randomBytes(4).toString('hex')}.partial${ext}`,
  );
  try {
    const result = await write(temporary);
    await rename(temporary, output);
    return result;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Runs `work` with a fresh private directory that is removed afterwards, whatever happens. */
export async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shotrouter-media-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
