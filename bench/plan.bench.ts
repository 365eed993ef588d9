/**
 * bench:plan — a 10,000-shot storyboard (`--shots N`) planned on the command line's path, the
 * functions `shotrouter plan FILE --json` calls (catalog, parse and check, plan with the set of
 * configured providers, the JSON streamed to /dev/null), without credentials and with every
 * provider configured: time per phase and peak memory, each case in a fresh process. Then the
 * whole command as a process (Node's start included), for the mixed storyboard and a
 * reference-heavy one; then the exact budget optimizer's total quality against a greedy choice.
 * Run: npm run bench:plan [-- --shots N] [--repeat 3] [--cli-only]
 */
import { spawnSync } from 'node:child_process';
import fs, { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../src/catalog/load.ts';
import type { CommandArgs, CommandIO } from '../src/cli/command.ts';
import { catalogFromArgs, storyboardFromArgs, writePlanJson } from '../src/cli/shared.ts';
import { plan as planOnCommandLine } from '../src/lib/plan.ts';
import { CREDENTIAL_PROVIDERS } from '../src/providers/credentials.ts';
import { planStoryboard } from '../src/router/plan.ts';
import { PRIORITY_WEIGHT } from '../src/router/score.ts';
import type { Plan } from '../src/router/types.ts';
import { loadStoryboard } from '../src/storyboard/load.ts';
import { type Storyboard, TAGS } from '../src/storyboard/types.ts';
import { solidPng } from '../src/util/png.ts';

const { values } = parseArgs({
  options: {
    shots: { type: 'string', default: '10000' },
    // how many times each command-line case runs (the median is shown)
    repeat: { type: 'string', default: '3' },
    // only the command-line cases (skip the in-process plans and the optimizers)
    'cli-only': { type: 'boolean', default: false },
    // internal: one in-process case, in a fresh process (see commandPathRows)
    case: { type: 'string' },
    file: { type: 'string' },
  },
});
const SHOTS = Number(values.shots);

/** A deterministic pseudo-random generator, so every run benchmarks the same storyboard. */
function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function storyboardYaml(shots: number): string {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  // every tag but those whose needs are built in below (dialogue lines, vertical, slow motion)
  const tags = TAGS.filter((t) => !['social-vertical', 'slow-motion', 'anime'].includes(t));
  const lines = [
    'version: 1',
    'title: Benchmark feature',
    'as_of: 2026-11-26',
    'deliver: { resolution: 1920x1080, fps: 24, audio: true }',
    'policy: { optimize: balanced }',
    'characters:',
    '  ana: { description: the lead, references: [refs/a.png] }',
    '  ben: { description: the friend, references: [refs/b.png] }',
    'shots:',
  ];
  let sequence = 0;
  for (let i = 0; i < shots; i++) {
    const kind = r();
    const shotTags = [pick(tags), pick(tags)].filter((t, k, all) => all.indexOf(t) === k);
    const parts = [
      `id: s${i}`,
      `prompt: "Shot ${i}: ${shotTags.join(' and ')} scene, take care of light"`,
    ];
    parts.push(`duration: ${2 + Math.floor(r() * 9)}`);
    if (kind < 0.15) {
      parts.push(
        'characters: [ana, ben]',
        'audio: { dialogue: [ { speaker: ana, line: "Where were you?" }, { speaker: ben, line: "Out." } ] }',
      );
    } else if (kind < 0.25) {
      parts.push('slowmo: 2', 'resolution: 4k');
    } else if (kind < 0.35) {
      parts.push('resolution: 1080x1920', 'references: [refs/p.png]');
    } else if (kind < 0.5) {
      if (r() < 0.7) sequence++;
      parts.push(`sequence: seq${sequence}`, 'duration: 3');
    } else if (kind < 0.6) {
      parts.push('audio: { ambient: city at night }');
    }
    parts.push(`tags: [${shotTags.join(', ')}]`);
    parts.push(`priority: ${pick(['hero', 'normal', 'normal', 'normal', 'draft'])}`);
    // `duration` may appear twice for sequence shots above; keep the last one only.
    const seen = new Map<string, string>();
    for (const p of parts) seen.set(p.split(':')[0]!, p);
    lines.push(`  - { ${[...seen.values()].join(', ')} }`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A storyboard heavy on references: 400 image files, each shot sending one to four of them,
 * some through characters and their looks (each file is read and checked once per storyboard).
 */
function referenceStoryboardYaml(shots: number, refs: number): string {
  const r = rng(7);
  const ref = () => `refs/r${Math.floor(r() * refs)}.png`;
  const lines = [
    'version: 1',
    'title: Reference-heavy benchmark',
    'as_of: 2026-11-26',
    'deliver: { resolution: 1920x1080, fps: 24, audio: true }',
    'characters:',
  ];
  for (let c = 0; c < 20; c++)
    lines.push(`  c${c}: { description: person ${c}, references: [${ref()}, ${ref()}] }`);
  lines.push('shots:');
  for (let i = 0; i < shots; i++) {
    const own = Array.from({ length: 1 + Math.floor(r() * 2) }, ref);
    const parts = [
      `id: s${i}`,
      `prompt: "Shot ${i}: a portrait in window light"`,
      `duration: ${3 + Math.floor(r() * 6)}`,
      `references: [${own.join(', ')}]`,
    ];
    if (r() < 0.5) parts.push(`characters: [c${Math.floor(r() * 20)}]`);
    lines.push(`  - { ${parts.join(', ')} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** The storyboards the whole-process rows run, with their reference files. */
function writeStoryboards(dir: string): Record<'mixed' | 'references', string> {
  mkdirSync(path.join(dir, 'refs'));
  for (const name of ['a', 'b', 'p'])
    writeFileSync(path.join(dir, 'refs', `${name}.png`), solidPng(64, 36));
  const refs = 400;
  for (let i = 0; i < refs; i++)
    writeFileSync(path.join(dir, 'refs', `r${i}.png`), solidPng(64 + (i % 7), 36 + (i % 5)));
  const mixed = path.join(dir, 'storyboard.yaml');
  writeFileSync(mixed, storyboardYaml(SHOTS));
  const references = path.join(dir, 'references.yaml');
  writeFileSync(references, referenceStoryboardYaml(SHOTS, refs));
  return { mixed, references };
}

/**
 * The Node flags `bin/shotrouter.js` starts with (its `#!/usr/bin/env -S node …` line: a smaller
 * young generation), so that the processes spawned here run as the installed command does.
 */
function binNodeFlags(): string[] {
  const bin = path.join(import.meta.dirname, '..', 'bin', 'shotrouter.js');
  const first = fs.readFileSync(bin, 'utf8').split('\n', 1)[0]!;
  const words = first.split(/\s+/);
  const node = words.indexOf('node');
  return node === -1 ? [] : words.slice(node + 1).filter((w) => w.startsWith('--'));
}

const CASES: Array<[string, string[]]> = [
  ['no credentials', []],
  ['every provider configured', ['--providers', CREDENTIAL_PROVIDERS.join(',')]],
];

/**
 * One case on the command line's path, in this (fresh) process: the functions `plan --json`
 * calls, in its order, each phase timed; the JSON goes to /dev/null as it does to a pipe.
 * Prints one JSON line: phase times in ms and the peak resident memory in MB.
 */
function runCase(name: string, file: string): void {
  const extra = CASES.find(([n]) => n === name)![1];
  const providers = extra.length > 0 ? extra[1]!.split(',') : undefined;
  const fd = fs.openSync('/dev/null', 'w');
  const stdout = {
    write: (chunk: Uint8Array | string) => {
      if (typeof chunk === 'string') fs.writeSync(fd, chunk);
      else fs.writeSync(fd, chunk);
      return true;
    },
  } as unknown as CommandIO['stdout'];
  const io: CommandIO = {
    stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: {},
    cwd: path.dirname(file),
    signal: new AbortController().signal,
  };
  const args = { values: {}, positionals: [file] } as unknown as CommandArgs;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const catalog = catalogFromArgs(args, io);
  const catalogAt = performance.now();
  const storyboard = storyboardFromArgs(args, io, catalog);
  const parsedAt = performance.now();
  // as planFromArgs: the environment (here empty) or --providers decides the configured set
  const plan = planOnCommandLine(storyboard, catalog, {
    env: io.env,
    ...(providers ? { providers } : {}),
  });
  const plannedAt = performance.now();
  writePlanJson(io, plan);
  const writtenAt = performance.now();
  fs.closeSync(fd);
  const cpu = process.cpuUsage(cpuStart);
  const result = {
    cpu: (cpu.user + cpu.system) / 1000,
    catalog: catalogAt - start,
    parse: parsedAt - catalogAt,
    plan: plannedAt - parsedAt,
    json: writtenAt - plannedAt,
    total: writtenAt - start,
    mb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * Each case of `runCase` in a fresh process (peak memory is per process), median of `repeat`;
 * run from the build (`buildRow` made it), so that no type stripping counts in its time or memory.
 */
function commandPathRows(file: string, repeat: number): Array<[string, string]> {
  const script = import.meta.filename.endsWith('.js')
    ? import.meta.filename
    : path.join(import.meta.dirname, '..', 'dist', 'node', 'bench', 'plan.bench.js');
  return CASES.map(([name]) => {
    const runs = Array.from({ length: repeat }, () => {
      const out = spawnSync(
        process.execPath,
        [...binNodeFlags(), script, '--shots', String(SHOTS), '--case', name, '--file', file],
        { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
      );
      if (out.status !== 0) throw new Error(`case ${name} failed: ${out.stderr}`);
      return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    });
    const median = (key: string) => {
      const xs = runs.map((r) => r[key]!).sort((a, b) => a - b);
      return xs[Math.floor(xs.length / 2)]!;
    };
    return [
      `plan path, ${name}`,
      `${median('total').toFixed(0)} ms, ${median('cpu').toFixed(0)} ms CPU (catalog ${median('catalog').toFixed(0)}, parse ${median('parse').toFixed(0)}, plan ${median('plan').toFixed(0)}, json ${median('json').toFixed(0)}), ${median('mb').toFixed(0)} MB peak RSS (median of ${repeat})`,
    ];
  });
}

function weightedQuality(plan: Plan, storyboard: Storyboard): number {
  return plan.shots.reduce(
    (sum, s, i) => sum + PRIORITY_WEIGHT[storyboard.shots[i]!.priority] * s.score,
    0,
  );
}

function timed<T>(f: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const result = f();
  return [result, Number(process.hrtime.bigint() - start) / 1e6];
}

function printRows(rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

/**
 * `shotrouter plan FILE --json` as a user runs it, from the process's start to its exit (Node's
 * start, the catalog, parsing, planning and writing the JSON), with its peak resident memory:
 * without credentials (an empty environment and no credentials file) and with every provider
 * configured (`--providers`, the same path as credentials found in the environment).
 */
function commandLineRows(file: string, repeat: number, label: string): Array<[string, string]> {
  const bin = path.join(import.meta.dirname, '..', 'bin', 'shotrouter.js');
  const home = mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-home-'));
  const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: home };
  try {
    return CASES.map(([name, extra]) => {
      const runs = Array.from({ length: repeat }, () => {
        // GNU time: elapsed seconds, the peak resident set in KB and the CPU seconds (user,
        // system), on its last line; CPU time says more than elapsed time on a busy machine
        const out = spawnSync(
          '/usr/bin/time',
          [
            '-f',
            '%e %M %U %S',
            process.execPath,
            ...binNodeFlags(),
            bin,
            'plan',
            file,
            '--json',
            ...extra,
          ],
          { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
        );
        if (out.status !== 0) throw new Error(`plan --json failed: ${out.stderr}`);
        const [seconds, kb, user, system] = out.stderr
          .trim()
          .split('\n')
          .at(-1)!
          .split(' ')
          .map(Number);
        return { ms: seconds! * 1000, mb: kb! / 1024, cpu: (user! + system!) * 1000 };
      });
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      return [
        `plan --json${label}, ${name}`,
        `${median(runs.map((r) => r.ms)).toFixed(0)} ms (${median(runs.map((r) => r.cpu)).toFixed(0)} ms CPU), ${median(runs.map((r) => r.mb)).toFixed(0)} MB peak RSS (median of ${repeat}, whole process)`,
      ];
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (values.case !== undefined) {
  runCase(values.case, values.file!);
  process.exit(0);
}

/**
 * `bin/shotrouter.js` runs the build in dist/node when it is fresh, else the TypeScript sources
 * (stripping types at every start); an installed package ships and runs only the build. So the
 * whole-process rows first build (`npm run build:node`, as `npm ci` does), to time what users run.
 */
function buildRow(): [string, string] {
  const root = path.join(import.meta.dirname, '..');
  const out = spawnSync('npm', ['run', '--silent', 'build:node'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`npm run build:node failed: ${out.stdout}${out.stderr}`);
  return ['plan --json runs', 'the build in dist/node (built first, as `npm ci` does)'];
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-'));
try {
  const files = writeStoryboards(dir);
  const file = files.mixed;
  const repeat = Number(values.repeat);
  const cliRows = [
    buildRow(),
    ...commandLineRows(file, repeat, ''),
    ...commandLineRows(files.references, repeat, ' (references)'),
  ];
  if (values['cli-only']) {
    printRows([['shots', String(SHOTS)], ...cliRows]);
    process.exit(0);
  }
  const pathRows = commandPathRows(file, repeat);

  const [catalog, catalogMs] = timed(() => loadCatalog());
  const knownModels = [...catalog.byId.keys()];
  const [storyboard, parseMs] = timed(() => loadStoryboard(file, { knownModels }));
  const [free, planMs] = timed(() => planStoryboard(storyboard, catalog));
  // A budget that binds: halfway between the cheapest feasible plan and the unconstrained best.
  const { cheapest_usd, best_usd } = free.cost_range;
  const budgetUsd = Math.round((cheapest_usd + (best_usd - cheapest_usd) * 0.5) * 100) / 100;
  const [exact, exactMs] = timed(() => planStoryboard(storyboard, catalog, { budgetUsd }));
  const [greedy, greedyMs] = timed(() =>
    planStoryboard(storyboard, catalog, { budgetUsd, optimizer: 'greedy' }),
  );
  const peakMb = process.resourceUsage().maxRSS / 1024;

  const qExact = weightedQuality(exact, storyboard);
  const qGreedy = weightedQuality(greedy, storyboard);
  const rows: Array<[string, string]> = [
    ['shots', String(storyboard.shots.length)],
    ['catalog load', `${catalogMs.toFixed(1)} ms (${catalog.models.length} models)`],
    ['parse + check', `${parseMs.toFixed(1)} ms`],
    [
      'plan (no budget)',
      `${planMs.toFixed(1)} ms, ${((planMs / SHOTS) * 1000).toFixed(1)} µs/shot`,
    ],
    ['plan / parse', `${(planMs / parseMs).toFixed(2)}x (aim ≤ 3x)`],
    ['whole plan', `${(parseMs + planMs).toFixed(1)} ms (aim < 2000 ms)`],
    [
      `plan, budget $${budgetUsd}`,
      `${exactMs.toFixed(1)} ms exact, ${greedyMs.toFixed(1)} ms greedy`,
    ],
    [
      'weighted quality',
      `exact ${qExact.toFixed(3)} vs greedy ${qGreedy.toFixed(3)} (+${(((qExact - qGreedy) / qGreedy) * 100).toFixed(3)}%)`,
    ],
    [
      'spend',
      `exact $${exact.total.usd.toFixed(2)}, greedy $${greedy.total.usd.toFixed(2)} of $${budgetUsd}`,
    ],
    ['peak RSS', `${peakMb.toFixed(0)} MB (this process: the plans above)`],
    ...pathRows,
    ...cliRows,
    ['machine', `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`],
  ];
  printRows(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
