/**
 * Review comments as markers: each comment on a take, at its time into the shot, becomes a
 * marker on that clip in every format (an OTIO marker, an FCPXML `marker`, an EDL comment line),
 * so an editor sees the notes where they apply. The times are frames of the clip's media.
 */

import type { FrameRate } from './types.ts';
import type { XmlOut } from './xml.ts';
import { xml } from './xml.ts';

export interface TimelineComment {
  /** seconds into the shot as it plays */
  at: number;
  text: string;
  /** who wrote it; null: the single-user default */
  by: string | null;
}

/** The frame of the clip's media a comment falls on (inside the clip's used part). */
function commentFrame(
  comment: TimelineComment,
  clip: { sourceIn: number; length: number },
  rate: FrameRate,
): number {
  const offset = Math.round((comment.at * rate.num) / rate.den);
  return clip.sourceIn + Math.min(Math.max(0, offset), Math.max(0, clip.length - 1));
}

function label(comment: TimelineComment): string {
  return comment.by ? `${comment.by}: ${comment.text}` : comment.text;
}

/** OTIO `Marker.2` objects for a clip's comments, in its media time. */
export function otioCommentMarkers(
  comments: readonly TimelineComment[] | undefined,
  clip: { sourceIn: number; length: number },
  rate: FrameRate,
  time: (frames: number) => unknown,
): unknown[] {
  return (comments ?? []).map((comment) => ({
    OTIO_SCHEMA: 'Marker.2',
    metadata: { shotrouter: { review: { at_seconds: comment.at, by: comment.by } } },
    name: label(comment).slice(0, 80),
    color: 'RED',
    marked_range: {
      OTIO_SCHEMA: 'TimeRange.1',
      duration: time(0),
      start_time: time(commentFrame(comment, clip, rate)),
    },
    comment: comment.text,
  }));
}

/** FCPXML `marker` elements for a clip's comments (`start` in the clip's media time). */
export function fcpxmlCommentMarkers(
  comments: readonly TimelineComment[] | undefined,
  clip: { sourceIn: number; length: number },
  rate: FrameRate,
  time: (frames: number) => string,
): XmlOut[] {
  return (comments ?? []).map((comment) =>
    xml('marker', {
      start: time(commentFrame(comment, clip, rate)),
      duration: time(1),
      value: label(comment).slice(0, 200),
      note: comment.text,
    }),
  );
}

/** EDL comment lines for a clip's comments: `* REVIEW <source timecode> who: text`, ASCII. */
export function edlCommentLines(
  comments: readonly TimelineComment[] | undefined,
  clip: { sourceIn: number; length: number },
  rate: FrameRate,
  tc: (frames: number) => string,
  width: number,
): string[] {
  return (comments ?? []).map((comment) => {
    const text = label(comment)
      .replace(/[^\x20-\x7e]/g, '?')
      .replace(/\s+/g, ' ');
    return `* REVIEW ${tc(commentFrame(comment, clip, rate))} ${text}`.slice(0, width);
  });
}
