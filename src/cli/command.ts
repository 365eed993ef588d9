/**
 * The shape every command has. Commands are thin: they parse flags, call the library, print.
 * Errors are thrown as ShotrouterError and turned into exit codes in one place (main.ts).
 */
import type { ParseArgsOptionsConfig } from 'node:util';

export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** aborted on Ctrl-C (SIGINT) or SIGTERM */
  signal: AbortSignal;
}

export interface CommandArgs {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** one line for `shotrouter --help` */
  summary: string;
  /** e.g. `shotrouter plan FILE [--json] [--as-of DATE] [--budget USD]` */
  usage: string;
  options: ParseArgsOptionsConfig;
  /** how many positionals are required and allowed */
  positionals: { min: number; max: number };
  /** the command parses its own flags: `run` gets every argument as a positional */
  ownFlags?: boolean;
  run(args: CommandArgs, io: CommandIO): Promise<number>;
}
