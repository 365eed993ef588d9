/**
 * A run's narration, made before any video is asked for: each narrated shot's text read by its
 * voice (a preview: flite, on this machine, free), kept in the run folder by the content it was
 * made from (so a re-run makes nothing again), and measured, so that a `duration: auto` shot asks
 * its model for the narration's real length. The list of what was made is written beside the
 * clips (`narration/narration.json`) for the assembly to lay the voices over the cut.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { NARRATION_DIR, NARRATION_LIST, type NarrationTake } from '../assemble/index.ts';
import { audioSeconds, speakLocally } from '../media/index.ts';
import { hasNarration, withNarrationSeconds } from '../storyboard/narration.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { writeTextAtomically } from '../util/write-text.ts';

/** What one narration is read with: its cache key is made of these and the text. */
export interface NarrationVoice {
  /** `flite:slt`, or `<catalog model>:<voice>` */
  id: string;
  /** reads `text` into `output` (audio the cut can mix); resolves when the file is whole */
  speak(text: string, output: string, signal?: AbortSignal): Promise<void>;
  /** the output file's extension */
  ext: string;
}

/** The preview's voice: flite's `slt`, on this machine. */
export const PREVIEW_VOICE: NarrationVoice = {
  id: 'flite:slt',
  ext: '.wav',
  async speak(text, output, signal) {
    await speakLocally({ text, output, voice: 'slt', ...(signal ? { signal } : {}) });
  },
};

/**
 * Makes (or finds, from an earlier run in the folder) every shot's narration, writes the list,
 * and returns the storyboard with its `duration: auto` shots timed by what was made.
 */
export async function narrate(
  storyboard: Storyboard,
  dir: string,
  voiceOf: (speaker: string) => NarrationVoice,
  signal?: AbortSignal,
): Promise<{ storyboard: Storyboard; takes: NarrationTake[] }> {
  if (!hasNarration(storyboard)) return { storyboard, takes: [] };
  const folder = path.join(dir, NARRATION_DIR);
  fs.mkdirSync(folder, { recursive: true });
  const takes: NarrationTake[] = [];
  for (const shot of storyboard.shots) {
    const narration = shot.narration;
    if (narration === undefined) continue;
    const voice = voiceOf(narration.speaker);
    const key = createHash('sha256')
      .update(JSON.stringify([voice.id, narration.text]))
      .digest('hex')
      .slice(0, 32);
    const file = path.join(NARRATION_DIR, `${key}${voice.ext}`);
    const output = path.join(dir, file);
    // made before by this folder's runs: the same text and voice are never made twice
    if (!fs.existsSync(output)) await voice.speak(narration.text, output, signal);
    const seconds = await audioSeconds(output, signal);
    takes.push({ shot: shot.id, speaker: narration.speaker, file, seconds, voice: voice.id });
  }
  await writeTextAtomically(
    path.join(folder, NARRATION_LIST),
    `${JSON.stringify({ version: 1, takes }, null, 2)}\n`,
  );
  const seconds = new Map(takes.map((t) => [t.shot, t.seconds]));
  return { storyboard: withNarrationSeconds(storyboard, seconds), takes };
}
