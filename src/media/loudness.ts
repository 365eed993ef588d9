/**
 * EBU R128 loudness normalisation in two passes: the first measures the sound (ffmpeg's ebur128
 * meter, with true peak), the second applies one gain to reach the target, unless that gain
 * would push true peaks over -1 dBTP, when loudnorm's limiter takes over (given the first pass's
 * measurements). Either way no sample moves in time (measured: a click stays on its sample);
 * callers fix the sample count again afterwards, so A/V sync holds. A single pass would ride the
 * gain and pump. The meter costs a fifth of loudnorm's own measuring pass, which resamples
 * everything to 192 kHz.
 */
import { ShotrouterError } from '../errors.ts';
import { runFfmpeg } from './ffmpeg.ts';

/** True peak ceiling (EBU R128 and the streaming services: -1 dBTP). */
export const TRUE_PEAK_DBTP = -1;

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
  const lines: string[] = [];
  await runFfmpeg(
    [
      ...['-loglevel', 'info', '-nostats'],
      ...inputs,
      ...[
        '-filter_complex',
        keepAs === undefined
          ? `${graph};[${label}]ebur128=peak=true[measured]`
          : `${graph};[${label}]asplit=2[kept][whole];[whole]ebur128=peak=true[measured]`,
      ],
      // RF64 when the sound outgrows the 4 GB a plain WAV can address
      ...(keepAs === undefined
        ? []
        : ['-map', '[kept]', '-c:a', 'pcm_f32le', '-rf64', 'auto', '-y', keepAs]),
      ...['-map', '[measured]', '-f', 'null', '-'],
    ],
    { signal, onStderrLine: (line) => lines.push(line) },
  );
  const measured = meterSummary(lines);
  if (measured.integrated <= -70 || !Number.isFinite(measured.truePeak)) return undefined;
  const gain = target - measured.integrated;
  if (measured.truePeak + gain <= TRUE_PEAK_DBTP) return `volume=${gain.toFixed(2)}dB`;
  // LRA at its maximum: loudnorm stays linear only while the measured loudness range fits the
  // target range, and the aim here is the level, not the dynamics
  return (
    `loudnorm=I=${target}:TP=${TRUE_PEAK_DBTP}:LRA=50:measured_I=${measured.integrated}` +
    `:measured_TP=${measured.truePeak}:measured_LRA=${measured.range}` +
    `:measured_thresh=${measured.threshold}:offset=0:linear=true`
  );
}

interface MeterSummary {
  /** integrated loudness, LUFS */
  integrated: number;
  /** the integration's relative gate, LUFS */
  threshold: number;
  /** loudness range, LU */
  range: number;
  /** true peak, dBTP */
  truePeak: number;
}

/** The figures of the ebur128 filter's closing summary. */
function meterSummary(lines: string[]): MeterSummary {
  const start = lines.findLastIndex((line) => line.trim().endsWith('Summary:'));
  const summary = start < 0 ? [] : lines.slice(start);
  const value = (name: string) => {
    const line = summary.find((l) => l.trim().startsWith(`${name}:`));
    return line === undefined ? undefined : Number.parseFloat(line.trim().slice(name.length + 1));
  };
  const figures: Partial<MeterSummary> = {
    integrated: value('I'),
    threshold: value('Threshold'),
    range: value('LRA'),
    truePeak: value('Peak'),
  };
  // silence reads -70 LUFS and a peak of -inf (NaN here): the caller leaves it alone
  if (figures.integrated === undefined || Number.isNaN(figures.integrated)) {
    throw new ShotrouterError('media_failed', 'the loudness meter printed no summary');
  }
  return figures as MeterSummary;
}

/** Checks a loudness target (LUFS) before any work; the problem as text, or null. */
export function loudnessProblem(lufs: number | undefined): string | null {
  return lufs !== undefined && !(lufs >= -70 && lufs <= -5)
    ? `loudnessLufs must be between -70 and -5, got ${lufs}`
    : null;
}
