/**
 * Pure judgement: measurements of a clip plus what was asked of it become the list of checks.
 * A check is present only when it applies (no silence check without audio asked, no frame
 * check without an image).
 */
import { CONTAINER_TOLERANCE_SECONDS } from '../media/verify.ts';
import type { ClipMeasurements, Stretch } from './analyse.ts';
import type { Check } from './checks.ts';
import { QC_LIMITS } from './limits.ts';

export interface TakeExpectations {
  /** the length generated, seconds */
  seconds?: number;
  /**
   * how far the length may be off; default one frame plus the container's slack (the model's
   * real granularity, when the caller knows it, may ask for more)
   */
  durationToleranceSeconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** true: sound must be there, and not silent or clipped; false: no sound; absent: either */
  audio?: boolean;
  /** the cuts inside the clip: 0 for a single shot (the default), n − 1 for n shots in one */
  cuts?: number;
  /** images the first and last frames should look like */
  firstFrame?: string;
  lastFrame?: string;
}

const FPS_TOLERANCE = 0.01;

export function judgeTake(m: ClipMeasurements, expect: TakeExpectations): Check[] {
  const checks: Check[] = [];
  const { info } = m;
  if (expect.seconds !== undefined) {
    const tolerance =
      expect.durationToleranceSeconds ??
      1 / Math.min(expect.fps ?? info.fps, info.fps || Infinity) + CONTAINER_TOLERANCE_SECONDS;
    const off = info.durationSeconds - expect.seconds;
    checks.push({
      code: 'duration',
      ok: Math.abs(off) <= tolerance,
      value: round(info.durationSeconds, 3),
      limit: expect.seconds,
      message:
        Math.abs(off) <= tolerance
          ? `lasts ${sec(info.durationSeconds)}, as asked`
          : `lasts ${sec(info.durationSeconds)}, ${off < 0 ? 'shorter' : 'longer'} than the ${sec(expect.seconds)} asked (± ${sec(tolerance)})`,
    });
  }
  if (expect.width !== undefined && expect.height !== undefined) {
    const size = `${info.width}x${info.height}`;
    const asked = `${expect.width}x${expect.height}`;
    checks.push({
      code: 'size',
      ok: size === asked,
      value: size,
      limit: asked,
      message: size === asked ? `is ${size}, as asked` : `is ${size}, not the ${asked} asked`,
    });
  }
  if (expect.fps !== undefined) {
    const ok = Math.abs(info.fps - expect.fps) <= FPS_TOLERANCE;
    checks.push({
      code: 'fps',
      ok,
      value: round(info.fps, 3),
      limit: expect.fps,
      message: ok
        ? `runs at ${round(info.fps, 3)} fps, as asked`
        : `runs at ${round(info.fps, 3)} fps, not the ${expect.fps} fps asked`,
    });
  }
  if (expect.audio !== undefined) checks.push(audioCheck(m, expect.audio));

  const black = longest(m.black);
  checks.push(
    stretchCheck('black', black, QC_LIMITS.blackSeconds, (s) =>
      s === undefined ? 'no black stretch' : `black for ${sec(duration(s))} from ${sec(s.start)}`,
    ),
  );
  // a black stretch is frozen too; report it once, as black
  const frozen = longest(m.frozen.flatMap((s) => subtract(s, m.black)));
  checks.push(
    stretchCheck('frozen', frozen, QC_LIMITS.frozenSeconds, (s) =>
      s === undefined
        ? 'the picture never stands still'
        : `the picture stands still for ${sec(duration(s))} from ${sec(s.start)}`,
    ),
  );
  if (expect.audio === true && info.hasAudio) {
    const silent = longest(m.silence);
    checks.push(
      stretchCheck('silence', silent, QC_LIMITS.silenceSeconds, (s) =>
        s === undefined
          ? 'no silent stretch'
          : `silent for ${sec(duration(s))} from ${sec(s.start)}`,
      ),
    );
  }
  if (info.hasAudio && m.clippedShare !== undefined && expect.audio !== false) {
    checks.push(clippingCheck(m.clippedShare, m.rmsDb ?? Number.NEGATIVE_INFINITY));
  }
  checks.push(cutsCheck(m, expect.cuts ?? 0));
  if (expect.firstFrame !== undefined) {
    checks.push(frameCheck('first_frame', m.firstFrameSsim));
  }
  if (expect.lastFrame !== undefined) {
    checks.push(frameCheck('last_frame', m.lastFrameSsim));
  }
  return checks;
}

function audioCheck(m: ClipMeasurements, asked: boolean): Check {
  const { info } = m;
  if (asked) {
    return {
      code: 'audio',
      ok: info.hasAudio,
      value: info.hasAudio,
      limit: true,
      message: info.hasAudio ? 'has sound, as asked' : 'has no audio track, but sound was asked',
    };
  }
  // a silent track is not sound; some models always write one
  const silentThroughout =
    !info.hasAudio ||
    m.silence.some((s) => duration(s) >= info.durationSeconds - 2 * CONTAINER_TOLERANCE_SECONDS);
  return {
    code: 'audio',
    ok: silentThroughout,
    value: !silentThroughout,
    limit: false,
    message: !info.hasAudio
      ? 'has no sound, as asked'
      : silentThroughout
        ? 'has a silent audio track, no sound, as asked'
        : 'has sound, but none was asked',
  };
}

/** Value: the RMS level (dBFS); also fails on a share of samples at full scale (unencoded sound). */
function clippingCheck(share: number, rmsDb: number): Check {
  const atFullScale = share > QC_LIMITS.clippedShare;
  const tooLoud = rmsDb >= QC_LIMITS.clippedRmsDb;
  const level = Number.isFinite(rmsDb) ? `${round(rmsDb, 1)} dBFS` : 'silence';
  const why = atFullScale
    ? `: ${percent(share)} of the samples are at full scale, the sound is clipped`
    : tooLoud
      ? `: this loud, the sound is clipped or crushed by a limiter`
      : '';
  return {
    code: 'clipping',
    ok: !atFullScale && !tooLoud,
    value: Number.isFinite(rmsDb) ? round(rmsDb, 1) : null,
    limit: QC_LIMITS.clippedRmsDb,
    message: `the sound averages ${level} RMS (${QC_LIMITS.clippedRmsDb} dBFS or louder fails)${why}`,
  };
}

function stretchCheck(
  code: 'black' | 'frozen' | 'silence',
  stretch: Stretch | undefined,
  limit: number,
  describe: (s: Stretch | undefined) => string,
): Check {
  const seconds = stretch === undefined ? 0 : round(duration(stretch), 3);
  const ok = seconds < limit;
  const check: Check = {
    code,
    ok,
    value: seconds,
    limit,
    message: `${describe(stretch)}${ok ? '' : ` (${sec(limit)} or more fails)`}`,
  };
  if (stretch !== undefined) check.at = round(stretch.start, 3);
  return check;
}

function cutsCheck(m: ClipMeasurements, asked: number): Check {
  // the edges of a black stretch are scene changes; the black check reports them
  const cuts = m.cuts.filter((at) => !m.black.some((s) => near(at, s.start) || near(at, s.end)));
  const ok = cuts.length === asked;
  const list = cuts.map((at) => sec(at)).join(', ');
  const found = cuts.length === 0 ? 'no cut' : `${plural(cuts.length, 'cut')} (at ${list})`;
  const check: Check = {
    code: 'cuts',
    ok,
    value: cuts.length,
    limit: asked,
    message: ok
      ? `${found}, as asked`
      : `${found}; ${asked === 0 ? 'a single shot has none' : `${plural(asked, 'cut')} asked`}`,
  };
  if (!ok && cuts.length > 0) check.at = round(cuts[Math.min(asked, cuts.length - 1)]!, 3);
  return check;
}

function frameCheck(code: 'first_frame' | 'last_frame', ssim: number | undefined): Check {
  const which = code === 'first_frame' ? 'first' : 'last';
  if (ssim === undefined) {
    return {
      code,
      ok: false,
      value: null,
      limit: QC_LIMITS.frameSsim,
      message: `the ${which} frame could not be compared with the image given for it`,
    };
  }
  const ok = ssim >= QC_LIMITS.frameSsim;
  return {
    code,
    ok,
    value: round(ssim, 3),
    limit: QC_LIMITS.frameSsim,
    message: ok
      ? `the ${which} frame matches the image given (SSIM ${round(ssim, 3)})`
      : `the ${which} frame does not look like the image given (SSIM ${round(ssim, 3)}, needs ${QC_LIMITS.frameSsim})`,
  };
}

/** `stretch` minus every `holes` stretch, as the pieces that remain. */
export function subtract(stretch: Stretch, holes: readonly Stretch[]): Stretch[] {
  let pieces = [stretch];
  for (const hole of holes) {
    pieces = pieces.flatMap((p) => {
      if (hole.end <= p.start || hole.start >= p.end) return [p];
      const left = { start: p.start, end: hole.start };
      const right = { start: hole.end, end: p.end };
      return [left, right].filter((s) => duration(s) > 0);
    });
  }
  return pieces;
}

function longest(stretches: readonly Stretch[]): Stretch | undefined {
  return stretches.reduce<Stretch | undefined>(
    (best, s) => (best === undefined || duration(s) > duration(best) ? s : best),
    undefined,
  );
}

function duration(s: Stretch): number {
  return s.end - s.start;
}

/** Within two frames at 24 fps: scdet marks the first frame after the change. */
function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 0.085;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function sec(seconds: number): string {
  return `${Number(seconds.toFixed(3))} s`;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
