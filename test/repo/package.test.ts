/**
 * The package a user installs: `npm pack` of a copy of this checkout (so its `prepare` build
 * never touches the checkout's own dist/, which other tests run), installed into an empty
 * project, then used the way a user would: the library imported by name with plain Node, its
 * types checked by tsc, and the installed `shotrouter` command run. No sources ship, so
 * everything here runs the compiled build and finds its data from the installed package.
 *
 * The copy takes the checkout's own builds when they are fresh (as `npm ci` leaves them: the same
 * rule `prepare` applies), so `npm pack` packs them rather than compiling everything again; a
 * stale build is left behind and the copy builds its own.
 *
 * The install is offline: the empty project gets a lock file made from this repository's own
 * (its production entries, resolved and integrity as `npm ci` fetched them), so npm takes every
 * dependency from the local cache. Only if the cache lacks one does it ask the npm registry.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builds, isFresh } from '../../scripts/prepare.ts';
import { catalog, loadStoryboard, plan } from '../../src/index.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const AS_OF = '2026-11-26';
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
};

// Node 24 (the `node` dev dependency running this test) first on the PATH, for npm's scripts and
// for the installed command's `#!/usr/bin/env node`, whatever node the machine has.
const env = {
  ...process.env,
  PATH: [path.dirname(process.execPath), path.join(REPO, 'node_modules', '.bin'), process.env.PATH]
    .filter(Boolean)
    .join(path.delimiter),
};

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.status ?? result.signal}\n` +
        `${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/**
 * The files a fresh clone would have (tracked and new, not ignored), copied to `dir`, then the
 * checkout's fresh builds: copied after their sources, they are newer, so `prepare` keeps them.
 */
function copyCheckout(dir: string): void {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  for (const file of listed.split('\0')) {
    const from = path.join(REPO, file);
    if (file === '' || !fs.lstatSync(from, { throwIfNoEntry: false })?.isFile()) continue;
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, file));
  }
  fs.symlinkSync(fs.realpathSync(path.join(REPO, 'node_modules')), path.join(dir, 'node_modules'));
  for (const build of builds(REPO)) {
    if (!isFresh(build)) continue;
    fs.cpSync(build.folder, path.join(dir, path.relative(REPO, build.folder)), { recursive: true });
  }
}

interface LockEntry {
  dev?: boolean;
  [field: string]: unknown;
}

/** An empty project depending on the tarball, locked to the versions this repository tests. */
function writeProject(dir: string, tarball: string): void {
  const lock = JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const spec = `file:${path.relative(dir, tarball)}`;
  const integrity = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { shotrouter: spec } },
    'node_modules/shotrouter': {
      version: pkg.version,
      resolved: spec,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key.startsWith('node_modules/') && !entry.dev) packages[key] = entry;
  }
  const manifest = {
    name: 'app',
    private: true,
    type: 'module',
    dependencies: { shotrouter: spec },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
}

/** npm's words for "could not reach the registry" (as opposed to a broken package). */
const NO_NETWORK = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH/;

describe('the installed package', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-package-'));
  const app = path.join(tmp, 'app');
  const installed = path.join(app, 'node_modules', 'shotrouter');
  const cli = path.join(app, 'node_modules', '.bin', 'shotrouter');
  let packed: string[] = [];
  let skip: string | undefined;

  before(() => {
    const checkout = path.join(tmp, 'checkout');
    copyCheckout(checkout);
    // `npm pack` runs `prepare` (build:node and build:web) in the copy, as it does for a user.
    run('npm', ['pack', '--pack-destination', tmp, '--no-fund'], checkout);
    const tarball = path.join(tmp, `shotrouter-${pkg.version}.tgz`);
    packed = run('tar', ['-tzf', tarball], tmp)
      .split('\n')
      .filter(Boolean)
      .map((entry) => entry.replace(/^package\//, ''));
    fs.mkdirSync(app);
    writeProject(app, tarball);
    const install = ['install', '--no-audit', '--no-fund'];
    try {
      run('npm', [...install, '--offline'], app);
    } catch {
      // a dependency missing from the local cache: the npm registry has it
      try {
        run('npm', [...install, '--prefer-offline'], app);
      } catch (error) {
        if (!NO_NETWORK.test(String(error))) throw error;
        skip = `the npm cache lacks a dependency and the npm registry cannot be reached: ${error}`;
      }
    }
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('ships the build, its types and its data; no sources, no tests', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/shotrouter.js',
      'dist/node/src/index.js',
      'dist/node/src/index.d.ts',
      'dist/node/src/cli/main.js',
      'dist/web/index.html',
      'catalog/veo-3.1.yaml',
      'examples/launch-film.yaml',
      'src/providers/comfyui/workflows/ltx-2.json',
    ]) {
      assert.ok(packed.includes(file), `${file} is missing from the package`);
    }
    const unwanted = packed.filter(
      (file) =>
        file.startsWith('test/') ||
        file.startsWith('bench/') ||
        file.startsWith('dist/node/test/') ||
        file.startsWith('dist/node/bench/') ||
        (file.endsWith('.ts') && !file.endsWith('.d.ts')),
    );
    assert.deepEqual(unwanted, [], 'the package carries files a user has no use for');
  });

  test('imports by name with plain Node and plans as the checkout does', (t) => {
    if (skip) return t.skip(skip);
    const script = [
      "import { catalog, loadStoryboard, plan } from 'shotrouter';",
      'const models = catalog();',
      `const storyboard = loadStoryboard(${JSON.stringify(path.join(installed, 'examples', 'social-ad.yaml'))}, { catalog: models });`,
      `console.log(JSON.stringify(plan(storyboard, models, { asOf: '${AS_OF}' })));`,
    ].join('\n');
    fs.writeFileSync(path.join(app, 'plan.mjs'), script);
    const fromPackage = JSON.parse(run(process.execPath, ['plan.mjs'], app));

    const models = catalog();
    const storyboard = loadStoryboard(path.join(REPO, 'examples', 'social-ad.yaml'), {
      catalog: models,
    });
    const fromCheckout = JSON.parse(JSON.stringify(plan(storyboard, models, { asOf: AS_OF })));
    assert.ok(fromPackage.shots.length > 0);
    assert.deepEqual(fromPackage, fromCheckout);
  });

  test('the installed library finds its board, examples and workflow templates', (t) => {
    if (skip) return t.skip(skip);
    // the workflow module is internal (not exported), so it is imported by its file
    const workflows = path.join(installed, 'dist/node/src/providers/comfyui/workflow.js');
    const script = `
      import fs from 'node:fs';
      import { listen } from 'shotrouter';
      const { BUILT_IN_WORKFLOWS, loadTemplate } = await import(${JSON.stringify(pathToFileURL(workflows).href)});
      fs.mkdirSync('projects', { recursive: true });
      const served = await listen({ projectsDir: 'projects', port: 0 });
      try {
        const page = await fetch(served.url);
        const examples = await (await fetch(new URL('api/examples', served.url))).json();
        console.log(JSON.stringify({
          page: page.status,
          type: page.headers.get('content-type'),
          html: await page.text(),
          examples: examples.examples.map((e) => e.name),
          workflows: BUILT_IN_WORKFLOWS,
          template: Object.keys(loadTemplate('ltx-2', [BUILT_IN_WORKFLOWS])),
        }));
      } finally {
        await served.close();
      }`;
    fs.writeFileSync(path.join(app, 'data.mjs'), script);
    const found = JSON.parse(run(process.execPath, ['data.mjs'], app));
    assert.equal(found.page, 200);
    assert.match(found.type, /text\/html/);
    assert.match(found.html, /<script/);
    assert.deepEqual(found.examples, [
      'harbour-story',
      'launch-film',
      'local-short',
      'music-bed',
      'narrated',
      'social-ad',
      'stills',
    ]);
    assert.equal(
      found.workflows,
      path.join(fs.realpathSync(installed), 'src/providers/comfyui/workflows'),
    );
    assert.ok(found.template.length > 0);
  });

  test('its type declarations serve a TypeScript user', (t) => {
    if (skip) return t.skip(skip);
    const source = [
      "import { catalog, loadStoryboard, plan, type Plan } from 'shotrouter';",
      'const models = catalog();',
      "const routed: Plan = plan(loadStoryboard('film.yaml', { catalog: models }), models);",
      'export const shots: number = routed.shots.length;',
      '// @ts-expect-error: the types are real, not `any`',
      'export const wrong: string = routed.shots.length;',
    ].join('\n');
    fs.writeFileSync(path.join(app, 'use.ts'), source);
    const options = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2024',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: options, files: ['use.ts'] }),
    );
    run(path.join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);
  });

  test('the installed command runs from the build and finds its catalog and examples', (t) => {
    if (skip) return t.skip(skip);
    const listed = JSON.parse(run(cli, ['models', '--json', '--as-of', AS_OF], app)) as {
      models: Array<{ id: string }>;
      edit_models: Array<{ id: string }>;
      judge_models: Array<{ id: string }>;
      voice_models: Array<{ id: string }>;
      image_models: Array<{ id: string }>;
    };
    const cards = fs
      .readdirSync(path.join(installed, 'catalog'))
      .filter((f) => f.endsWith('.yaml'));
    // every card is listed, generation, edit, judge, voice and image models apart
    assert.equal(
      listed.models.length +
        listed.edit_models.length +
        listed.judge_models.length +
        listed.voice_models.length +
        listed.image_models.length,
      cards.length,
    );
    assert.ok(listed.models.some((m) => m.id === 'veo-3.1'));

    const example = path.join(installed, 'examples', 'launch-film.yaml');
    assert.match(run(cli, ['validate', example], app), /ok/);

    const broken = path.join(app, 'broken.yaml');
    fs.writeFileSync(broken, 'version: 1\nshots: nope\n');
    const invalid = spawnSync(cli, ['validate', broken], { cwd: app, env, encoding: 'utf8' });
    assert.equal(invalid.status, 1, invalid.stderr);
  });
});
