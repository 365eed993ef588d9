/**
 * Which foreign format a file is in, from its name and its first few thousand characters: for
 * `import` without `--from`, and for `validate` to say what a file that is no storyboard is.
 */
import path from 'node:path';
import { looksLikeHeader, parseCsv } from './csv.ts';
import { FOUNTAIN_HEADING } from './fountain.ts';
import type { ImportFormat } from './types.ts';

const SNIFF_CHARS = 64 * 1024;

export function detectFormat(text: string, file: string): ImportFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  const head = text.slice(0, SNIFF_CHARS).replace(/^\uFEFF/, '');
  const first = /\S/.exec(head)?.[0];
  if (first === '{' && looksLikeMulmo(text)) return 'mulmo';
  if (ext === '.fountain' || ext === '.spmd') return 'fountain';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (first === '{' || first === '[') return undefined;
  if (looksLikeFountain(head)) return 'fountain';
  if (looksLikeCsv(head)) return 'csv';
  return undefined;
}

/** A JSON object with MulmoCast's version mark, or with beats that speak or picture something. */
function looksLikeMulmo(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return /^\s*\{\s*"\$mulmocast"\s*:/.test(text);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const root = value as Record<string, unknown>;
  if ('$mulmocast' in root) return true;
  return (
    Array.isArray(root.beats) &&
    root.beats.some(
      (b) =>
        typeof b === 'object' &&
        b !== null &&
        ('text' in b || 'imagePrompt' in b || 'speaker' in b || 'image' in b),
    )
  );
}

/** A scene heading (INT./EXT.) at the start of a paragraph, or a title page and a forced one. */
function looksLikeFountain(head: string): boolean {
  const lines = head.split(/\r?\n/);
  return lines.some(
    (line, i) =>
      (i === 0 || lines[i - 1]!.trim() === '') &&
      FOUNTAIN_HEADING.test(line.trim()) &&
      !/:\s/.test(line),
  );
}

/** A header row of at least three cells, two of them a shot list's column names, near the top. */
function looksLikeCsv(head: string): boolean {
  // the head may end inside a row: only whole rows are judged
  const rows = parseCsv(head.slice(0, head.lastIndexOf('\n') + 1)).slice(0, 10);
  return rows.some((row) => row.cells.length >= 3 && looksLikeHeader(row));
}
