/**
 * The cut when the storyboard edits it (docs/storyboard.md, "Editing the cut"): omitted shots
 * left out, reuse shots as pieces of another shot's clip, trims, fades, titles, captions and
 * transitions. It only rearranges clips already conformed, so nothing is generated, and the
 * pieces it makes are kept in `conformed/` under a hash of what they depend on: editing again
 * re-encodes only what changed.
 *
 * A dissolve or a wipe overlaps the two shots it joins: the incoming shot starts `duration`
 * before the outgoing one ends, so the cut is that much shorter. Each shot is cut into its
 * body and the overlaps are rendered on their own, then everything is handed to the usual
 * join as a plain list of clips. A `fade` between shots dips to black (half the duration out,
 * half in) without overlap.
 */
import path from 'node:path';
import {
  frameCount,
  frameRate,
  framesToSeconds,
  type Rational,
  renderOverlap,
  renderPiece,
} from '../media/index.ts';
import { type CutEntry, overlaps } from '../storyboard/edit.ts';
import type { ConformedFolder } from './conformed.ts';

/** A shot's clip as the cut would show it whole. */
export interface EditSource {
  /** relative to the run folder */
  clip: string;
  /** its length, seconds */
  seconds: number;
  /** container tags for pieces made from it (the AI-generated label) */
  tags: Record<string, string>;
}

/** One entry of the edited cut, where it plays and what its transition takes. */
export interface PlacedEntry {
  entry: CutEntry;
  source: EditSource;
  /** seconds on the cut's timeline, from its first frame (frame-exact) */
  start: number;
  /** seconds the entry shows, overlaps included */
  seconds: number;
  /** seconds of this entry that overlap the one before (a dissolve or a wipe into it) */
  overlapIn: number;
}

export interface EditedCut {
  /** the clips to join, relative to the run folder, in order */
  files: string[];
  placed: PlacedEntry[];
  /** seconds of the whole cut */
  seconds: number;
}

interface Framed {
  entry: CutEntry;
  source: EditSource;
  from: number;
  length: number;
  head: number;
  tail: number;
  fadeIn: number;
  fadeOut: number;
}

/** Where each entry sits, in whole frames of the cut's rate. */
export function placeEntries(
  entries: readonly CutEntry[],
  sourceOf: (id: string) => EditSource,
  fps: number,
): { framed: Framed[]; placed: PlacedEntry[]; seconds: number; rate: Rational } {
  const rate = frameRate(fps);
  const frames = (seconds: number) => frameCount(seconds, rate);
  const framed = entries.map((entry, k): Framed => {
    const transition = entry.edit.transition;
    const next = entries[k + 1]?.edit.transition;
    const length = Math.max(1, frames(entry.seconds));
    const head = k > 0 && overlaps(transition) ? frames(transition.duration) : 0;
    const tail = overlaps(next) ? frames(next.duration) : 0;
    const fadeIn = transition?.type === 'fade' ? frames(transition.duration / (k > 0 ? 2 : 1)) : 0;
    const fadeOut =
      k === entries.length - 1 && entry.edit.fadeOut !== undefined
        ? frames(entry.edit.fadeOut)
        : next?.type === 'fade'
          ? frames(next.duration / 2)
          : 0;
    return {
      entry,
      source: sourceOf(entry.source),
      from: frames(entry.in),
      length,
      // rounding must never leave a body of less than nothing
      head: Math.min(head, length),
      tail: Math.min(tail, length - Math.min(head, length)),
      fadeIn: Math.min(fadeIn, length),
      fadeOut: Math.min(fadeOut, length),
    };
  });
  let at = 0;
  const placed = framed.map((f): PlacedEntry => {
    at -= f.head;
    const start = at;
    at += f.length;
    return {
      entry: f.entry,
      source: f.source,
      start: framesToSeconds(start, rate),
      seconds: framesToSeconds(f.length, rate),
      overlapIn: framesToSeconds(f.head, rate),
    };
  });
  return { framed, placed, seconds: framesToSeconds(at, rate), rate };
}

export async function editCut(
  folder: ConformedFolder,
  entries: readonly CutEntry[],
  sourceOf: (id: string) => EditSource,
): Promise<EditedCut> {
  const { settings } = folder;
  const { framed, placed, seconds, rate } = placeEntries(entries, sourceOf, settings.fps);
  const format = {
    width: settings.width,
    height: settings.height,
    fps: settings.fps,
    audio: settings.audio,
    codec: settings.codec,
    ...(folder.signal ? { signal: folder.signal } : {}),
  };
  const formatKey = { ...format, signal: undefined, ext: settings.ext };
  const absolute = (relative: string) => path.join(folder.runFolder, relative);

  /** A piece of `input` (relative), made once per distinct request. */
  const piece = async (
    name: string,
    input: string,
    tags: Record<string, string>,
    cut: { from: number; frames: number; fadeIn?: number; fadeOut?: number },
    text: { title?: string; caption?: string } = {},
  ): Promise<string> => {
    const key = { v: 1, input: path.basename(input), ...cut, ...text, tags, ...formatKey };
    const made = await folder.once(`${folder.stem(name, key)}${settings.ext}`, (output) =>
      renderPiece({
        ...format,
        ...text,
        tags,
        input: absolute(input),
        output,
        fromFrame: cut.from,
        frames: cut.frames,
        ...(cut.fadeIn ? { fadeInFrames: cut.fadeIn } : {}),
        ...(cut.fadeOut ? { fadeOutFrames: cut.fadeOut } : {}),
      }),
    );
    return made.relative;
  };

  // each entry's whole piece: trimmed, faded and titled (the clip itself when it needs none)
  const whole = await Promise.all(
    framed.map(async (f) => {
      const { title, caption } = f.entry.edit;
      const untouched =
        f.from === 0 &&
        f.length === frameCount(f.source.seconds, rate) &&
        f.fadeIn === 0 &&
        f.fadeOut === 0 &&
        title === undefined &&
        caption === undefined;
      if (untouched) return f.source.clip;
      return piece(
        `${f.entry.id}-edit`,
        f.source.clip,
        f.source.tags,
        { from: f.from, frames: f.length, fadeIn: f.fadeIn, fadeOut: f.fadeOut },
        {
          ...(title === undefined ? {} : { title }),
          ...(caption === undefined ? {} : { caption }),
        },
      );
    }),
  );

  const files: string[] = [];
  for (const [k, f] of framed.entries()) {
    if (f.head > 0) {
      const before = framed[k - 1]!;
      const kind = f.entry.edit.transition!.type === 'wipe' ? 'wipe' : 'dissolve';
      const key = {
        v: 1,
        kind,
        outgoing: path.basename(whole[k - 1]!),
        incoming: path.basename(whole[k]!),
        outgoingFrom: before.length - f.head,
        frames: f.head,
        ...formatKey,
      };
      const made = await folder.once(
        `${folder.stem(`${f.entry.id}-${kind}`, key)}${settings.ext}`,
        (output) =>
          renderOverlap({
            ...format,
            tags: f.source.tags,
            output,
            kind,
            outgoing: absolute(whole[k - 1]!),
            outgoingFrom: before.length - f.head,
            incoming: absolute(whole[k]!),
            incomingFrom: 0,
            frames: f.head,
          }),
      );
      files.push(made.relative);
    }
    const body = f.length - f.head - f.tail;
    if (body <= 0) continue;
    files.push(
      f.head === 0 && f.tail === 0
        ? whole[k]!
        : await piece(`${f.entry.id}-body`, whole[k]!, f.source.tags, {
            from: f.head,
            frames: body,
          }),
    );
  }
  return { files, placed, seconds };
}
