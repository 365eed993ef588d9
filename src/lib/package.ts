/**
 * `shotrouter package`, the API's package button and the MCP tool: the edit handed over as a
 * folder an editor opens anywhere (see assemble/package.ts), and optionally a zip of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageRun } from '../assemble/package.ts';
import { type PackageInput, PackageInputSchema, type PackageOutput } from '../contracts/package.ts';
import { ShotrouterError } from '../errors.ts';
import { DATABASE_FILE, openStore, type Store } from '../store/store.ts';
import { zipFolder } from '../util/zip.ts';

export async function packageEdit(
  input: PackageInput,
  options: { openStore?: (dir: string) => Promise<Store>; signal?: AbortSignal } = {},
): Promise<PackageOutput> {
  const { dir, out, zip } = PackageInputSchema.parse(input);
  const folder = path.resolve(dir);
  if (!options.openStore && !fs.existsSync(path.join(folder, DATABASE_FILE))) {
    throw new ShotrouterError(
      'usage',
      `no run in ${folder} (no ${DATABASE_FILE}): give the run folder (run --out DIR; by default runs/<storyboard name>)`,
    );
  }
  const store = await (options.openStore ?? ((d: string) => openStore({ dir: d })))(folder);
  try {
    const made = await packageRun({
      dir: folder,
      store,
      out: path.resolve(out),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let zipFile: string | null = null;
    if (zip) {
      zipFile = `${made.out}.zip`;
      const partial = `${zipFile}.partial-${process.pid}`;
      try {
        await zipFolder(made.out, partial, `${path.basename(made.out)}/`);
        fs.renameSync(partial, zipFile);
      } finally {
        fs.rmSync(partial, { force: true });
      }
    }
    return { out: made.out, zip: zipFile, clips: made.clips, files: made.files };
  } finally {
    await store.close();
  }
}
