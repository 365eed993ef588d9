/**
 * bench:plan — a 10,000-shot storyboard: parse time, plan time, ms per shot, peak memory, and the
 * exact budget optimizer's total quality against a greedy choice at the same budget.
 * Run: npm run bench:plan [-- --shots N]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../src/catalog/load.ts';
import { planStoryboard } from '../src/router/plan.ts';
import { PRIORITY_WEIGHT } from '../src/router/score.ts';
import type { Plan } from '../src/router/types.ts';
import { loadStoryboard } from '../src/storyboard/load.ts';
import { type Storyboard, TAGS } from '../src/storyboard/types.ts';
import { solidPng } from '../src/util/png.ts';

const { values } = parseArgs({ options: { shots: { type: 'string', default: '10000' } } });
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

const dir = mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-'));
try {
  mkdirSync(path.join(dir, 'refs'));
  for (const name of ['a', 'b', 'p'])
    writeFileSync(path.join(dir, 'refs', `${name}.png`), solidPng(64, 36));
  const file = path.join(dir, 'storyboard.yaml');
  writeFileSync(file, storyboardYaml(SHOTS));

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
    ['peak RSS', `${peakMb.toFixed(0)} MB`],
    ['machine', `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
