/**
 * The plan's word on a `soundtrack` whose length differs from the cut's: a warning on the cut's
 * last shot saying what `soundtrack.fit` does about it (the storyboard has already stretched the
 * last shot under `stretch_last`, see storyboard/check.ts).
 */
import { planWarning } from '../contracts/reasons.ts';
import { cutEntries, cutSeconds } from '../storyboard/edit.ts';
import type { Storyboard } from '../storyboard/types.ts';
import type { PlannedShot } from './types.ts';

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function addSoundtrackWarning(storyboard: Storyboard, shots: PlannedShot[]): void {
  const track = storyboard.soundtrack;
  if (track?.seconds === undefined) return;
  const entries = cutEntries(storyboard);
  const last = entries.at(-1);
  if (last === undefined) return;
  const stretched = storyboard.shots.find((s) => s.id === last.id);
  const grown =
    track.stretchedFrom !== undefined && stretched ? stretched.duration - track.stretchedFrom : 0;
  const cut = cutSeconds(entries) - grown;
  // within half a frame the cut and the track end together
  if (grown === 0 && Math.abs(track.seconds - cut) < 0.5 / storyboard.deliver.fps) return;
  const shot =
    shots.find((s) => s.id === last.id) ?? shots.find((s) => s.id === last.source) ?? shots.at(-1);
  if (shot === undefined) return;
  // a new list: shots that need the same thing share one warnings list (router/plan.ts)
  shot.warnings = [
    ...shot.warnings,
    planWarning({
      code: 'soundtrack_length',
      track: round3(track.seconds),
      cut: round3(cut),
      fit: track.fit,
      stretched_from: grown === 0 ? null : (track.stretchedFrom ?? null),
    }),
  ];
}
