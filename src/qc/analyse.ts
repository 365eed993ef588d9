/**
 * What a clip holds, measured in one ffmpeg decode pass: black, frozen and silent stretches,
 * scene cuts, the share of clipped samples, and the SSIM of its first and last frames against
 * images supplied for them. The filters log what they find; `parseAnalysisLog` reads it back.
 */
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { localFile, runFfmpeg } from '../media/ffmpeg.ts';
import { type ProbeInfo, probe } from '../media/probe.ts';
import { ANALYSIS_WIDTH, QC_LIMITS } from './limits.ts';

/** A stretch of the clip, in seconds from its start. */
export interface Stretch {
  start: number;
  end: number;
}

export interface ClipMeasurements {
  info: ProbeInfo;
  black: Stretch[];
  frozen: Stretch[];
  /** only when the clip has audio */
  silence: Stretch[];
  /** times of the first frame of every new scene */
  cuts: number[];
  /** share of audio samples at full scale (0–1); absent without audio */
  clippedShare?: number;
  /** the sound's RMS level over the whole clip, dBFS (-Infinity when silent) */
  rmsDb?: number;
  /** SSIM of the clip's first / last frame against the image given for it */
  firstFrameSsim?: number;
  lastFrameSsim?: number;
}

export interface AnalyseOptions {
  /** an image the first frame should look like */
  firstFrame?: string;
  /** an image the last frame should look like */
  lastFrame?: string;
  /** the clip's probe when the caller has it already (the engine verifies every download) */
  info?: ProbeInfo;
  signal?: AbortSignal;
}

/**
 * Measures `file`. Throws `verification_failed` with `details.reason = 'unreadable'` when the
 * file is not a readable video, and `media_failed` when an image cannot be read.
 */
export async function analyseClip(
  file: string,
  opts: AnalyseOptions = {},
): Promise<ClipMeasurements> {
  const info = opts.info ?? (await probeReadable(file, opts.signal));
  const args = analysisArgs(file, info, opts);
  const lines: string[] = [];
  try {
    await runFfmpeg(args, {
      signal: opts.signal,
      onStderrLine: (line) => {
        if (line.startsWith('[')) lines.push(line);
      },
    });
  } catch (error) {
    if (ShotrouterError.is(error) && error.code === 'media_failed' && !isBinaryMissing(error)) {
      const images = [opts.firstFrame, opts.lastFrame].filter((f) => f !== undefined);
      const about = images.length > 0 ? ` (or one of ${images.map(quoteName).join(', ')})` : '';
      throw new ShotrouterError(
        'verification_failed',
        `${quoteName(file)}${about} could not be decoded: ${error.message}`,
        { cause: error, details: { reason: 'unreadable' } },
      );
    }
    throw error;
  }
  return { info, ...parseAnalysisLog(lines, info) };
}

async function probeReadable(file: string, signal: AbortSignal | undefined): Promise<ProbeInfo> {
  try {
    return await probe(file, signal);
  } catch (error) {
    if (!ShotrouterError.is(error) || error.code !== 'media_failed' || isBinaryMissing(error)) {
      throw error;
    }
    throw new ShotrouterError(
      'verification_failed',
      `${quoteName(file)} is not a readable video: ${error.message}`,
      { cause: error, details: { reason: 'unreadable' } },
    );
  }
}

function isBinaryMissing(error: ShotrouterError): boolean {
  return (error.details as { reason?: string } | undefined)?.reason === 'binary_missing';
}

function quoteName(file: string): string {
  return path.basename(file);
}

/**
 * The ffmpeg arguments of the one pass. The picture is scaled down once and split: blackdetect
 * and freezedetect on YUV, scdet on RGB (on luma alone it misses a red → green cut), SSIM on
 * luma against each supplied image scaled and cropped to the clip's frame. The sound goes to
 * silencedetect, and to astats for its RMS level, then through an expression that turns each
 * sample into 1 when it is at full scale and 0 otherwise, so astats' mean ("DC offset") is the
 * share of samples at full scale.
 */
export function analysisArgs(
  file: string,
  info: ProbeInfo,
  opts: Pick<AnalyseOptions, 'firstFrame' | 'lastFrame'>,
): string[] {
  const width = Math.min(ANALYSIS_WIDTH, even(info.width));
  const height = even((info.height * width) / info.width);
  const inputs = ['-i', localFile(file)];
  const graph: string[] = [];
  const branches = ['detect', 'cuts'];
  if (opts.firstFrame !== undefined) branches.push('first');
  if (opts.lastFrame !== undefined) branches.push('last');
  graph.push(
    `[0:v:0]scale=${width}:${height}:flags=bilinear,setsar=1,split=${branches.length}` +
      branches.map((b) => `[${b}]`).join(''),
  );
  const L = QC_LIMITS;
  // detectors report stretches from half the failing length, so a near miss shows in `value`
  graph.push(
    `[detect]blackdetect@black=d=${L.blackSeconds / 2}:pix_th=${L.blackPixel}:pic_th=${L.blackPictureShare},` +
      `freezedetect@frozen=n=${L.freezeNoiseDb}dB:d=${L.frozenSeconds / 2}[out]`,
  );
  graph.push(`[cuts]format=rgb24,scdet@cuts=threshold=${L.cutScore * 100},nullsink`);

  // the last frame is the last one that reaches the SSIM filter; start half a second early in
  // case the frame count is an estimate
  const frames = info.frames ?? Math.round(info.durationSeconds * info.fps);
  const tailFrom = Math.max(0, frames - Math.max(2, Math.ceil(info.fps / 2)));
  const compare = (branch: 'first' | 'last', image: string, index: number) => {
    inputs.push('-i', localFile(image));
    const pick = branch === 'first' ? 'trim=end_frame=1' : `trim=start_frame=${tailFrom}`;
    graph.push(
      `[${branch}]${pick},format=gray,settb=AVTB[${branch}clip]`,
      `[${index}:v:0]scale=${width}:${height}:force_original_aspect_ratio=increase,` +
        `crop=${width}:${height},setsar=1,format=gray,settb=AVTB,setpts=0[${branch}image]`,
      `[${branch}clip][${branch}image]ssim,metadata@${branch}=mode=print:key=lavfi.ssim.Y,nullsink`,
    );
  };
  if (opts.firstFrame !== undefined) compare('first', opts.firstFrame, 1);
  if (opts.lastFrame !== undefined) compare('last', opts.lastFrame, inputs.length / 2);

  if (info.hasAudio) {
    graph.push(
      '[0:a:0]asplit[quiet][loud]',
      `[quiet]silencedetect@silence=n=${L.silenceNoiseDb}dB:d=${L.silenceSeconds / 2},anullsink`,
      '[loud]aformat=sample_fmts=flt,astats@level=measure_perchannel=none:measure_overall=RMS_level,' +
        `aeval=exprs='gte(abs(val(ch)),${L.clippedSample})',` +
        'astats@clipping=measure_perchannel=none:measure_overall=DC_offset,anullsink',
    );
  }
  return [
    ...['-loglevel', 'info', '-nostats'],
    ...inputs,
    ...['-filter_complex', graph.join(';'), '-map', '[out]', '-f', 'null', '-'],
  ];
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

const NUMBER = '(-?[\\d.]+(?:e[-+]?\\d+)?)';

/**
 * Reads the filters' log lines (those starting with `[name @ …]`) into measurements. Stretches
 * still open when the clip ends run to its end.
 */
export function parseAnalysisLog(
  lines: readonly string[],
  info: Pick<ProbeInfo, 'durationSeconds' | 'hasAudio'>,
): Omit<ClipMeasurements, 'info'> {
  const end = info.durationSeconds;
  const black: Stretch[] = [];
  const frozen: Stretch[] = [];
  const silence: Stretch[] = [];
  const cuts: number[] = [];
  let openFreeze: number | undefined;
  let openSilence: number | undefined;
  let clippedShare: number | undefined;
  let rmsDb: number | undefined;
  const ssim: { first: number[]; last: number[] } = { first: [], last: [] };

  for (const line of lines) {
    // detectors log under their filter's name, the metadata printers under their own (`@first`)
    const filter = /^\[([^\]\s]+) @ /.exec(line)?.[1];
    if (filter === undefined) continue;
    const base = filter.split('@')[0];
    const number = (key: string) => {
      const match = new RegExp(`${key}\\s*[:=]\\s*${NUMBER}`).exec(line);
      return match ? Number(match[1]) : undefined;
    };
    if (base === 'blackdetect') {
      const start = number('black_start');
      const stop = number('black_end');
      if (start !== undefined) black.push({ start, end: stop ?? end });
    } else if (base === 'freezedetect') {
      const start = number('lavfi.freezedetect.freeze_start');
      const stop = number('lavfi.freezedetect.freeze_end');
      if (start !== undefined) openFreeze = start;
      if (stop !== undefined && openFreeze !== undefined) {
        frozen.push({ start: openFreeze, end: stop });
        openFreeze = undefined;
      }
    } else if (base === 'scdet') {
      const at = number('lavfi.scd.time');
      if (at !== undefined) cuts.push(at);
    } else if (base === 'silencedetect') {
      const start = number('silence_start');
      const stop = number('silence_end');
      if (start !== undefined) openSilence = Math.max(0, start);
      if (stop !== undefined && openSilence !== undefined) {
        silence.push({ start: openSilence, end: stop });
        openSilence = undefined;
      }
    } else if (base === 'astats') {
      clippedShare = number('DC offset') ?? clippedShare;
      const level = /RMS level dB:\s*(-?[\d.]+|-inf)/.exec(line)?.[1];
      if (level !== undefined) rmsDb = level === '-inf' ? Number.NEGATIVE_INFINITY : Number(level);
    } else if (filter === 'metadata@first' || filter === 'metadata@last') {
      const value = number('lavfi.ssim.Y');
      if (value !== undefined) ssim[filter === 'metadata@first' ? 'first' : 'last'].push(value);
    }
  }
  if (openFreeze !== undefined) frozen.push({ start: openFreeze, end });
  if (openSilence !== undefined) silence.push({ start: openSilence, end });

  const measured: Omit<ClipMeasurements, 'info'> = {
    black,
    frozen,
    silence: info.hasAudio ? silence : [],
    cuts: cuts.sort((a, b) => a - b),
  };
  if (info.hasAudio && clippedShare !== undefined) measured.clippedShare = clippedShare;
  if (info.hasAudio && rmsDb !== undefined) measured.rmsDb = rmsDb;
  if (ssim.first.length > 0) measured.firstFrameSsim = ssim.first[0]!;
  if (ssim.last.length > 0) measured.lastFrameSsim = ssim.last.at(-1)!;
  return measured;
}
