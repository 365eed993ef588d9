/**
 * An EBU R128 / ITU-R BS.1770-4 integrated loudness meter over raw sound (the sidecar format:
 * 48 kHz stereo 32-bit float), in process. It replaces an ffmpeg pass over the whole cut: the
 * cut's sound is already on disk as PCM, and reading it here costs a fraction of decoding it
 * again in a child process. It agrees with ffmpeg's ebur128 filter to a few hundredths of an LU
 * (test/media/r128.test.ts).
 *
 * True peak needs 4× oversampling, which this meter does not do; it reports the sample peak,
 * and callers leave a margin for the peaks between samples (see SAMPLE_TO_TRUE_PEAK_MARGIN_DB).
 */
import { createReadStream } from 'node:fs';
import { AUDIO_RATE } from './rate.ts';
import { SIDECAR_FRAME_BYTES } from './sound-sidecar.ts';

/** One second-order filter section (direct form I), its memory kept between calls. */
class Biquad {
  #x1 = 0;
  #x2 = 0;
  #y1 = 0;
  #y2 = 0;
  readonly #b0: number;
  readonly #b1: number;
  readonly #b2: number;
  readonly #a1: number;
  readonly #a2: number;
  constructor([b0, b1, b2]: readonly number[], [a1, a2]: readonly number[]) {
    this.#b0 = b0!;
    this.#b1 = b1!;
    this.#b2 = b2!;
    this.#a1 = a1!;
    this.#a2 = a2!;
  }

  step(x: number): number {
    const y =
      this.#b0 * x +
      this.#b1 * this.#x1 +
      this.#b2 * this.#x2 -
      this.#a1 * this.#y1 -
      this.#a2 * this.#y2;
    this.#x2 = this.#x1;
    this.#x1 = x;
    this.#y2 = this.#y1;
    this.#y1 = y;
    return y;
  }
}

/** BS.1770 K-weighting at 48 kHz: a high shelf, then a high pass (the standard's coefficients). */
class KWeighting {
  readonly #shelf = new Biquad(
    [1.53512485958697, -2.69169618940638, 1.19839281085285],
    [-1.69065929318241, 0.73248077421585],
  );
  readonly #pass = new Biquad([1.0, -2.0, 1.0], [-1.99004745483398, 0.99007225036621]);

  step(x: number): number {
    return this.#pass.step(this.#shelf.step(x));
  }
}

/** 100 ms: gating blocks are four of these, so they overlap by 75% as the standard asks. */
const SUB_BLOCK = AUDIO_RATE / 10;
/**
 * Energy is kept per bucket of this many samples: a frame of picture is a whole number of
 * them at 24, 25, 30, 50 and 60 fps, so clips measured apart add up to the cut's measure.
 */
export const BUCKET = 80;
const BUCKETS_PER_SUB_BLOCK = SUB_BLOCK / BUCKET;
const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;

/**
 * How far the peak between samples may rise above the highest sample, for sound that is not
 * pathological (a full-scale tone at a quarter of the sample rate, sampled at 45°, reaches
 * +3 dB). A gain is applied plainly only when the sample peak plus this margin stays under the
 * ceiling; otherwise the caller measures the true peak properly.
 */
export const SAMPLE_TO_TRUE_PEAK_MARGIN_DB = 3;

export interface LoudnessMeasure {
  /** integrated loudness in LUFS; -Infinity for silence or sound shorter than 400 ms */
  integrated: number;
  /** the highest absolute sample, in dBFS (-Infinity for silence) */
  samplePeakDb: number;
}

/** Measures interleaved stereo 32-bit float PCM read from `file`. */
export async function measurePcmFile(file: string): Promise<LoudnessMeasure> {
  return (await meterOf(createReadStream(file, { highWaterMark: 1 << 20 }))).result();
}

/** A meter fed with interleaved stereo 32-bit float PCM, in chunks of any size. */
export async function meterOf(chunks: AsyncIterable<Buffer>): Promise<LoudnessMeter> {
  const meter = new LoudnessMeter();
  // a whole number of sample frames, 4-byte aligned, goes to the meter; the rest waits
  let carry = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    const whole = bytes.length - (bytes.length % SIDECAR_FRAME_BYTES);
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
    meter.add(new Float32Array(aligned.buffer, aligned.byteOffset, whole / 4));
    carry = Buffer.from(bytes.subarray(whole));
  }
  return meter;
}

/**
 * Accumulates K-weighted energy per bucket; `result` gates it as BS.1770-4 prescribes. Meters
 * of consecutive pieces of sound combine (combinedLoudness) when each piece is a whole number
 * of buckets; the filters then start afresh at each piece, which moves the measure by less
 * than a hundredth of an LU on real sound.
 */
export class LoudnessMeter {
  readonly #left = new KWeighting();
  readonly #right = new KWeighting();
  /** summed K-weighted energy (both channels) of each complete bucket */
  readonly #buckets: number[] = [];
  #energy = 0;
  #filled = 0;
  #peak = 0;

  /** Adds interleaved stereo samples (left, right, left, …). */
  add(samples: Float32Array): void {
    const left = this.#left;
    const right = this.#right;
    let energy = this.#energy;
    let filled = this.#filled;
    let peak = this.#peak;
    for (let i = 0; i + 1 < samples.length; i += 2) {
      const l = samples[i]!;
      const r = samples[i + 1]!;
      peak = Math.max(peak, Math.abs(l), Math.abs(r));
      const lw = left.step(l);
      const rw = right.step(r);
      energy += lw * lw + rw * rw;
      if (++filled === BUCKET) {
        this.#buckets.push(energy);
        energy = 0;
        filled = 0;
      }
    }
    this.#energy = energy;
    this.#filled = filled;
    this.#peak = peak;
  }

  /** the peak, then the energy of each complete bucket: what combinedLoudness takes */
  measures(): Float64Array {
    return Float64Array.from([this.#peak, ...this.#buckets]);
  }

  result(): LoudnessMeasure {
    return combinedLoudness([this.measures()]);
  }
}

/** The loudness of consecutive pieces of sound, from each one's LoudnessMeter.measures(). */
export function combinedLoudness(pieces: readonly Float64Array[]): LoudnessMeasure {
  let peak = 0;
  const sub: number[] = [];
  let energy = 0;
  let filled = 0;
  for (const measures of pieces) {
    peak = Math.max(peak, measures[0]!);
    for (let i = 1; i < measures.length; i++) {
      energy += measures[i]!;
      if (++filled === BUCKETS_PER_SUB_BLOCK) {
        sub.push(energy / SUB_BLOCK);
        energy = 0;
        filled = 0;
      }
    }
  }
  const blocks: number[] = [];
  for (let j = 0; j + 4 <= sub.length; j++) {
    blocks.push((sub[j]! + sub[j + 1]! + sub[j + 2]! + sub[j + 3]!) / 4);
  }
  const loudness = (e: number) => -0.691 + 10 * Math.log10(e);
  const meanOf = (energies: number[]) => energies.reduce((sum, e) => sum + e, 0) / energies.length;
  const audible = blocks.filter((e) => loudness(e) > ABSOLUTE_GATE_LUFS);
  const samplePeakDb = 20 * Math.log10(peak);
  if (audible.length === 0) return { integrated: Number.NEGATIVE_INFINITY, samplePeakDb };
  const relativeGate = loudness(meanOf(audible)) + RELATIVE_GATE_LU;
  const gated = audible.filter((e) => loudness(e) > relativeGate);
  return { integrated: loudness(meanOf(gated)), samplePeakDb };
}
