import { frameRateOf, framesToSeconds, secondsToFrames } from './rate.ts';
import type { FlatClip, FrameRate, ReadTimeline } from './types.ts';

/**
 * The first video track as a flat list of clips, each with its position on the track
 * (`recordStart`, seconds from the track's first frame). Gaps move the position on;
 * transitions take no time. Positions are summed in whole frames at the timeline's rate,
 * so a long track does not drift (durations that are not whole frames are summed exactly).
 */
export function timelineToClips(r: ReadTimeline): FlatClip[] {
  const track = r.tracks.find((t) => t.kind === 'video');
  if (!track) return [];
  const rate = safeRate(r.fps);
  let frames = 0;
  let extraSeconds = 0; // the parts of durations that are not whole frames, if any
  const clips: FlatClip[] = [];
  for (const item of track.items) {
    if (item.kind === 'transition') continue;
    const recordStart = rate ? framesToSeconds(frames, rate) + extraSeconds : extraSeconds;
    if (item.kind === 'clip') {
      const clip: FlatClip = {
        sourceStart: item.sourceStart ?? 0,
        duration: item.duration,
        recordStart,
      };
      if (item.name !== undefined) clip.name = item.name;
      if (item.file !== undefined) clip.file = item.file;
      if (item.metadata !== undefined) clip.metadata = item.metadata;
      clips.push(clip);
    }
    if (rate) {
      const whole = secondsToFrames(item.duration, rate);
      frames += whole;
      extraSeconds += item.duration - framesToSeconds(whole, rate);
    } else extraSeconds += item.duration;
  }
  return clips;
}

function safeRate(fps: number): FrameRate | undefined {
  try {
    return frameRateOf(fps);
  } catch {
    return undefined;
  }
}
