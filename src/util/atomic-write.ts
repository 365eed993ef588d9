/** Writing a small file whole and durably: readers see the old file or the new one, never a part. */
import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes beside the target, flushes, renames over it and flushes the folder, so a crash or a kill
 * at any point leaves either the old file or the new one on disk.
 */
export function writeFileAtomicallySync(
  file: string,
  data: string | Uint8Array,
  mode = 0o600,
): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(temp, 'wx', mode);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, file);
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}
