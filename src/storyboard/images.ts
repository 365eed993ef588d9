/**
 * Image references (`references`, `first_frame`, `last_frame`): an http(s) URL is taken as
 * written (never fetched here); anything else is a file path relative to the storyboard's
 * folder that must exist and be a whole PNG, JPEG or WebP image (media/image-check.ts). Paths that leave the folder (absolute, `../`, or a symbolic link
 * pointing out) are refused unless the caller allows them explicitly.
 *
 * Answers are cached for one load, per spec as written and per resolved path, since a long
 * storyboard names the same few files in thousands of shots; every mention of a spec shares one
 * (read-only) `ImageRef`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { didYouMean } from '../util/did-you-mean.ts';
import { checkImageFileSync, IMAGE_LIMITS, type ImageVerdict } from '../util/image-check.ts';
import { describe, quote } from './describe.ts';
import type { FindingDetails } from './findings.ts';
import type { ImageRef } from './types.ts';

/** The command-line flag that allows paths outside the storyboard's folder (named in hints). */
export const ALLOW_OUTSIDE_FLAG = '--allow-outside-paths';

export type ImageCheck =
  | { ok: true; ref: ImageRef }
  | ({ ok: false; message: string } & FindingDetails);

/** A file a storyboard field names: where it is, or why it cannot be used. */
export type FileCheck =
  | { ok: true; path: string; bytes: number }
  | ({ ok: false; message: string } & FindingDetails);

type FileState =
  | { kind: 'file'; realPath: string | undefined; bytes: number }
  | { kind: 'folder' }
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string };

const EXPECTED = "an http(s) URL, or the path of an image file relative to the storyboard's folder";

export class ImageResolver {
  private readonly dir: string;
  private readonly allowOutside: boolean;
  private readonly specs = new Map<string, ImageCheck>();
  private readonly files = new Map<string, FileState>();
  private readonly listings = new Map<string, string[] | undefined>();
  private readonly images = new Map<string, ImageVerdict>();
  private realDir: string | undefined;

  constructor(dir: string, allowOutside: boolean) {
    this.dir = dir;
    this.allowOutside = allowOutside;
  }

  check(value: unknown): ImageCheck {
    if (typeof value !== 'string') return this.checkUncached(value);
    let result = this.specs.get(value);
    if (result === undefined) {
      result = this.checkUncached(value);
      this.specs.set(value, result);
    }
    return result;
  }

  private checkUncached(value: unknown): ImageCheck {
    if (typeof value !== 'string') {
      return {
        ok: false,
        message: 'must be a path or a URL',
        expected: EXPECTED,
        found: describe(value),
      };
    }
    const spec = value.trim();
    if (spec === '') {
      return { ok: false, message: 'is empty', expected: EXPECTED, found: quote(value) };
    }
    if (/^https?:\/\//i.test(spec)) {
      if (!URL.canParse(spec)) {
        return {
          ok: false,
          message: 'is not a valid URL',
          expected: EXPECTED,
          found: quote(value),
        };
      }
      return { ok: true, ref: { spec: value, url: spec } };
    }
    // a scheme of two letters or more (one letter is a Windows drive)
    const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(spec)?.[1];
    if (scheme !== undefined) {
      return {
        ok: false,
        message: `'${scheme}:' addresses are not supported, only http(s) URLs and file paths`,
        expected: EXPECTED,
        found: quote(value),
        hint:
          scheme.toLowerCase() === 'file'
            ? 'write the path itself, relative to the storyboard'
            : 'publish the image at an https URL, or copy it next to the storyboard',
      };
    }
    return this.checkPath(value, spec);
  }

  private checkPath(value: string, spec: string): ImageCheck {
    const found = this.locate(value, spec, 'image');
    if (!found.ok) return found;
    const image = this.image(found.path, found.bytes);
    if (!image.ok) {
      return {
        ok: false,
        message: `${image.reason}`,
        expected: 'a PNG, JPEG or WebP image file',
        found: `${quote(value)} (${found.path})`,
      };
    }
    return {
      ok: true,
      ref: { spec: value, path: found.path, size: { width: image.width, height: image.height } },
    };
  }

  /**
   * A sound file (`music`, `soundtrack`): a path under the same rules as an image's, which must
   * exist; whether it decodes is checked with ffprobe before the run (lib/media-files.ts).
   */
  checkSoundFile(value: unknown): FileCheck {
    const expected = "the path of a sound file relative to the storyboard's folder";
    if (typeof value !== 'string') {
      return { ok: false, message: 'must be a path', expected, found: describe(value) };
    }
    const spec = value.trim();
    if (spec === '') return { ok: false, message: 'is empty', expected, found: quote(value) };
    if (/^[a-z][a-z0-9+.-]+:/i.test(spec)) {
      return {
        ok: false,
        message: 'must be a file path: sound is not fetched from addresses',
        expected,
        found: quote(value),
        hint: 'download the file next to the storyboard and write its path',
      };
    }
    return this.locate(value, spec, 'sound');
  }

  /** Where a path written in the storyboard leads, if it is a file it may use. */
  private locate(value: string, spec: string, kind: 'image' | 'sound'): FileCheck {
    const noun = `${kind} file`;
    const absolute = path.isAbsolute(spec) || /^[a-zA-Z]:[\\/]/.test(spec);
    const resolved = path.resolve(this.dir, spec);
    const relative = path.relative(this.dir, resolved);
    const leaves = absolute || relative === '..' || relative.startsWith(`..${path.sep}`);
    if (leaves && !this.allowOutside) {
      return {
        ok: false,
        message: absolute
          ? "is an absolute path; paths must stay inside the storyboard's folder"
          : "leaves the storyboard's folder",
        expected: `a path inside ${this.dir}`,
        found: quote(value),
        hint: `copy the file into the storyboard's folder, or allow outside paths explicitly (${ALLOW_OUTSIDE_FLAG})`,
      };
    }
    const state = this.stat(resolved);
    if (state.kind === 'file') {
      if (
        !this.allowOutside &&
        state.realPath !== undefined &&
        !this.insideRealDir(state.realPath)
      ) {
        return {
          ok: false,
          message: "is a symbolic link to a file outside the storyboard's folder",
          expected: `a file inside ${this.dir}`,
          found: `${quote(value)}, which leads to ${state.realPath}`,
          hint: `copy the file into the storyboard's folder, or allow outside paths explicitly (${ALLOW_OUTSIDE_FLAG})`,
        };
      }
      return { ok: true, path: resolved, bytes: state.bytes };
    }
    const expected = kind === 'image' ? EXPECTED : `a ${noun}, relative to the storyboard`;
    if (state.kind === 'folder') {
      return {
        ok: false,
        message: `is a folder, not ${kind === 'image' ? 'an' : 'a'} ${noun}`,
        expected,
        found: `${quote(value)} (the folder ${resolved})`,
      };
    }
    if (state.kind === 'unreadable') {
      return {
        ok: false,
        message: `cannot be read: ${state.reason}`,
        expected,
        found: `${quote(value)} (${resolved})`,
      };
    }
    return {
      ok: false,
      message: 'file not found',
      expected: `an existing ${noun}, relative to the storyboard's folder (${this.dir})`,
      found: `${quote(value)} (looked for ${resolved})`,
      ...this.missingHint(spec, resolved),
    };
  }

  private missingHint(spec: string, resolved: string): { hint?: string } {
    if (spec.startsWith('~'))
      return { hint: `'~' is not expanded here: write the path relative to the storyboard` };
    if (spec.includes('\\')) return { hint: "separate folders with '/' rather than '\\'" };
    const folder = path.dirname(resolved);
    const names = this.list(folder);
    if (names === undefined) {
      return { hint: `the folder '${path.relative(this.dir, folder) || '.'}' does not exist` };
    }
    const name = didYouMean(path.basename(resolved), names);
    if (name === undefined) return {};
    const slash = spec.lastIndexOf('/');
    return { hint: `did you mean '${slash === -1 ? name : spec.slice(0, slash + 1) + name}'?` };
  }

  private stat(resolved: string): FileState {
    let state = this.files.get(resolved);
    if (state === undefined) {
      state = readState(resolved, !this.allowOutside);
      this.files.set(resolved, state);
    }
    return state;
  }

  /** The shared image check of a file (media/image-check.ts), once per file. */
  private image(resolved: string, bytes: number): ImageVerdict {
    let verdict = this.images.get(resolved);
    if (verdict === undefined) {
      if (bytes > IMAGE_LIMITS.maxBytes) {
        verdict = {
          ok: false,
          reason: `is ${(bytes / 1024 / 1024).toFixed(1)} MiB, over the ${IMAGE_LIMITS.maxBytes / 1024 / 1024} MiB limit for an image`,
        };
      } else {
        // read a chunk at a time: an image's pixels are never all in memory
        verdict = checkImageFileSync(resolved);
      }
      this.images.set(resolved, verdict);
    }
    return verdict;
  }

  private list(folder: string): string[] | undefined {
    if (!this.listings.has(folder)) {
      let names: string[] | undefined;
      try {
        names = fs.readdirSync(folder);
      } catch {
        names = undefined;
      }
      this.listings.set(folder, names);
    }
    return this.listings.get(folder);
  }

  private insideRealDir(realPath: string): boolean {
    if (this.realDir === undefined) {
      try {
        this.realDir = fs.realpathSync(this.dir);
      } catch {
        this.realDir = this.dir;
      }
    }
    const relative = path.relative(this.realDir, realPath);
    return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
  }
}

function readState(resolved: string, wantRealPath: boolean): FileState {
  try {
    const stats = fs.statSync(resolved, { throwIfNoEntry: false });
    if (stats === undefined) return { kind: 'missing' };
    if (stats.isDirectory()) return { kind: 'folder' };
    if (!stats.isFile()) return { kind: 'unreadable', reason: 'not a regular file' };
    return {
      kind: 'file',
      realPath: wantRealPath ? fs.realpathSync(resolved) : undefined,
      bytes: stats.size,
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'unreadable', reason: code ?? String(error) };
  }
}
