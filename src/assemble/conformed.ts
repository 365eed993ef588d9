/**
 * The `conformed/` folder: every clip the cut and its timelines use, each in the deliverable's
 * exact format, named `<shot>-take<N>-<hash>` after the shot (so an editor knows it) and a hash
 * of its input and settings (so a changed setting makes a new clip and an unchanged one is
 * never encoded twice). Files no assembly used are removed at the end, as are temporary ones.
 * A clip's sound sidecar (`<clip>.pcm`, media/sound-sidecar.ts) comes and goes with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONFORMED_DIR, keyHash } from '../engine/landing-conform.ts';
import { moveSidecar, SIDECAR_EXTENSION, settleSidecar, soundSidecarOf } from '../media/index.ts';
import type { DeliverySettings } from './settings.ts';

export { CONFORMED_DIR };

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
  /** a clip by its content part, made by another machine (a distributed run's worker) */
  readonly #elsewhere: ((content: string) => string | undefined) | undefined;

  constructor(
    runFolder: string,
    settings: DeliverySettings,
    signal: AbortSignal | undefined,
    elsewhere?: (content: string) => string | undefined,
  ) {
    this.runFolder = runFolder;
    this.dir = path.join(runFolder, CONFORMED_DIR);
    this.settings = settings;
    this.signal = signal;
    this.#elsewhere = elsewhere;
    fs.mkdirSync(this.dir, { recursive: true });
  }

  /** `<name>-<hash of key>`: the stem of a file that depends on exactly `key`. */
  stem(name: string, key: unknown): string {
    return `${name}-${keyHash(key)}`;
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
        const made = this.#makeOrLink(file, absolute, make);
        this.#pending.set(file, made);
        // a failure is not kept: a later call (the assembly after the landing) tries again
        made.catch(() => this.#pending.delete(file));
        pending = made;
      }
      await pending;
    }
    return { absolute, relative: path.posix.join(CONFORMED_DIR, file) };
  }

  /**
   * Identical takes (two takes of one request, a clip reused by another shot with the same
   * settings) share their content part: the clip is made once and the others are links to it.
   * A clip a worker conformed where it landed is taken the same way.
   */
  async #makeOrLink(
    file: string,
    absolute: string,
    make: (temporary: string) => Promise<unknown>,
  ): Promise<void> {
    const content = CLIP_CONTENT.exec(file)?.[1];
    const twin = content === undefined ? undefined : this.#byContent.get(content);
    if (twin !== undefined) {
      await this.#place(await twin, absolute);
      return;
    }
    const made = this.#takeOrMake(content, absolute, make).then(() => absolute);
    if (content !== undefined) {
      this.#byContent.set(content, made);
      made.catch(() => {
        if (this.#byContent.get(content) === made) this.#byContent.delete(content);
      });
    }
    await made;
  }

  async #takeOrMake(
    content: string | undefined,
    absolute: string,
    make: (temporary: string) => Promise<unknown>,
  ): Promise<void> {
    const elsewhere = content === undefined ? undefined : this.#elsewhere?.(content);
    if (elsewhere !== undefined) {
      try {
        await this.#place(elsewhere, absolute);
        return;
      } catch {
        // gone or unreadable: made here as if never conformed there
      }
    }
    await this.#make(absolute, make);
  }

  /** `source` (a clip made once, with its sidecar) as `absolute` too: linked, else copied. */
  async #place(source: string, absolute: string): Promise<void> {
    const temporary = `${absolute}.${process.pid}.link`;
    try {
      await fs.promises.rm(temporary, { force: true });
      const linked = await fs.promises.link(source, temporary).then(
        () => true,
        () => fs.promises.copyFile(source, temporary).then(() => false),
      );
      await fs.promises.rm(soundSidecarOf(absolute), { force: true });
      if (linked) {
        // a link shares the clip's modification time, so its sound sidecar holds for it too
        await fs.promises
          .link(soundSidecarOf(source), soundSidecarOf(absolute))
          .catch(() => undefined);
      } else {
        // a copy has a time of its own: its sidecar, copied, is stamped with it
        await fs.promises
          .copyFile(soundSidecarOf(source), soundSidecarOf(temporary))
          .then(() => settleSidecar(temporary, absolute))
          .catch(() => undefined);
      }
      await fs.promises.rename(temporary, absolute);
    } finally {
      await fs.promises.rm(temporary, { force: true });
      await fs.promises.rm(soundSidecarOf(temporary), { force: true });
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
