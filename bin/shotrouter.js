#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point. `npm ci` compiles the sources to dist/node (prepare: build:node), which starts
// faster and uses less memory than stripping types at run time; while the sources are newer
// than that build (someone is editing them), Node 24 runs the TypeScript sources directly.
// An installed package ships only the build, so there it always runs the build.
// A 4 MB young generation keeps peak memory low with many jobs in flight (bench:run).
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Node keeps the compiled code of our modules between runs (in the temporary folder; off with
// NODE_DISABLE_COMPILE_CACHE=1): measured, `plan` of a small storyboard starts 15% sooner.
module.enableCompileCache?.();

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const built = path.join(root, 'dist', 'node', 'src', 'cli', 'main.js');
const source = path.join(root, 'src', 'cli', 'main.ts');
const entry = !fs.existsSync(source) || isFresh(built) ? built : source;
const { main } = await import(pathToFileURL(entry).href);

process.exitCode = await main(process.argv.slice(2));

/** The build exists and no source file (the board aside) changed after it was made. */
function isFresh(file) {
  let builtAt;
  try {
    builtAt = fs.statSync(file).mtimeMs;
  } catch {
    return false;
  }
  const newer = (dir) =>
    fs.readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return full !== path.join(root, 'src', 'web') && newer(full);
      return entry.name.endsWith('.ts') && fs.statSync(full).mtimeMs > builtAt;
    });
  return !newer(path.join(root, 'src'));
}
