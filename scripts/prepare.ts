/**
 * `prepare` (run by `npm ci`, and by `npx shotrouter` in a checkout): builds dist/node and
 * dist/web, each only when a source is newer than its build. npx runs the checkout's own command
 * by installing the checkout into npm's npx cache, which runs `prepare` again on the first use:
 * rebuilding what `npm ci` had just built cost the README's first command 6-7 s and 0.8 GB.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A build of the checkout: its npm script, its folder, the file it makes last, its sources' time. */
export interface Build {
  script: string;
  folder: string;
  output: string;
  sources: number;
}

/** The checkout's two builds, dist/node and dist/web. */
export function builds(root: string): Build[] {
  const at = (...parts: string[]) => path.join(root, ...parts);
  return [
    {
      script: 'build:node',
      folder: at('dist', 'node'),
      output: at('dist', 'node', 'src', 'cli', 'main.js'),
      sources: newest(
        [
          at('src'),
          at('bench'),
          at('tsconfig.json'),
          at('tsconfig.build.json'),
          at('package.json'),
        ],
        [at('src', 'web')],
      ),
    },
    {
      script: 'build:web',
      folder: at('dist', 'web'),
      output: at('dist', 'web', 'index.html'),
      sources: newest([at('src', 'web'), at('vite.config.ts'), at('package.json')]),
    },
  ];
}

/** The newest modification time among `entries` (files, or folders walked), skipping `except`. */
function newest(entries: string[], except: string[] = []): number {
  let time = 0;
  const visit = (entry: string) => {
    if (except.includes(entry) || !fs.existsSync(entry)) return;
    const stat = fs.statSync(entry);
    if (stat.isDirectory()) for (const name of fs.readdirSync(entry)) visit(path.join(entry, name));
    else time = Math.max(time, stat.mtimeMs);
  };
  for (const entry of entries) visit(entry);
  return time;
}

/** Whether `build`'s output exists and is newer than every one of its sources. */
export function isFresh(build: Build): boolean {
  return fs.existsSync(build.output) && fs.statSync(build.output).mtimeMs > build.sources;
}

// run as the `prepare` script (the package test imports the rule without running it)
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const root = path.resolve(import.meta.dirname, '..');
  for (const build of builds(root)) {
    if (isFresh(build)) continue;
    execFileSync('npm', ['run', build.script], { cwd: root, stdio: 'inherit' });
  }
}
