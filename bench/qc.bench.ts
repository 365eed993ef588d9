/**
 * QC benchmark: the take checks of 100 mixed clips (good ones and one of each defect, 1280x720,
 * 2 s, with sound) against conforming the same clips to the delivery format, which every take
 * goes through anyway. The goal: QC costs at most 25% of conform.
 *
 *   node bench/qc.bench.ts [--clips 100] [--width 1280] [--keep]
 *
 * Prints wall time and the CPU time of the ffmpeg children (from /proc/self/stat: the cores
 * are shared, so CPU seconds say more than wall time on a busy machine).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { conformClip, mediaConcurrency, probe } from '../src/media/index.ts';
import { checkTake } from '../src/qc/index.ts';
import { ASKED, clipName, ffmpeg, makeImages, RECIPES } from '../test/qc/clips.ts';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '100' },
    width: { type: 'string', default: '1280' },
    keep: { type: 'boolean', default: false },
  },
});
const COUNT = Number(values.clips);
const WIDTH = Number(values.width);
const HEIGHT = Math.round((WIDTH * 9) / 16 / 2) * 2;
const work = mkdtempSync(path.join(tmpdir(), 'shotrouter-bench-qc-'));
const at = (...parts: string[]) => path.join(work, ...parts);

/** CPU seconds used by finished child processes so far (utime + stime of reaped children). */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // after "pid (comm) ", cutime and cstime are the 14th and 15th fields (0-based 13, 14)
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function measure<T>(name: string, task: () => Promise<T>) {
  const cpu = childCpuSeconds();
  const start = performance.now();
  const result = await task();
  const wall = (performance.now() - start) / 1000;
  const used = childCpuSeconds() - cpu;
  console.log(
    `${name.padEnd(34)} ${wall.toFixed(2).padStart(7)} s wall ${used.toFixed(2).padStart(7)} s CPU`,
  );
  return { wall, cpu: used, result };
}

try {
  console.log(
    `${COUNT} clips of ${WIDTH}x${HEIGHT}, 2 s, 24 fps, with sound; ${availableParallelism()} cores, ${mediaConcurrency()} ffmpeg at once`,
  );
  // the recipes, made small, then scaled up to the benchmark's size (the defects survive)
  const images = await makeImages(work);
  const sources = await Promise.all(
    RECIPES.map(async (recipe) => {
      const small = at(`small-${clipName(recipe)}`);
      await ffmpeg(recipe.args(small, images));
      const big = at(clipName(recipe));
      const scale = recipe.name === 'wrong size' ? 0.8 : 1;
      await ffmpeg([
        ...['-i', small, '-vf', `scale=${Math.round((WIDTH * scale) / 2) * 2}:-2,setsar=1`],
        ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-c:a', 'copy', big],
      ]);
      return { recipe, file: big };
    }),
  );
  const clips = Array.from({ length: COUNT }, (_, i) => {
    const source = sources[i % sources.length]!;
    const file = at(`clip-${String(i).padStart(3, '0')}.mp4`);
    copyFileSync(source.file, file);
    return { ...source, file };
  });
  const asked = { ...ASKED, width: WIDTH, height: HEIGHT, audio: true };

  const qc = await measure('QC (checkTake) of every clip', () =>
    Promise.all(clips.map((c) => checkTake(c.file, asked))),
  );
  // the engine probes every download to verify it; QC can take that probe instead of its own
  const probed = await measure('  of which: the probe (ffprobe)', () =>
    Promise.all(clips.map((c) => probe(c.file))),
  );
  const decodeOnly = await measure('  QC given the probe (one decode)', () =>
    Promise.all(clips.map((c, i) => checkTake(c.file, asked, { info: probed.result[i]! }))),
  );
  const conform = await measure('conform to the delivery format', () =>
    Promise.all(
      clips.map((c, i) =>
        conformClip({
          input: c.file,
          output: at(`conformed-${i}.mp4`),
          trimFrom: 0,
          // the short clip is conformed as it is (the duration check measured it)
          trimSeconds: Number(qc.result[i]!.find((check) => check.code === 'duration')!.value),
          width: WIDTH,
          height: HEIGHT,
          fps: 24,
          audio: true,
        }),
      ),
    ),
  );
  let wrong = 0;
  qc.result.forEach((checks, i) => {
    const failed = checks.filter((c) => !c.ok).map((c) => c.code);
    const expected = clips[i]!.recipe.fails;
    if (failed.join() !== expected.join()) {
      wrong++;
      if (wrong <= 5) console.log(`  wrong verdict on ${clips[i]!.recipe.name}: ${failed.join()}`);
    }
  });
  const share = (part: { wall: number; cpu: number }) =>
    `${((100 * part.wall) / conform.wall).toFixed(1)}% of wall time, ` +
    `${((100 * part.cpu) / conform.cpu).toFixed(1)}% of CPU time`;
  console.log(`QC / conform: ${share(qc)} (goal ≤ 25%)`);
  console.log(`QC given the engine's probe / conform: ${share(decodeOnly)}`);
  console.log(`${COUNT - wrong} of ${COUNT} verdicts as expected`);
} finally {
  if (values.keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
