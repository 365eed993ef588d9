/**
 * `duration: auto` once the narration is synthesised: each such shot lasts its narration's
 * measured length plus the pause, and what it asks of a model follows.
 */
import { deriveNeeds } from './needs.ts';
import { NARRATION_PAUSE_SECONDS, type Storyboard } from './types.ts';

/** The seconds an auto shot lasts for narration of `speechSeconds`: to the tenth above. */
export function autoShotSeconds(speechSeconds: number): number {
  return Math.ceil((speechSeconds + NARRATION_PAUSE_SECONDS) * 10 - 1e-6) / 10;
}

/** True when some shot's narration is read over it. */
export function hasNarration(storyboard: Pick<Storyboard, 'shots'>): boolean {
  return storyboard.shots.some((shot) => shot.narration !== undefined);
}

/**
 * The storyboard with every `duration: auto` shot timed by its narration's measured seconds
 * (by shot id); shots without a measurement keep their estimate. The input is not changed.
 */
export function withNarrationSeconds(
  storyboard: Storyboard,
  seconds: ReadonlyMap<string, number>,
): Storyboard {
  const characters = new Map(Object.entries(storyboard.characters));
  const locations = new Map(Object.entries(storyboard.locations ?? {}));
  const shots = storyboard.shots.map((shot) => {
    const measured = seconds.get(shot.id);
    if (shot.durationAuto === undefined || measured === undefined) return shot;
    const { needs: _, position, ...rest } = shot;
    const timed = {
      ...rest,
      duration: autoShotSeconds(measured),
      durationAuto: 'measured' as const,
    };
    return {
      ...timed,
      needs: deriveNeeds(timed, storyboard.deliver, characters, locations),
      position,
    };
  });
  return { ...storyboard, shots };
}
