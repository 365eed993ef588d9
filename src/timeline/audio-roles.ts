/**
 * Audio roles: how an editor sorts a clip's sound (Final Cut Pro's roles). Each shot's role
 * comes from what its storyboard says it sounds like, not one role for every clip: spoken lines
 * are dialogue, ambience and sound effects are effects, music is music, and a silent shot has
 * no audio role at all.
 */
export type AudioRole = 'dialogue' | 'effects' | 'music';

/** What a shot's audio holds, as the storyboard says (no storyboard types down here). */
export interface ShotSound {
  dialogue: boolean;
  /** ambience or sound effects */
  effects: boolean;
  music?: boolean;
  silent: boolean;
}

/** The role of a shot's sound; null when it is silent. Sound not described is effects. */
export function audioRoleFor(sound: ShotSound): AudioRole | null {
  if (sound.silent) return null;
  if (sound.dialogue) return 'dialogue';
  if (sound.music && !sound.effects) return 'music';
  return 'effects';
}

/**
 * The `audioRole` attribute of an FCPXML clip: none when the timeline has no sound or the shot
 * is silent; a clip whose role was never set keeps the old default (dialogue).
 */
export function fcpxmlAudioRole(
  timelineAudio: boolean,
  role: AudioRole | null | undefined,
): string | undefined {
  if (!timelineAudio || role === null) return undefined;
  return role ?? 'dialogue';
}
