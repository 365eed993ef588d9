import assert from 'node:assert/strict';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { measurePcmFile } from '../../src/media/r128.ts';
import { type SoundPiece, writeGridSound } from '../../src/media/sound-grid.ts';
import { ffmpeg, ffmpegBytes, integratedLoudness, scratchDir } from './fixtures.ts';

const dir = scratchDir();
const at = (name: string) => path.join(dir, name);
const RATE = 48000;
const AAC = ['-c:a', 'aac', '-b:a', '192k'] as const;

/** Raw PCM (48 kHz stereo float) from an aevalsrc expression, `seconds` long. */
async function pcm(name: string, expression: string, seconds: number): Promise<string> {
  const file = at(name);
  await ffmpeg([
    ...['-v', 'error', '-f', 'lavfi', '-i', `aevalsrc='${expression}':s=${RATE}:d=${seconds}`],
    ...['-ac', '2', '-f', 'f32le', '-y', file],
  ]);
  return file;
}

async function samplesOf(file: string): Promise<Float32Array> {
  const bytes = await readFile(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

/** An ADTS stream decoded to stereo float, the priming packet's 1024 samples dropped. */
async function decodeAdts(file: string): Promise<Float32Array> {
  const bytes = await ffmpegBytes(['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '2', '-']);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).subarray(1024 * 2);
}

/** RMS of `decoded - source` over the interleaved samples [from, to) of the source. */
function errorRms(decoded: Float32Array, source: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from * 2; i < to * 2; i++) sum += (decoded[i]! - source[i]!) ** 2;
  return Math.sqrt(sum / ((to - from) * 2));
}

describe('the cut’s sound on one AAC grid (sound-grid.ts)', () => {
  // lengths that are not whole 1024-sample frames, so every join falls inside a frame
  const lengths = [0.7, 1.13, 0.41, 0.96];
  const pieces: SoundPiece[] = [];
  let source: Float32Array;

  before(async () => {
    const files = await Promise.all(
      lengths.map((seconds, i) =>
        pcm(
          `piece${i}.pcm`,
          `0.3*sin(2*PI*${220 * (i + 1)}*t)+0.1*sin(2*PI*${3100 + 700 * i}*t)`,
          seconds,
        ),
      ),
    );
    for (const [i, file] of files.entries()) {
      pieces.push({ file, samples: Math.round(lengths[i]! * RATE), identity: `piece ${i}` });
    }
    const whole = at('whole.pcm');
    await writeFile(whole, Buffer.concat(await Promise.all(files.map((f) => readFile(f)))));
    source = await samplesOf(whole);
    // the reference: the same sound encoded in one piece
    await ffmpeg([
      ...['-v', 'error', '-f', 'f32le', '-ar', String(RATE), '-ac', '2', '-i', whole],
      ...AAC,
      ...['-f', 'adts', '-y', at('continuous.aac')],
    ]);
  });

  it('decodes like one continuous encode: in sync to the sample, no click at any join', async () => {
    const output = at('grid.aac');
    const { encoded } = await writeGridSound({
      pieces,
      audioArgs: AAC,
      cacheDir: at('cache-a'),
      output,
      workDir: dir,
    });
    assert.equal(encoded, pieces.length, 'one segment a piece, all encoded the first time');
    const grid = await decodeAdts(output);
    const continuous = await decodeAdts(at('continuous.aac'));
    const total = source.length / 2;
    assert.ok(grid.length / 2 >= total, `decoded ${grid.length / 2} samples of ${total}`);
    // around every join (±2048 samples) the error is the codec's, as in the continuous encode
    let start = 0;
    for (const seconds of lengths.slice(0, -1)) {
      start += Math.round(seconds * RATE);
      const ours = errorRms(grid, source, start - 2048, start + 2048);
      const reference = errorRms(continuous, source, start - 2048, start + 2048);
      assert.ok(
        ours < reference * 1.5 + 1e-4,
        `at sample ${start}: error ${ours.toExponential(2)} against ${reference.toExponential(2)} in one piece`,
      );
    }
    // and overall: shifted by a sample, the error would be far larger than the codec's
    const overall = errorRms(grid, source, 0, total);
    assert.ok(overall < 0.01, `error ${overall}`);
  });

  it('keeps segments: a join again encodes nothing, one piece changed only what touches it', async () => {
    const cacheDir = at('cache-b');
    const write = (list: SoundPiece[], output: string) =>
      writeGridSound({ pieces: list, audioArgs: AAC, cacheDir, output, workDir: dir });
    await write(pieces, at('first.aac'));
    assert.equal((await write(pieces, at('again.aac'))).encoded, 0);
    assert.deepEqual(await readFile(at('again.aac')), await readFile(at('first.aac')));
    // the third piece changes: its segment, and its neighbours' (they end or start in its
    // sound), are encoded again; the first piece's is kept
    const changed = await pcm('changed.pcm', '0.3*sin(2*PI*987*t)', lengths[2]!);
    const next = pieces.map((piece, i) =>
      i === 2 ? { file: changed, samples: piece.samples, identity: 'changed' } : piece,
    );
    assert.equal((await write(next, at('changed.aac'))).encoded, 3);
    // a different gain is a different sound: everything again
    const louder = await writeGridSound({
      pieces: next,
      audioArgs: AAC,
      gainDb: -3,
      cacheDir,
      output: at('louder.aac'),
      workDir: dir,
    });
    assert.equal(louder.encoded, pieces.length);
  });

  it('fills silence where a piece has no file', async () => {
    const output = at('silent-middle.aac');
    await writeGridSound({
      pieces: [pieces[0]!, { file: undefined, samples: RATE / 2, identity: 'silence' }, pieces[1]!],
      audioArgs: AAC,
      cacheDir: at('cache-c'),
      output,
      workDir: dir,
    });
    const decoded = await decodeAdts(output);
    const from = pieces[0]!.samples + 2048;
    const quiet = errorRms(decoded, new Float32Array(decoded.length), from, from + RATE / 4);
    assert.ok(quiet < 1e-4, `the silent piece measures ${quiet} RMS`);
  });

  it('refuses a piece whose file does not hold its samples', async () => {
    await assert.rejects(
      writeGridSound({
        pieces: [{ ...pieces[0]!, samples: pieces[0]!.samples + 1, identity: 'wrong length' }],
        audioArgs: AAC,
        cacheDir: at('cache-d'),
        output: at('wrong.aac'),
        workDir: dir,
      }),
      { code: 'media_failed', message: /not the 33601 samples expected/ },
    );
  });
});

describe('the loudness meter (r128.ts)', () => {
  for (const [name, expression] of [
    ['a tone with beeps', '0.1*sin(2*PI*300*t)+if(lt(mod(t,1),0.05),0.6*sin(2*PI*1000*t),0)'],
    ['noise under a quiet bass', '0.2*random(0)-0.1+0.02*sin(2*PI*60*t)'],
  ] as const) {
    it(`agrees with ffmpeg’s ebur128 on ${name} to 0.05 LU`, async () => {
      const file = await pcm(`meter-${name.replaceAll(' ', '-')}.pcm`, expression, 6);
      const wav = at(`meter-${name.replaceAll(' ', '-')}.wav`);
      await ffmpeg([
        '-v',
        'error',
        '-f',
        'f32le',
        '-ar',
        '48000',
        '-ac',
        '2',
        '-i',
        file,
        '-y',
        wav,
      ]);
      const ours = await measurePcmFile(file);
      const theirs = await integratedLoudness(wav);
      // ffmpeg prints a tenth of an LU: its own rounding is 0.05
      assert.ok(
        Math.abs(ours.integrated - theirs) <= 0.051,
        `ours ${ours.integrated} LUFS, ffmpeg ${theirs} LUFS`,
      );
      assert.ok(ours.samplePeakDb < 0 && ours.samplePeakDb > -30, `peak ${ours.samplePeakDb}`);
    });
  }

  it('calls silence -Infinity', async () => {
    const file = at('silence.pcm');
    await writeFile(file, Buffer.alloc(RATE * 8));
    await utimes(file, new Date(), new Date());
    assert.deepEqual(await measurePcmFile(file), {
      integrated: Number.NEGATIVE_INFINITY,
      samplePeakDb: Number.NEGATIVE_INFINITY,
    });
  });
});
