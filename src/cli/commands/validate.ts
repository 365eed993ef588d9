import { formatProblem } from '../../errors.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { catalogFromArgs, catalogOption, storyboardFromArgs } from '../shared.ts';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'parse and check a storyboard; print every problem with file:line:col',
  usage: 'shotrouter validate FILE [--allow-outside-paths] [--catalog OVERLAY]',
  options: { ...catalogOption, 'allow-outside-paths': { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const catalog = catalogFromArgs(args, io);
    // Invalid storyboards throw; main.ts prints every problem and exits 1.
    const storyboard = storyboardFromArgs(args, io, catalog);
    for (const warning of storyboard.warnings)
      io.stderr.write(`warning: ${formatProblem(warning)}\n`);
    const seconds = storyboard.shots.reduce((sum, s) => sum + s.duration, 0);
    io.stdout.write(
      `${args.positionals[0]}: ok — "${storyboard.title}", ${storyboard.shots.length} shots, ${Math.round(seconds * 100) / 100} s\n`,
    );
    return EXIT.ok;
  },
};
