/**
 * Project folders: a storyboard with its reference images and its run, kept together so a team
 * (through the HTTP API and the board) can plan, change, run and pick takes on it.
 *
 *     <root>/<id>/project.json        what the project is: title, files, committed plan changes
 *     <root>/<id>/storyboard.yaml     the storyboard as given, its image paths rewritten
 *     <root>/<id>/refs/<sha256>.<ext> every reference image, named by its content
 *     <root>/<id>/sounds/<sha256>.<ext> every music file (`music`, `soundtrack`), likewise
 *     <root>/<id>/run/                the run folder (database, media, the cut)
 *
 * Nothing a client names reaches the file system: uploaded files are matched to the
 * storyboard's image paths by name, checked to be images by their bytes, and stored under names
 * made from their content; the storyboard's paths are rewritten to those names in place (same
 * lines, so problems still point where the author wrote them). A local path that matches no
 * upload is a problem, never a lookup on the server's disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Catalog } from '../catalog/load.ts';
import { InvalidInputError, type Problem } from '../errors.ts';
import type { Plan } from '../router/types.ts';
import type { ImageRef, Storyboard } from '../storyboard/types.ts';
import { writeFileAtomicallySync } from '../util/atomic-write.ts';
import { type AcceptedImageType, checkImage } from '../util/image-check.ts';
import { parseStoryboard } from './catalog.ts';
import { decodeText } from './files.ts';

const IMAGE_EXTENSIONS: Record<AcceptedImageType, string> = {
  png: 'png',
  jpeg: 'jpg',
  webp: 'webp',
};

import { applyChanges, mergeChanges, type PlanChanges, plan } from './plan.ts';

export const PROJECT_FILE = 'project.json';
export const RUN_DIR = 'run';
const REFS_DIR = 'refs';
const ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;
/** distinct reference URLs fetched for one storyboard, at most */
const MAX_URLS = 32;

export interface ProjectUpload {
  /** the name the client gave (a lookup key only; never a path on the server) */
  name: string;
  /** where it is stored, relative to the project folder */
  file: string;
  bytes: number;
  media_type: string;
  /** the URL it was fetched from, for a reference given as a URL */
  url?: string;
}

export interface ProjectMeta {
  id: string;
  title: string;
  created_at: string;
  /** the storyboard's name as the client gave it (shown in problems) */
  storyboard_name: string;
  /** the storyboard file in the project folder */
  storyboard_file: string;
  uploads: ProjectUpload[];
  /** plan changes committed on top of the storyboard */
  changes: PlanChanges;
  /** who committed them (a named user; null: the single-user default) and when; absent: never */
  changed_by?: string | null;
  changed_at?: string;
  /** who created the project (a named user; null or absent: the single-user default) */
  created_by?: string | null;
  /** runs started and stopped and packages made, with who did it, oldest first (the last 200) */
  activity?: ProjectActivity[];
}

/** Something done to a project that is not kept elsewhere with its author. */
export interface ProjectActivity {
  at: string;
  /** a named user; null: the single-user default or SHOTROUTER_TOKEN */
  by: string | null;
  what: 'run_started' | 'run_stopped' | 'packaged';
  /** for a run: a preview or a real run */
  preview?: boolean;
  /** for a real run: the spend the user confirmed, USD */
  confirmed_usd?: number;
}

const ACTIVITY_KEPT = 200;

/**
 * An image given with a new project: its bytes, or a file. `checked`: the caller decoded the
 * file with the image check already (the server's upload does, as it arrives).
 */
export type NewImage =
  | { name: string; data: Uint8Array }
  | { name: string; path: string; checked?: { type: AcceptedImageType; mediaType: string } };

export interface NewProject {
  storyboard: { name: string; data: Uint8Array };
  /**
   * Reference images, matched to the storyboard's paths by name: in memory, or in a file (an
   * upload streamed to disk is read one image at a time, when the storyboard names it).
   */
  files?: NewImage[];
  /**
   * Fetches a reference given as a URL, so the project keeps its own copy. When absent, URL
   * references stay URLs (the provider fetches them).
   */
  fetchReference?: (url: string) => Promise<Uint8Array>;
  /** who creates it (a named user), kept with the project */
  by?: string | null;
}

/** The projects under one root folder. */
export class ProjectFolders {
  readonly root: string;
  readonly catalog: Catalog;
  readonly #open = new Map<string, Project>();

  constructor(root: string, catalog: Catalog) {
    this.root = path.resolve(root);
    this.catalog = catalog;
    fs.mkdirSync(this.root, { recursive: true });
  }

  /** Every project, newest first. */
  list(): ProjectMeta[] {
    const out: ProjectMeta[] = [];
    for (const name of fs.readdirSync(this.root)) {
      if (!ID_PATTERN.test(name)) continue;
      const meta = readMeta(path.join(this.root, name));
      if (meta) out.push(meta);
    }
    return out.sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  }

  /** The project with this id, or undefined (an id that is not one of ours never touches disk). */
  open(id: string): Project | undefined {
    if (!ID_PATTERN.test(id)) return undefined;
    const cached = this.#open.get(id);
    if (cached) return cached;
    const dir = path.join(this.root, id);
    const meta = readMeta(dir);
    if (!meta) return undefined;
    const project = new Project(dir, meta, this.catalog);
    this.#open.set(id, project);
    return project;
  }

  /**
   * Checks and stores a storyboard with its images as a new project. Throws
   * `InvalidInputError` (every problem, positioned in the client's file) when the storyboard is
   * invalid or names an image that was not uploaded.
   */
  async create(input: NewProject): Promise<Project> {
    const name = input.storyboard.name || 'storyboard.yaml';
    const text = decodeText(input.storyboard.data);
    if (text === undefined) {
      throw new InvalidInputError('invalid_storyboard', [
        problemAt(name, 1, 1, '', 'is not a text file (YAML or JSON, UTF-8)'),
      ]);
    }
    const id = randomBytes(9).toString('base64url');
    const staging = path.join(this.root, `.new-${id}`);
    fs.mkdirSync(path.join(staging, REFS_DIR), { recursive: true });
    try {
      const rewritten = await storeReferences(text, name, staging, input);
      const file = /^\s*[{[]/.test(text) ? 'storyboard.json' : 'storyboard.yaml';
      fs.writeFileSync(path.join(staging, file), rewritten.text);
      const storyboard = checked(
        () => parseStoryboard(rewritten.text, path.join(staging, file), { catalog: this.catalog }),
        name,
        staging,
      );
      // aliases and other indirections must not lead to a file the client did not upload
      const allowed = new Set(rewritten.uploads.map((u) => path.join(staging, u.file)));
      const stray = localImages(storyboard).find((ref) => !allowed.has(ref.path!));
      if (stray) {
        throw new InvalidInputError('invalid_storyboard', [
          problemAt(name, 1, 1, '', `image '${stray.spec}' was not uploaded with the storyboard`),
        ]);
      }
      const meta: ProjectMeta = {
        id,
        title: storyboard.title,
        created_at: new Date().toISOString(),
        storyboard_name: name,
        storyboard_file: file,
        uploads: rewritten.uploads,
        changes: {},
        created_by: input.by ?? null,
      };
      writeMeta(staging, meta);
      const dir = path.join(this.root, id);
      fs.renameSync(staging, dir);
      const project = new Project(dir, meta, this.catalog);
      this.#open.set(id, project);
      return project;
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Deletes a project folder and everything in it (its runs and media too). */
  remove(id: string): boolean {
    const project = this.open(id);
    if (!project) return false;
    this.#open.delete(id);
    fs.rmSync(project.dir, { recursive: true, force: true });
    return true;
  }
}

export class Project {
  readonly dir: string;
  readonly runDir: string;
  readonly catalog: Catalog;
  #meta: ProjectMeta;
  #storyboard: Storyboard | undefined;

  constructor(dir: string, meta: ProjectMeta, catalog: Catalog) {
    this.dir = dir;
    this.runDir = path.join(dir, RUN_DIR);
    this.catalog = catalog;
    this.#meta = meta;
  }

  get id(): string {
    return this.#meta.id;
  }

  get meta(): ProjectMeta {
    return this.#meta;
  }

  /** The storyboard as stored, without the committed changes. */
  original(): Storyboard {
    this.#storyboard ??= checked(
      () =>
        parseStoryboard(
          fs.readFileSync(path.join(this.dir, this.#meta.storyboard_file), 'utf8'),
          path.join(this.dir, this.#meta.storyboard_file),
          { catalog: this.catalog },
        ),
      this.#meta.storyboard_name,
      this.dir,
    );
    return this.#storyboard;
  }

  /** The storyboard with the committed changes, and `draft` on top when given. */
  storyboard(draft: PlanChanges = {}): Storyboard {
    return applyChanges(this.original(), mergeChanges(this.#meta.changes, draft), this.catalog);
  }

  /** The plan with the committed changes (and `draft` on top); `env` decides credential checks. */
  plan(draft: PlanChanges = {}, env?: Record<string, string | undefined>): Plan {
    return plan(this.storyboard(draft), this.catalog, env ? { env } : {});
  }

  /** Replaces the committed changes (checked first: a change that cannot apply stores nothing). */
  replaceChanges(changes: PlanChanges, by: string | null = null): void {
    applyChanges(this.original(), changes, this.catalog);
    this.#meta = { ...this.#meta, changes, changed_by: by, changed_at: new Date().toISOString() };
    writeMeta(this.dir, this.#meta);
  }

  /** Records who did something to the project (kept in its project.json, the newest 200). */
  recordActivity(entry: Omit<ProjectActivity, 'at'>): void {
    const activity = [...(this.#meta.activity ?? []), { at: new Date().toISOString(), ...entry }];
    this.#meta = { ...this.#meta, activity: activity.slice(-ACTIVITY_KEPT) };
    writeMeta(this.dir, this.#meta);
  }

  /** The stored file for an upload name, by content name (`refs/<sha256>.<ext>`), or undefined. */
  referenceFile(file: string): { path: string; mediaType: string } | undefined {
    const upload = this.#meta.uploads.find((u) => u.file === file);
    return upload
      ? { path: path.join(this.dir, upload.file), mediaType: upload.media_type }
      : undefined;
  }
}

function readMeta(dir: string): ProjectMeta | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, PROJECT_FILE), 'utf8')) as ProjectMeta;
  } catch {
    return undefined;
  }
}

function writeMeta(dir: string, meta: ProjectMeta): void {
  writeFileAtomicallySync(
    path.join(dir, PROJECT_FILE),
    `${JSON.stringify(meta, null, 2)}\n`,
    0o644,
  );
}

/** Runs a storyboard check with problems told in the client's terms (its file name, no server paths). */
function checked<T>(load: () => T, name: string, dir: string): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const scrub = (text: string | undefined) =>
      text?.replaceAll(`${dir}${path.sep}`, '').replaceAll(dir, '.');
    throw new InvalidInputError(
      'invalid_storyboard',
      error.problems.map((p) => ({
        ...p,
        file: name,
        message: scrub(p.message)!,
        ...(p.expected !== undefined ? { expected: scrub(p.expected) } : {}),
        ...(p.found !== undefined ? { found: scrub(p.found) } : {}),
        ...(p.hint !== undefined ? { hint: scrub(p.hint) } : {}),
      })),
    );
  }
}

interface ReferenceSite {
  /** an image (checked here by its bytes) or a sound file (checked with ffprobe before a run) */
  kind: 'image' | 'sound';
  spec: string;
  /** the field, e.g. `shots[2].references[0]` */
  field: string;
  start: number;
  end: number;
}

/**
 * Stores every image the storyboard names (an upload matched by name, or a fetched URL) under
 * its content name in `dir/refs/`, and returns the storyboard text with those paths rewritten.
 */
async function storeReferences(
  text: string,
  name: string,
  dir: string,
  input: NewProject,
): Promise<{ text: string; uploads: ProjectUpload[] }> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  // a storyboard that does not parse is reported by the checker, with its positions
  if (doc.errors.length > 0) return { text, uploads: [] };

  const sites = referenceSites(doc.contents);
  const byName = new Map<string, ImageSource>();
  const byBase = new Map<string, Array<ImageSource>>();
  for (const file of input.files ?? []) {
    const key = normalizeName(file.name);
    const source = imageSource(file);
    byName.set(key, source);
    const base = key.slice(key.lastIndexOf('/') + 1);
    byBase.set(base, [...(byBase.get(base) ?? []), source]);
  }

  const problems: Problem[] = [];
  const stored = new Map<string, ProjectUpload>();
  const fetched = new Map<string, Promise<Uint8Array>>();
  const replacements: Array<{ start: number; end: number; file: string }> = [];
  const at = (site: ReferenceSite, message: string, extra: Partial<Problem> = {}) => {
    const { line, col } = lines.linePos(site.start);
    problems.push({ ...problemAt(name, line, col, site.field, message), ...extra });
  };

  for (const site of sites) {
    let source: ImageSource | undefined;
    let url: string | undefined;
    if (site.kind === 'sound') {
      const sound = storeSound(site, byName, byBase, dir, at);
      if (sound === undefined) continue;
      if (!stored.has(sound.file)) stored.set(sound.file, sound);
      replacements.push({ start: site.start, end: site.end, file: sound.file });
      continue;
    }
    if (/^https?:\/\//i.test(site.spec)) {
      if (!input.fetchReference) continue;
      url = site.spec.trim();
      if (!fetched.has(url) && fetched.size >= MAX_URLS) {
        at(site, `too many reference URLs (at most ${MAX_URLS} distinct ones)`);
        continue;
      }
      let pending = fetched.get(url);
      if (!pending) {
        pending = input.fetchReference(url);
        fetched.set(url, pending);
      }
      try {
        source = imageSource({ name: url, data: await pending });
      } catch (error) {
        at(site, `reference URL refused: ${(error as Error).message}`, { found: url });
        continue;
      }
    } else if (/^[a-z][a-z0-9+.-]+:/i.test(site.spec.trim())) {
      continue; // another scheme: the checker explains what is accepted
    } else {
      const key = normalizeName(site.spec);
      const base = key.slice(key.lastIndexOf('/') + 1);
      const sameBase = byBase.get(base) ?? [];
      source = byName.get(key) ?? (sameBase.length === 1 ? sameBase[0] : undefined);
      if (!source) {
        at(site, 'this image was not uploaded with the storyboard', {
          expected: 'the image file, sent with the storyboard under this name',
          found: JSON.stringify(site.spec),
          ...(sameBase.length > 1
            ? { hint: `several uploads are called '${base}': send them with their folder` }
            : {}),
        });
        continue;
      }
    }
    // the check a run makes before sending an image: decoded to its end, nothing after it
    const image = source.examine();
    if (!image.ok) {
      at(site, `${image.reason}`, { found: JSON.stringify(site.spec) });
      continue;
    }
    const file = `${REFS_DIR}/${image.sha}.${IMAGE_EXTENSIONS[image.type]}`;
    if (!stored.has(file)) {
      source.copyTo(path.join(dir, file));
      stored.set(file, {
        name: url ?? site.spec,
        file,
        bytes: image.bytes,
        media_type: image.mediaType,
        ...(url ? { url } : {}),
      });
    }
    replacements.push({ start: site.start, end: site.end, file });
  }
  if (problems.length > 0) throw new InvalidInputError('invalid_storyboard', problems);

  let out = text;
  for (const r of replacements.sort((a, b) => b.start - a.start)) {
    out = `${out.slice(0, r.start)}${JSON.stringify(r.file)}${out.slice(r.end)}`;
  }
  return { text: out, uploads: [...stored.values()] };
}

/** Sound file extensions kept as given, and the media type each is served as. */
const SOUND_TYPES: Record<string, string> = {
  m4a: 'audio/mp4',
  mp4: 'audio/mp4',
  aac: 'audio/aac',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
};
const SOUNDS_DIR = 'sounds';

/** Whether an upload's name is that of a sound file (kept as sent; checked by ffprobe before a run). */
export function isSoundFileName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && Object.hasOwn(SOUND_TYPES, name.slice(dot + 1).toLowerCase());
}

/**
 * A sound file the storyboard names (`music`, `soundtrack`), matched to an upload by name and
 * stored under its content name in `dir/sounds/`; whether it decodes is checked with ffprobe
 * before a run. URLs are left to the checker, which refuses them.
 */
function storeSound(
  site: ReferenceSite,
  byName: ReadonlyMap<string, ImageSource>,
  byBase: ReadonlyMap<string, ImageSource[]>,
  dir: string,
  at: (site: ReferenceSite, message: string, extra?: Partial<Problem>) => void,
): ProjectUpload | undefined {
  if (/^[a-z][a-z0-9+.-]+:/i.test(site.spec.trim())) return undefined;
  const key = normalizeName(site.spec);
  const base = key.slice(key.lastIndexOf('/') + 1);
  const sameBase = byBase.get(base) ?? [];
  const source = byName.get(key) ?? (sameBase.length === 1 ? sameBase[0] : undefined);
  const ext = base.slice(base.lastIndexOf('.') + 1).toLowerCase();
  const mediaType = base.includes('.') ? SOUND_TYPES[ext] : undefined;
  if (mediaType === undefined) {
    at(site, 'is not a sound file this program takes', {
      expected: Object.keys(SOUND_TYPES)
        .map((e) => `.${e}`)
        .join(', '),
      found: JSON.stringify(site.spec),
    });
    return undefined;
  }
  if (!source) {
    at(site, 'this sound file was not uploaded with the storyboard', {
      expected: 'the sound file, sent with the storyboard under this name',
      found: JSON.stringify(site.spec),
    });
    return undefined;
  }
  const data = source.bytes();
  const file = `${SOUNDS_DIR}/${createHash('sha256').update(data).digest('hex')}.${ext}`;
  fs.mkdirSync(path.join(dir, SOUNDS_DIR), { recursive: true });
  if (!fs.existsSync(path.join(dir, file))) source.copyTo(path.join(dir, file));
  return { name: site.spec, file, bytes: data.byteLength, media_type: mediaType };
}

/** An image given with a project, examined once however often the storyboard names it. */
interface ImageSource {
  /** the file's bytes, unexamined (a sound file) */
  bytes(): Uint8Array;
  examine():
    | { ok: true; sha: string; type: AcceptedImageType; mediaType: string; bytes: number }
    | { ok: false; reason: string };
  copyTo(file: string): void;
}

/**
 * In memory, or in a file read only when the storyboard names it. A file the caller has already
 * decoded (`checked`: an upload the server checked as it arrived) is hashed as a stream and
 * copied, so no image is held in memory twice.
 */
function imageSource(file: NewImage): ImageSource {
  let result: ReturnType<ImageSource['examine']> | undefined;
  return {
    examine() {
      if (result) return result;
      if ('path' in file && file.checked) {
        const hash = createHash('sha256');
        const chunk = Buffer.alloc(1024 * 1024);
        const fd = fs.openSync(file.path, 'r');
        let bytes = 0;
        try {
          for (let n = fs.readSync(fd, chunk); n > 0; n = fs.readSync(fd, chunk)) {
            hash.update(chunk.subarray(0, n));
            bytes += n;
          }
        } finally {
          fs.closeSync(fd);
        }
        result = { ok: true, sha: hash.digest('hex'), ...file.checked, bytes };
        return result;
      }
      const data = 'data' in file ? file.data : fs.readFileSync(file.path);
      const verdict = checkImage(data);
      result = verdict.ok
        ? {
            ok: true,
            sha: createHash('sha256').update(data).digest('hex'),
            type: verdict.type,
            mediaType: verdict.mediaType,
            bytes: data.byteLength,
          }
        : verdict;
      return result;
    },
    bytes() {
      return 'data' in file ? file.data : fs.readFileSync(file.path);
    },
    copyTo(to) {
      if ('data' in file) fs.writeFileSync(to, file.data);
      else fs.copyFileSync(file.path, to);
    },
  };
}

/** Where the storyboard names images: characters' references, shots' references and frames. */
function referenceSites(root: Node | null): ReferenceSite[] {
  const sites: ReferenceSite[] = [];
  const add = (node: unknown, field: string, kind: ReferenceSite['kind'] = 'image') => {
    if (isScalar(node) && typeof node.value === 'string' && node.range) {
      sites.push({ kind, spec: node.value, field, start: node.range[0], end: node.range[1] });
    }
  };
  /** a sound field: `{ file }`, or the path alone */
  const addSound = (node: unknown, field: string): void => {
    if (isMap(node)) add(node.get('file', true), `${field}.file`, 'sound');
    else add(node, field, 'sound');
  };
  const addList = (node: unknown, field: string) => {
    if (!isSeq(node)) return add(node, field);
    node.items.forEach((item, i) => {
      add(item, `${field}[${i}]`);
    });
  };
  if (!isMap(root)) return sites;
  const characters = root.get('characters', true);
  if (isMap(characters)) {
    for (const pair of characters.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (isMap(pair.value)) {
        addList(pair.value.get('references', true), `characters.${key}.references`);
      }
    }
  }
  const shots = root.get('shots', true);
  if (isSeq(shots)) {
    shots.items.forEach((shot, i) => {
      if (!isMap(shot)) return;
      addList(shot.get('references', true), `shots[${i}].references`);
      add(shot.get('first_frame', true), `shots[${i}].first_frame`);
      add(shot.get('last_frame', true), `shots[${i}].last_frame`);
    });
  }
  const music = root.get('music', true);
  if (isSeq(music)) {
    music.items.forEach((bed, i) => {
      addSound(bed, `music[${i}]`);
    });
  }
  addSound(root.get('soundtrack', true), 'soundtrack');
  return sites;
}

/** `./refs\a.png` → `refs/a.png`: how a client's file name is compared to a storyboard path. */
function normalizeName(name: string): string {
  return name
    .trim()
    .replaceAll('\\', '/')
    .replace(/^(\.\/)+/, '');
}

function problemAt(
  file: string,
  line: number,
  col: number,
  field: string,
  message: string,
): Problem {
  return { file, line, col, path: field, message };
}

/** Every local image a storyboard uses. */
function localImages(storyboard: Storyboard): ImageRef[] {
  const refs: ImageRef[] = [];
  for (const c of Object.values(storyboard.characters)) refs.push(...c.references);
  for (const s of storyboard.shots) {
    refs.push(...s.references);
    if (s.firstFrame) refs.push(s.firstFrame);
    if (s.lastFrame) refs.push(s.lastFrame);
  }
  return refs.filter((r) => r.path !== undefined);
}
