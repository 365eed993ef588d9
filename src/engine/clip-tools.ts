/** The engine's media operations on ffmpeg: verify with ffprobe, the take checks, join by concat, one frame. */
import { extractFrame, joinClips, verifyClip } from '../media/index.ts';
import { checkTake } from '../qc/index.ts';
import type { ClipTools } from './context.ts';

export const ffmpegClipTools: ClipTools = {
  async inspect(file, expected, signal) {
    const info = await verifyClip(file, expected, signal);
    return {
      duration: info.durationSeconds,
      width: info.width,
      height: info.height,
      fps: info.fps,
      audio: info.hasAudio,
      probe: info,
    };
  },
  check(file, expect, probe, signal) {
    return checkTake(file, expect, {
      ...(probe ? { info: probe } : {}),
      ...(signal ? { signal } : {}),
    });
  },
  async join(inputs, output, signal) {
    await joinClips({ inputs, output, ...(signal ? { signal } : {}) });
  },
  async frame(input, atSeconds, output, signal) {
    await extractFrame({ input, atSeconds, output, ...(signal ? { signal } : {}) });
  },
};
