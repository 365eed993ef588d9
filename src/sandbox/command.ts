/**
 * `shotrouter sandbox`: the flags (and their SHOTROUTER_SANDBOX_* environment equivalents),
 * and the command that serves until its signal aborts.
 */
import { parseArgs } from 'node:util';
import { ShotrouterError } from '../errors.ts';
import { startSandbox } from './server.ts';
import {
  FAULT_KINDS,
  type FaultKind,
  PROVIDER_NAMES,
  type ProviderName,
  type SandboxOptions,
} from './types.ts';

export const SANDBOX_USAGE = `usage: shotrouter sandbox [--port N] [--latency-ms A-B] [--faults KIND=P,…] [--seed N]
                          [--concurrency PROVIDER=N,…] [--max-size WxH] [--media-dir DIR]
                          [--kling-access-key AK --kling-secret-key SK]
  fault kinds: ${FAULT_KINDS.join(', ')}
  providers:   ${PROVIDER_NAMES.join(', ')}
  each flag also reads SHOTROUTER_SANDBOX_<FLAG> (e.g. SHOTROUTER_SANDBOX_LATENCY_MS=20-50)`;

const FLAGS = {
  port: { type: 'string' },
  'latency-ms': { type: 'string' },
  faults: { type: 'string' },
  seed: { type: 'string' },
  concurrency: { type: 'string' },
  'max-size': { type: 'string' },
  'media-dir': { type: 'string' },
  'kling-access-key': { type: 'string' },
  'kling-secret-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(message: string): ShotrouterError {
  return new ShotrouterError('usage', `${message}\n${SANDBOX_USAGE}`);
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw usage(`--${flag} takes a whole number from ${min} to ${max}, not '${text}'`);
  }
  return value;
}

/** `KEY=VALUE,KEY=VALUE` into pairs. */
function pairs(text: string, flag: string): [string, string][] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0)
        throw usage(`--${flag} takes KEY=VALUE pairs separated by commas, not '${part}'`);
      return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
    });
}

function envName(flag: string): string {
  return `SHOTROUTER_SANDBOX_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/**
 * Parses the sandbox flags. Each flag falls back to its environment variable
 * (`--latency-ms` ↔ `SHOTROUTER_SANDBOX_LATENCY_MS`); a flag wins over the variable.
 * Throws a `usage` ShotrouterError on a bad value.
 */
export function parseSandboxFlags(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): SandboxOptions & { help?: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw usage((error as Error).message);
  }
  const get = (flag: keyof typeof FLAGS): string | undefined => {
    const value = values[flag];
    if (typeof value === 'string') return value;
    const fromEnv = env[envName(flag)];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const options: SandboxOptions & { help?: boolean } = {};
  if (values.help === true) options.help = true;

  const port = get('port');
  if (port !== undefined) options.port = wholeNumber(port, 'port', 0, 65535);

  const latency = get('latency-ms');
  if (latency !== undefined) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(latency.trim());
    if (match === null)
      throw usage(`--latency-ms takes A-B in milliseconds (e.g. 20-50), not '${latency}'`);
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : Number(match[2]);
    if (max < min) throw usage(`--latency-ms: ${max} is below ${min}`);
    options.latencyMs = [min, max];
  }

  const faults = get('faults');
  if (faults !== undefined) {
    const table: Partial<Record<FaultKind, number>> = {};
    for (const [kind, p] of pairs(faults, 'faults')) {
      if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
        throw usage(`--faults: unknown kind '${kind}'; kinds are ${FAULT_KINDS.join(', ')}`);
      }
      const probability = Number(p);
      if (p === '' || !Number.isFinite(probability) || probability < 0 || probability > 1) {
        throw usage(`--faults: the probability of ${kind} must be between 0 and 1, not '${p}'`);
      }
      table[kind as FaultKind] = probability;
    }
    options.faults = table;
  }

  const seed = get('seed');
  if (seed !== undefined) options.seed = wholeNumber(seed, 'seed', 0, 2 ** 32 - 1);

  const concurrency = get('concurrency');
  if (concurrency !== undefined) {
    const limits: Partial<Record<ProviderName, number>> = {};
    for (const [name, n] of pairs(concurrency, 'concurrency')) {
      if (!(PROVIDER_NAMES as readonly string[]).includes(name)) {
        throw usage(
          `--concurrency: unknown provider '${name}'; providers are ${PROVIDER_NAMES.join(', ')}`,
        );
      }
      limits[name as ProviderName] = wholeNumber(n, 'concurrency', 1, 10_000);
    }
    options.concurrency = limits;
  }

  const maxSize = get('max-size');
  if (maxSize !== undefined) {
    const match = /^(\d+)x(\d+)$/.exec(maxSize.trim());
    if (match === null || Number(match[1]) < 2 || Number(match[2]) < 2) {
      throw usage(`--max-size takes WIDTHxHEIGHT (e.g. 320x180), not '${maxSize}'`);
    }
    options.maxSize = { width: Number(match[1]), height: Number(match[2]) };
  }

  const mediaDir = get('media-dir');
  if (mediaDir !== undefined) options.mediaDir = mediaDir;

  const accessKey = get('kling-access-key');
  const secretKey = get('kling-secret-key');
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    throw usage('--kling-access-key and --kling-secret-key go together');
  }
  if (accessKey !== undefined && secretKey !== undefined) options.kling = { accessKey, secretKey };
  return options;
}

export interface SandboxCommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** Serves until `io.signal` aborts. The URL is the first line on stdout. Returns the exit code. */
export async function runSandboxCommand(argv: string[], io: SandboxCommandIO): Promise<number> {
  let options: ReturnType<typeof parseSandboxFlags>;
  try {
    options = parseSandboxFlags(argv, io.env ?? process.env);
  } catch (error) {
    if (ShotrouterError.is(error) && error.code === 'usage') {
      io.stderr.write(`${error.message}\n`);
      return 64;
    }
    throw error;
  }
  if (options.help) {
    io.stdout.write(`${SANDBOX_USAGE}\n`);
    return 0;
  }
  const { help: _help, ...sandboxOptions } = options;
  const sandbox = await startSandbox({
    ...sandboxOptions,
    log: (line) => io.stderr.write(`${line}\n`),
  });
  io.stdout.write(`${sandbox.url}\n`);
  io.stderr.write(
    `serving ${PROVIDER_NAMES.map((n) => `/${n}`).join(' ')} on ${sandbox.url}; ` +
      `GET ${sandbox.url}/_sandbox/stats and /_sandbox/jobs, POST ${sandbox.url}/_sandbox/reset\n`,
  );
  if (!io.signal.aborted) {
    await new Promise<void>((resolve) =>
      io.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  await sandbox.close();
  return 0;
}
