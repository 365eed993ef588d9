/**
 * The cut's captions as sidecar files beside it: `captions.srt` (SubRip) and `captions.vtt`
 * (WebVTT), each cue timed on the cut's timeline from the shot's first frame to its last.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeTextAtomically } from '../util/write-text.ts';
import type { PlacedEntry } from './edit-cut.ts';

export const CAPTION_FILES = { srt: 'captions.srt', vtt: 'captions.vtt' } as const;

interface Cue {
  start: number;
  end: number;
  text: string;
}

/** Writes both files when any shot has a caption (and removes stale ones when none has). */
export async function writeCaptions(
  dir: string,
  placed: readonly PlacedEntry[],
): Promise<typeof CAPTION_FILES | null> {
  const cues = placed.flatMap((p): Cue[] =>
    p.entry.edit.caption === undefined
      ? []
      : [{ start: p.start, end: p.start + p.seconds, text: p.entry.edit.caption }],
  );
  if (cues.length === 0) {
    for (const file of Object.values(CAPTION_FILES)) {
      fs.rmSync(path.join(dir, file), { force: true });
    }
    return null;
  }
  await Promise.all([
    writeTextAtomically(path.join(dir, CAPTION_FILES.srt), srt(cues)),
    writeTextAtomically(path.join(dir, CAPTION_FILES.vtt), vtt(cues)),
  ]);
  return CAPTION_FILES;
}

export function srt(cues: readonly Cue[]): string {
  return cues
    .map((c, i) => `${i + 1}\n${clock(c.start, ',')} --> ${clock(c.end, ',')}\n${cueText(c)}\n`)
    .join('\n');
}

export function vtt(cues: readonly Cue[]): string {
  const body = cues.map((c) => `${clock(c.start, '.')} --> ${clock(c.end, '.')}\n${cueText(c)}\n`);
  return `WEBVTT\n\n${body.join('\n')}`;
}

/** A cue's text: no blank lines (they end a cue in both formats); `-->` cannot appear. */
function cueText(cue: Cue): string {
  return cue.text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n')
    .replaceAll('-->', '->');
}

/** HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (WebVTT). */
function clock(seconds: number, mark: ',' | '.'): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)}${mark}${pad(ms % 1000, 3)}`;
}
