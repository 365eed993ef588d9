/**
 * Loads the model catalog: one YAML card per model under `catalog/`, validated against the schema
 * and checked (./check.ts), then the user's overlay files merged on top. Every problem of every
 * file is reported at once, each with `file:line:col`. See docs/catalog.md.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError, type Problem, ShotrouterError } from '../errors.ts';
import { readSourceDoc } from '../storyboard/read-source.ts';
import { didYouMean } from '../util/did-you-mean.ts';
import { packageRoot } from '../util/package-root.ts';
import type { PathKey } from '../util/source-doc.ts';
import { checkCard, checkReplacements, checkWritten } from './check.ts';
import {
  docLocator,
  existingDepth,
  issuesToProblems,
  type Locator,
  problemAt,
} from './problems.ts';
import {
  type AnyCard,
  type ImageCard,
  ImageCardSchema,
  isImageCard,
  isJudgeCard,
  isTtsCard,
  type JudgeCard,
  JudgeCardSchema,
  type ModelCard,
  ModelCardSchema,
  type Route,
  type TtsCard,
  TtsCardSchema,
} from './schema.ts';

export interface Catalog {
  /** the models that generate video, sorted by id: everything the router may route to */
  models: ModelCard[];
  /**
   * Models of another `kind` (`edit`: they transform a video the user already has), sorted by
   * id. Recorded with their facts and prices, and kept out of `models` so that generation is
   * never routed to them; `byId` holds both.
   */
  editModels: ModelCard[];
  /** the video models of both kinds by id (judges are apart: `judgesById`) */
  byId: ReadonlyMap<string, ModelCard>;
  /**
   * Vision judges (`kind: judge`), sorted by id: models that look at a take's frames and say
   * whether it shows its prompt. Never routed for generation; ids are unique across all cards.
   */
  judges: JudgeCard[];
  judgesById: ReadonlyMap<string, JudgeCard>;
  /**
   * Text-to-speech models (`kind: tts`), sorted by id: what reads a storyboard's narration.
   * Never routed for video; ids are unique across all cards.
   */
  voices: TtsCard[];
  voicesById: ReadonlyMap<string, TtsCard>;
  /**
   * Image models (`kind: image`), sorted by id: they make the stills of the storyboard's
   * `images:`. Routed for those only, never for video.
   */
  images: ImageCard[];
  imagesById: ReadonlyMap<string, ImageCard>;
  /** the file that last defined or changed each card (an overlay, when one touched it) */
  fileOf: ReadonlyMap<string, string>;
  /** which cards these are: every plan records it, so a plan can be traced to its catalog */
  origin: CatalogOrigin;
}

/** Where a catalog's cards came from, and their digest (see cardsDigest). */
export interface CatalogOrigin {
  /** the cards shipped with shotrouter, an installed signed bundle, or a folder a caller named */
  source: 'built-in' | 'bundle' | 'folder';
  /** `sha256:<hex>` over the cards' file names and bytes */
  digest: string;
  /** a bundle's published date (YYYY-MM-DD) */
  published?: string;
  /** the trusted key that signed the bundle: its name and `ed25519:<base64>` */
  key_name?: string;
  key?: string;
  /** overlays applied on top, in order: file name and `sha256:<hex>` of its bytes */
  overlays: { file: string; digest: string }[];
}

/** A card file's name and text, from a folder or from a bundle. */
export interface CardFile {
  /** where the card is said to live in messages (a path, or `bundle:…/name.yaml`) */
  file: string;
  text: string;
}

/** The cards of an installed bundle, verified by catalog/installed.ts. */
export interface CardSet {
  key: string;
  files: CardFile[];
  origin: Omit<CatalogOrigin, 'overlays' | 'digest'>;
}

export interface LoadCatalogOptions {
  /** folder of cards; default: the repository's `catalog/` */
  dir?: string;
  /** cards already read (an installed bundle); replaces `dir` */
  cards?: CardSet;
  /** the user's overlay files, applied in order */
  overlays?: string[];
}

/** A card with what is needed to point at where its values were written. */
interface Entry {
  card: AnyCard;
  file: string;
  locate: Locator;
  /** the value as written (before schema defaults), for overlays to merge into */
  raw: Record<string, unknown>;
}

const DEFAULT_DIR = path.join(packageRoot(import.meta.url), 'catalog');
const CARD_FILE = /\.ya?ml$/;

interface LoadedCards {
  entries: Map<string, Entry>;
  origin: Omit<CatalogOrigin, 'overlays'>;
}

/** Parsed card sets, per process: the planner, the CLI and the server share them. */
const cache = new Map<string, LoadedCards>();

export function loadCatalog(options: LoadCatalogOptions = {}): Catalog {
  const base = options.cards ? loadCardSet(options.cards) : loadFolder(options.dir);
  const overlays = options.overlays ?? [];
  if (overlays.length === 0) return toCatalog(base.entries, { ...base.origin, overlays: [] });

  const entries = new Map(base.entries);
  const problems: Problem[] = [];
  const applied: CatalogOrigin['overlays'] = [];
  for (const file of overlays) {
    const overlay = applyOverlay(file, entries);
    problems.push(...overlay.problems);
    if (overlay.digest) applied.push({ file: path.basename(file), digest: overlay.digest });
  }
  problems.push(...checkReplacements(entries.values(), new Set(entries.keys())));
  if (problems.length > 0) throw new InvalidInputError('invalid_catalog', sortProblems(problems));
  return toCatalog(entries, { ...base.origin, overlays: applied });
}

/**
 * Checks a folder of cards as the built-in catalog is checked, without caching it (a bundle is
 * made from a folder that may still change); throws InvalidInputError listing every problem.
 */
export function checkCardFolder(dir: string): CardFile[] {
  const files = readCardFolder(path.resolve(dir));
  checkCardFiles(files);
  return files;
}

/** The same checks on cards already read (a bundle's); throws InvalidInputError. */
export function checkCardFiles(files: readonly CardFile[]): void {
  loadCards(files);
}

/** Forget parsed folders (for a long-running server after the catalog files change, and tests). */
export function clearCatalogCache(): void {
  cache.clear();
}

function loadFolder(dir: string | undefined): LoadedCards {
  const folder = path.resolve(dir ?? DEFAULT_DIR);
  const key = `folder:${folder}`;
  let loaded = cache.get(key);
  if (loaded === undefined) {
    const files = readCardFolder(folder);
    loaded = {
      entries: loadCards(files),
      origin: {
        source: folder === path.resolve(DEFAULT_DIR) ? 'built-in' : 'folder',
        digest: cardsDigest(files),
      },
    };
    cache.set(key, loaded);
  }
  return loaded;
}

function loadCardSet(set: CardSet): LoadedCards {
  const key = `cards:${set.key}`;
  let loaded = cache.get(key);
  if (loaded === undefined) {
    loaded = {
      entries: loadCards(set.files),
      origin: { ...set.origin, digest: cardsDigest(set.files) },
    };
    cache.set(key, loaded);
  }
  return loaded;
}

/**
 * `sha256:<hex>` over every card's file name and the digest of its text, in name order: the same
 * cards give the same digest whether they come from a folder or a bundle.
 */
export function cardsDigest(files: readonly CardFile[]): string {
  const hash = createHash('sha256');
  const listed = files
    .map((f) => ({ name: path.basename(f.file), text: f.text }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, text } of listed) {
    hash.update(`${name}\t${createHash('sha256').update(text).digest('hex')}\n`);
  }
  return `sha256:${hash.digest('hex')}`;
}

function readCardFolder(dir: string): CardFile[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => CARD_FILE.test(n))
      .sort();
  } catch (error) {
    throw new ShotrouterError('invalid_catalog', `cannot read the catalog folder ${dir}`, {
      cause: error,
    });
  }
  return names.map((name) => {
    const file = path.join(dir, name);
    return { file, text: readFileSync(file, 'utf8') };
  });
}

function loadCards(files: readonly CardFile[]): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const problems: Problem[] = [];
  for (const { file, text } of files) {
    const name = path.basename(file);
    const doc = readSourceDoc(text, file);
    if (doc.syntaxProblems.length > 0) {
      problems.push(...doc.syntaxProblems);
      continue;
    }
    const locate = docLocator(doc);
    const parsed = parseCard(doc.value, locate);
    problems.push(...parsed.problems);
    if (parsed.entry === undefined) continue;
    const { card } = parsed.entry;
    if (name.replace(CARD_FILE, '') !== card.id) {
      problems.push(
        problemAt(locate, ['id'], `a card's file is named after its id: expected ${card.id}.yaml`),
      );
    }
    const earlier = entries.get(card.id);
    if (earlier !== undefined) {
      problems.push(
        problemAt(locate, ['id'], `duplicate id '${card.id}' (also in ${earlier.file})`),
      );
      continue;
    }
    entries.set(card.id, { ...parsed.entry, file });
  }
  problems.push(...checkReplacements(entries.values(), new Set(entries.keys())));
  if (problems.length > 0) throw new InvalidInputError('invalid_catalog', sortProblems(problems));
  return entries;
}

/** By file, then position: the order a person reads them in. */
function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col,
  );
}

/** Schema plus checks; `entry` is set only when the card is valid. */
function parseCard(
  value: unknown,
  locate: Locator,
): { entry?: Omit<Entry, 'file'>; problems: Problem[] } {
  const problems = checkWritten(value, locate);
  // a judge, a voice and an image model are cards of their own shapes; anything else is a video model
  const kind = isPlainObject(value) ? value.kind : undefined;
  const result =
    kind === 'judge'
      ? JudgeCardSchema.safeParse(value)
      : kind === 'tts'
        ? TtsCardSchema.safeParse(value)
        : kind === 'image'
          ? ImageCardSchema.safeParse(value)
          : ModelCardSchema.safeParse(value);
  if (!result.success)
    return { problems: [...problems, ...issuesToProblems(result.error.issues, value, locate)] };
  problems.push(...checkCard(result.data, locate));
  if (problems.length > 0) return { problems };
  const card = deepFreeze(result.data);
  return { entry: { card, locate, raw: value as Record<string, unknown> }, problems };
}

/**
 * Overlay: `models: [ {id, ...} ]`. An existing id is deep-merged (objects merge; arrays and
 * scalars replace; `routes` merge by provider and model, see docs/catalog.md); a new id must be a
 * complete card. Problems point at the overlay where the user wrote the value.
 */
function applyOverlay(
  file: string,
  entries: Map<string, Entry>,
): { problems: Problem[]; digest?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      problems: [
        { file, line: 1, col: 1, path: '', message: `cannot read the overlay (${reason})` },
      ],
    };
  }
  const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
  return { problems: overlayProblems(file, text, entries), digest };
}

function overlayProblems(file: string, text: string, entries: Map<string, Entry>): Problem[] {
  const doc = readSourceDoc(text, file);
  if (doc.syntaxProblems.length > 0) return doc.syntaxProblems;
  const top = docLocator(doc);
  const value = doc.value;
  if (!isPlainObject(value) || !Array.isArray(value.models)) {
    return [
      problemAt(top, [], 'an overlay is a map with a list `models`', {
        expected: 'models: [ {id: …}, … ]',
      }),
    ];
  }
  const problems: Problem[] = Object.keys(value)
    .filter((k) => k !== 'models')
    .map((k) => problemAt(top, [k], `unknown field '${k}'`, { expected: 'models' }, 'key'));

  const touched = new Set<string>();
  value.models.forEach((item: unknown, i: number) => {
    const here = docLocator(doc, ['models', i]);
    if (!isPlainObject(item) || typeof item.id !== 'string') {
      problems.push(
        problemAt(here, [], 'each overlay model needs an `id`', { expected: 'id: <model id>' }),
      );
      return;
    }
    if (touched.has(item.id)) {
      problems.push(problemAt(here, ['id'], `'${item.id}' appears twice in this overlay`));
      return;
    }
    touched.add(item.id);
    const base = entries.get(item.id);
    if (base === undefined) {
      const parsed = parseCard(item, here);
      if (parsed.entry) {
        entries.set(item.id, { ...parsed.entry, file });
      } else {
        const hint = didYouMean(item.id, entries.keys());
        problems.push(
          problemAt(
            here,
            ['id'],
            `'${item.id}' is not in the catalog, so it must be a complete card`,
            {
              hint: hint === undefined ? undefined : `to change ${hint}, write id: ${hint}`,
            },
          ),
          ...parsed.problems,
        );
      }
      return;
    }
    const merged = mergeCard(base.raw, item, here);
    problems.push(...merged.problems);
    if (merged.problems.length > 0) return;
    const locate = mergedLocator(here, item, base, merged.routeOrigins);
    const parsed = parseCard(merged.value, locate);
    problems.push(...parsed.problems);
    if (parsed.entry) entries.set(item.id, { ...parsed.entry, file, locate });
  });
  return problems;
}

/** Where a merged route came from: its index in the base card and/or in the overlay entry. */
interface RouteOrigin {
  base?: number;
  overlay?: number;
}

function mergeCard(
  base: Record<string, unknown>,
  overlay: Record<string, unknown>,
  here: Locator,
): { value: Record<string, unknown>; routeOrigins: RouteOrigin[]; problems: Problem[] } {
  const { routes: overlayRoutes, ...rest } = overlay;
  const value = deepMerge(base, rest) as Record<string, unknown>;
  const baseRoutes = Array.isArray(base.routes) ? base.routes : [];
  let routeOrigins: RouteOrigin[] = baseRoutes.map((_, i) => ({ base: i }));
  const problems: Problem[] = [];
  if (overlayRoutes !== undefined) {
    if (!Array.isArray(overlayRoutes)) {
      problems.push(
        problemAt(here, ['routes'], 'routes must be a list', { expected: '[ {provider: …}, … ]' }),
      );
    } else {
      const merged = mergeRoutes(baseRoutes, overlayRoutes, here);
      value.routes = merged.routes;
      routeOrigins = merged.origins;
      problems.push(...merged.problems);
    }
  }
  return { value, routeOrigins, problems };
}

/**
 * An overlay route replaces nothing wholesale: it merges into the base route with the same
 * provider (and model, when given), or is added when none matches.
 */
function mergeRoutes(
  base: readonly unknown[],
  overlay: readonly unknown[],
  here: Locator,
): { routes: unknown[]; origins: RouteOrigin[]; problems: Problem[] } {
  const routes = [...base];
  const origins: RouteOrigin[] = base.map((_, i) => ({ base: i }));
  const problems: Problem[] = [];
  overlay.forEach((route, j) => {
    if (!isPlainObject(route) || typeof route.provider !== 'string') {
      problems.push(problemAt(here, ['routes', j], 'an overlay route needs its `provider`'));
      return;
    }
    const matches = base
      .map((b, i) => ({ b, i }))
      .filter(
        ({ b }) =>
          isPlainObject(b) &&
          b.provider === route.provider &&
          (route.model === undefined || b.model === route.model),
      );
    const match = matches[0];
    if (matches.length > 1) {
      problems.push(
        problemAt(
          here,
          ['routes', j],
          `the card has ${matches.length} ${route.provider} routes: name the model`,
        ),
      );
    } else if (match === undefined) {
      routes.push(route);
      origins.push({ overlay: j });
    } else {
      routes[match.i] = deepMerge(routes[match.i], route);
      origins[match.i] = { base: match.i, overlay: j };
    }
  });
  return { routes, origins, problems };
}

/**
 * For a merged card: a path the overlay wrote points into the overlay; otherwise into the base
 * card's file. A missing value points at whichever file has more of its parents.
 */
function mergedLocator(
  here: Locator,
  overlay: unknown,
  base: Entry,
  routeOrigins: RouteOrigin[],
): Locator {
  const pick = (path: readonly PathKey[], how: 'at' | 'keyAt') => {
    let overlayPath: readonly PathKey[] | undefined = path;
    let basePath: readonly PathKey[] | undefined = path;
    if (path[0] === 'routes' && typeof path[1] === 'number') {
      const origin = routeOrigins[path[1]] ?? {};
      const tail = path.slice(2);
      overlayPath = origin.overlay === undefined ? undefined : ['routes', origin.overlay, ...tail];
      basePath = origin.base === undefined ? undefined : ['routes', origin.base, ...tail];
    }
    const overlayDepth = overlayPath === undefined ? -1 : existingDepth(overlay, overlayPath);
    const baseDepth = basePath === undefined ? -1 : existingDepth(base.raw, basePath);
    return overlayDepth >= baseDepth && overlayPath !== undefined
      ? here[how](overlayPath)
      : base.locate[how](basePath ?? path);
  };
  return { at: (p) => pick(p, 'at'), keyAt: (p) => pick(p, 'keyAt') };
}

function deepMerge(base: unknown, overlay: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overlay)) return overlay;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) out[key] = deepMerge(base[key], value);
  return out;
}

/** A fresh list each call (callers may sort it); the cards themselves are frozen and shared. */
function toCatalog(entries: Map<string, Entry>, origin: CatalogOrigin): Catalog {
  const sorted = [...entries.values()].sort((a, b) =>
    a.card.id < b.card.id ? -1 : a.card.id > b.card.id ? 1 : 0,
  );
  const cards = sorted.map((e) => e.card);
  const video = cards.filter(
    (card): card is ModelCard => !isJudgeCard(card) && !isTtsCard(card) && !isImageCard(card),
  );
  const judges = cards.filter(isJudgeCard);
  const voices = cards.filter(isTtsCard);
  const images = cards.filter(isImageCard);
  return {
    models: video.filter((card) => card.kind === 'generate'),
    editModels: video.filter((card) => card.kind !== 'generate'),
    byId: new Map(video.map((card) => [card.id, card])),
    judges,
    judgesById: new Map(judges.map((card) => [card.id, card])),
    voices,
    voicesById: new Map(voices.map((card) => [card.id, card])),
    images,
    imagesById: new Map(images.map((card) => [card.id, card])),
    fileOf: new Map(sorted.map((e) => [e.card.id, e.file])),
    origin,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Cards are shared between callers (and cached): nobody may change one under the others. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle at a date

export type LifecycleState = 'active' | 'preview' | 'deprecated' | 'retired' | 'unreleased';

export interface LifecycleAt {
  state: LifecycleState;
  /** when the state began: retired_on, deprecated_on, or the release date of an unreleased model */
  date?: string;
  /** the named replacement, for deprecated and retired models */
  replacement?: string;
  /** a retirement date still ahead of `asOf` */
  retiresOn?: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The model's state on `asOf` (YYYY-MM-DD). Dates win over `status`; `status` decides only a
 * state whose date is unknown (e.g. `retired` without `retired_on` is retired at any date).
 */
export function lifecycleAt(
  card: Pick<ModelCard, 'lifecycle' | 'released'>,
  asOf: string,
): LifecycleAt {
  assertDate(asOf);
  const { status, deprecated_on, retired_on, replacement } = card.lifecycle;
  const retired = retired_on?.value;
  const deprecated = deprecated_on?.value;
  const released = card.released.value;
  const withReplacement = replacement === undefined ? {} : { replacement };

  if (retired !== undefined ? retired <= asOf : status.value === 'retired') {
    return {
      state: 'retired',
      ...(retired === undefined ? {} : { date: retired }),
      ...withReplacement,
    };
  }
  const ahead = retired === undefined ? {} : { retiresOn: retired };
  if (released !== null && released > asOf)
    return { state: 'unreleased', date: released, ...ahead };
  if (deprecated !== undefined ? deprecated <= asOf : status.value === 'deprecated') {
    return {
      state: 'deprecated',
      ...(deprecated === undefined ? {} : { date: deprecated }),
      ...withReplacement,
      ...ahead,
    };
  }
  return { state: status.value === 'preview' ? 'preview' : 'active', ...ahead };
}

/** True when the route itself has stopped working by `asOf` (the model may live on elsewhere). */
export function routeRetiredAt(route: Route, asOf: string): boolean {
  assertDate(asOf);
  return route.retired_on !== undefined && route.retired_on.value <= asOf;
}

/** The routes that can be ordered on `asOf`: none when the model is retired or unreleased. */
export function routesAt(card: ModelCard, asOf: string): Route[] {
  const { state } = lifecycleAt(card, asOf);
  if (state === 'retired' || state === 'unreleased') return [];
  return card.routes.filter((r) => !routeRetiredAt(r, asOf));
}

function assertDate(asOf: string): void {
  if (!ISO_DATE.test(asOf))
    throw new ShotrouterError('usage', `as_of must be a date YYYY-MM-DD, got '${asOf}'`);
}
