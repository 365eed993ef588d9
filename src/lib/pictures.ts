/**
 * Pictures of takes and of the cut for the board: a poster (one still from the middle of a clip)
 * and a strip (thumbnails across it), made once with ffmpeg and kept in a folder under names
 * made of the clip's content (its SHA-256 and size). An unchanged clip never costs a second
 * ffmpeg run, and a changed one gets new pictures under new names: the API can serve them to be
 * cached forever. Also the cut's shots on its timeline, for the strip's shot boundaries.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { extractFrame, extractStrip, probe } from '../media/index.ts';

export type PictureKind = 'poster' | 'strip';

/** A clip's content: its SHA-256 in hex (the whole, or a prefix of 16 digits or more) and bytes. */
export interface ClipContent {
  sha256: string;
  bytes: number;
}

/** thumbnail widths: a poster fills a take's card, a strip's frames are small */
const POSTER_WIDTH = 480;
const STRIP_FRAME_WIDTH = 160;

/** Thumbnails in a strip: one a second, at least 6 (a short take) and at most 60 (a long cut). */
export function stripFrames(seconds: number): number {
  return Math.min(60, Math.max(6, Math.round(seconds)));
}

export class PictureCache {
  readonly #making = new Map<string, Promise<string>>();
  /** pictures made with ffmpeg since this cache was created (each made once) */
  made = 0;

  /**
   * The file of a clip's picture in `dir`, made first when it is not there yet. Requests for the
   * same picture while it is being made wait for the one ffmpeg run.
   */
  async picture(
    dir: string,
    clip: string,
    content: ClipContent,
    kind: PictureKind,
  ): Promise<string> {
    if (!/^[0-9a-f]{16,64}$/.test(content.sha256) || !Number.isSafeInteger(content.bytes)) {
      throw new ShotrouterError('media_failed', `not a clip's content: ${content.sha256}`);
    }
    const file = path.join(dir, `${content.sha256}-${content.bytes}.${kind}.jpg`);
    if (fs.existsSync(file)) return file;
    let making = this.#making.get(file);
    if (!making) {
      making = this.#make(clip, file, kind).finally(() => this.#making.delete(file));
      this.#making.set(file, making);
    }
    return making;
  }

  async #make(clip: string, file: string, kind: PictureKind): Promise<string> {
    const { durationSeconds } = await probe(clip);
    this.made++;
    if (kind === 'poster') {
      // the middle, not the first frame: a clip often opens on black or a fade
      await extractFrame({
        input: clip,
        atSeconds: durationSeconds / 2,
        output: file,
        width: POSTER_WIDTH,
      });
    } else {
      await extractStrip({
        input: clip,
        output: file,
        frames: stripFrames(durationSeconds),
        width: STRIP_FRAME_WIDTH,
      });
    }
    return file;
  }
}

/** One shot's place on the cut's timeline, in seconds. */
export interface CutShot {
  id: string;
  start: number;
  seconds: number;
}

/**
 * The shots of the cut in playing order, from the run folder's report.json: the edit's own
 * timeline when the storyboard has one, else the made shots one after another, each as long as
 * the storyboard asks (`seconds`: assembly conforms every clip to it). Empty when there is no
 * report (no cut yet) or it cannot be read.
 */
export function cutShots(runDir: string, seconds: (shot: string) => number | undefined): CutShot[] {
  let report: {
    shots?: Array<{ id: string; state: string; clip: string | null }>;
    edit?: { cut: Array<{ id: string; start: number; seconds: number }> };
  };
  try {
    report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8'));
  } catch {
    return [];
  }
  if (report.edit?.cut) {
    return report.edit.cut.map(({ id, start, seconds }) => ({ id, start, seconds }));
  }
  const out: CutShot[] = [];
  let start = 0;
  for (const shot of report.shots ?? []) {
    const length = seconds(shot.id);
    if (shot.state !== 'done' || !shot.clip || !(length !== undefined && length > 0)) continue;
    out.push({ id: shot.id, start, seconds: length });
    start += length;
  }
  return out;
}
