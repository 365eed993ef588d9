/**
 * How long loading a 10,000-shot storyboard takes (parse + check + derive needs), as YAML and
 * as JSON, and with the full `yaml` parser for comparison. Run: node bench/parse-quick.ts [shots]
 * Prints one line per case and the process's peak RSS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkStoryboard } from '../src/storyboard/check.ts';
import { parseYamlSubset } from '../src/storyboard/fast-yaml.ts';
import { loadStoryboard } from '../src/storyboard/load.ts';
import { readSourceDoc } from '../src/storyboard/read-source.ts';
import { solidPng } from '../src/util/png.ts';
import { parseSourceDoc } from '../src/util/source-doc.ts';

const SHOTS = Number(process.argv[2] ?? 10_000);
const TAGS = [
  'narrative',
  'dialogue',
  'cinematic',
  'product',
  'photoreal',
  'camera-move',
  'b-roll',
];

function storyboardYaml(shots: number): string {
  const out = [
    'version: 1',
    'title: Benchmark film',
    'as_of: 2026-11-26',
    'deliver:',
    '  resolution: 1920x1080',
    '  fps: 24',
    'budget_usd: 100000',
    'policy:',
    '  optimize: balanced',
    '  deny: [sora-2]',
    'characters:',
    '  mara:',
    '    description: woman in her 30s, red raincoat, short black hair',
    '    references: [refs/mara.png]',
    '  teo:',
    '    description: man in his 30s',
    'shots:',
  ];
  for (let i = 0; i < shots; i++) {
    out.push(
      `  - id: s${i}`,
      `    prompt: Shot ${i}, a wide view of the coast with gulls and surf at dawn, slow push-in`,
      `    duration: ${(i % 12) + 1}`,
      `    tags: [${TAGS[i % TAGS.length]}, ${TAGS[(i + 3) % TAGS.length]}]`,
    );
    if (i % 3 === 0) {
      out.push(
        '    characters: [mara, teo]',
        '    audio:',
        '      dialogue:',
        `        - { speaker: mara, line: "Line ${i}, said softly." }`,
        `        - { speaker: teo, line: "Reply ${i}." }`,
      );
    }
    if (i % 5 === 0)
      out.push('    slowmo: 2', '    priority: hero', '    references: [refs/watch.png]');
    if (i % 7 === 0) out.push('    resolution: 1080x1920', '    first_frame: refs/watch.png');
  }
  return `${out.join('\n')}\n`;
}

function time<T>(run: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = run();
  return { ms: performance.now() - start, result };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-'));
try {
  fs.mkdirSync(path.join(dir, 'refs'));
  for (const name of ['mara.png', 'watch.png'])
    fs.writeFileSync(path.join(dir, 'refs', name), solidPng(64, 36));
  const yamlFile = path.join(dir, 'storyboard.yaml');
  const jsonFile = path.join(dir, 'storyboard.json');
  const yaml = storyboardYaml(SHOTS);
  fs.writeFileSync(yamlFile, yaml);
  fs.writeFileSync(jsonFile, JSON.stringify(parseYamlSubset(yaml, yamlFile)!.value, null, 2));

  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const report = (name: string, ms: number, bytes: number, shots: number) =>
    console.log(`${name.padEnd(28)} ${ms.toFixed(0).padStart(5)} ms  ${shots} shots  ${mb(bytes)}`);

  // first run of each case is the one a CLI process pays for (cold JIT)
  const y = time(() => loadStoryboard(yamlFile));
  report('yaml (fast subset), cold', y.ms, yaml.length, y.result.shots.length);
  const j = time(() => loadStoryboard(jsonFile));
  report('json (fast parser), cold', j.ms, fs.statSync(jsonFile).size, j.result.shots.length);
  const y2 = time(() => loadStoryboard(yamlFile));
  report('yaml (fast subset), warm', y2.ms, yaml.length, y2.result.shots.length);
  const parse = time(() => readSourceDoc(yaml, yamlFile));
  report('  of which parsing', parse.ms, yaml.length, SHOTS);
  const peakRss = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`;
  console.log(`peak RSS so far ${peakRss()}`);
  const full = time(() => checkStoryboard(parseSourceDoc(yaml, yamlFile)));
  report('yaml (full yaml parser)', full.ms, yaml.length, full.result.shots.length);
  console.log(`peak RSS after the full parser ${peakRss()}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
