/**
 * The narration in the cut: the list of what a run made (lib/narration.ts writes it before any
 * video is asked for) read back, and each take placed where its shot starts in the cut, as the
 * voices the soundtrack mix lays over the cut's own sound.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { VoiceClip } from '../media/index.ts';
import type { NarrationReport } from '../report/types.ts';

/** The run folder's subfolder of narration audio, and its list. */
export const NARRATION_DIR = 'narration';
export const NARRATION_LIST = 'narration.json';

/**
 * One voice line of a shot (its narration, or a dialogue line voiced by TTS) as made: the
 * entries of `narration.json`, which the report repeats as they are.
 */
export type NarrationTake = NarrationReport;

/** The narration made for the run in `dir`; empty when none was. */
export function readNarrationTakes(dir: string): NarrationTake[] {
  const file = path.join(dir, NARRATION_DIR, NARRATION_LIST);
  if (!fs.existsSync(file)) return [];
  const list = JSON.parse(fs.readFileSync(file, 'utf8')) as { takes?: NarrationTake[] };
  return (list.takes ?? []).filter((take) => fs.existsSync(path.join(dir, take.file)));
}

/**
 * Each take as a voice starting with its shot in the cut (`starts`: seconds by shot id); a shot
 * left out of the cut (omitted) takes its narration with it.
 */
export function narrationVoices(
  dir: string,
  takes: readonly NarrationTake[],
  starts: ReadonlyMap<string, number>,
): VoiceClip[] {
  return takes.flatMap((take) => {
    const start = starts.get(take.shot);
    if (start === undefined) return [];
    return [
      {
        file: path.join(dir, take.file),
        at: start + (take.offset ?? 0),
        shotId: take.shot,
        speaker: take.speaker,
        kind: take.kind ?? 'narration',
      },
    ];
  });
}

/** Where each shot starts in a cut of whole shots joined in order. */
export function startsInOrder(
  shots: ReadonlyArray<{ id: string; seconds: number }>,
): Map<string, number> {
  const starts = new Map<string, number>();
  let at = 0;
  for (const shot of shots) {
    starts.set(shot.id, at);
    at += shot.seconds;
  }
  return starts;
}
