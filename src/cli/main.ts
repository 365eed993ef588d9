/**
 * The command line: picks a command, parses its flags, runs it, and turns errors into exit
 * codes (in exit-codes.ts, nowhere else).
 */
import { parseArgs } from 'node:util';
import { formatProblem, InvalidInputError, ShotrouterError } from '../errors.ts';
import type { Command, CommandArgs, CommandIO } from './command.ts';
import { loadCommand, loadCommands } from './commands/index.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';

export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(await helpText());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write('shotrouter 0.1.0\n');
    return EXIT.ok;
  }
  const command = await loadCommand(name);
  if (!command) {
    io.stderr.write(`shotrouter: unknown command '${name}'\n\n${await helpText()}`);
    return EXIT.usage;
  }
  if (command.ownFlags) {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`usage: ${command.usage}\n\n${command.summary}\n`);
      return EXIT.ok;
    }
    return runCommand(command, { values: {}, positionals: rest }, io);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr.write(`shotrouter ${name}: ${(error as Error).message}\nusage: ${command.usage}\n`);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    io.stdout.write(`usage: ${command.usage}\n\n${command.summary}\n`);
    return EXIT.ok;
  }
  const count = parsed.positionals.length;
  if (count < command.positionals.min || count > command.positionals.max) {
    io.stderr.write(`shotrouter ${name}: wrong number of arguments\nusage: ${command.usage}\n`);
    return EXIT.usage;
  }
  return runCommand(command, parsed, io);
}

async function runCommand(command: Command, args: CommandArgs, io: CommandIO): Promise<number> {
  try {
    return await command.run(args, io);
  } catch (error) {
    io.stderr.write(`${describeError(error)}\n`);
    return exitCodeFor(error, command.name);
  }
}

function describeError(error: unknown): string {
  if (error instanceof InvalidInputError) {
    const head = error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`;
    return `${error.problems.map(formatProblem).join('\n')}\n${head}`;
  }
  if (ShotrouterError.is(error)) return `error (${error.code}): ${error.message}`;
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `internal error: ${text}\nThis is a bug in shotrouter; please report it with the command you ran.`;
}

async function helpText(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c: Command) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `shotrouter: route every shot of a storyboard to the best AI video model, generate it, assemble the cut

usage: shotrouter <command> [options]

commands:
${lines.join('\n')}

Run 'shotrouter <command> --help' for a command's options.
`;
}

function processIO(): CommandIO {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new ShotrouterError('aborted', 'interrupted'));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
}
