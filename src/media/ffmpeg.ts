/**
 * ffmpeg and ffprobe as child processes: finding the binaries, running them with argument
 * arrays (never a shell), bounding how many run at once, cancelling them through an
 * AbortSignal, and turning failures into `media_failed` errors that quote the last lines of
 * stderr with credentials and query strings removed.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ShotrouterError } from '../errors.ts';

export interface MediaBinaries {
  ffmpeg: string;
  ffprobe: string;
}

const INSTALL_HINT =
  'install it with `apt-get install ffmpeg` (macOS: `brew install ffmpeg`), ' +
  'or point FFMPEG_PATH and FFPROBE_PATH at the binaries';

let found: { key: string; binaries: MediaBinaries } | undefined;

/**
 * Where ffmpeg and ffprobe are: `FFMPEG_PATH` / `FFPROBE_PATH` when set, else the first match
 * on PATH, else the binaries of `@ffmpeg-installer/ffmpeg` / `@ffprobe-installer/ffprobe` when
 * those packages are installed. Throws `media_failed` with an install hint when missing.
 */
export function findBinaries(env: NodeJS.ProcessEnv = process.env): MediaBinaries {
  const key = `${env.FFMPEG_PATH}\0${env.FFPROBE_PATH}\0${env.PATH}`;
  if (found?.key === key) return found.binaries;
  const binaries = {
    ffmpeg: locate('ffmpeg', 'FFMPEG_PATH', '@ffmpeg-installer/ffmpeg', env),
    ffprobe: locate('ffprobe', 'FFPROBE_PATH', '@ffprobe-installer/ffprobe', env),
  };
  found = { key, binaries };
  return binaries;
}

function locate(name: string, envVar: string, packageName: string, env: NodeJS.ProcessEnv): string {
  const configured = env[envVar];
  if (configured) {
    if (isExecutableFile(configured)) return configured;
    throw new ShotrouterError(
      'media_failed',
      `${envVar} is set to ${configured}, which is not an executable file; fix it, or unset it to use ${name} from PATH`,
      { details: { reason: 'binary_missing', binary: name } },
    );
  }
  const fileName = process.platform === 'win32' ? `${name}.exe` : name;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, fileName);
    if (isExecutableFile(candidate)) return candidate;
  }
  const packaged = packagedBinary(packageName);
  if (packaged !== undefined) return packaged;
  throw new ShotrouterError('media_failed', `${name} was not found on PATH; ${INSTALL_HINT}`, {
    details: { reason: 'binary_missing', binary: name },
  });
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The optional installer packages export `{ path }`; they are not dependencies of ours. */
function packagedBinary(packageName: string): string | undefined {
  try {
    const loaded = createRequire(import.meta.url)(packageName) as { path?: unknown };
    return typeof loaded.path === 'string' && isExecutableFile(loaded.path)
      ? loaded.path
      : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Concurrency: encoders are multi-threaded already, so more processes than cores only adds
// memory; probes are light and get their own, larger pool so they never wait behind encodes.
// A light run fed by another as it goes (`alongside`: the sound encoded beside a conform) takes
// no slot of its own: it works only as fast as the run holding one feeds it.

class Slots {
  limit: number;
  #active = 0;
  #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  async acquire(signal: AbortSignal | undefined): Promise<() => void> {
    throwIfAborted(signal);
    if (this.#active < this.limit) {
      this.#active++;
      return this.#releaser();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#releaser());
      };
      const onAbort = () => {
        this.#waiting = this.#waiting.filter((waiter) => waiter !== grant);
        reject(abortedError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  drain(): void {
    while (this.#active < this.limit && this.#waiting.length > 0) {
      this.#active++;
      this.#waiting.shift()!();
    }
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.drain();
    };
  }
}

const defaultProcesses = Math.min(8, Math.max(1, availableParallelism()));
const pools = { ffmpeg: new Slots(defaultProcesses), ffprobe: new Slots(defaultProcesses * 2) };

export function mediaConcurrency(): number {
  return pools.ffmpeg.limit;
}

/** How many ffmpeg processes may run at once (default: the number of cores, at most 8). */
export function setMediaConcurrency(processes: number): void {
  if (!Number.isInteger(processes) || processes < 1) {
    throw new ShotrouterError(
      'internal',
      `media concurrency must be a positive integer, got ${processes}`,
    );
  }
  pools.ffmpeg.limit = processes;
  pools.ffprobe.limit = processes * 2;
  pools.ffmpeg.drain();
  pools.ffprobe.drain();
}

/**
 * Runs every task (each still bounded by the process pools) and fails on the first failure,
 * aborting the others and waiting for them to stop, so no child outlives the call.
 */
export async function allOrAbort<T>(
  tasks: Array<(signal: AbortSignal) => Promise<T>>,
  outer: AbortSignal | undefined,
): Promise<T[]> {
  const controller = new AbortController();
  const signal =
    outer === undefined ? controller.signal : AbortSignal.any([outer, controller.signal]);
  let firstError: unknown;
  let failed = false;
  const settled = await Promise.allSettled(
    tasks.map((task) =>
      task(signal).catch((error: unknown) => {
        if (!failed) {
          failed = true;
          firstError = error;
          controller.abort();
        }
        throw error;
      }),
    ),
  );
  if (failed) throw firstError;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

// ---------------------------------------------------------------------------------------------

export function abortedError(signal: AbortSignal | undefined): ShotrouterError {
  return new ShotrouterError('aborted', 'media operation aborted', { cause: signal?.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

export interface RunOptions {
  signal?: AbortSignal;
  /** called with every stderr line as it arrives (for parsing filter logs of long runs) */
  onStderrLine?: (line: string) => void;
  /**
   * Seconds of media the run reads or writes: the time limit scales with it (see timeLimitMs).
   * Without it the limit is the tool's generous default.
   */
  mediaSeconds?: number;
  /** an explicit time limit, overriding the scaled one */
  timeoutMs?: number;
  /**
   * Fed to the process's standard input, which its arguments read as `pipe:0`. If it fails,
   * the process is stopped and the run fails with its error (ffmpeg would take the end of
   * its input for the end of the media).
   */
  stdin?: AsyncIterable<Uint8Array>;
  /**
   * Receives, chunk by chunk, what the arguments write to `pipe:3` (a fourth pipe given to the
   * process). Taken as it comes: the process never waits on the receiver.
   */
  onPipe3?: (chunk: Buffer) => void;
  /**
   * A light run beside another that feeds it as it goes (through `stdin`): it takes no slot of
   * the process pool, riding on the slot of the run that feeds it (waiting for one, it would
   * hold its feeder's work back, or keep a slot idle while it waits for its input).
   */
  alongside?: boolean;
}

/**
 * How long one ffmpeg or ffprobe run may take before it is killed as hung (an H.265 conform once
 * never finished and held the whole run). ffprobe reads headers: 2 minutes. ffmpeg: a minute to
 * start plus 60 s per second of media (a 4K H.265 encode on a small machine runs at about a
 * tenth of real time, so this leaves a wide margin), or 30 minutes when the length is unknown.
 */
export function timeLimitMs(tool: keyof MediaBinaries, opts: RunOptions): number {
  if (opts.timeoutMs !== undefined) return opts.timeoutMs;
  if (tool === 'ffprobe') return 120_000;
  if (opts.mediaSeconds !== undefined && Number.isFinite(opts.mediaSeconds)) {
    return 60_000 + Math.ceil(Math.max(0, opts.mediaSeconds) * 60_000);
  }
  return 30 * 60_000;
}

const TAIL_LINES = 12;
const MAX_STDOUT_BYTES = 64 * 1024 * 1024;

/**
 * Runs ffmpeg with `args` (after `-hide_banner -nostdin`, and `-loglevel error` unless the
 * caller sets a level). Resolves with the last lines of stderr; rejects with `media_failed`
 * (exit status and stderr tail) or `aborted` (the child is killed when `signal` fires).
 */
export async function runFfmpeg(
  args: string[],
  opts: RunOptions = {},
): Promise<{ stderr: string }> {
  const level = args.includes('-loglevel') || args.includes('-v') ? [] : ['-loglevel', 'error'];
  const { stderr } = await run(
    'ffmpeg',
    ['-hide_banner', '-nostdin', ...level, ...args],
    opts,
    false,
  );
  return { stderr };
}

/** Runs ffprobe quietly and returns its stdout (ask for `-print_format json`). */
export async function runFfprobe(args: string[], opts: RunOptions = {}): Promise<string> {
  const { stdout } = await run('ffprobe', ['-hide_banner', '-v', 'error', ...args], opts, true);
  return stdout;
}

async function run(
  tool: keyof MediaBinaries,
  args: string[],
  opts: RunOptions,
  captureStdout: boolean,
): Promise<{ stderr: string; stdout: string }> {
  const binary = findBinaries()[tool];
  const { signal } = opts;
  const release = opts.alongside ? () => {} : await pools[tool].acquire(signal);
  try {
    return await new Promise((resolve, reject) => {
      throwIfAborted(signal);
      const child = spawn(binary, args, {
        stdio: [
          opts.stdin ? 'pipe' : 'ignore',
          captureStdout ? 'pipe' : 'ignore',
          'pipe',
          ...(opts.onPipe3 ? (['pipe'] as const) : []),
        ],
        windowsHide: true,
      });
      if (opts.onPipe3) child.stdio[3]?.on('data', opts.onPipe3);
      const tail: string[] = [];
      let partial = '';
      const takeLine = (line: string) => {
        if (line.trim() === '') return;
        opts.onStderrLine?.(line);
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      };
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        const lines = (partial + chunk).split(/\r?\n|\r/);
        partial = lines.pop() ?? '';
        lines.forEach(takeLine);
      });

      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      let failure: ShotrouterError | undefined;
      child.stdout?.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > MAX_STDOUT_BYTES) {
          failure ??= new ShotrouterError('media_failed', `${tool} printed more than 64 MB`);
          child.kill('SIGKILL');
        } else {
          stdout.push(chunk);
        }
      });

      if (opts.stdin && child.stdin) {
        const source = opts.stdin;
        // the process closed its input (it failed, or was stopped): the stream then throws
        // the refused write into the feed below, and the exit status says why
        let closedByProcess = false;
        child.stdin.once('error', () => (closedByProcess = true));
        child.stdin.once('close', () => (closedByProcess = true));
        const feed = async function* () {
          try {
            yield* source;
          } catch (error) {
            if (!closedByProcess) {
              // the input itself failed: ffmpeg would take its end for the end of the media
              failure ??= ShotrouterError.is(error)
                ? error
                : new ShotrouterError(
                    'media_failed',
                    `${tool}'s input failed: ${error instanceof Error ? error.message : String(error)}`,
                    { cause: error },
                  );
              child.kill('SIGKILL');
            }
            throw error;
          }
        };
        pipeline(Readable.from(feed()), child.stdin).catch(() => {});
      }

      // SIGKILL: the output is a temporary file that the caller deletes, so there is nothing
      // for ffmpeg to finalise, and a graceful stop of a long encode can take seconds.
      const onAbort = () => child.kill('SIGKILL');
      signal?.addEventListener('abort', onAbort, { once: true });
      const limit = timeLimitMs(tool, opts);
      const timer = setTimeout(() => {
        failure ??= new ShotrouterError(
          'media_failed',
          `${tool} did not finish within ${Math.round(limit / 1000)} s and was stopped (hung?); run again to retry it`,
          { details: { tool, reason: 'timeout', limitMs: limit, args: args.map(redact) } },
        );
        child.kill('SIGKILL');
      }, limit);
      timer.unref();

      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const hint = error.code === 'ENOENT' ? `; ${INSTALL_HINT}` : '';
        reject(
          new ShotrouterError(
            'media_failed',
            `could not start ${tool} (${binary}): ${error.message}${hint}`,
            {
              cause: error,
              details: { reason: 'binary_missing', binary: tool },
            },
          ),
        );
      });
      child.once('close', (exitCode, killedBy) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        takeLine(partial);
        const stderr = redact(tail.join('\n'));
        if (signal?.aborted) return reject(abortedError(signal));
        if (failure) return reject(failure);
        if (exitCode === 0)
          return resolve({ stderr, stdout: Buffer.concat(stdout).toString('utf8') });
        const status = exitCode === null ? `killed by ${killedBy}` : `exit code ${exitCode}`;
        reject(
          new ShotrouterError('media_failed', `${tool} failed (${status}):\n${indent(stderr)}`, {
            details: { tool, exitCode, signal: killedBy, stderr, args: args.map(redact) },
          }),
        );
      });
    });
  } finally {
    release();
  }
}

function indent(text: string): string {
  return text === '' ? '    (no output)' : text.replace(/^/gm, '    ');
}

/**
 * Removes what may be secret from text that quotes URLs: user:password@ and the query string
 * (signed download URLs carry their tokens there).
 */
export function redact(text: string): string {
  return text.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/@'"]*@)?([^\s?#'"]*)([?#][^\s'"]*)?/gi,
    (_match, scheme: string, rest: string, query: string | undefined) =>
      `${scheme}${rest}${query ? '?…' : ''}`,
  );
}

/**
 * A file name as ffmpeg must see it: absolute, so that neither a leading `-` (an option) nor a
 * `name:` prefix (a protocol such as `concat:` or `http:`) can change its meaning.
 */
export function localFile(file: string): string {
  return path.resolve(file);
}

/**
 * Escapes a value for a filter option inside a filtergraph: first for the option parser
 * (`\ ' :`), then for the graph parser (`\ ' [ ] , ;`), per ffmpeg-filters "Notes on
 * filtergraph escaping".
 */
export function filterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, '\\$&');
  return optionLevel.replace(/[\\'[\],;]/g, '\\$&');
}
