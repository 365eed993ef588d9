import { formatProblem } from '../../errors.ts';
import { cutEntries, cutStarts, hasEdits } from '../../storyboard/edit.ts';
import type { Storyboard } from '../../storyboard/types.ts';
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
      `${args.positionals[0]}: ok — "${storyboard.title}", ${storyboard.shots.length} shots, ${Math.round(seconds * 100) / 100} s${editSummary(storyboard)}\n`,
    );
    return EXIT.ok;
  },
};

/** With an edit: the cut's own length, its reuse and omitted shots and its scenes. */
function editSummary(storyboard: Storyboard): string {
  const scenes = storyboard.scenes?.length ?? 0;
  if (!hasEdits(storyboard)) return scenes > 0 ? `, ${scenes} scenes` : '';
  const entries = cutEntries(storyboard);
  const cut = entries.length > 0 ? cutStarts(entries).at(-1)! + entries.at(-1)!.seconds : 0;
  const omitted = storyboard.shots.filter((s) => s.edit?.omit === true).length;
  const parts = [
    `cut ${Math.round(cut * 100) / 100} s`,
    ...(storyboard.reuses?.length ? [`${storyboard.reuses.length} reused`] : []),
    ...(omitted > 0 ? [`${omitted} omitted`] : []),
    ...(scenes > 0 ? [`${scenes} scenes`] : []),
  ];
  return ` generated; ${parts.join(', ')}`;
}
