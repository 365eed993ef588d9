/** A CommandIO whose output is collected in memory, for running commands in-process. */
import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../src/cli/command.ts';

export function memoryIO(cwd: string, options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty ?? false, columns: 100 });
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  const io: CommandIO = {
    stdout,
    stderr,
    stdin: Object.assign(new PassThrough(), { isTTY: options.tty ?? false }),
    env: options.env ?? {},
    cwd,
    signal: new AbortController().signal,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
