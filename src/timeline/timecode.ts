/**
 * SMPTE timecode ⇄ frame counts, in integers only.
 *
 * Drop-frame (29.97 and 59.94 only) skips the first 2 (or 4) frame *numbers* of every minute
 * except each tenth minute, so the timecode keeps pace with the wall clock; no frame of
 * picture is dropped. Timecode wraps at 24 hours.
 */
import { ShotrouterError } from '../errors.ts';
import { hasDropFrame, timecodeBase } from './rate.ts';
import type { FrameRate } from './types.ts';

const TIMECODE = /^(\d{1,2})[:;.](\d{2})[:;.](\d{2})([:;.,])(\d{2,3})$/;

function dropPerMinute(rate: FrameRate): number {
  return 2 * (timecodeBase(rate) / 30);
}

function framesPerDay(rate: FrameRate, dropFrame: boolean): number {
  const base = timecodeBase(rate);
  if (!dropFrame) return base * 86400;
  // 24 h = 144 ten-minute blocks, each short by 9 minutes' worth of dropped numbers
  return 144 * (base * 600 - 9 * dropPerMinute(rate));
}

function assertDropFrameAllowed(rate: FrameRate, dropFrame: boolean): void {
  if (dropFrame && !hasDropFrame(rate)) {
    throw new ShotrouterError(
      'internal',
      `drop-frame timecode exists only at 29.97 and 59.94 fps, not ${rate.num}/${rate.den}`,
    );
  }
}

/**
 * Frame count to "HH:MM:SS:FF" (or "HH:MM:SS;FF" when drop-frame, the usual separator).
 * Negative counts and counts past 24 hours wrap around the day, as timecode does.
 */
export function framesToTimecode(frames: number, rate: FrameRate, dropFrame = false): string {
  assertDropFrameAllowed(rate, dropFrame);
  if (!Number.isInteger(frames)) {
    throw new ShotrouterError('internal', `timecode needs a whole frame count, got ${frames}`);
  }
  const base = timecodeBase(rate);
  const day = framesPerDay(rate, dropFrame);
  let n = ((frames % day) + day) % day;
  if (dropFrame) {
    const drop = dropPerMinute(rate);
    const perTenMinutes = base * 600 - 9 * drop;
    const perMinute = base * 60 - drop;
    const tens = Math.floor(n / perTenMinutes);
    const rest = n % perTenMinutes;
    // the first minute of each ten keeps all its numbers; the next nine each skip `drop`
    const skipped = rest < drop ? 0 : Math.floor((rest - drop) / perMinute);
    n += 9 * drop * tens + drop * skipped;
  }
  const ff = n % base;
  const totalSeconds = Math.floor(n / base);
  const ss = totalSeconds % 60;
  const mm = Math.floor(totalSeconds / 60) % 60;
  const hh = Math.floor(totalSeconds / 3600);
  const sep = dropFrame ? ';' : ':';
  return `${pad(hh)}:${pad(mm)}:${pad(ss)}${sep}${pad(ff, base > 100 ? 3 : 2)}`;
}

/**
 * "HH:MM:SS:FF" to a frame count. Accepts ':', ';' or '.' as separators (';' and ',' before
 * the frames are the common drop-frame spellings). Throws when a field is out of range for the
 * rate, e.g. frame 24 at 24 fps: the usual sign of an EDL read at the wrong rate.
 */
export function timecodeToFrames(timecode: string, rate: FrameRate, dropFrame = false): number {
  assertDropFrameAllowed(rate, dropFrame);
  const m = TIMECODE.exec(timecode.trim());
  if (!m) throw new ShotrouterError('invalid_timeline', `"${timecode}" is not a timecode`);
  const [hh, mm, ss, ff] = [m[1], m[2], m[3], m[5]].map(Number) as [number, number, number, number];
  const base = timecodeBase(rate);
  if (mm > 59 || ss > 59) {
    throw new ShotrouterError(
      'invalid_timeline',
      `timecode ${timecode} has minutes or seconds > 59`,
    );
  }
  if (ff >= base) {
    throw new ShotrouterError(
      'invalid_timeline',
      `timecode ${timecode} has frame ${ff}, which does not exist at ${base} fps ` +
        '(is the frame rate right?)',
    );
  }
  const minutes = hh * 60 + mm;
  let frames = (minutes * 60 + ss) * base + ff;
  if (dropFrame) {
    const drop = dropPerMinute(rate);
    if (mm % 10 !== 0 && ss === 0 && ff < drop) {
      throw new ShotrouterError(
        'invalid_timeline',
        `timecode ${timecode} is skipped in drop-frame`,
      );
    }
    frames -= drop * (minutes - Math.floor(minutes / 10));
  }
  return frames;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}
