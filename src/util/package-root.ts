/**
 * The package's root folder (the one with package.json), found from a module's URL. Data that
 * ships beside the code (catalog/, examples/, workflow templates, the built board) is found from
 * there, so the same module works from src/ and from the compiled build in dist/node/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(moduleUrl: string): string {
  const start = path.dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}
