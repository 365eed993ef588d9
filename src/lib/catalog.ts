/**
 * The catalog and the storyboard, as the library's callers load them: the catalog with the
 * user's overlays, and storyboards checked against that catalog (so a pin to an unknown model is
 * a problem with a position, not a surprise at run time).
 */
import path from 'node:path';
import { type Catalog, loadCatalog } from '../catalog/load.ts';
import {
  parseStoryboard as parseChecked,
  loadStoryboard as readChecked,
} from '../storyboard/load.ts';
import type { Storyboard } from '../storyboard/types.ts';

export type { Catalog } from '../catalog/load.ts';

export interface CatalogOptions {
  /** overlay files applied over the built-in cards, in order */
  overlays?: string[];
  /** `SHOTROUTER_CATALOG` (':'-separated overlay files) is read from here; default: none */
  env?: Record<string, string | undefined>;
  /** relative overlay paths resolve against this folder (default: the process's) */
  cwd?: string;
}

/** The built-in catalog with overlays from `SHOTROUTER_CATALOG` first, then `overlays`. */
export function catalog(options: CatalogOptions = {}): Catalog {
  const fromEnv = (options.env?.SHOTROUTER_CATALOG ?? '').split(':').filter(Boolean);
  const cwd = options.cwd ?? process.cwd();
  const overlays = [...fromEnv, ...(options.overlays ?? [])].map((p) => path.resolve(cwd, p));
  return loadCatalog({ overlays });
}

export interface StoryboardOptions {
  /** pins, `policy.allow` and `policy.deny` are checked against it (default: the built-in catalog) */
  catalog?: Catalog;
  /** accept image paths outside the storyboard's folder */
  allowOutsidePaths?: boolean;
}

/** Reads and checks a storyboard file; throws `InvalidInputError` listing every problem. */
export function loadStoryboard(file: string, options: StoryboardOptions = {}): Storyboard {
  return readChecked(path.resolve(file), checkOptions(options));
}

/** Checks storyboard text; `file` is where it lives (relative image paths resolve beside it). */
export function parseStoryboard(
  text: string,
  file: string,
  options: StoryboardOptions = {},
): Storyboard {
  return parseChecked(text, path.resolve(file), checkOptions(options));
}

function checkOptions(options: StoryboardOptions) {
  return {
    knownModels: [...(options.catalog ?? loadCatalog()).byId.keys()],
    allowOutsidePaths: options.allowOutsidePaths === true,
  };
}
