/**
 * The edited cut as the timelines show it: every entry a clip of its source shot's conformed
 * file with its own source range (a reuse shot is a second clip of the same media), each
 * dissolve or wipe a transition centred on its cut, and scenes, titles, captions and fades as
 * markers. The clips point at the conformed shots, never at the rendered pieces, so an editor
 * can still slip and trim them; titles and captions travel as markers for the same reason.
 */
import { frameCount, frameRate, framesToSeconds } from '../media/index.ts';
import { overlaps } from '../storyboard/edit.ts';
import type { Scene } from '../storyboard/types.ts';
import type { TimelineMarker, TimelineTransition } from '../timeline/index.ts';
import type { PlacedEntry } from './edit-cut.ts';
import type { TimelineShot } from './timelines.ts';

/** The cut's timeline shots from the placed entries; `shotOf` gives the source shot's entry. */
export function editedTimelineShots(
  placed: readonly PlacedEntry[],
  shotOf: (id: string) => TimelineShot,
  fps: number,
): TimelineShot[] {
  const rate = frameRate(fps);
  const frames = (seconds: number) => frameCount(seconds, rate);
  const seconds = (n: number) => framesToSeconds(n, rate);
  // an overlap of d frames: the incoming clip gives up its first floor(d/2), the outgoing its last
  const split = placed.map((p) => {
    const d = frames(p.overlapIn);
    return { before: Math.floor(d / 2), after: d - Math.floor(d / 2) };
  });
  return placed.map((p, k) => {
    const source = shotOf(p.entry.source);
    const inOffset = split[k]!.before;
    const lost = inOffset + (split[k + 1]?.after ?? 0);
    const sourceStart = frames(p.entry.in) + inOffset;
    const transition = p.entry.edit.transition;
    const shot: TimelineShot = {
      ...source,
      name: p.entry.reused ? `${p.entry.id} (from ${p.entry.source})` : source.name,
      sourceStart: seconds(sourceStart),
      seconds: seconds(frames(p.seconds) - lost),
      mediaSeconds: source.mediaSeconds ?? source.seconds,
      alternates: p.entry.reused
        ? []
        : source.alternates.map((alt) => ({
            ...alt,
            sourceStart: seconds(sourceStart),
            seconds: seconds(frames(p.seconds) - lost),
            mediaSeconds: alt.mediaSeconds ?? alt.seconds,
          })),
    };
    if (overlaps(transition) && k > 0) {
      const centred: TimelineTransition = {
        kind: transition.type === 'wipe' ? 'wipe' : 'dissolve',
        inOffset: seconds(inOffset),
        outOffset: seconds(split[k]!.after),
      };
      shot.transition = centred;
    }
    return shot;
  });
}

/** Scenes, titles, captions and fades as markers, at the clips' places on the timeline. */
export function editMarkers(
  placed: readonly PlacedEntry[],
  shots: readonly TimelineShot[],
  scenes: readonly Scene[],
): TimelineMarker[] {
  const markers: TimelineMarker[] = [];
  const sceneOf = new Map<string, Scene>();
  for (const scene of scenes) for (const id of scene.shots) sceneOf.set(id, scene);
  let at = 0;
  let lastScene: Scene | undefined;
  placed.forEach((p, k) => {
    const shot = shots[k]!;
    const { edit } = p.entry;
    const scene = sceneOf.get(p.entry.id);
    if (scene !== undefined && scene !== lastScene) {
      markers.push({ kind: 'scene', name: scene.heading, at, duration: 0 });
    }
    lastScene = scene;
    const span = { at, duration: shot.seconds };
    if (edit.title !== undefined) markers.push({ kind: 'title', name: edit.title, ...span });
    if (edit.caption !== undefined) markers.push({ kind: 'caption', name: edit.caption, ...span });
    const transition = edit.transition;
    if (transition?.type === 'fade') {
      markers.push({
        kind: 'fade',
        name: k === 0 ? 'fade in from black' : 'dip to black',
        at: k === 0 ? 0 : Math.max(0, at - transition.duration / 2),
        duration: transition.duration,
        note: `${transition.duration} s`,
      });
    }
    if (edit.fadeOut !== undefined) {
      markers.push({
        kind: 'fade',
        name: 'fade out to black',
        at: at + shot.seconds - edit.fadeOut,
        duration: edit.fadeOut,
        note: `${edit.fadeOut} s`,
      });
    }
    at += shot.seconds;
  });
  return markers;
}
