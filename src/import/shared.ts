/**
 * What every reader shares: how long a text takes to say, ids the storyboard accepts, image
 * sources made relative to the output, and the error for a file that cannot be imported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors.ts';
import { LIMITS } from '../storyboard/check.ts';

/** Spoken pace: 150 words a minute, the usual narration and dialogue rate. */
export const WORDS_PER_SECOND = 2.5;
/** A shot made from a line or two still lasts long enough to read on screen. */
export const MIN_SHOT_SECONDS = 2;
/** Scripts without spaces between words (Chinese, Japanese, Korean): characters per second. */
const CJK_CHARS_PER_SECOND = 7.5;
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/g;

/**
 * Seconds a text takes to say: words ÷ 2.5 (CJK characters ÷ 7.5), rounded up to the half
 * second, at least 2 s and at most the storyboard's limit for one shot.
 */
export function secondsForText(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  const words = text.replace(CJK, ' ').split(/\s+/).filter(Boolean).length;
  const seconds = words / WORDS_PER_SECOND + cjk / CJK_CHARS_PER_SECOND;
  return clampSeconds(Math.ceil(seconds * 2) / 2);
}

/** A worked-out duration the storyboard accepts: at least 2 s, at most 600 s. */
function clampSeconds(seconds: number): number {
  return Math.min(LIMITS.maxShotSeconds, Math.max(MIN_SHOT_SECONDS, seconds));
}

/** A duration the source gives (> 0), to the millisecond and at most the format's 600 s. */
export function givenSeconds(seconds: number): number {
  return Math.min(LIMITS.maxShotSeconds, Math.max(0.001, Math.round(seconds * 1000) / 1000));
}

/** A prompt the storyboard accepts: one line of text, no longer than its limit. */
export function cleanPrompt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= LIMITS.maxPromptChars
    ? flat
    : `${flat.slice(0, LIMITS.maxPromptChars - 1)}…`;
}

/** A slug usable as a shot or character id: letters, digits, `-` and `_`. */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

/** Hands out ids, each once: a taken id gets `-2`, `-3`, … */
export class IdSet {
  private readonly taken = new Set<string>();

  claim(wanted: string, fallback: string): string {
    const base = /^[A-Za-z0-9_-]+$/.test(wanted) && wanted.length <= 100 ? wanted : fallback;
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}-${n}`;
    this.taken.add(id);
    return id;
  }
}

/** Two-digit numbering, three past 99: `01`, `02`, … `100`. */
export function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * An image named in the source as a path relative to the source's folder, as the storyboard
 * must name it: relative to the output's folder, only when the file is there and inside that
 * folder (the storyboard refuses other paths by default). `undefined` otherwise.
 */
export function imageForOutput(
  spec: string,
  sourceDir: string,
  outDir: string,
): string | undefined {
  if (/^https?:\/\//i.test(spec)) return spec;
  const absolute = path.resolve(sourceDir, spec);
  const relative = path.relative(outDir, absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  if (!fs.existsSync(absolute)) return undefined;
  return relative.split(path.sep).join('/');
}

/** The error for a source that cannot be read as the format it was taken for. */
export function cannotImport(
  file: string,
  message: string,
  at: { line: number; col?: number } = { line: 1 },
  hint?: string,
): InvalidInputError {
  return new InvalidInputError('invalid_storyboard', [
    {
      file,
      line: at.line,
      col: at.col ?? 1,
      path: '',
      message,
      ...(hint === undefined ? {} : { hint }),
    },
  ]);
}
