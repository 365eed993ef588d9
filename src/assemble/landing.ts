/**
 * Conforming as clips land: each take is conformed to the deliverable as soon as the engine has
 * downloaded and checked it (its job is `done`), beside the generation and a few at a time,
 * into the same content-keyed `conformed/` folder the assembly reads. After the last clip only
 * what needs the whole is left: the join, the timelines, the report.
 *
 * In a distributed run the worker that kept a clip conforms it (engine/landing-conform.ts), as
 * `orders` says; the clip is then taken from the shared folder here, not conformed again. A
 * multi-shot group's clip is split here first, so its pieces are conformed here.
 *
 * Nothing here decides what is in the cut: a clip that fails to conform here is conformed
 * again by the assembly, which says why in the report if it fails there too.
 *
 * The cut's sound is made ahead too (media/join.ts prepareCutSound): after each clip, the
 * sound of the cut as far as it is known is encoded, one process at a time, into the cache the
 * join reads. A clip whose neighbours in the cut are made already encodes the sound around it
 * in its own conform (media/join.ts landingSound), so after the last clip the join encodes
 * nothing. Not when the storyboard edits the cut or mixes voices or music over it: then the
 * cut's sound is made whole at the end.
 */
import path from 'node:path';
import type { JobSpec } from '../engine/job-spec.ts';
import { ConformsElsewhere, type JobConforms } from '../engine/landing-conform.ts';
import {
  frameCount,
  frameRate,
  type LandingSound,
  landingSound,
  mediaConcurrency,
  type PrepareSoundOptions,
  prepareCutSound,
} from '../media/index.ts';
import type { Plan } from '../router/types.ts';
import type { Store } from '../store/store.ts';
import { hasEdits } from '../storyboard/edit.ts';
import { hasNarration } from '../storyboard/narration.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { ConformedFolder } from './conformed.ts';
import {
  conformMadeTake,
  LOUDNESS_TOLERANCE_DB,
  SOUND_CACHE,
  splitGroups,
  type Treatment,
  takeConform,
  treatmentFor,
} from './delivery.ts';
import { musicBeds } from './music.ts';
import { cutChoice } from './picks.ts';
import { deliverySettings } from './settings.ts';
import { type ShotTake, shotSources } from './shot-sources.ts';

export interface LandingInput {
  /** the run folder */
  dir: string;
  store: Store;
  storyboard: Storyboard;
  plan: Plan;
  specs: JobSpec[];
  preview: boolean;
  signal?: AbortSignal;
  /** told when a clip starts to be conformed */
  onConform?: (shotId: string, take: number) => void;
  /**
   * Conforms at once while clips are still being made (default: one fewer than the media
   * processes, at least one); once the run is over, as many as there are media processes.
   */
  concurrency?: number;
}

export class LandingConformer {
  /** the run's conformed folder: hand it to the assembly, so it finds what is done or underway */
  readonly folder: ConformedFolder;
  /** hand it to the executor: its workers conform as `orders` say, the folder takes their clips */
  readonly elsewhere: ConformsElsewhere;
  readonly #input: LandingInput;
  readonly #treatment: Treatment;
  #limit: number;
  readonly #waiting: string[] = [];
  readonly #running = new Set<Promise<void>>();
  /** each shot's takes conformed so far, for the cut's sound made ahead */
  readonly #made = new Map<string, Array<{ take: ShotTake; clip: string }>>();
  /** whether the cut's sound is made ahead (see the header) */
  readonly #soundAhead: boolean;
  #sound: Promise<void> | undefined;
  #soundAgain = false;

  constructor(input: LandingInput) {
    this.#input = input;
    this.elsewhere = new ConformsElsewhere((spec) => this.orders(spec));
    this.folder = new ConformedFolder(
      input.dir,
      deliverySettings(input.storyboard.deliver),
      input.signal,
      (content) => this.elsewhere.find(content),
    );
    this.#treatment = treatmentFor(input.preview, input.plan.title, input.onConform);
    // generation keeps a process of its own: its checks should not queue behind conforms
    this.#limit = input.concurrency ?? Math.max(1, mediaConcurrency() - 1);
    const settings = this.folder.settings;
    this.#soundAhead =
      settings.audio &&
      !hasEdits(input.storyboard) &&
      !hasNarration(input.storyboard) &&
      musicBeds(input.storyboard, settings.fps).length === 0;
  }

  /**
   * What the machine that makes `spec`'s clip conforms from it, by route: the shot's take as
   * the assembly would conform it. Undefined for a multi-shot group (split here first).
   */
  orders(spec: JobSpec): JobConforms | undefined {
    const id = spec.key.slice(0, spec.key.lastIndexOf('#'));
    const planned = this.#input.plan.shots.find((p) => p.id === id);
    const shot = this.#input.storyboard.shots.find((s) => s.id === id);
    if (!planned || !shot || planned.group) return undefined;
    return spec.routes.map((route) => [
      takeConform(
        this.folder.settings,
        planned,
        shot,
        route.trim,
        route.model,
        this.#treatment,
        false,
      ),
    ]);
  }

  /** The job `jobId` is done (its clip downloaded and checked): conform its takes. */
  landed(jobId: string): void {
    this.#waiting.push(jobId);
    this.#next();
  }

  /**
   * Every clip has landed: conform what is left with every media process (generation no longer
   * needs one). Resolves when each clip is conformed (or failed to be); never rejects.
   */
  async settled(): Promise<void> {
    this.#limit = Math.max(this.#limit, mediaConcurrency());
    this.#next();
    while (this.#running.size > 0) await Promise.all(this.#running);
    // the join takes over: what is being made ahead is finished, nothing more is started
    this.#soundAgain = false;
    while (this.#sound !== undefined) await this.#sound;
  }

  #next(): void {
    while (this.#running.size < this.#limit && this.#waiting.length > 0) {
      const jobId = this.#waiting.shift()!;
      const task: Promise<void> = this.#conformJob(jobId)
        .catch(() => {
          // the assembly conforms it again and reports the failure
        })
        .finally(() => {
          this.#running.delete(task);
          this.#next();
        });
      this.#running.add(task);
    }
  }

  async #conformJob(jobId: string): Promise<void> {
    const { store, plan, specs, storyboard, preview, signal } = this.#input;
    if (signal?.aborted) return;
    // a worker conforming the clip where it landed: its clip is taken, not made again
    await this.elsewhere.settled(jobId);
    if (signal?.aborted) return;
    const job = await store.job(jobId);
    if (job?.state !== 'done' || !job.media_sha256) return;
    const media = await store.media(job.media_sha256);
    if (!media) return;
    const sources = shotSources(plan, specs, [job]);
    const mediaRows = new Map([[media.sha256, media]]);
    const { pieces } = await splitGroups(this.folder, sources, mediaRows, preview);
    const shots = new Map(storyboard.shots.map((s) => [s.id, s]));
    for (const { planned, takes } of sources) {
      const shot = shots.get(planned.id);
      for (const take of takes) {
        if (!shot || take?.job.id !== job.id) continue;
        const piece = pieces.get(`${shot.id}#${take.take}`)?.file;
        const sound = piece === undefined ? await this.#soundInPlace(shot.id) : undefined;
        try {
          const clip = await conformMadeTake(
            this.folder,
            planned,
            shot,
            take,
            media,
            piece,
            this.#treatment,
            sound?.soundInPlace,
          );
          // a clip taken from the folder (made before, or by a worker) made no sound in place
          await sound?.kept(path.join(this.#input.dir, clip)).catch(() => false);
          this.#made.set(shot.id, [...(this.#made.get(shot.id) ?? []), { take, clip }]);
        } finally {
          await sound?.dispose();
        }
      }
    }
    this.#prepareSound();
  }

  /** Makes the cut's sound ahead, one pass at a time; a pass asked for meanwhile runs next. */
  #prepareSound(): void {
    if (!this.#soundAhead) return;
    if (this.#sound !== undefined) {
      this.#soundAgain = true;
      return;
    }
    this.#sound = this.#prepareSoundOnce()
      .catch(() => {
        // only time is lost: the join encodes what was not made ahead
      })
      .finally(() => {
        this.#sound = undefined;
        if (this.#soundAgain) {
          this.#soundAgain = false;
          this.#prepareSound();
        }
      });
  }

  async #prepareSoundOnce(): Promise<void> {
    await prepareCutSound(this.#cutSoFar());
  }

  /**
   * The cut's sound around `shotId` for its first take's conform to encode, when that take is
   * the one the cut will take and the shots beside it are made; else undefined.
   */
  async #soundInPlace(shotId: string): Promise<LandingSound | undefined> {
    const shots = this.#input.storyboard.shots;
    const landing = shots.findIndex((shot) => shot.id === shotId);
    const made = (at: number) => at < 0 || at >= shots.length || this.#made.has(shots[at]!.id);
    if (!this.#soundAhead || this.#made.has(shotId) || !made(landing - 1) || !made(landing + 1)) {
      return undefined;
    }
    // only time is lost without it: the cut's sound is then made after the conform
    return landingSound({ ...this.#cutSoFar(), landing }).catch(() => undefined);
  }

  /** The cut as the assembly will make it, as far as it is known, for its sound made ahead. */
  #cutSoFar(): PrepareSoundOptions {
    const { dir, storyboard, signal } = this.#input;
    const settings = this.folder.settings;
    const rate = frameRate(settings.fps);
    return {
      // cutChoice without picks: a guess that costs only time when a pick changes it
      entries: storyboard.shots.map((shot) => {
        const chosen = cutChoice(this.#made.get(shot.id) ?? [], undefined);
        return chosen === undefined
          ? { frames: frameCount(shot.duration, rate) }
          : { clip: path.join(dir, chosen.clip) };
      }),
      output: path.join(dir, settings.finalFile),
      codec: settings.codec,
      loudnessLufs: settings.loudness,
      loudnessToleranceDb: LOUDNESS_TOLERANCE_DB,
      soundCache: path.join(this.folder.dir, SOUND_CACHE),
      processes: 1,
      ...(signal ? { signal } : {}),
    };
  }
}
