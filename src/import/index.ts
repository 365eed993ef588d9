/**
 * `shotrouter import`: a MulmoScript, a Fountain screenplay or a CSV shot list read into an
 * imported board (types.ts) and written as a storyboard (emit.ts) that is checked before it is
 * handed back. docs/import.md says what is read from each format.
 */
import path from 'node:path';
import { InvalidInputError, ShotrouterError } from '../errors.ts';
import { checkFps, parseResolution } from '../storyboard/formats.ts';
import { decodeStoryboard, parseStoryboard, readStoryboardBytes } from '../storyboard/load.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { CSV_COLUMNS, type CsvColumn, type CsvOptions, readCsv } from './csv.ts';
import { detectFormat } from './detect.ts';
import { emitStoryboard, type FieldSwitches } from './emit.ts';
import { readFountain } from './fountain.ts';
import { readMulmo } from './mulmo.ts';
import { cannotImport } from './shared.ts';
import {
  FORMAT_NAMES,
  IMPORT_FORMATS,
  type ImportedBoard,
  type ImportFormat,
  type ReadContext,
} from './types.ts';

export { CSV_COLUMNS, type CsvColumn } from './csv.ts';
export { detectFormat } from './detect.ts';
export { FIELDS_IN_FORMAT, type FieldSwitches } from './emit.ts';
export { secondsForText, WORDS_PER_SECOND } from './shared.ts';
export { FORMAT_NAMES, IMPORT_FORMATS, type ImportedBoard, type ImportFormat } from './types.ts';

export interface ImportOptions {
  /** the source's format; found from its name and content when absent */
  from?: ImportFormat;
  /**
   * where the storyboard will be written: image paths are made relative to its folder (default:
   * the source's own folder)
   */
  out?: string;
  /** CSV: column → header, for headers not recognised */
  map?: CsvOptions['map'];
  /** the cut's frame size and rate, instead of the source's (or 1920x1080 at 24 fps) */
  resolution?: string;
  fps?: number;
  /** which parts are written as fields rather than comments (default: what the format has) */
  fields?: FieldSwitches;
}

export interface ImportResult {
  format: ImportFormat;
  board: ImportedBoard;
  /** the storyboard's text */
  yaml: string;
  /** the storyboard as `validate` reads it */
  storyboard: Storyboard;
}

/** Reads `file`, imports it and checks the result; throws InvalidInputError on a bad source. */
export function importFile(file: string, options: ImportOptions = {}): ImportResult {
  const absolute = path.resolve(file);
  const text = decodeStoryboard(readStoryboardBytes(absolute), absolute);
  return importText(text, absolute, options);
}

export function importText(text: string, file: string, options: ImportOptions = {}): ImportResult {
  const format = options.from ?? detectFormat(text, file);
  if (format === undefined) {
    throw cannotImport(
      file,
      `cannot tell which format this is: import reads ${IMPORT_FORMATS.map((f) => FORMAT_NAMES[f]).join(', ')}`,
      { line: 1 },
      `name it: --from ${IMPORT_FORMATS.join('|')}`,
    );
  }
  const out = path.resolve(options.out ?? path.join(path.dirname(file), 'imported.yaml'));
  const context: ReadContext = {
    source: path.basename(file),
    sourceDir: path.dirname(file),
    outDir: path.dirname(out),
  };
  const board =
    format === 'mulmo'
      ? readMulmo(text, file, context)
      : format === 'fountain'
        ? readFountain(text, file, context)
        : readCsv(text, file, context, { ...(options.map ? { map: options.map } : {}) });
  if (options.resolution !== undefined) board.deliver.resolution = resolution(options.resolution);
  if (options.fps !== undefined) board.deliver.fps = fps(options.fps);
  const yaml = emitStoryboard(board, options.fields);
  let storyboard: Storyboard;
  try {
    storyboard = parseStoryboard(yaml, out);
  } catch (error) {
    // every reader writes only what the checker accepts: a refusal here is a bug of the importer
    if (error instanceof InvalidInputError) {
      throw new ShotrouterError(
        'internal',
        `the imported storyboard does not validate (a bug in shotrouter import; please report it):\n${error.message}`,
      );
    }
    throw error;
  }
  return { format, board, yaml, storyboard };
}

/** `--map description=Visual,duration=Len` (repeatable) → column → header. */
export function parseColumnMap(values: readonly string[]): Partial<Record<CsvColumn, string>> {
  const columns = Object.keys(CSV_COLUMNS);
  const map: Partial<Record<CsvColumn, string>> = {};
  for (const pair of values.flatMap((v) => v.split(','))) {
    const match = /^\s*([a-z]+)\s*=\s*(.+?)\s*$/i.exec(pair);
    const column = match?.[1]?.toLowerCase();
    if (!match || column === undefined || !columns.includes(column)) {
      throw new ShotrouterError(
        'usage',
        `--map takes FIELD=HEADER with FIELD one of ${columns.join(', ')}; got '${pair.trim()}'`,
      );
    }
    map[column as CsvColumn] = match[2]!;
  }
  return map;
}

function resolution(text: string): string {
  const checked = parseResolution(text);
  if (!checked.ok) {
    throw new ShotrouterError(
      'usage',
      `--resolution ${checked.message} (expected ${checked.expected}, got '${text}')`,
    );
  }
  return `${checked.value.width}x${checked.value.height}`;
}

function fps(value: number): number {
  const checked = checkFps(value);
  if (!checked.ok) {
    throw new ShotrouterError('usage', `--fps ${checked.message} (expected ${checked.expected})`);
  }
  return checked.value;
}

/** The foreign formats' names and the command that converts a file, for `validate`'s hint. */
export function foreignFormatHint(
  file: string,
): { format: ImportFormat; message: string; hint: string } | undefined {
  let text: string;
  try {
    // the same checks as a storyboard's: never a FIFO or a device, never past the size limit
    text = decodeStoryboard(readStoryboardBytes(file), file);
  } catch {
    return undefined;
  }
  const format = detectFormat(text, file);
  if (format === undefined) return undefined;
  const name = path.basename(file);
  const board = `${path.basename(file, path.extname(file))}.yaml`;
  return {
    format,
    message: `this is ${FORMAT_NAMES[format]}, not a shotrouter storyboard`,
    hint: `convert it: shotrouter import ${name} --out ${board}`,
  };
}
