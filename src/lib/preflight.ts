/**
 * Preflight: everything a run needs from the machine, checked before the first paid start, so
 * that money is never spent on clips that could not be kept. Each problem is one plain sentence
 * saying what to do; the run stops with all of them at once (`environment`, exit 2). `doctor`
 * runs the same checks.
 *
 * - ffmpeg and ffprobe are there and at least version 5 (they check, trim and join every clip);
 * - the run folder can be created and written (never under a file, never in /proc or /sys);
 * - the disk holds the clips still to make and the cut, with a margin;
 * - the run's database opens (the caller's part: see `run`);
 * - every shot's first-choice provider has credentials; a fallback without them is dropped
 *   with a warning, as is one whose model takes a shorter prompt than the shot's;
 * - every shot's prompt fits its first-choice model's `max_prompt_chars`;
 * - every provider a run would call answers a TCP connection at its base URL (a sandbox that is
 *   not running, a mistyped base URL, a local GPU server that is down), so that a run does not
 *   back off through every fallback for minutes, spending nothing and making nothing.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Catalog } from '../catalog/load.ts';
import type { JobSpec } from '../engine/job-spec.ts';
import type { StillSpec } from '../engine/still-spec.ts';
import { ShotrouterError } from '../errors.ts';
import { findBinaries } from '../media/ffmpeg.ts';
import {
  baseUrlVariable,
  credentialsFor,
  isCredentialProvider,
  missingCredentialHint,
} from '../providers/credentials.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Storyboard } from '../storyboard/types.ts';

export type PreflightCheck =
  | 'media'
  | 'folder'
  | 'disk'
  | 'credentials'
  | 'prompt'
  | 'reachable'
  | 'store'
  | 'stills';

export interface PreflightProblem {
  check: PreflightCheck;
  message: string;
}

/** The oldest ffmpeg whose filters and options the media layer uses. */
export const MIN_FFMPEG_MAJOR = 5;

/** 48 kHz stereo 32-bit float: the sound sidecars of conformed clips (media/sound-sidecar.ts) */
const SIDECAR_BYTES_PER_SECOND = 48_000 * 8;

/** Free space kept on top of the estimate: the database, reports, timelines, temp files. */
export const DISK_MARGIN_BYTES = 200 * 1024 * 1024;

/**
 * Bytes per pixel per frame a generated clip takes, generously: providers deliver H.264 at
 * roughly 0.05-0.15 bits per pixel; 0.2 covers the worst and the conformed copy.
 */
const BYTES_PER_PIXEL_FRAME = 0.2 / 8;

export interface MediaCheck {
  ok: boolean;
  ffmpeg?: string;
  ffprobe?: string;
  version?: string;
  problem?: string;
}

/** ffmpeg and ffprobe: present, runnable within 10 s, and at least version 5. */
export async function checkMedia(): Promise<MediaCheck> {
  let binaries: { ffmpeg: string; ffprobe: string };
  try {
    binaries = findBinaries();
  } catch (error) {
    return { ok: false, problem: ShotrouterError.is(error) ? error.message : String(error) };
  }
  const named = Object.entries(binaries);
  // both asked at once (each is a process start, about 0.1 s before a run's first clip)
  const answers = await Promise.allSettled(named.map(([, binary]) => versionLine(binary)));
  const versions: string[] = [];
  for (const [i, [name, binary]] of named.entries()) {
    const answer = answers[i]!;
    if (answer.status === 'rejected') {
      return {
        ok: false,
        ...binaries,
        problem: `${name} (${binary}) does not run: ${(answer.reason as Error).message.split('\n')[0]}; reinstall it (apt-get install ffmpeg, brew install ffmpeg)`,
      };
    }
    const first = answer.value.replace(/ Copyright.*/, '');
    // release builds say "ffmpeg version 6.1.1-…" or "n6.1"; git builds ("N-…") are taken as new
    const major = /version n?(\d+)\./.exec(first)?.[1];
    if (major !== undefined && Number(major) < MIN_FFMPEG_MAJOR) {
      return {
        ok: false,
        ...binaries,
        version: first,
        problem: `${name} is too old (${first}); shotrouter needs version ${MIN_FFMPEG_MAJOR} or newer: upgrade it, or point FFMPEG_PATH and FFPROBE_PATH at newer binaries`,
      };
    }
    versions.push(first);
  }
  return { ok: true, ...binaries, version: versions[0] ?? '' };
}

function versionLine(binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['-version'], { timeout: 10_000, encoding: 'utf8' }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout.split('\n')[0] ?? '');
    });
  });
}

/** File systems that hold no run folders: kernel views, not storage. */
const VIRTUAL_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * Creates the run folder (each missing level on its own: Node's recursive mkdir loops forever
 * under /proc) and proves it writable with a probe file. Returns a problem in words, or null.
 */
export function prepareFolder(dir: string): string | null {
  const absolute = path.resolve(dir);
  const virtual = VIRTUAL_ROOTS.find(
    (root) => absolute === root || absolute.startsWith(`${root}/`),
  );
  if (virtual !== undefined) {
    return `the run folder ${absolute} is inside ${virtual}, which is not storage; give --out a folder on a disk`;
  }
  const missing: string[] = [];
  let at = absolute;
  for (;;) {
    let stats: fs.Stats | undefined;
    try {
      stats = fs.statSync(at, { throwIfNoEntry: false });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') return notFolder(absolute, at);
      return `cannot use the run folder ${absolute}: ${at} cannot be read (${code ?? String(error)})`;
    }
    if (stats !== undefined) {
      if (!stats.isDirectory()) return notFolder(absolute, at);
      break;
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const level of missing) {
    try {
      fs.mkdirSync(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      return `cannot create the run folder ${absolute}: ${level} could not be made (${describeErrno(code)})`;
    }
  }
  const probe = path.join(absolute, `.shotrouter-write-test-${process.pid}`);
  try {
    fs.writeFileSync(probe, 'ok');
    fs.rmSync(probe, { force: true });
  } catch (error) {
    fs.rmSync(probe, { force: true });
    return `cannot write in the run folder ${absolute} (${describeErrno((error as NodeJS.ErrnoException).code)}); give --out a folder you can write to`;
  }
  return null;
}

function notFolder(dir: string, at: string): string {
  return `cannot use the run folder ${dir}: ${at} is a file, not a folder; give --out another path`;
}

function describeErrno(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the disk is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'ENOENT':
      return 'the folder above it does not exist or cannot hold folders';
    default:
      return code ?? 'unknown error';
  }
}

/** Bytes the clips of `specs` and a cut of `cutSeconds` at the deliver size may take. */
export function estimateMediaBytes(specs: JobSpec[], storyboard: Storyboard): number {
  let bytes = 0;
  for (const spec of specs) {
    const g = spec.routes[0]?.generate;
    if (g) bytes += g.width * g.height * g.fps * g.seconds * BYTES_PER_PIXEL_FRAME;
  }
  const { width, height } = storyboard.deliver.size;
  const seconds = storyboard.shots.reduce((sum, s) => sum + s.needs.seconds, 0);
  // the conformed copies of every shot and the cut itself
  bytes += 2 * width * height * storyboard.deliver.fps * seconds * BYTES_PER_PIXEL_FRAME;
  // each conformed clip's sound sidecar (raw float PCM) and the join's own copy of it
  if (storyboard.deliver.audio) bytes += 2 * seconds * SIDECAR_BYTES_PER_SECOND;
  return Math.ceil(bytes);
}

/** Free bytes for an unprivileged writer on the disk holding `dir`, or undefined when unknown. */
export function freeBytes(dir: string): number | undefined {
  try {
    const stats = fs.statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** The disk check: the estimate plus the margin must fit in what is free. */
export function checkDisk(
  dir: string,
  neededBytes: number,
  free: (dir: string) => number | undefined = freeBytes,
): string | null {
  const available = free(dir);
  if (available === undefined) return null;
  const needed = neededBytes + DISK_MARGIN_BYTES;
  if (available >= needed) return null;
  return `not enough free disk for the run in ${dir}: ${mib(available)} free, about ${mib(needed)} needed (the clips still to make, the cut and a ${mib(DISK_MARGIN_BYTES)} margin); free some space or give --out a folder on a larger disk`;
}

function mib(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${Math.ceil(bytes / 1024 ** 2)} MiB`;
}

export interface RouteChecks {
  problems: PreflightProblem[];
  warnings: string[];
  /** the specs, with fallbacks that cannot be used marked `unusable` */
  specs: JobSpec[];
}

/**
 * Credentials and prompt limits per route: the first choice must have both (a problem per
 * provider or shot otherwise); a fallback without them is dropped with a warning.
 * `credentials: false` skips the credential check (a registry given by the caller).
 */
export function checkRoutes(
  specs: JobSpec[],
  storyboard: Storyboard,
  catalog: Catalog,
  env: Record<string, string | undefined>,
  options: { credentials: boolean },
): RouteChecks {
  const problems: PreflightProblem[] = [];
  const warnings: string[] = [];
  const keyless = new Map<string, Set<string>>();
  const hasKey = (provider: string) =>
    !options.credentials ||
    !isCredentialProvider(provider) ||
    credentialsFor(provider, env) !== null;
  const tooLong = (model: string, prompt: string) => {
    const limit = catalog.byId.get(model)?.capabilities.max_prompt_chars?.value;
    return limit !== undefined && prompt.length > limit ? limit : undefined;
  };
  const positions = new Map(storyboard.shots.map((s) => [s.id, s]));
  const promptProblems = new Set<string>();
  const kept = specs.map((spec) => {
    const [first, ...fallbacks] = spec.routes;
    if (!first) return spec;
    // a stand-by's first route is a fallback of its group's generation
    const primary = spec.standbyFor === null;
    if (primary && !hasKey(first.provider)) {
      const shots = keyless.get(first.provider) ?? new Set<string>();
      shots.add(spec.unit);
      keyless.set(first.provider, shots);
    }
    const firstPrompt = first.prompt ?? spec.prompt;
    const limit = tooLong(first.model, firstPrompt);
    if (primary && limit !== undefined && !promptProblems.has(spec.unit)) {
      promptProblems.add(spec.unit);
      const shot = positions.get(spec.shotIds[0] ?? '');
      const where = shot
        ? `${storyboard.file}:${shot.position.line}:${shot.position.col}: shots[${shot.index}].prompt: `
        : '';
      problems.push({
        check: 'prompt',
        message: `${where}the prompt of ${spec.unit} is ${firstPrompt.length} characters; ${first.model} takes at most ${limit}: shorten it, or pin another model`,
      });
    }
    let dropped = false;
    const checked = (primary ? fallbacks : spec.routes).map((route) => {
      let reason: string | undefined;
      if (!hasKey(route.provider)) {
        reason = `no credentials (${isCredentialProvider(route.provider) ? missingCredentialHint(route.provider) : 'configure it'})`;
      } else {
        const prompt = route.prompt ?? spec.prompt;
        const over = tooLong(route.model, prompt);
        if (over !== undefined) {
          reason = `it takes prompts of at most ${over} characters, this one has ${prompt.length}`;
        }
      }
      if (reason === undefined) return route;
      dropped = true;
      warnings.push(`${spec.key}: fallback ${route.model} (${route.provider}) dropped: ${reason}`);
      // kept in place (marked), so that route indexes stored by an earlier run stay valid
      return { ...route, unusable: reason };
    });
    if (!dropped) return spec;
    return { ...spec, routes: primary ? [first, ...checked] : checked };
  });
  for (const [provider, shots] of keyless) {
    const hint = isCredentialProvider(provider) ? missingCredentialHint(provider) : '';
    const list = [...shots];
    problems.push({
      check: 'credentials',
      message: `no credentials for ${provider}, the first choice of ${list.length} shot${list.length === 1 ? '' : 's'} (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}): ${hint || `configure ${provider}`} (see \`shotrouter doctor\`), or pin those shots to a provider you have`,
    });
  }
  return { problems, warnings, specs: kept };
}

/**
 * The stills of `images:`: each must have an image adapter in the run's registry and, unless
 * the caller brought its own registry, credentials for its provider, before anything is spent.
 */
export function checkStills(
  stills: readonly StillSpec[],
  registry: ProviderRegistry,
  env: Record<string, string | undefined>,
  options: { credentials: boolean },
): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  for (const still of stills) {
    try {
      if (!registry.resolveImage) throw new Error('this registry makes no images');
      registry.resolveImage(still.provider, still.providerModel);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      problems.push({ check: 'stills', message: `images.${still.name} (${still.model}): ${why}` });
      continue;
    }
    if (
      options.credentials &&
      isCredentialProvider(still.provider) &&
      credentialsFor(still.provider, env) === null
    ) {
      problems.push({
        check: 'credentials',
        message: `no credentials for ${still.provider}, which makes images.${still.name}: ${missingCredentialHint(still.provider)} (see \`shotrouter doctor\`), or name another image model in images.${still.name}.model`,
      });
    }
  }
  return problems;
}

/** Opens a TCP connection to `host:port` and closes it; resolves null, or why it failed. */
export type Connect = (host: string, port: number) => Promise<string | null>;

const CONNECT_TIMEOUT_MS = 3000;

export const tcpConnect: Connect = (host, port) =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (why: string | null) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
      done(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`),
    );
    socket.once('connect', () => done(null));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(
        error.code === 'ECONNREFUSED'
          ? 'connection refused'
          : error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
            ? 'the host name does not resolve'
            : (error.code ?? error.message),
      ),
    );
  });

/**
 * Reachability of every provider the routes would call, one connection per base URL, all at
 * once. An unreachable first choice is a problem (nothing would be made); an unreachable
 * fallback is dropped with a warning, kept in place like one without credentials. Skipped
 * behind an HTTP proxy, where a direct connection says nothing about what fetch would reach.
 */
export async function checkReachable(
  specs: JobSpec[],
  env: Record<string, string | undefined>,
  connect: Connect = tcpConnect,
): Promise<RouteChecks> {
  const problems: PreflightProblem[] = [];
  const warnings: string[] = [];
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy) {
    return { problems, warnings, specs };
  }
  const origins = new Map<string, string>();
  for (const spec of specs) {
    for (const route of spec.routes) {
      if (route.unusable !== undefined || origins.has(route.provider)) continue;
      if (!isCredentialProvider(route.provider)) continue;
      const base = credentialsFor(route.provider, env)?.baseUrl;
      if (base !== undefined) origins.set(route.provider, base);
    }
  }
  const unreachable = new Map<string, string>();
  await Promise.all(
    [...origins].map(async ([provider, base]) => {
      let url: URL;
      try {
        url = new URL(base);
      } catch {
        unreachable.set(provider, `its base URL ${base} is not a URL`);
        return;
      }
      const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
      const why = await connect(url.hostname.replace(/^\[|\]$/g, ''), port);
      if (why !== null) unreachable.set(provider, `${url.origin} cannot be reached (${why})`);
    }),
  );
  if (unreachable.size === 0) return { problems, warnings, specs };
  const firstChoices = new Map<string, string[]>();
  const kept = specs.map((spec) => {
    const [first] = spec.routes;
    const primary = spec.standbyFor === null;
    if (primary && first !== undefined && unreachable.has(first.provider)) {
      const shots = firstChoices.get(first.provider) ?? [];
      shots.push(spec.unit);
      firstChoices.set(first.provider, shots);
    }
    let dropped = false;
    const routes = spec.routes.map((route, index) => {
      const why = unreachable.get(route.provider);
      if (why === undefined || route.unusable !== undefined || (primary && index === 0))
        return route;
      dropped = true;
      warnings.push(`${spec.key}: fallback ${route.model} (${route.provider}) dropped: ${why}`);
      return { ...route, unusable: why };
    });
    return dropped ? { ...spec, routes } : spec;
  });
  for (const [provider, shots] of firstChoices) {
    const variable = isCredentialProvider(provider) ? baseUrlVariable(provider) : 'its base URL';
    problems.push({
      check: 'reachable',
      message: `${provider} is the first choice of ${shots.length} shot${shots.length === 1 ? '' : 's'} (${shots.slice(0, 5).join(', ')}${shots.length > 5 ? ', …' : ''}) but ${unreachable.get(provider)}: start it (a rehearsal needs \`shotrouter sandbox\` running at SHOTROUTER_SANDBOX_URL), or correct ${variable}`,
    });
  }
  return { problems, warnings, specs: kept };
}

/** The error that stops a run before spending: every problem, one per line. */
export function preflightError(problems: PreflightProblem[]): ShotrouterError {
  const head =
    problems.length === 1
      ? 'the run cannot start (nothing was spent):'
      : `the run cannot start (nothing was spent): ${problems.length} problems:`;
  return new ShotrouterError(
    'environment',
    `${head}\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
    { details: { problems } },
  );
}
