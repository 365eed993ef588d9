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
    throw new ShotrouterError(
      'verification_failed',
      `${path.basename(file)} is not a readable video: ${error.message}`,
      {
        cause: error,
        details: { mismatches: ['not a readable video'] },
      },
    );
  }

  const mismatches = clipMismatches(info, expect);
  if (mismatches.length > 0) {
    const head = mismatches.length === 1 ? '1 mismatch' : `${mismatches.length} mismatches`;
    throw new ShotrouterError(
      'verification_failed',
      `${path.basename(file)}: ${head}:\n${mismatches.map((m) => `  - ${m}`).join('\n')}`,
      { details: { mismatches, probe: info } },
    );
  }
  return info;
}

/** Every way `info` differs from `expect`, in words; empty when it matches. */
export function clipMismatches(info: ProbeInfo, expect: ClipExpectation): string[] {
  const mismatches: string[] = [];
  const tolerance = 1 / Math.min(expect.fps, info.fps || expect.fps) + CONTAINER_TOLERANCE_SECONDS;
  if (Math.abs(info.durationSeconds - expect.seconds) > tolerance) {
    mismatches.push(
      `duration is ${info.durationSeconds.toFixed(3)} s, expected ${expect.seconds.toFixed(3)} s ± ${tolerance.toFixed(3)} s`,
    );
  }
  if (info.width !== expect.width || info.height !== expect.height) {
    mismatches.push(
      `size is ${info.width}x${info.height}, expected ${expect.width}x${expect.height}`,
    );
  }
  if (expect.fpsMustMatch !== false && Math.abs(info.fps - expect.fps) > FPS_TOLERANCE) {
    mismatches.push(`frame rate is ${round(info.fps)} fps, expected ${round(expect.fps)} fps`);
  }
  if (expect.audio && !info.hasAudio) mismatches.push('has no audio track, expected one');
  return mismatches;
}

function isBinaryMissing(error: ShotrouterError): boolean {
  return (error.details as { reason?: string } | undefined)?.reason === 'binary_missing';
}

function round(fps: number): string {
  return Number(fps.toFixed(3)).toString();
}
