/**
 * The catalog a user has installed, and the keys they trust, in their configuration folder
 * (`$XDG_CONFIG_HOME/shotrouter`, else `~/.config/shotrouter`):
 *
 *   catalog-keys.json         the trusted public keys, by name
 *   catalog/installed.json    which bundle is installed (replaced by rename: never half-written)
 *   catalog/<sha256>.bundle   the installed bundle, exactly as it was pulled
 *
 * An installed bundle is verified again every time it is loaded (signature by a key still
 * trusted, every card's digest), so a bundle changed on disk, or one whose key was untrusted
 * since, is refused instead of routed on.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { writeFileAtomicallySync } from '../util/atomic-write.ts';
import {
  bundleError,
  MAX_BUNDLE_BYTES,
  parsePublicKey,
  type TrustedKey,
  type VerifiedBundle,
  verifyBundle,
} from './bundle.ts';
import type { CardSet } from './load.ts';

const KEYS_FILE = 'catalog-keys.json';
const CATALOG_DIR = 'catalog';
const INSTALLED_FILE = 'installed.json';
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface StoredKey extends TrustedKey {
  /** when it was trusted, ISO time */
  added: string;
}

/** What installed.json records. */
export interface InstalledBundle {
  /** the bundle file's name inside `catalog/` */
  file: string;
  published: string;
  /** `sha256:<hex>` of the bundle file */
  file_digest: string;
  key: string;
  key_name: string;
  installed_at: string;
}

// ---------------------------------------------------------------------------------------------
// Trusted keys

export function trustedKeys(configDir: string): StoredKey[] {
  const file = path.join(configDir, KEYS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ShotrouterError('invalid_catalog', `cannot read ${file}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ShotrouterError(
      'invalid_catalog',
      `${file} is not JSON; fix it or remove it and trust your keys again`,
    );
  }
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || !keys.every(isStoredKey)) {
    throw new ShotrouterError(
      'invalid_catalog',
      `${file} is not a list of trusted keys ({"keys": [{"name", "key", "added"}]})`,
    );
  }
  return keys;
}

/** Trusts a key under a name (default: derived from the key); trusting it again changes nothing. */
export function trustKey(
  configDir: string,
  key: string,
  name?: string,
  now: Date = new Date(),
): { key: StoredKey; added: boolean } {
  parsePublicKey(key);
  const chosen = name ?? `key-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
  if (!KEY_NAME.test(chosen)) {
    throw new ShotrouterError(
      'usage',
      `--name '${chosen}': use letters, digits, '.', '_' and '-' (at most 64)`,
    );
  }
  const keys = trustedKeys(configDir);
  const same = keys.find((k) => k.key === key);
  if (same) return { key: same, added: false };
  if (keys.some((k) => k.name === chosen)) {
    throw new ShotrouterError(
      'usage',
      `a different key is already trusted as '${chosen}': choose another --name`,
    );
  }
  const stored: StoredKey = { name: chosen, key, added: now.toISOString() };
  writeFileAtomicallySync(
    path.join(configDir, KEYS_FILE),
    `${JSON.stringify({ keys: [...keys, stored] }, null, 2)}\n`,
  );
  return { key: stored, added: true };
}

/** Stops trusting a key, by name or by `ed25519:…`. */
export function untrustKey(configDir: string, nameOrKey: string): StoredKey {
  const keys = trustedKeys(configDir);
  const found = keys.find((k) => k.name === nameOrKey || k.key === nameOrKey);
  if (found === undefined) {
    const names = keys.map((k) => k.name).join(', ') || 'none';
    throw new ShotrouterError(
      'usage',
      `no trusted key is named or equal to '${nameOrKey}' (trusted: ${names})`,
    );
  }
  const rest = keys.filter((k) => k !== found);
  writeFileAtomicallySync(
    path.join(configDir, KEYS_FILE),
    `${JSON.stringify({ keys: rest }, null, 2)}\n`,
  );
  return found;
}

// ---------------------------------------------------------------------------------------------
// Installing

export interface InstallOptions {
  /** install even when the bundle is not newer than the installed one */
  allowOlder?: boolean;
  now?: Date;
  /** called after the bundle is written and before it becomes the installed one (tests) */
  beforeCommit?: () => Promise<void> | void;
}

/**
 * Verifies a bundle's bytes and installs it: the bundle file is written under a new name, then
 * `installed.json` is replaced by rename. A process killed at any point leaves the catalog that
 * was installed before, whole.
 */
export async function installBundle(
  configDir: string,
  bytes: Uint8Array,
  options: InstallOptions = {},
): Promise<{ bundle: VerifiedBundle; replaced: InstalledBundle | undefined }> {
  const bundle = verifyBundle(bytes, trustedKeys(configDir));
  const current = readInstalled(configDir);
  if (current && !options.allowOlder && bundle.manifest.published <= current.published) {
    throw bundleError(
      `the bundle was published ${bundle.manifest.published}, not after the installed one (${current.published}); to install it anyway (going back), add --allow-older`,
    );
  }
  const dir = path.join(configDir, CATALOG_DIR);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = `${bundle.fileDigest.slice('sha256:'.length)}.bundle`;
  writeFileAtomicallySync(path.join(dir, file), bytes);
  await options.beforeCommit?.();
  const installed: InstalledBundle = {
    file,
    published: bundle.manifest.published,
    file_digest: bundle.fileDigest,
    key: bundle.key,
    key_name: bundle.keyName,
    installed_at: (options.now ?? new Date()).toISOString(),
  };
  writeFileAtomicallySync(
    path.join(dir, INSTALLED_FILE),
    `${JSON.stringify(installed, null, 2)}\n`,
  );
  removeOtherBundles(dir, file);
  return { bundle, replaced: current };
}

/** Back to the built-in catalog; false when none was installed. */
export function resetCatalog(configDir: string): boolean {
  const dir = path.join(configDir, CATALOG_DIR);
  const had = readInstalled(configDir) !== undefined;
  fs.rmSync(path.join(dir, INSTALLED_FILE), { force: true });
  removeOtherBundles(dir, undefined);
  return had;
}

/** What installed.json says, unverified (status and the newer-than check); undefined when none. */
export function readInstalled(configDir: string): InstalledBundle | undefined {
  const file = path.join(configDir, CATALOG_DIR, INSTALLED_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw bundleError(`cannot read ${file}`, error);
  }
  try {
    const value = JSON.parse(text) as InstalledBundle;
    if (typeof value.file === 'string' && typeof value.published === 'string') return value;
  } catch {
    // reported below
  }
  throw bundleError(
    `${file} is damaged; run \`shotrouter catalog reset\` and pull the catalog again`,
  );
}

/**
 * The installed bundle's cards, verified again now; undefined when none is installed. A bundle
 * that no longer verifies is an error naming the way back, never silently skipped.
 */
export function installedCards(configDir: string): CardSet | undefined {
  const installed = readInstalled(configDir);
  if (installed === undefined) return undefined;
  const file = path.join(configDir, CATALOG_DIR, path.basename(installed.file));
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw bundleError(
      `the installed catalog bundle ${file} cannot be read; run \`shotrouter catalog reset\` (built-in catalog) or pull it again`,
      error,
    );
  }
  let bundle: VerifiedBundle;
  try {
    bundle = verifyBundle(bytes, trustedKeys(configDir), { checkCards: false });
  } catch (error) {
    const why = ShotrouterError.is(error) ? error.message : String(error);
    throw bundleError(
      `the installed catalog bundle no longer verifies: ${why}. Run \`shotrouter catalog reset\` to go back to the built-in catalog, or pull a bundle you trust`,
      error,
    );
  }
  return {
    key: bundle.fileDigest,
    files: bundle.cards,
    origin: {
      source: 'bundle',
      published: bundle.manifest.published,
      key: bundle.key,
      key_name: bundle.keyName,
    },
  };
}

/** Reads a bundle file the user named: a regular file, not larger than a bundle can be. */
export function readBundleFile(file: string): Buffer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new ShotrouterError(
      'usage',
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  if (!stat.isFile()) throw new ShotrouterError('usage', `${file} is not a regular file`);
  if (stat.size > MAX_BUNDLE_BYTES) {
    throw bundleError(
      `${file} is larger than ${MAX_BUNDLE_BYTES / 1024 / 1024} MiB; a catalog bundle is far smaller`,
    );
  }
  return fs.readFileSync(file);
}

// ---------------------------------------------------------------------------------------------

/** Bundles other than the installed one, and temp files a killed pull left, are removed. */
function removeOtherBundles(dir: string, keep: string | undefined): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === keep || name === INSTALLED_FILE) continue;
    if (name.endsWith('.bundle') || name.endsWith('.tmp'))
      fs.rmSync(path.join(dir, name), { force: true });
  }
}

function isStoredKey(value: unknown): value is StoredKey {
  const k = value as Partial<StoredKey> | null;
  return (
    typeof k === 'object' && k !== null && typeof k.name === 'string' && typeof k.key === 'string'
  );
}
