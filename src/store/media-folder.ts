/**
 * The content-addressed media folder beside the database: `media/<sha256>.<ext>`. Files are
 * written to a temporary name in the same folder and renamed when complete, so a file with a
 * hash name is always whole (a crash leaves at most a `.tmp-*` file, removed on the next open).
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const MEDIA_DIR = 'media';

export class MediaFolder {
  /** the run folder; kept paths are relative to it */
  readonly root: string;
  readonly dir: string;

  constructor(root: string) {
    this.root = root;
    this.dir = path.join(root, MEDIA_DIR);
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** Removes temporary files a killed process left behind. Call once, before any writer starts. */
  removeLeftovers(): void {
    for (const name of fs.readdirSync(this.dir)) {
      if (name.startsWith('.tmp-')) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }

  tempPath(extension: string): string {
    return path.join(this.dir, `.tmp-${randomUUID()}.${extension}`);
  }

  /** Writes a stream to a temporary file, hashing it on the way. */
  async writeTemp(
    source: Readable | AsyncIterable<Uint8Array>,
    extension: string,
    signal?: AbortSignal,
  ): Promise<{ tempFile: string; sha256: string; bytes: number }> {
    const tempFile = this.tempPath(extension);
    const hash = createHash('sha256');
    let bytes = 0;
    const file = fs.createWriteStream(tempFile);
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            bytes += chunk.byteLength;
            yield chunk;
          }
        },
        file,
        { signal },
      );
    } catch (error) {
      // a source that fails at once can beat the file's own opening: removed before the file
      // exists, it would be left behind; so the file is removed once the stream has let it go
      if (!file.closed) await once(file, 'close').catch(() => {});
      fs.rmSync(tempFile, { force: true });
      throw error;
    }
    return { tempFile, sha256: hash.digest('hex'), bytes };
  }

  /** Moves a complete temporary file to its content address; returns the path relative to root. */
  keep(tempFile: string, sha256: string, extension: string): string {
    const relative = path.join(MEDIA_DIR, `${sha256}.${extension}`);
    const target = path.join(this.root, relative);
    if (fs.existsSync(target)) fs.rmSync(tempFile, { force: true });
    else fs.renameSync(tempFile, target);
    return relative;
  }

  absolute(relative: string): string {
    return path.join(this.root, relative);
  }
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}
