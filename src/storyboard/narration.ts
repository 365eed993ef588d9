/**
 * What text-to-speech voices read in a storyboard (each shot's narration, and its dialogue when
 * `policy.dialogue_voice: tts`), and `duration: auto` once that speech is made: each such shot
 * lasts its speech's measured length plus the pause, and what it asks of a model follows.
 */
import { deriveNeeds } from './needs.ts';
import { NARRATION_PAUSE_SECONDS, type Storyboard } from './types.ts';

export { VOICE_GAP_SECONDS } from './types.ts';

/** One line a TTS voice reads over a shot. */
export interface VoiceLine {
  shot: string;
  kind: 'narration' | 'dialogue';
  /** for dialogue: the line's index in the shot's `audio.dialogue` */
  line?: number;
  speaker: string;
  text: string;
}

/** Every line TTS voices read, in playing order: per shot its narration, then its dialogue (tts). */
export function voiceLines(storyboard: Pick<Storyboard, 'shots' | 'policy'>): VoiceLine[] {
  const byTts = storyboard.policy.dialogueVoice === 'tts';
  return storyboard.shots.flatMap((shot) => {
    const lines: VoiceLine[] = [];
    if (shot.narration) {
      lines.push({ shot: shot.id, kind: 'narration', ...shot.narration });
    }
    if (byTts && !shot.audio.silent) {
      shot.audio.dialogue.forEach((d, line) => {
        lines.push({ shot: shot.id, kind: 'dialogue', line, speaker: d.speaker, text: d.line });
      });
    }
    return lines;
  });
}

/** The seconds an auto shot lasts for speech of `speechSeconds`: to the tenth above. */
export function autoShotSeconds(speechSeconds: number): number {
  return Math.ceil((speechSeconds + NARRATION_PAUSE_SECONDS) * 10 - 1e-6) / 10;
}

/** True when some line of the storyboard is read by a TTS voice. */
export function hasNarration(storyboard: Pick<Storyboard, 'shots' | 'policy'>): boolean {
  return voiceLines(storyboard).length > 0;
}

/**
 * The storyboard with every `duration: auto` shot timed by its speech's measured seconds (by
 * shot id, gaps included); shots without a measurement keep their estimate. The input is not
 * changed.
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
      needs: deriveNeeds(timed, storyboard.deliver, characters, locations, {
        dialogueByTts: storyboard.policy.dialogueVoice === 'tts',
      }),
      position,
    };
  });
  return { ...storyboard, shots };
}
