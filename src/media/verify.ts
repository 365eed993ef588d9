/** Checks that a clip is what was asked for, listing every difference at once. */
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { type ProbeInfo, probe } from './probe.ts';

export interface ClipExpectation {
  seconds: number;
  width: number;
  height: number;
  fps: number;
  /**
   * false: another frame rate is accepted (the assembly converts it); default true. Slow motion
   * needs the rate it asked for, so it keeps the default.
   */
  fpsMustMatch?: boolean;
  /** an audio track must be present (an extra track when none was asked is not an error) */
  audio: boolean;
}

/**
 * Slack on top of one frame. `durationSeconds` is the video stream's own duration, exact in
 * MP4/MOV; Matroska/WebM store no stream duration, so there the container's is used, which
 * spans the audio too and is kept in whole milliseconds. Audio ends on a whole codec frame
 * (AAC: 1024 samples = 21.3 ms at 48 kHz; Opus: 20 ms), so the container can outlast the
 * picture by up to ~22 ms. 25 ms covers that, and at 24–30 fps still rejects a clip that is
 * two frames off.
 */
export const CONTAINER_TOLERANCE_SECONDS = 0.025;
const FPS_TOLERANCE = 0.01;

/**
 * One check of a clip against what was asked: a stable `code`, whether it passed, the value
 * found and the limit it was held to (numbers in seconds, pixels or fps; a size as `WxH`), and
 * the difference in words. A take's verdict is the list of its checks; the take checks (QC)
 * add theirs to the same list.
 */
export interface ClipCheck {
  code: string;
  ok: boolean;
  value: number | string | boolean | null;
  limit: number | string | boolean | null;
  message: string;
}

/** What a failed `verifyClip` carries in its error's `details`. */
export interface VerificationDetails {
  /** false: the file is not a readable video (nothing of it can be used) */
  playable: boolean;
  checks: ClipCheck[];
  /** the failures in words (as in the message) */
  mismatches: string[];
  probe?: ProbeInfo;
}

export async function verifyClip(
  file: string,
  expect: ClipExpectation,
  signal?: AbortSignal,
): Promise<ProbeInfo> {
  let info: ProbeInfo;
  try {
    info = await probe(file, signal);
  } catch (error) {
    // an unreadable download is a bad take; a missing ffprobe or an abort is not
    if (!ShotrouterError.is(error) || error.code !== 'media_failed' || isBinaryMissing(error)) {
      throw error;
    }
    const details: VerificationDetails = {
      playable: false,
      checks: [
        {
          code: 'playable',
          ok: false,
          value: false,
          limit: true,
          message: 'not a readable video',
        },
      ],
      mismatches: ['not a readable video'],
    };
    throw new ShotrouterError(
      'verification_failed',
      `${path.basename(file)} is not a readable video: ${error.message}`,
      { cause: error, details },
    );
  }

  const checks = clipChecks(info, expect);
  const mismatches = checks.filter((c) => !c.ok).map((c) => c.message);
  if (mismatches.length > 0) {
    const head = mismatches.length === 1 ? '1 mismatch' : `${mismatches.length} mismatches`;
    const details: VerificationDetails = { playable: true, checks, mismatches, probe: info };
    throw new ShotrouterError(
      'verification_failed',
      `${path.basename(file)}: ${head}:\n${mismatches.map((m) => `  - ${m}`).join('\n')}`,
      { details },
    );
  }
  return info;
}

/** Every check of `info` against `expect`, passed or not. */
export function clipChecks(info: ProbeInfo, expect: ClipExpectation): ClipCheck[] {
  const tolerance = 1 / Math.min(expect.fps, info.fps || expect.fps) + CONTAINER_TOLERANCE_SECONDS;
  const durationOff = Math.abs(info.durationSeconds - expect.seconds);
  const checks: ClipCheck[] = [
    {
      code: 'playable',
      ok: true,
      value: true,
      limit: true,
      message: 'a readable video',
    },
    {
      code: 'duration',
      ok: durationOff <= tolerance,
      value: Number(info.durationSeconds.toFixed(3)),
      limit: Number(expect.seconds.toFixed(3)),
      message: `duration is ${info.durationSeconds.toFixed(3)} s, expected ${expect.seconds.toFixed(3)} s ± ${tolerance.toFixed(3)} s`,
    },
    {
      code: 'size',
      ok: info.width === expect.width && info.height === expect.height,
      value: `${info.width}x${info.height}`,
      limit: `${expect.width}x${expect.height}`,
      message: `size is ${info.width}x${info.height}, expected ${expect.width}x${expect.height}`,
    },
  ];
  if (expect.fpsMustMatch !== false) {
    checks.push({
      code: 'fps',
      ok: Math.abs(info.fps - expect.fps) <= FPS_TOLERANCE,
      value: Number(info.fps.toFixed(3)),
      limit: expect.fps,
      message: `frame rate is ${round(info.fps)} fps, expected ${round(expect.fps)} fps`,
    });
  }
  if (expect.audio) {
    checks.push({
      code: 'audio',
      ok: info.hasAudio,
      value: info.hasAudio,
      limit: true,
      message: 'has no audio track, expected one',
    });
  }
  return checks;
}

/** Every way `info` differs from `expect`, in words; empty when it matches. */
export function clipMismatches(info: ProbeInfo, expect: ClipExpectation): string[] {
  return clipChecks(info, expect)
    .filter((c) => !c.ok)
    .map((c) => c.message);
}

function isBinaryMissing(error: ShotrouterError): boolean {
  return (error.details as { reason?: string } | undefined)?.reason === 'binary_missing';
}

function round(fps: number): string {
  return Number(fps.toFixed(3)).toString();
}
