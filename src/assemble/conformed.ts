/**
 * The `conformed/` folder: every clip the cut and its timelines use, each in the deliverable's
 * exact format, named `<shot>-take<N>-<hash>` after the shot (so an editor knows it) and a hash
 * of its input and settings (so a changed setting makes a new clip and an unchanged one is
 * never encoded twice). Files no assembly used are removed at the end, as are temporary ones.
 * A clip's sound sidecar (`<clip>.pcm`, media/sound-sidecar.ts) comes and goes with it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { moveSidecar, SIDECAR_EXTENSION, soundSidecarOf } from '../media/index.ts';
import type { DeliverySettings } from './settings.ts';

export const CONFORMED_DIR = 'conformed';

/** The content part of a clip's name: the key's hash and the extension (records excluded). */
const CLIP_CONTENT = /-([0-9a-f]{16}\.(?:mp4|mov))$/;

export class ConformedFolder {
  readonly dir: string;
  readonly runFolder: string;
  readonly settings: DeliverySettings;
  readonly signal: AbortSignal | undefined;
  readonly #used = new Set<string>();
  readonly #pending = new Map<string, Promise<void>>();
  /** clips by their content part (`<hash><ext>`): where each was made, or is being made */
  readonly #byContent = new Map<string, Promise<string>>();

  constructor(runFolder: string, settings: DeliverySettings, signal: AbortSignal | undefined) {
    this.runFolder = runFolder;
    this.dir = path.join(runFolder, CONFORMED_DIR);
    this.settings = settings;
    this.signal = signal;
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** `<name>-<hash of key>`: the stem of a file that depends on exactly `key`. */
  stem(name: string, key: unknown): string {
    const hash = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
    return `${name}-${hash}`;
  }

  /**
   * The file `<stem><ext>` in the folder, made by `make` (given a temporary path beside it)
   * unless it exists already. Concurrent calls for one file share one `make`.
   */
  async once(
    file: string,
    make: (temporary: string) => Promise<unknown>,
  ): Promise<{ absolute: string; relative: string }> {
    const absolute = path.join(this.dir, file);
    this.#used.add(file);
    if (!fs.existsSync(absolute)) {
      let pending = this.#pending.get(file);
      if (!pending) {
        pending = this.#makeOrLink(file, absolute, make);
        this.#pending.set(file, pending);
      }
      await pending;
    }
    return { absolute, relative: path.posix.join(CONFORMED_DIR, file) };
  }

  /**
   * Identical takes (two takes of one request, a clip reused by another shot with the same
   * settings) share their content part: the clip is made once and the others are links to it.
   */
  async #makeOrLink(
    file: string,
    absolute: string,
    make: (temporary: string) => Promise<unknown>,
  ): Promise<void> {
    const content = CLIP_CONTENT.exec(file)?.[1];
    const twin = content === undefined ? undefined : this.#byContent.get(content);
    if (twin === undefined) {
      const made = this.#make(absolute, make).then(() => absolute);
      if (content !== undefined) this.#byContent.set(content, made);
      await made;
      return;
    }
    const source = await twin;
    const temporary = `${absolute}.${process.pid}.link`;
    try {
      await fs.promises.rm(temporary, { force: true });
      await fs.promises
        .link(source, temporary)
        .catch(() => fs.promises.copyFile(source, temporary));
      // a link shares the clip's modification time, so its sound sidecar holds for it too (a
      // copy does not: the join then decodes it)
      await fs.promises
        .link(soundSidecarOf(source), soundSidecarOf(absolute))
        .catch(() => undefined);
      await fs.promises.rename(temporary, absolute);
    } finally {
      await fs.promises.rm(temporary, { force: true });
    }
  }

  async #make(absolute: string, make: (temporary: string) => Promise<unknown>): Promise<void> {
    const ext = path.extname(absolute);
    const temporary = `${absolute.slice(0, -ext.length)}.${process.pid}.partial${ext}`;
    try {
      await make(temporary);
      // the sound sidecar first: a clip that exists is complete
      await moveSidecar(temporary, absolute);
      await fs.promises.rename(temporary, absolute);
    } finally {
      await fs.promises.rm(temporary, { force: true });
      await fs.promises.rm(soundSidecarOf(temporary), { force: true });
    }
  }

  /** Marks a file made by other means as used by this assembly (so prune keeps it). */
  keep(file: string): void {
    this.#used.add(file);
  }

  /** Removes every file of the folder this assembly did not use. */
  async prune(): Promise<void> {
    const kept = (name: string) =>
      this.#used.has(name) ||
      (name.endsWith(SIDECAR_EXTENSION) &&
        this.#used.has(name.slice(0, -SIDECAR_EXTENSION.length)));
    for (const name of await fs.promises.readdir(this.dir)) {
      if (!kept(name)) {
        await fs.promises.rm(path.join(this.dir, name), { force: true, recursive: true });
      }
    }
  }
}
