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

/** BS.1770 K-weighting at 48 kHz: a high shelf, then a high pass (the standard's coefficients). */
const K_WEIGHTING = [
  {
    b: [1.53512485958697, -2.69169618940638, 1.19839281085285],
    a: [-1.69065929318241, 0.73248077421585],
  },
  { b: [1.0, -2.0, 1.0], a: [-1.99004745483398, 0.99007225036621] },
] as const;

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
  /** the filters' memories: per channel, input and output of each stage, one and two back */
  readonly #state = new Float64Array(16);
  /** summed K-weighted energy (both channels) of each complete bucket */
  readonly #buckets: number[] = [];
  #energy = 0;
  #filled = 0;
  #peak = 0;

  /** Adds interleaved stereo samples (left, right, left, …). */
  add(samples: Float32Array): void {
    const [shelf, pass] = K_WEIGHTING;
    const [sb0, sb1, sb2] = shelf.b;
    const [sa1, sa2] = shelf.a;
    const [pb0, pb1, pb2] = pass.b;
    const [pa1, pa2] = pass.a;
    const state = this.#state;
    // the filters' memories as locals: this loop runs 96,000 times a second of sound
    let [lx1, lx2, ly1, ly2, lz1, lz2, lw1, lw2] = state.subarray(0, 8);
    let [rx1, rx2, ry1, ry2, rz1, rz2, rw1, rw2] = state.subarray(8, 16);
    let energy = this.#energy;
    let filled = this.#filled;
    let peak = this.#peak;
    const frames = samples.length >> 1;
    for (let f = 0; f < frames; f++) {
      const l = samples[2 * f]!;
      const r = samples[2 * f + 1]!;
      const la = l < 0 ? -l : l;
      const ra = r < 0 ? -r : r;
      if (la > peak) peak = la;
      if (ra > peak) peak = ra;
      const ly = sb0 * l + sb1 * lx1! + sb2 * lx2! - sa1 * ly1! - sa2 * ly2!;
      lx2 = lx1;
      lx1 = l;
      ly2 = ly1;
      ly1 = ly;
      const lw = pb0 * ly + pb1 * lz1! + pb2 * lz2! - pa1 * lw1! - pa2 * lw2!;
      lz2 = lz1;
      lz1 = ly;
      lw2 = lw1;
      lw1 = lw;
      const ry = sb0 * r + sb1 * rx1! + sb2 * rx2! - sa1 * ry1! - sa2 * ry2!;
      rx2 = rx1;
      rx1 = r;
      ry2 = ry1;
      ry1 = ry;
      const rw = pb0 * ry + pb1 * rz1! + pb2 * rz2! - pa1 * rw1! - pa2 * rw2!;
      rz2 = rz1;
      rz1 = ry;
      rw2 = rw1;
      rw1 = rw;
      energy += lw * lw + rw * rw;
      if (++filled === BUCKET) {
        this.#buckets.push(energy);
        energy = 0;
        filled = 0;
      }
    }
    state.set([
      lx1!,
      lx2!,
      ly1!,
      ly2!,
      lz1!,
      lz2!,
      lw1!,
      lw2!,
      rx1!,
      rx2!,
      ry1!,
      ry2!,
      rz1!,
      rz2!,
      rw1!,
      rw2!,
    ]);
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
