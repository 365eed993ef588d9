/**
 * The cut as the storyboard's edit-only fields describe it: which shots are in it, in which
 * order, which piece of which clip each shows, and how each is entered. Pure; read by the
 * checker (to judge transitions against their neighbours) and by the assembly and timelines.
 */
import type { ReuseShot, Shot, ShotEdit, Storyboard, Transition } from './types.ts';

/** One shot as it plays in the cut. */
export interface CutEntry {
  /** the shot's id (a reuse shot's own id) */
  id: string;
  /** its position in the storyboard's `shots` */
  index: number;
  /** the shot whose clip is shown: the shot itself, or the one it reuses */
  source: string;
  /** seconds into that shot's conformed clip where the piece starts */
  in: number;
  /** seconds the piece lasts in the cut */
  seconds: number;
  /** true for a reuse shot (nothing generated for it) */
  reused: boolean;
  edit: ShotEdit;
}

/** Transitions that overlap the two shots they join (the cut gets shorter by their length). */
export function overlaps(transition: Transition | undefined): transition is Transition {
  return transition?.type === 'dissolve' || transition?.type === 'wipe';
}

/** The shots of the cut in playing order: omitted shots left out, reuse shots in their place. */
export function cutEntries(storyboard: Pick<Storyboard, 'shots' | 'reuses'>): CutEntry[] {
  const entries: CutEntry[] = [];
  for (const shot of storyboard.shots) {
    if (shot.edit?.omit !== true) entries.push(shotEntry(shot));
  }
  for (const reuse of storyboard.reuses ?? []) entries.push(reuseEntry(reuse));
  return entries.sort((a, b) => a.index - b.index);
}

function shotEntry(shot: Pick<Shot, 'id' | 'index' | 'duration' | 'edit'>): CutEntry {
  const trim = shot.edit?.trim;
  return {
    id: shot.id,
    index: shot.index,
    source: shot.id,
    in: trim?.in ?? 0,
    seconds: trim ? trim.out - trim.in : shot.duration,
    reused: false,
    edit: shot.edit ?? {},
  };
}

function reuseEntry(reuse: ReuseShot): CutEntry {
  return {
    id: reuse.id,
    index: reuse.index,
    source: reuse.reuse.shot,
    in: reuse.reuse.in,
    seconds: reuse.duration,
    reused: true,
    edit: reuse.edit,
  };
}

/** True when the storyboard asks for anything but plain cuts of whole shots in order. */
export function hasEdits(storyboard: Pick<Storyboard, 'shots' | 'reuses'>): boolean {
  return (
    (storyboard.reuses?.length ?? 0) > 0 ||
    storyboard.shots.some((s) => s.edit !== undefined && editShows(s.edit))
  );
}

/** Edit fields that change the picture or sound of the cut (a scene heading does not). */
function editShows(edit: ShotEdit): boolean {
  return (
    edit.omit === true ||
    edit.trim !== undefined ||
    (edit.transition !== undefined && edit.transition.type !== 'cut') ||
    edit.fadeOut !== undefined ||
    edit.title !== undefined ||
    edit.caption !== undefined
  );
}

/** Where each entry starts on the cut's timeline, in seconds, overlaps taken into account. */
export function cutStarts(entries: readonly CutEntry[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const entry of entries) {
    if (starts.length > 0 && overlaps(entry.edit.transition)) at -= entry.edit.transition.duration;
    starts.push(at);
    at += entry.seconds;
  }
  return starts;
}

/** Seconds the cut lasts (before rounding to frames), overlaps taken into account. */
export function cutSeconds(entries: readonly CutEntry[]): number {
  const last = entries.length - 1;
  return last < 0 ? 0 : cutStarts(entries)[last]! + entries[last]!.seconds;
}
