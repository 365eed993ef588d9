/**
 * Measures how far each QC threshold lies from the clips on either side of it: the recipes of
 * test/qc/clips.ts (good clips and one per defect), stills zoomed, panned, re-encoded and
 * colour-shifted (the "same picture" side of the frame check) and different stills (the other
 * side), and the preview renderer's own clips. Prints the tables of docs/qc.md.
 *
 *   node bench/qc-margins.ts
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runFfmpeg } from '../src/media/ffmpeg.ts';
import { renderPreview } from '../src/media/preview.ts';
import { analyseClip, QC_LIMITS } from '../src/qc/index.ts';
import { clipName, FPS, ffmpeg, H, makeImages, RECIPES, W } from '../test/qc/clips.ts';

const exec = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), 'shotrouter-qc-margins-'));
const at = (name: string) => path.join(work, name);

async function raw(args: string[]): Promise<Buffer> {
  const { stdout } = await exec('ffmpeg', ['-v', 'error', ...args], {
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
  });
  return stdout;
}

/** Luma planes (limited range) of every frame at the analysis size. */
async function lumaFrames(file: string): Promise<Uint8Array[]> {
  const bytes = await raw([
    '-i',
    file,
    '-vf',
    `scale=${W}:${H}:flags=bilinear`,
    '-pix_fmt',
    'yuv420p',
    '-f',
    'rawvideo',
    '-',
  ]);
  const frameBytes = (W * H * 3) / 2;
  const frames: Uint8Array[] = [];
  for (let at = 0; at + frameBytes <= bytes.length; at += frameBytes)
    frames.push(bytes.subarray(at, at + W * H));
  return frames;
}

/** blackdetect's view: a frame is black below pix_th when 98% of its pixels are; this is that pix_th. */
function blackLevel(frame: Uint8Array): number {
  const sorted = Uint8Array.from(frame).sort();
  return Math.max(0, (sorted[Math.floor(sorted.length * QC_LIMITS.blackPictureShare)]! - 16) / 219);
}

/** The pix_th above which the clip would have a black stretch of the failing length. */
function blackMargin(frames: Uint8Array[]): number {
  const levels = frames.map(blackLevel);
  const window = Math.round(QC_LIMITS.blackSeconds * FPS);
  let best = Number.POSITIVE_INFINITY;
  for (let s = 0; s + window <= levels.length; s++)
    best = Math.min(best, Math.max(...levels.slice(s, s + window)));
  return best;
}

function mafd(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length / 255;
}

/** The noise (dB) below which the clip would have a frozen stretch of the failing length. */
function freezeMargin(frames: Uint8Array[]): number {
  const window = Math.round(QC_LIMITS.frozenSeconds * FPS);
  let best = Number.POSITIVE_INFINITY;
  for (let s = 0; s + window < frames.length; s++) {
    let worst = 0;
    for (let k = 1; k <= window; k++) worst = Math.max(worst, mafd(frames[s]!, frames[s + k]!));
    best = Math.min(best, worst);
  }
  return 20 * Math.log10(Math.max(best, 1e-9));
}

/** The loudest sample (dBFS) of the quietest stretch of the failing length. */
async function silenceMargin(file: string): Promise<number> {
  const bytes = await raw([
    '-i',
    file,
    '-map',
    '0:a:0',
    '-ac',
    '1',
    '-ar',
    '48000',
    '-f',
    'f32le',
    '-',
  ]);
  const samples = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const window = QC_LIMITS.silenceSeconds * 48000;
  const step = 480;
  let best = Number.POSITIVE_INFINITY;
  for (let s = 0; s + window <= samples.length; s += step) {
    let peak = 0;
    for (let i = s; i < s + window; i++) peak = Math.max(peak, Math.abs(samples[i]!));
    best = Math.min(best, peak);
  }
  return 20 * Math.log10(Math.max(best, 1e-9));
}

/** scdet's scores (0–1) of every frame. */
async function cutScores(file: string): Promise<number[]> {
  const scores: number[] = [];
  await runFfmpeg(
    [
      '-loglevel',
      'info',
      '-nostats',
      '-i',
      file,
      '-vf',
      `scale=${W}:${H},format=rgb24,scdet=threshold=0`,
      '-f',
      'null',
      '-',
    ],
    {
      onStderrLine: (line) => {
        const m = /lavfi\.scd\.score:\s*([\d.]+)/.exec(line);
        if (m) scores.push(Number(m[1]) / 100);
      },
    },
  );
  return scores;
}

const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

try {
  const images = await makeImages(work);
  for (const recipe of RECIPES) await ffmpeg(recipe.args(at(clipName(recipe)), images));
  const preview = at('preview.mp4');
  await renderPreview({
    output: preview,
    seconds: 3,
    width: 640,
    height: 360,
    fps: 24,
    audio: true,
    label: { shotId: 's01', model: 'veo-3.1', prompt: 'a harbour at dawn' },
  });
  const previewOpening = at('preview-opening.mp4');
  await renderPreview({
    output: previewOpening,
    seconds: 3,
    width: 640,
    height: 360,
    fps: 24,
    audio: true,
    label: { shotId: 's01', model: 'veo-3.1', prompt: 'a harbour at dawn' },
    firstFrame: images.pattern,
  });

  if (!process.argv.includes('--ssim-only')) {
    console.log(
      `| clip | black: pix_th that would fail it (limit ${QC_LIMITS.blackPixel}) | frozen: noise dB that would fail it (limit ${QC_LIMITS.freezeNoiseDb}) | silence: peak of quietest 1 s, dBFS (limit ${QC_LIMITS.silenceNoiseDb}) | largest cut score (limit ${QC_LIMITS.cutScore}) | RMS dBFS (limit ${QC_LIMITS.clippedRmsDb}) |`,
    );
    console.log('|---|---|---|---|---|---|');
    const clips = [
      ...RECIPES.map((r) => ({ name: r.name, file: at(clipName(r)) })),
      { name: 'preview renderer', file: preview },
      { name: 'preview renderer, opening picture', file: previewOpening },
    ];
    for (const clip of clips) {
      const frames = await lumaFrames(clip.file);
      const measured = await analyseClip(clip.file);
      const audio = measured.info.hasAudio ? f(await silenceMargin(clip.file), 1) : '–';
      const scores = await cutScores(clip.file);
      console.log(
        `| ${clip.name} | ${f(blackMargin(frames))} | ${f(freezeMargin(frames), 1)} | ${audio} | ${f(Math.max(...scores.slice(1)))} | ${measured.rmsDb === undefined ? '–' : f(measured.rmsDb, 1)} |`,
      );
    }
  }
  // the frame check: the same picture moved, re-encoded or recoloured, and different pictures
  const variants: Array<[string, string]> = [
    [
      'slow zoom from the still (stand-ins)',
      `scale=${W}:${H},zoompan=z='1+0.002*on':d=${FPS}:s=${W}x${H}:fps=${FPS}`,
    ],
    [
      'zoomed in 5%',
      `scale=${Math.round((W * 1.05) / 2) * 2}:${Math.round((H * 1.05) / 2) * 2},crop=${W}:${H}`,
    ],
    [
      'zoomed in 10%',
      `scale=${Math.round((W * 1.1) / 2) * 2}:${Math.round((H * 1.1) / 2) * 2},crop=${W}:${H}`,
    ],
    ['panned 3% of the width', `scale=${W}:${H},crop=${W - 10}:${H}:10:0,scale=${W}:${H}`],
    [
      'colour shift (brighter, more saturated)',
      `scale=${W}:${H},eq=brightness=0.06:saturation=1.4`,
    ],
    ['darker by a third', `scale=${W}:${H},eq=brightness=-0.15:contrast=0.8`],
  ];
  const stills = {
    pattern: images.pattern,
    bars: images.bars,
    fractal: images.fractal,
    beach: path.resolve('examples/refs/beach.png'),
    mara: path.resolve('examples/refs/mara-front.png'),
  };
  const same: Array<[string, number]> = [];
  for (const [still, image] of Object.entries(stills)) {
    for (const [name, filter] of variants) {
      const clip = at(`same-${still}-${name.replace(/\W+/g, '-')}.mp4`);
      await ffmpeg([
        '-loop',
        '1',
        '-framerate',
        String(FPS),
        '-t',
        '1',
        '-i',
        image,
        '-vf',
        `${filter},setsar=1,format=yuv420p`,
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-crf',
        '35',
        clip,
      ]);
      same.push([
        `${still}: ${name}, crf 35`,
        (await analyseClip(clip, { firstFrame: image })).firstFrameSsim!,
      ]);
    }
  }
  same.push([
    'preview renderer opening on the pattern',
    (await analyseClip(previewOpening, { firstFrame: images.pattern })).firstFrameSsim!,
  ]);
  const different: Array<[string, number]> = [];
  const names = Object.keys(stills) as Array<keyof typeof stills>;
  for (const a of names) {
    const clip = at(`still-${a}.mp4`);
    await ffmpeg([
      '-loop',
      '1',
      '-framerate',
      String(FPS),
      '-t',
      '1',
      '-i',
      stills[a],
      '-vf',
      `scale=${W}:${H},setsar=1,format=yuv420p`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      clip,
    ]);
    for (const b of names)
      if (a !== b)
        different.push([
          `${a} vs ${b}`,
          (await analyseClip(clip, { firstFrame: stills[b] })).firstFrameSsim!,
        ]);
  }
  different.push([
    'preview renderer opening on the pattern vs the bars',
    (await analyseClip(previewOpening, { firstFrame: images.bars })).firstFrameSsim!,
  ]);
  same.sort((a, b) => a[1] - b[1]);
  different.sort((a, b) => b[1] - a[1]);
  console.log(`\nSSIM, same picture (lowest first; limit ${QC_LIMITS.frameSsim}):`);
  for (const [name, v] of same.slice(0, 12)) console.log(`  ${f(v)}  ${name}`);
  console.log(`  … ${same.length} pairs, highest ${f(same.at(-1)![1])}`);
  console.log('SSIM, different pictures (highest first):');
  for (const [name, v] of different) console.log(`  ${f(v)}  ${name}`);
  console.log(`  … ${different.length} pairs, lowest ${f(different.at(-1)![1])}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
