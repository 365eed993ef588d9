/**
 * The catalog and the storyboard, as the library's callers load them: the catalog with the
 * user's overlays, and storyboards checked against that catalog (so a pin to an unknown model is
 * a problem with a position, not a surprise at run time).
 */
import path from 'node:path';
import { MAX_BUNDLE_BYTES } from '../catalog/bundle.ts';
import { installBundle, installedCards, readBundleFile } from '../catalog/installed.ts';
import { type Catalog, loadCatalog } from '../catalog/load.ts';
import { ShotrouterError } from '../errors.ts';
import {
  parseStoryboard as parseChecked,
  loadStoryboard as readChecked,
} from '../storyboard/load.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { configDir } from '../util/config-dir.ts';
import { guardedFetcher } from '../util/guarded-fetch.ts';

export type { Catalog } from '../catalog/load.ts';

export interface CatalogOptions {
  /** overlay files applied over the built-in cards, in order */
  overlays?: string[];
  /**
   * The user's environment: `SHOTROUTER_CATALOG` (':'-separated overlay files) and the
   * configuration folder with the installed catalog bundle are read from it. Default: none, so
   * the built-in catalog and `overlays` only.
   */
  env?: Record<string, string | undefined>;
  /** relative overlay paths resolve against this folder (default: the process's) */
  cwd?: string;
}

/**
 * The catalog a user routes on: the installed signed bundle when there is one (verified again
 * now), else the built-in cards; then overlays from `SHOTROUTER_CATALOG`, then `overlays`.
 */
export function catalog(options: CatalogOptions = {}): Catalog {
  const fromEnv = (options.env?.SHOTROUTER_CATALOG ?? '').split(':').filter(Boolean);
  const cwd = options.cwd ?? process.cwd();
  const overlays = [...fromEnv, ...(options.overlays ?? [])].map((p) => path.resolve(cwd, p));
  const cards = options.env === undefined ? undefined : installedCards(configDir(options.env));
  return loadCatalog({ overlays, ...(cards ? { cards } : {}) });
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
  const catalog = options.catalog ?? loadCatalog();
  return {
    knownModels: [...catalog.byId.keys()],
    knownJudges: [...catalog.judgesById.keys()],
    knownVoiceModels: [...catalog.voicesById.keys()],
    knownImageModels: [...catalog.imagesById.keys()],
    allowOutsidePaths: options.allowOutsidePaths === true,
  };
}

// ---------------------------------------------------------------------------------------------
// Catalog bundles: publish, trust, install, go back (see docs/catalog.md, "Catalog bundles")

export interface PullCatalogOptions {
  /** the user's environment, for the configuration folder (default: the process's) */
  env?: Record<string, string | undefined>;
  /** install even when not newer than the installed bundle */
  allowOlder?: boolean;
  /** how a URL is fetched (default: the outbound guard: public http(s) addresses only) */
  fetch?: (url: string) => Promise<Uint8Array>;
  /** tests: runs after the bundle is written, before it becomes the installed one */
  beforeCommit?: () => Promise<void> | void;
}

/**
 * Verifies a bundle (a file, or an http(s) URL fetched through the outbound guard) against the
 * trusted keys and installs it atomically. Anything wrong is one clear error, and the installed
 * catalog is left exactly as it was.
 */
export async function pullCatalog(source: string, options: PullCatalogOptions = {}) {
  const env = options.env ?? process.env;
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
  let bytes: Uint8Array;
  if (isUrl) {
    const fetch =
      options.fetch ??
      guardedFetcher({ maxBytes: MAX_BUNDLE_BYTES, timeoutMs: 60_000, accept: 'application/json' });
    try {
      bytes = await fetch(source);
    } catch (error) {
      throw new ShotrouterError(
        'invalid_catalog',
        `cannot download the catalog bundle from ${redactUrl(source)}: ${(error as Error).message}; the installed catalog is unchanged`,
        { cause: error },
      );
    }
  } else {
    bytes = readBundleFile(source);
  }
  return installBundle(configDir(env), bytes, {
    ...(options.allowOlder ? { allowOlder: true } : {}),
    ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}),
  });
}

/** A URL without user info or query (where tokens hide), for messages. */
function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'the URL given';
  }
}
