/**
 * A conformed clip's sound, kept beside it as raw PCM (`<clip>.pcm`: 32-bit float, little
 * endian, 48 kHz stereo interleaved, no header): exactly the samples the clip's own sound was
 * encoded from, as many as its picture spans. The join concatenates these byte for byte and
 * encodes the cut's sound once, so it neither opens nor decodes a clip's sound, and the sync
 * holds to the sample. A clip without a valid sidecar is decoded instead (join.ts).
 *
 * A sidecar belongs to the clip whose modification time it carries: conformClip stamps it with
 * the clip's, so a clip written again by anything else makes its old sidecar invalid.
 */
import { rename, rm, stat, utimes } from 'node:fs/promises';

export const SIDECAR_EXTENSION = '.pcm';
/** bytes per sample frame: two channels of 32-bit float */
export const SIDECAR_FRAME_BYTES = 8;
/** ffmpeg's input options for a sidecar */
export const SIDECAR_FORMAT = ['-f', 'f32le', '-ar', '48000', '-ac', '2'] as const;

export function soundSidecarOf(clip: string): string {
  return `${clip}${SIDECAR_EXTENSION}`;
}

/**
 * Moves the sidecar written beside `temporaryClip` to sit beside `clip`, stamped with the
 * temporary clip's modification time (the clip keeps it when renamed).
 */
export async function settleSidecar(temporaryClip: string, clip: string): Promise<void> {
  const written = soundSidecarOf(temporaryClip);
  try {
    const { atimeMs, mtimeMs } = await stat(temporaryClip);
    await utimes(written, atimeMs / 1000, mtimeMs / 1000);
    await rename(written, soundSidecarOf(clip));
  } catch (error) {
    await rm(written, { force: true });
    throw error;
  }
}

/** Moves `from`'s sidecar, if it has one, to sit beside `to` (a clip renamed or linked). */
export async function moveSidecar(from: string, to: string): Promise<void> {
  await rename(soundSidecarOf(from), soundSidecarOf(to)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * The sidecar of `clip` when it holds exactly `samples` sample frames and was written with
 * this clip; undefined otherwise (the caller decodes the clip).
 */
export async function validSidecar(clip: string, samples: number): Promise<string | undefined> {
  const sidecar = soundSidecarOf(clip);
  try {
    const [sound, picture] = await Promise.all([stat(sidecar), stat(clip)]);
    // utimes keeps the time to the microsecond, not to the file system's nanosecond
    return sound.size === samples * SIDECAR_FRAME_BYTES &&
      Math.abs(sound.mtimeMs - picture.mtimeMs) < 0.01
      ? sidecar
      : undefined;
  } catch {
    return undefined;
  }
}
