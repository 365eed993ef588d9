/**
 * Signed catalog bundles: a folder of cards packed into one file with a manifest (published date,
 * the card schema version, each card's digest), signed with ed25519, so a team can ship a newer
 * catalog without a release and nobody routes on cards someone changed on the way.
 *
 * The file is JSON: `{format, manifest, signature, cards}`. `manifest` is kept as the exact text
 * that was signed (no re-serialising before verifying); `cards` maps file names to base64 bytes,
 * each of which must match the manifest's digest. See docs/catalog.md, "Catalog bundles".
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { type CardFile, checkCardFiles, checkCardFolder } from './load.ts';
import { CATALOG_SCHEMA_VERSION } from './version.ts';

export const BUNDLE_FORMAT = 'shotrouter-catalog-bundle/1';
const MANIFEST_FORMAT = 'shotrouter-catalog-manifest/1';
const KEY_PREFIX = 'ed25519:';
/** a card's file name inside a bundle: no folders, nothing hidden */
const CARD_NAME = /^[a-z0-9][a-z0-9._-]*\.ya?ml$/;
/** far above a real catalog (about 30 cards of a few KiB), far below what would hurt to read */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

export interface BundleManifest {
  format: typeof MANIFEST_FORMAT;
  schema_version: number;
  /** YYYY-MM-DD: a newer bundle replaces an older one */
  published: string;
  cards: { file: string; sha256: string; bytes: number }[];
}

/** A bundle whose signature, digests, schema version and cards all checked out. */
export interface VerifiedBundle {
  manifest: BundleManifest;
  /** the cards as `bundle:<published>/<file>` with their text */
  cards: CardFile[];
  /** the signing key, `ed25519:<base64>`, and the name the user trusts it under */
  key: string;
  keyName: string;
  /** `sha256:<hex>` of the bundle file's bytes */
  fileDigest: string;
}

export interface TrustedKey {
  name: string;
  /** `ed25519:<base64 of the 32-byte public key>` */
  key: string;
}

/** Why a bundle is refused: one clear message, exit 1 (a file the user gave is wrong). */
export function bundleError(message: string, cause?: unknown): ShotrouterError {
  return new ShotrouterError('invalid_catalog', message, cause === undefined ? {} : { cause });
}

// ---------------------------------------------------------------------------------------------
// Keys

/** A new key pair: the private key as PKCS#8 PEM, the public key as `ed25519:<base64>`. */
export function generateSigningKey(): { privatePem: string; publicKey: string } {
  const pair = generateKeyPairSync('ed25519');
  return {
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKeyText(pair.publicKey),
  };
}

/** `ed25519:<base64>` of a public (or private) ed25519 key. */
export function publicKeyText(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw bundleError('the key is not an ed25519 key');
  }
  return KEY_PREFIX + Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** Parses `ed25519:<base64>`; a usage error that shows the expected form otherwise. */
export function parsePublicKey(text: string): KeyObject {
  const raw = text.startsWith(KEY_PREFIX)
    ? Buffer.from(text.slice(KEY_PREFIX.length), 'base64')
    : null;
  if (
    raw === null ||
    raw.length !== 32 ||
    raw.toString('base64') !== text.slice(KEY_PREFIX.length)
  ) {
    throw new ShotrouterError(
      'usage',
      `'${text.slice(0, 80)}' is not a public key: expected ed25519:<base64 of 32 bytes>, as \`shotrouter catalog keygen\` prints it`,
    );
  }
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

function readPrivateKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new ShotrouterError(
      'usage',
      `${file} is not a private key in PEM form (make one with \`shotrouter catalog keygen\`)`,
      {
        cause: error,
      },
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ShotrouterError(
      'usage',
      `${file} holds a ${key.asymmetricKeyType} key; bundles are signed with ed25519`,
    );
  }
  return key;
}

// ---------------------------------------------------------------------------------------------
// Making a bundle

export interface MakeBundleOptions {
  /** folder of cards, laid out like the built-in `catalog/` */
  dir: string;
  privateKeyPem: string;
  /** where the private key came from, for messages */
  keyFile: string;
  /** YYYY-MM-DD */
  published: string;
}

/** Checks every card as the built-in catalog is checked, then packs and signs them. */
export function makeBundle(options: MakeBundleOptions): {
  bytes: Buffer;
  manifest: BundleManifest;
} {
  assertDate(options.published, '--published');
  const key = readPrivateKey(options.privateKeyPem, options.keyFile);
  const files = checkCardFolder(options.dir);
  if (files.length === 0)
    throw new ShotrouterError('usage', `${options.dir} has no cards (*.yaml)`);
  const cards: Record<string, string> = {};
  const listed: BundleManifest['cards'] = [];
  for (const f of files) {
    const name = path.basename(f.file);
    const bytes = Buffer.from(f.text, 'utf8');
    cards[name] = bytes.toString('base64');
    listed.push({ file: name, sha256: sha256Hex(bytes), bytes: bytes.length });
  }
  const manifest: BundleManifest = {
    format: MANIFEST_FORMAT,
    schema_version: CATALOG_SCHEMA_VERSION,
    published: options.published,
    cards: listed,
  };
  const manifestText = JSON.stringify(manifest);
  const signature = sign(null, Buffer.from(manifestText, 'utf8'), key);
  const bundle = {
    format: BUNDLE_FORMAT,
    manifest: manifestText,
    signature: {
      algorithm: 'ed25519',
      key: publicKeyText(key),
      value: signature.toString('base64'),
    },
    cards,
  };
  return { bytes: Buffer.from(`${JSON.stringify(bundle, null, 1)}\n`, 'utf8'), manifest };
}

// ---------------------------------------------------------------------------------------------
// Verifying a bundle

/**
 * Everything a bundle must pass before one of its cards is used: the file is a whole bundle, its
 * signature is by a trusted key over the manifest, the schema version is this program's, and
 * every card is listed, matches its digest and passes the catalog's checks. Throws one clear
 * `invalid_catalog` error otherwise.
 */
export function verifyBundle(
  bytes: Uint8Array,
  trusted: readonly TrustedKey[],
  options: { checkCards?: boolean } = {},
): VerifiedBundle {
  if (bytes.length > MAX_BUNDLE_BYTES) {
    throw bundleError(
      `the bundle is larger than ${MAX_BUNDLE_BYTES / 1024 / 1024} MiB; a catalog is far smaller`,
    );
  }
  let outer: unknown;
  try {
    outer = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw bundleError(
      'not a catalog bundle, or an incomplete one (the file is not whole JSON: truncated?)',
    );
  }
  if (!isObject(outer) || outer.format !== BUNDLE_FORMAT) {
    throw bundleError(`not a catalog bundle (expected format ${BUNDLE_FORMAT})`);
  }
  const signature = outer.signature;
  if (
    !isObject(signature) ||
    typeof signature.value !== 'string' ||
    typeof signature.key !== 'string'
  ) {
    throw bundleError('the bundle is not signed');
  }
  if (signature.algorithm !== 'ed25519') {
    throw bundleError(
      `the bundle is signed with '${String(signature.algorithm)}'; only ed25519 is accepted`,
    );
  }
  if (typeof outer.manifest !== 'string' || !isObject(outer.cards)) {
    throw bundleError('the bundle has no manifest or no cards');
  }
  const signer = trusted.find((k) => k.key === signature.key);
  if (signer === undefined) {
    throw bundleError(
      `the bundle is signed by ${signature.key}, which you do not trust; if you expect bundles from this key, run: shotrouter catalog trust ${signature.key} --name NAME`,
    );
  }
  const signed = verify(
    null,
    Buffer.from(outer.manifest, 'utf8'),
    parsePublicKey(signer.key),
    Buffer.from(signature.value, 'base64'),
  );
  if (!signed) {
    throw bundleError(
      `the bundle's signature does not match its manifest: it was changed after ${signer.name} signed it`,
    );
  }
  const manifest = parseManifest(outer.manifest);
  const cards = checkedCards(manifest, outer.cards);
  // loading checks the cards anyway; `checkCards: false` spares an installed bundle a second pass
  if (options.checkCards !== false) checkCardFiles(cards);
  return {
    manifest,
    cards,
    key: signer.key,
    keyName: signer.name,
    fileDigest: `sha256:${sha256Hex(bytes)}`,
  };
}

function parseManifest(text: string): BundleManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bundleError('the bundle manifest is not JSON');
  }
  if (!isObject(value) || value.format !== MANIFEST_FORMAT) {
    throw bundleError(`the bundle manifest is not a ${MANIFEST_FORMAT} manifest`);
  }
  if (value.schema_version !== CATALOG_SCHEMA_VERSION) {
    const newer =
      typeof value.schema_version === 'number' && value.schema_version > CATALOG_SCHEMA_VERSION;
    throw bundleError(
      `the bundle's cards use catalog schema version ${String(value.schema_version)}; this shotrouter reads version ${CATALOG_SCHEMA_VERSION}${newer ? ': upgrade shotrouter to use it' : ': ask for a bundle made for this version'}`,
    );
  }
  if (typeof value.published !== 'string' || !isDate(value.published)) {
    throw bundleError('the bundle manifest has no published date (YYYY-MM-DD)');
  }
  if (!Array.isArray(value.cards)) throw bundleError('the bundle manifest lists no cards');
  for (const card of value.cards) {
    if (
      !isObject(card) ||
      typeof card.file !== 'string' ||
      !CARD_NAME.test(card.file) ||
      typeof card.sha256 !== 'string' ||
      typeof card.bytes !== 'number'
    ) {
      throw bundleError(
        `the bundle manifest lists a card badly: ${JSON.stringify(card).slice(0, 120)}`,
      );
    }
  }
  return value as unknown as BundleManifest;
}

function checkedCards(manifest: BundleManifest, packed: Record<string, unknown>): CardFile[] {
  const listed = new Set(manifest.cards.map((c) => c.file));
  if (listed.size !== manifest.cards.length)
    throw bundleError('the bundle manifest lists a card twice');
  const extra = Object.keys(packed).filter((name) => !listed.has(name));
  if (extra.length > 0)
    throw bundleError(`the bundle carries cards its manifest does not list: ${extra.join(', ')}`);
  const cards: CardFile[] = [];
  for (const entry of manifest.cards) {
    const data = packed[entry.file];
    if (typeof data !== 'string')
      throw bundleError(`the bundle lacks the card ${entry.file} its manifest lists`);
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length !== entry.bytes || sha256Hex(bytes) !== entry.sha256) {
      throw bundleError(
        `the card ${entry.file} does not match its digest in the signed manifest: it was changed`,
      );
    }
    cards.push({
      file: `bundle:${manifest.published}/${entry.file}`,
      text: bytes.toString('utf8'),
    });
  }
  return cards;
}

// ---------------------------------------------------------------------------------------------

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function assertDate(text: string, flag: string): void {
  if (!isDate(text))
    throw new ShotrouterError('usage', `${flag} must be a date YYYY-MM-DD, got '${text}'`);
}
