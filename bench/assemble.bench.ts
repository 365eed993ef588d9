/**
 * Assembly benchmark: joining 100 conformed clips, and conforming + joining 100 raw clips of
 * mixed sizes and rates, each against the plain ffmpeg way of doing it; and, as the delivery
 * runs now (every clip conformed as it lands, the cut's sound encoded ahead on its grid), the
 * time from the last clip to final.mp4 against its floor (conforming that clip alone plus a
 * bare stream-copy join). The join is timed twice: cold (its sound encoded whole, in runs over
 * the cores) and as the delivery runs it (the sound made ahead as clips landed; only the
 * segments around the last clip are encoded).
 *
 *   node bench/assemble.bench.ts [--clips 100] [--keep]
 *
 * Prints wall time, the peak resident memory of this process plus its ffmpeg children
 * (sampled every 10 ms from /proc; n/a elsewhere), and what each result holds: the picture's
 * and the sound's duration, whose difference is the A/V drift of the join, and the drift at
 * each clip boundary in frames, measured from the result: every raw clip with sound beeps on
 * its first frame, so the n-th beep heard belongs at the start of the n-th such clip. Our
 * conforms keep their sound sidecars (as the delivery's do), so joinClips concatenates them.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  conformClip,
  joinClips,
  landingSound,
  mediaConcurrency,
  prepareCutSound,
  runFfmpeg,
} from '../src/media/index.ts';

const { values } = parseArgs({
  options: { clips: { type: 'string', default: '100' }, keep: { type: 'boolean', default: false } },
});
const COUNT = Number(values.clips);
const work = mkdtempSync(path.join(tmpdir(), 'shotrouter-bench-'));
const at = (...parts: string[]) => path.join(work, ...parts);
const TARGET = { width: 640, height: 360, fps: 24 };

function run(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

// --- memory sampling -------------------------------------------------------------------------

function rssOf(pid: string | number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Resident memory of this process and its children, or NaN without /proc. */
function residentNow(): number {
  try {
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
      .trim()
      .split(' ')
      .filter((pid) => pid !== '');
    let total = rssOf(process.pid);
    for (const pid of children) {
      try {
        total += rssOf(pid);
      } catch {
        // the child ended between listing and reading
      }
    }
    return total;
  } catch {
    return Number.NaN;
  }
}

interface Row {
  name: string;
  ms: number;
  peakMb: number;
  result: string;
}
const rows: Row[] = [];

/**
 * Times `work` alone; what it made is described afterwards (decoding the result to find its
 * drift is the bench's work, not the join's).
 */
async function measure(name: string, work: () => Promise<() => Promise<string>>): Promise<void> {
  let peak = residentNow();
  const sampler = setInterval(() => {
    peak = Math.max(peak, residentNow());
  }, 10);
  const start = performance.now();
  try {
    const describe = await work();
    const ms = performance.now() - start;
    rows.push({ name, ms, peakMb: peak / 2 ** 20, result: await describe() });
    console.error(`  done: ${name}`);
  } finally {
    clearInterval(sampler);
  }
}

/**
 * The picture's duration and the sound's length as a player hears it: every decoded sample,
 * whatever the timestamps say (copying AAC packets end to end keeps every clip's priming and
 * padding; the muxer then squeezes their timestamps, so the stream duration hides the drift).
 */
/** `method`, then what `file` holds (durations). */
async function described(method: string, file: string): Promise<string> {
  return `${method}; ${await durations(file)}`;
}

async function durations(file: string): Promise<string> {
  const json = JSON.parse(
    await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', file]),
  ) as { streams: Array<{ codec_type: string; duration: string }> };
  const video = Number(json.streams.find((s) => s.codec_type === 'video')?.duration);
  if (!json.streams.some((s) => s.codec_type === 'audio'))
    return `video ${video.toFixed(3)} s, no audio`;
  const samples = await decodedSamples(file);
  const audio = samples.length / 48000;
  const drift = audio - video;
  return `video ${video.toFixed(3)} s, audio ${audio.toFixed(3)} s decoded (A−V ${drift >= 0 ? '+' : ''}${(drift * 1000).toFixed(0)} ms); ${beepDrift(samples)}`;
}

/**
 * The drift at the clip boundaries, in frames at 24 fps: each clip with sound (not every fourth)
 * beeps on its first frame, so the n-th beep heard belongs at the start of the n-th such clip.
 */
function beepDrift(samples: Int16Array): string {
  const onsets: number[] = [];
  let quietSince = Number.NEGATIVE_INFINITY;
  // half the loudest sample: the beeps, whatever gain the cut's loudness gave them
  let loudest = 0;
  for (const sample of samples) loudest = Math.max(loudest, Math.abs(sample));
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > 0.5 * loudest) {
      if (i - quietSince > 0.1 * 48000) onsets.push(i / 48000);
      quietSince = i;
    }
  }
  const starts = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 4 !== 3);
  if (onsets.length !== starts.length) {
    return `drift: ${onsets.length} beeps heard for ${starts.length} clips with sound`;
  }
  const drifts = starts.map((start, n) => (onsets[n]! - start) * TARGET.fps);
  const worst = drifts.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
  return `drift at clip starts: worst ${worst.toFixed(2)} frames, last ${drifts.at(-1)!.toFixed(2)}`;
}

function decodedSamples(file: string): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffmpeg',
      ['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', '48000', '-f', 's16le', '-'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exit ${code}`));
      const bytes = Buffer.concat(chunks);
      resolve(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2));
    });
  });
}

async function bareConcat(inputs: string[], output: string): Promise<void> {
  const list = `${output}.txt`;
  writeFileSync(list, inputs.map((file) => `file '${file}'\n`).join(''));
  await run('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    list,
    '-c',
    'copy',
    output,
  ]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// --- setup (not timed) -----------------------------------------------------------------------

const sizes = ['640x360', '1280x720', '720x1280', '480x480'];
const rates = [24, 25, 30, 60];
const raw = Array.from({ length: COUNT }, (_, i) => at('raw', `raw${i}.mp4`));

async function makeRawClips(): Promise<void> {
  mkdirSync(at('raw'));
  await Promise.all(
    raw.map((file, i) => {
      const sound = i % 4 !== 3; // every fourth clip has no sound
      return runFfmpeg([
        ...[
          '-f',
          'lavfi',
          '-i',
          `testsrc2=s=${sizes[i % 4]}:r=${rates[Math.floor(i / 4) % 4]}:d=1`,
        ],
        // a quiet tone with a loud 1 kHz beep on the clip's first 50 ms: the beeps show sync
        ...(sound
          ? [
              ...['-f', 'lavfi', '-i'],
              `aevalsrc='0.1*sin(2*PI*${300 + i * 7}*t)+if(lt(t,0.05),0.6*sin(2*PI*1000*t),0)':s=44100:d=1`,
              ...['-ac', '2', '-c:a', 'aac'],
            ]
          : []),
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-y', file],
      ]);
    }),
  );
}

// --- cases -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.error(
    `working in ${work}; ${availableParallelism()} cores, ${mediaConcurrency()} ffmpeg at once`,
  );
  await makeRawClips();
  mkdirSync(at('conformed'));
  mkdirSync(at('naive'));
  mkdirSync(at('video-only'));
  const conformed = raw.map((_, i) => at('conformed', `c${i}.mp4`));

  await measure(`(c) ours: conform ${COUNT} mixed clips + joinClips`, async () => {
    await Promise.all(
      raw.map((input, i) =>
        conformClip({
          input,
          output: conformed[i]!,
          trimFrom: 0,
          trimSeconds: 1,
          ...TARGET,
          audio: true,
          soundSidecar: true,
        }),
      ),
    );
    const { method } = await joinClips({ inputs: conformed, output: at('c-ours.mp4') });
    return () => described(method, at('c-ours.mp4'));
  });

  await measure(`(c) naive: default re-encode of each, one by one, + concat`, async () => {
    const outputs: string[] = [];
    for (const [i, input] of raw.entries()) {
      const output = at('naive', `n${i}.mp4`);
      const silent = i % 4 === 3;
      await run('ffmpeg', [
        ...['-v', 'error', '-y', '-i', input],
        // a silent track where there is none, or the concat demuxer cannot join the files
        ...(silent ? ['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-shortest'] : []),
        ...[
          '-vf',
          `scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=24`,
        ],
        ...['-c:v', 'libx264', '-c:a', 'aac', '-ar', '48000', '-ac', '2', output],
      ]);
      outputs.push(output);
    }
    await bareConcat(outputs, at('c-naive.mp4'));
    return () => described('copy', at('c-naive.mp4'));
  });

  // video-only copies of the conformed clips, for the pure stream-copy comparison
  const videoOnly = conformed.map((_, i) => at('video-only', `v${i}.mp4`));
  await Promise.all(
    conformed.map((input, i) =>
      runFfmpeg(['-i', input, '-map', '0:v', '-c', 'copy', '-y', videoOnly[i]!]),
    ),
  );

  // the sound made ahead, as the landing does while clips land (not timed)
  await prepareCutSound({
    entries: conformed.map((clip) => ({ clip })),
    output: at('a2.mp4'),
    soundCache: at('sound-a'),
  });
  const repeats = 5;
  const cases: Array<[string, () => Promise<() => Promise<string>>]> = [
    [
      `(a) joinClips, ${COUNT} conformed clips with sound`,
      async () => {
        const { method } = await joinClips({ inputs: conformed, output: at('a.mp4') });
        return () => described(method, at('a.mp4'));
      },
    ],
    [
      `(a') joinClips, ${COUNT} clips, sound made ahead (as delivered)`,
      async () => {
        const { method } = await joinClips({
          inputs: conformed,
          output: at('a2.mp4'),
          soundCache: at('sound-a'),
        });
        return () => described(method, at('a2.mp4'));
      },
    ],
    [
      `(b) bare concat -c copy, same clips`,
      async () => {
        await bareConcat(conformed, at('b.mp4'));
        return () => described('copy', at('b.mp4'));
      },
    ],
    [
      `(a) joinClips, ${COUNT} clips, picture only`,
      async () => {
        const { method } = await joinClips({ inputs: videoOnly, output: at('a-v.mp4') });
        return () => described(method, at('a-v.mp4'));
      },
    ],
    [
      `(b) bare concat -c copy, picture only`,
      async () => {
        await bareConcat(videoOnly, at('b-v.mp4'));
        return () => described('copy', at('b-v.mp4'));
      },
    ],
  ];
  for (const [name, work] of cases) {
    const before = rows.length;
    for (let i = 0; i < repeats; i++) await measure(name, work);
    const runs = rows.splice(before);
    rows.push({
      name: `${name} (median of ${repeats})`,
      ms: median(runs.map((r) => r.ms)),
      peakMb: Math.max(...runs.map((r) => r.peakMb)),
      result: runs[0]!.result,
    });
  }

  // (d) as clips land: every clip but one was conformed while the run went on; from the arrival
  // of the last (the slowest kind to conform) to final.mp4: conform it (making the cut's sound
  // around it in the same process), then join with the cut's loudness, as the delivery does.
  // The floor: conforming that clip alone, plus the bare
  // stream-copy join of (b).
  const kinds = Math.min(COUNT, 16); // raw[0..15] cover every size and rate
  // each kind's time to conform alone: a median, so one slow run does not raise the floor
  const alone: number[] = [];
  for (let i = 0; i < kinds; i++) {
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      await conformClip({
        input: raw[i]!,
        output: at('conformed', `alone${i}.mp4`),
        trimFrom: 0,
        trimSeconds: 1,
        ...TARGET,
        audio: true,
        soundSidecar: true,
      });
      times.push(performance.now() - start);
    }
    alone.push(median(times));
  }
  const slowest = alone.indexOf(Math.max(...alone));
  const late = at('conformed', `late${slowest}.mp4`);
  const lastName = `(d) ours, last clip to final.mp4 (conform + joinClips, -23 LUFS)`;
  const before = rows.length;
  for (let i = 0; i < repeats; i++) {
    // as the landing does while the other clips land (not timed): the cut's sound made ahead
    // without the last clip, at the gain the rest calls for
    const soundCache = at(`sound-d${i}`);
    const ahead = {
      entries: conformed.map((clip, k) => (k === slowest ? { frames: 24 } : { clip })),
      output: at('d.mp4'),
      loudnessLufs: -23,
      loudnessToleranceDb: 0.3,
      soundCache,
    };
    await prepareCutSound(ahead);
    await measure(lastName, async () => {
      // the last clip's conform makes the cut's sound around it too, as the landing does
      const sound = await landingSound({ ...ahead, landing: slowest });
      await conformClip({
        input: raw[slowest]!,
        output: late,
        trimFrom: 0,
        trimSeconds: 1,
        ...TARGET,
        audio: true,
        soundSidecar: true,
        ...(sound ? { soundInPlace: sound.soundInPlace } : {}),
      });
      if (sound && !(await sound.kept(late))) throw new Error('the sound in place was not kept');
      await sound?.dispose();
      const inputs = conformed.map((file, k) => (k === slowest ? late : file));
      const { method } = await joinClips({
        inputs,
        output: at('d.mp4'),
        loudnessLufs: -23,
        loudnessToleranceDb: 0.3,
        soundCache,
      });
      return () => described(method, at('d.mp4'));
    });
  }
  const lastRuns = rows.splice(before);
  const lastMs = median(lastRuns.map((r) => r.ms));
  rows.push({
    name: `${lastName} (median of ${repeats})`,
    ms: lastMs,
    peakMb: Math.max(...lastRuns.map((r) => r.peakMb)),
    result: lastRuns[0]!.result,
  });
  const msOf = (prefix: string) => rows.find((r) => r.name.startsWith(prefix))!.ms;
  const copyMs = msOf('(b) bare concat -c copy, same clips');
  const joinMs = msOf('(a) joinClips, ');
  const deliveredJoinMs = msOf("(a') joinClips, ");
  const slowestMs = alone[slowest]!;
  rows.push({
    name: `(d) floor: conform the slowest clip alone + (b)`,
    ms: slowestMs + copyMs,
    peakMb: Number.NaN,
    result: `slowest ${raw[slowest]!.split('/').at(-1)} ${slowestMs.toFixed(0)} ms; last clip to final = ${(lastMs / (slowestMs + copyMs)).toFixed(2)}× the floor (aim ≤ 1.5×)`,
  });
  rows.push({
    name: `(a) / (b): drift-free join against the copy join`,
    ms: Number.NaN,
    peakMb: Number.NaN,
    result: `${(joinMs / copyMs).toFixed(2)}× cold; ${(deliveredJoinMs / copyMs).toFixed(2)}× with the sound made ahead, as delivered (aim ≤ 1.5×)`,
  });

  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${'case'.padEnd(width)}  ${'ms'.padStart(7)}  ${'peak RSS'.padStart(9)}  result`);
  for (const row of rows) {
    const rss = Number.isNaN(row.peakMb) ? 'n/a' : `${row.peakMb.toFixed(0)} MB`;
    console.log(
      `${row.name.padEnd(width)}  ${(Number.isNaN(row.ms) ? '' : row.ms.toFixed(0)).padStart(7)}  ${rss.padStart(9)}  ${row.result}`,
    );
  }
}

try {
  await main();
} finally {
  if (values.keep) console.error(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
