/**
 * EBU R128 loudness normalisation in two passes: the first measures the sound, the second
 * applies loudnorm with those measurements, which makes it a plain gain (linear mode) unless
 * that gain would push true peaks over -1 dBTP, when loudnorm's limiter takes over. Either way
 * no sample moves in time (measured: a click stays on its sample); callers fix the sample count
 * again afterwards, so A/V sync holds. A single pass would ride the gain and pump.
 */
import { ShotrouterError } from '../errors.ts';
import { runFfmpeg } from './ffmpeg.ts';

/** True peak ceiling (EBU R128 and the streaming services: -1 dBTP). */
const TRUE_PEAK_DBTP = -1;

interface LoudnessMeasure {
  input_i: string;
  input_tp: string;
  input_lra: string;
  input_thresh: string;
  target_offset: string;
}

/**
 * Measures the sound labelled `[label]` in `graph` (a filter graph over `inputs`) and returns
 * the loudnorm filter that brings it to `target` LUFS, or undefined for silence (or sound too
 * short to measure), which is left alone. With `keepAs`, the sound measured is also written
 * there as lossless WAV, so the caller need not decode its inputs a second time.
 */
export async function loudnessFilter(
  inputs: readonly string[],
  graph: string,
  label: string,
  target: number,
  signal: AbortSignal | undefined,
  keepAs?: string,
): Promise<string | undefined> {
  // LRA at its maximum: loudnorm stays linear only while the measured loudness range fits the
  // target range, and the aim here is the level, not the dynamics
  const targets = `I=${target}:TP=${TRUE_PEAK_DBTP}:LRA=50`;
  const lines: string[] = [];
  await runFfmpeg(
    [
      ...['-loglevel', 'info', '-nostats'],
      ...inputs,
      ...[
        '-filter_complex',
        keepAs === undefined
          ? `${graph};[${label}]loudnorm=${targets}:print_format=json[measured]`
          : `${graph};[${label}]asplit=2[kept][whole];` +
            `[whole]loudnorm=${targets}:print_format=json[measured]`,
      ],
      // RF64 when the sound outgrows the 4 GB a plain WAV can address
      ...(keepAs === undefined
        ? []
        : ['-map', '[kept]', '-c:a', 'pcm_f32le', '-rf64', 'auto', '-y', keepAs]),
      ...['-map', '[measured]', '-f', 'null', '-'],
    ],
    { signal, onStderrLine: (line) => lines.push(line) },
  );
  const start = lines.findLastIndex((line) => line.trim() === '{');
  const end = lines.findLastIndex((line) => line.trim() === '}');
  if (start < 0 || end < start) {
    throw new ShotrouterError('media_failed', 'loudnorm printed no measurement');
  }
  const measured = JSON.parse(lines.slice(start, end + 1).join('\n')) as LoudnessMeasure;
  const integrated = Number(measured.input_i);
  if (!Number.isFinite(integrated) || integrated <= -70) return undefined;
  return (
    `loudnorm=${targets}:measured_I=${measured.input_i}:measured_TP=${measured.input_tp}` +
    `:measured_LRA=${measured.input_lra}:measured_thresh=${measured.input_thresh}` +
    `:offset=${measured.target_offset}:linear=true`
  );
}

/** Checks a loudness target (LUFS) before any work; the problem as text, or null. */
export function loudnessProblem(lufs: number | undefined): string | null {
  return lufs !== undefined && !(lufs >= -70 && lufs <= -5)
    ? `loudnessLufs must be between -70 and -5, got ${lufs}`
    : null;
}
