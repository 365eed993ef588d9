/**
 * Conforming a clip on the machine that downloaded it (a distributed run's worker), as soon as
 * it is kept: the run says what each job's clip is conformed to (its orders, computed by
 * assemble/landing.ts from the plan and the delivery), the worker conforms it into the shared
 * folder's `conformed/` under its content name (`<hash><ext>`, the end of every name the run's
 * conformed folder gives that clip, so identical takes are conformed once), and the run's
 * conformed folder takes the clip from there instead of conforming it again.
 *
 * Nothing depends on it: a clip not found there is conformed by the run as before.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { type ConformOptions, conformClip, mediaConcurrency } from '../media/index.ts';
import type { JobSpec } from './job-spec.ts';
import { Semaphore } from './limits.ts';

/** The folder of conformed clips: in a run folder, and in a distributed run's shared folder. */
export const CONFORMED_DIR = 'conformed';

/** The hash a file named after what it depends on ends with: of exactly `key`. */
export function keyHash(key: unknown): string {
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/** A take's conformed clip's cache key (assemble/delivery.ts): its input, then the rest. */
export function conformKey(input: string, rest: string): Record<string, unknown> {
  return { v: 1, input, ...(JSON.parse(rest) as Record<string, unknown>) };
}

/** conformClip's options but the paths, the signal and the sound sidecar (always kept). */
export type ClipConform = Omit<ConformOptions, 'input' | 'output' | 'signal' | 'soundSidecar'>;

/** One clip to make from a job's clip. JSON: it travels to the worker with the job. */
export interface ConformOrder {
  /**
   * the conformed clip's cache key but its input (the clip's sha256, known once it is made), as
   * JSON text: the hash depends on the order of its fields, which a queue's JSON may not keep
   */
  key: string;
  ext: '.mp4' | '.mov';
  options: ClipConform;
}

/**
 * What to make from a job's clip, by the index of the route that made it (the model is in the
 * clip's label, and a route may trim differently); an empty list: nothing.
 */
export type JobConforms = ConformOrder[][];

/** The content name of the clip `order` makes from the clip whose sha256 is `input`. */
export function conformedContent(order: ConformOrder, input: string): string {
  // a name in the shared folder, whatever a message says
  if (order.ext !== '.mp4' && order.ext !== '.mov') {
    throw new ShotrouterError('internal', `a conformed clip is .mp4 or .mov, not '${order.ext}'`);
  }
  return `${keyHash(conformKey(input, order.key))}${order.ext}`;
}

/**
 * A machine's landing conforms into `<root>/conformed/`: at most mediaConcurrency() at once
 * (generation keeps its own checks), each clip once however many jobs ask for it.
 */
export class LandingConforms {
  readonly dir: string;
  readonly #slots: Semaphore;
  readonly #conform: (options: ConformOptions) => Promise<unknown>;
  readonly #pending = new Map<string, Promise<void>>();

  constructor(
    root: string,
    /** (tests) the conforms at once, and how a clip is conformed */
    options: { concurrency?: number; conform?: (options: ConformOptions) => Promise<unknown> } = {},
  ) {
    this.dir = path.join(root, CONFORMED_DIR);
    this.#slots = new Semaphore(options.concurrency ?? mediaConcurrency());
    this.#conform = options.conform ?? conformClip;
  }

  /** Conforms the kept clip `file` (`sha256`) as `orders` say; throws what failed. */
  async conform(
    orders: readonly ConformOrder[],
    clip: { file: string; sha256: string },
    signal?: AbortSignal,
  ): Promise<void> {
    await Promise.all(
      orders.map((order) => {
        const output = path.join(this.dir, conformedContent(order, clip.sha256));
        let pending = this.#pending.get(output);
        if (!pending) {
          pending = this.#make(order, clip.file, output, signal).finally(() =>
            this.#pending.delete(output),
          );
          this.#pending.set(output, pending);
        }
        return pending;
      }),
    );
  }

  async #make(
    order: ConformOrder,
    input: string,
    output: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    // made before, here or on another machine
    if (fs.existsSync(output)) return;
    const release = await this.#slots.acquire(signal);
    try {
      if (fs.existsSync(output)) return;
      // conformClip writes the clip and its sound sidecar atomically (a temporary, renamed)
      await this.#conform({
        ...order.options,
        input,
        output,
        soundSidecar: true,
        ...(signal ? { signal } : {}),
      });
    } finally {
      release();
    }
  }
}

/**
 * The seam between a run's landing conforms (lib/run.ts gives it to the executor) and an
 * executor whose workers conform clips where they land (queue/coordinator.ts): what to ask of
 * them, when they are through with a job, and where their clips are.
 */
export class ConformsElsewhere {
  readonly #orders: (spec: JobSpec) => JobConforms | undefined;
  #served: { dir: string; settled: (jobId: string) => Promise<void> } | undefined;

  constructor(orders: (spec: JobSpec) => JobConforms | undefined) {
    this.#orders = orders;
  }

  /** What the machine that makes `spec`'s clip conforms from it; undefined: nothing. */
  orders(spec: JobSpec): JobConforms | undefined {
    return this.#orders(spec);
  }

  /**
   * The executor: its workers' clips are in `<root>/conformed/`, and `settled(jobId)` resolves
   * once the worker that made the job's clip is through conforming it (or gone) and the clip is
   * in the run folder.
   */
  serve(root: string, settled: (jobId: string) => Promise<void>): void {
    this.#served = { dir: path.join(root, CONFORMED_DIR), settled };
  }

  /**
   * Resolves when whatever conforms `jobId`'s clip elsewhere is over and the clip is in the run
   * folder (at once when the run's own engine kept it).
   */
  settled(jobId: string): Promise<void> {
    return this.#served?.settled(jobId) ?? Promise.resolve();
  }

  /** The clip with this content name (`<hash><ext>`) conformed elsewhere, if there is one. */
  find(content: string): string | undefined {
    if (!this.#served) return undefined;
    const file = path.join(this.#served.dir, content);
    return fs.existsSync(file) ? file : undefined;
  }
}
