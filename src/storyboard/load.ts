/**
 * The storyboard's entry points: read a file (or text), parse it keeping positions, check every
 * field, derive each shot's needs. Either a complete, valid `Storyboard` comes back or an
 * `InvalidInputError('invalid_storyboard')` listing every problem found, sorted by position.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors.ts';
import { checkStoryboard, type LoadOptions } from './check.ts';
import { readSourceDoc } from './read-source.ts';
import type { Storyboard } from './types.ts';

export type { LoadOptions } from './check.ts';

export function loadStoryboard(file: string, options: LoadOptions = {}): Storyboard {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'this is a folder; give the storyboard file inside it'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? String(error));
    throw new InvalidInputError('invalid_storyboard', [
      {
        file: absolute,
        line: 1,
        col: 1,
        path: '',
        message: `cannot read the storyboard: ${reason}`,
      },
    ]);
  }
  return parseStoryboard(text, absolute, options);
}

/** `file`: the storyboard's absolute path, used in messages and as the base of relative paths. */
export function parseStoryboard(text: string, file: string, options: LoadOptions = {}): Storyboard {
  return checkStoryboard(readSourceDoc(text, file), options);
}
