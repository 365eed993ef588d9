/**
 * The sandbox's output files: real MP4 clips rendered once per set of parameters, signed
 * download URLs that expire, and files clients upload (fal storage).
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CONTAINER_ARGS } from '../media/encoding.ts';
import { localFile, runFfmpeg } from '../media/ffmpeg.ts';
import { renderPreview, renderStill } from '../media/preview.ts';
import type { Job, RenderSpec } from './jobs.ts';

export interface MediaOptions {
  dir: string;
  maxSize: { width: number; height: number } | undefined;
  now: () => number;
  log: (line: string) => void;
}

interface Upload {
  bytes: Buffer;
  contentType: string;
}

/** Each ffmpeg run is a few processes' worth of CPU; keep a burst of jobs from starving the box. */
const RENDER_SLOTS = Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

/** The frame actually rendered: the requested one scaled down to fit `maxSize`, aspect kept. */
export function renderedSize(
  width: number,
  height: number,
  maxSize: { width: number; height: number } | undefined,
): { width: number; height: number } {
  if (maxSize === undefined) return { width: even(width), height: even(height) };
  const scale = Math.min(1, maxSize.width / width, maxSize.height / height);
  return { width: even(width * scale), height: even(height * scale) };
}

/** The `short` defect: a quarter shorter, and at least half a second short. */
function shortOf(seconds: number): number {
  return Math.max(seconds / 2, Math.min(seconds * 0.75, seconds - 0.5));
}

/**
 * A defect drawn onto a rendered clip: black or frozen from a fifth of the way in for 0.75 s /
 * 1.5 s (less only when the clip is too short), or the sound muted throughout.
 */
async function spoil(
  input: string,
  output: string,
  defect: 'black' | 'frozen' | 'silent',
  p: RenderSpec,
  signal: AbortSignal,
): Promise<void> {
  const from = p.seconds / 5;
  const room = p.seconds - from;
  const frames = Math.round(p.seconds * p.fps);
  const video =
    defect === 'black'
      ? ['-vf', `drawbox=enable='between(t,${from},${from + Math.min(0.75, room)})':c=black:t=fill`]
      : defect === 'frozen'
        ? [
            '-vf',
            `loop=loop=${Math.round(Math.min(1.5, room) * p.fps)}:size=1:start=${Math.round(from * p.fps)},` +
              `trim=end_frame=${frames},setpts=N/(${p.fps}*TB)`,
          ]
        : ['-c:v', 'copy'];
  const audio = !p.audio
    ? []
    : defect === 'silent'
      ? ['-af', 'volume=0', '-c:a', 'aac']
      : ['-c:a', 'copy'];
  const encode =
    defect === 'silent' ? [] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  await runFfmpeg(
    ['-i', localFile(input), ...video, ...encode, ...audio, ...CONTAINER_ARGS, '-y', output],
    { signal },
  );
}

export class MediaStore {
  private readonly options: MediaOptions;
  /** signs download URLs; new per sandbox, so URLs from another run are invalid */
  private readonly secret = randomBytes(32);
  private readonly renders = new Map<string, Promise<string>>();
  private readonly uploads = new Map<string, Upload>();
  private readonly abort = new AbortController();
  private active = 0;
  private readonly slotWaiters: (() => void)[] = [];

  constructor(options: MediaOptions) {
    this.options = options;
  }

  /** Start rendering the job's clip now, so it is ready (or nearly) when the job completes. */
  prepare(job: Job): void {
    if (job.fate !== 'success') return;
    this.clip(job.render).catch(() => {
      // reported when the clip is asked for; nothing waits on this promise yet
    });
  }

  /** The path of the job's MP4 (a PNG for a still), rendering it if needed. Rejects when ffmpeg fails. */
  clip(spec: RenderSpec): Promise<string> {
    if (spec.still === true) return this.still(spec);
    const size = renderedSize(spec.width, spec.height, this.options.maxSize);
    const params = {
      seconds: spec.seconds,
      width: size.width,
      height: size.height,
      fps: spec.fps,
      audio: spec.audio,
      model: spec.model,
      prompt: spec.prompt.slice(0, 200),
      ...(spec.defect !== undefined ? { defect: spec.defect } : {}),
    };
    const key = createHash('sha256')
      .update(JSON.stringify(params))
      .update(spec.firstFrame ?? '')
      .digest('hex')
      .slice(0, 24);
    let pending = this.renders.get(key);
    if (pending === undefined) {
      pending = this.render(
        key,
        spec.firstFrame === undefined ? params : { ...params, firstFrame: spec.firstFrame },
      );
      this.renders.set(key, pending);
      // a failed render may succeed on a later try (e.g. a transient ffmpeg problem)
      pending.catch(() => this.renders.delete(key));
    }
    return pending;
  }

  /** An image job's PNG: a labelled placeholder of the size asked (within `maxSize`). */
  private still(spec: RenderSpec): Promise<string> {
    const size = renderedSize(spec.width, spec.height, this.options.maxSize);
    const key = createHash('sha256')
      .update(JSON.stringify({ still: true, ...size, model: spec.model, prompt: spec.prompt }))
      .digest('hex')
      .slice(0, 24);
    let pending = this.renders.get(key);
    if (pending === undefined) {
      const output = join(this.options.dir, `${key}.png`);
      pending = (async () => {
        if (existsSync(output)) return output;
        await this.acquireSlot();
        try {
          await renderStill({
            output,
            ...size,
            label: { name: 'sandbox', model: spec.model, prompt: spec.prompt.slice(0, 200) },
            signal: this.abort.signal,
          });
          return output;
        } finally {
          this.releaseSlot();
        }
      })();
      this.renders.set(key, pending);
      pending.catch(() => this.renders.delete(key));
    }
    return pending;
  }

  private async render(key: string, p: RenderSpec): Promise<string> {
    const output = join(this.options.dir, `${key}.mp4`);
    if (existsSync(output)) return output;
    await mkdir(this.options.dir, { recursive: true });
    await this.acquireSlot();
    const partial = join(this.options.dir, `${key}.${randomUUID().slice(0, 8)}.part.mp4`);
    const spoiled = join(this.options.dir, `${key}.${randomUUID().slice(0, 8)}.spoiled.mp4`);
    const opening = join(this.options.dir, `${key}.first-frame`);
    try {
      if (p.firstFrame !== undefined) await writeFile(opening, p.firstFrame);
      // short, wrong size and cut are rendered so; black, frozen and silent are spoiled after
      const half = p.seconds / 2;
      await renderPreview({
        output: partial,
        seconds: p.defect === 'short' ? shortOf(p.seconds) : p.seconds,
        width: p.defect === 'wrong_size' ? even((p.width * 3) / 4) : p.width,
        height: p.defect === 'wrong_size' ? even((p.height * 3) / 4) : p.height,
        fps: p.fps,
        audio: p.audio,
        label: { shotId: 'sandbox', model: p.model, prompt: p.prompt },
        ...(p.firstFrame !== undefined ? { firstFrame: opening } : {}),
        ...(p.defect === 'cut'
          ? {
              shots: [
                { shotId: 'sandbox', prompt: p.prompt, seconds: half },
                { shotId: 'sandbox (cut)', prompt: p.prompt, seconds: half },
              ],
            }
          : {}),
        signal: this.abort.signal,
      });
      if (p.defect === 'black' || p.defect === 'frozen' || p.defect === 'silent') {
        await spoil(partial, spoiled, p.defect, p, this.abort.signal);
        await rename(spoiled, partial);
      }
      await rename(partial, output);
      return output;
    } catch (error) {
      await rm(partial, { force: true });
      await rm(spoiled, { force: true });
      if (!this.abort.signal.aborted) {
        this.options.log(
          `sandbox: render failed for ${p.model} ${p.width}x${p.height}: ${String(error)}`,
        );
      }
      throw error;
    } finally {
      await rm(opening, { force: true });
      this.releaseSlot();
    }
  }

  private async acquireSlot(): Promise<void> {
    if (this.active < RENDER_SLOTS) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next !== undefined) next();
    else this.active -= 1;
  }

  /** Stop renders in progress (on close). */
  shutdown(): void {
    this.abort.abort();
  }

  private signature(pathname: string, exp: number): string {
    return createHmac('sha256', this.secret)
      .update(`${pathname}\n${exp}`)
      .digest('hex')
      .slice(0, 32);
  }

  /**
   * A signed URL for a job's file that lives `ttlSeconds`. Under the `expired` fault the first
   * URL handed out for the job is already past its expiry; later ones are fresh, as when a
   * client fetches the job again to get a new URL.
   */
  signedUrl(origin: string, pathname: string, job: Job, ttlSeconds: number): string {
    const nowSeconds = Math.floor(this.options.now() / 1000);
    let exp = nowSeconds + ttlSeconds;
    if (job.expiredFault && !job.expiredSpent) {
      job.expiredSpent = true;
      exp = nowSeconds - 60;
    }
    return `${origin}${pathname}?exp=${exp}&sig=${this.signature(pathname, exp)}`;
  }

  /** Checks the `exp` and `sig` query parameters of a download request. */
  verify(url: URL): 'ok' | 'expired' | 'invalid' {
    const exp = Number(url.searchParams.get('exp'));
    const sig = url.searchParams.get('sig') ?? '';
    if (!Number.isInteger(exp) || sig.length === 0) return 'invalid';
    const expected = Buffer.from(this.signature(url.pathname, exp));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    return exp * 1000 < this.options.now() ? 'expired' : 'ok';
  }

  /**
   * For downloads authenticated by key rather than by a signed URL (OpenAI's content endpoint,
   * ComfyUI's /view, GCS objects): under the `expired` fault the first download fails.
   */
  takeExpiredDownload(job: Job): boolean {
    if (!job.expiredFault || job.expiredSpent) return false;
    job.expiredSpent = true;
    return true;
  }

  putUpload(id: string, bytes: Buffer, contentType: string): void {
    this.uploads.set(id, { bytes, contentType });
  }

  getUpload(id: string): Upload | undefined {
    return this.uploads.get(id);
  }

  clearUploads(): void {
    this.uploads.clear();
  }
}
