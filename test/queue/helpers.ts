/** Worker processes for the queue tests and the scale benchmark. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const DRIVER = path.resolve(import.meta.dirname, 'worker-driver.ts');

export interface WorkerProcess {
  child: ChildProcess;
  id: string;
  /** the JSON lines it logged */
  lines: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a worker process and waits until it takes jobs. */
export function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  return spawnLogging([DRIVER], env, (line) =>
    typeof line.ready === 'string' ? line.ready : undefined,
  );
}

/** The command line's own entry point. */
export const CLI = path.resolve(import.meta.dirname, '../../bin/shotrouter.js');

/**
 * Starts `shotrouter worker ARGS` itself (the command a studio runs, with its defaults) and
 * waits until it takes jobs.
 */
export function spawnCliWorker(
  args: string[],
  env: Record<string, string>,
): Promise<WorkerProcess> {
  return spawnLogging([CLI, 'worker', ...args], env, (line) =>
    line.message === 'worker started' && typeof line.worker === 'string' ? line.worker : undefined,
  );
}

/** A process that logs JSON lines; resolves once `readyId` finds its id in one. */
async function spawnLogging(
  argv: string[],
  env: Record<string, string>,
  readyId: (line: Record<string, unknown>) => string | undefined,
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const id = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      lines.push(parsed);
      const ready = readyId(parsed);
      if (ready !== undefined) resolve(ready);
    });
    exited.then(({ code }) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
  return { child, id, lines, exited };
}
