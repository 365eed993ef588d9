/**
 * `shotrouter pick SHOT TAKE [DIR]`: the cut uses take TAKE (1-based) of SHOT from now on. The
 * pick is kept in the run's database, and the cut, its timelines and reports are assembled
 * again from the kept clips at once: nothing is generated and nothing is spent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pickTake } from '../../assemble/index.ts';
import { ShotrouterError } from '../../errors.ts';
import { DATABASE_FILE, openStore } from '../../store/store.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeJson } from '../shared.ts';

export const pickCommand: Command = {
  name: 'pick',
  summary: 'choose the take of a shot the cut uses, and assemble again (no generation)',
  usage:
    'shotrouter pick SHOT TAKE [DIR] [--json]   (DIR: the run folder, default the current folder)',
  options: { json: { type: 'boolean' } },
  positionals: { min: 2, max: 3 },
  async run(args, io) {
    const [shotId, takeText, dirArg] = args.positionals as [string, string, string?];
    const takeNumber = Number(takeText);
    if (!/^\d+$/.test(takeText) || takeNumber < 1) {
      throw new ShotrouterError('usage', `TAKE must be a take number (1, 2, …), got '${takeText}'`);
    }
    const dir = path.resolve(io.cwd, dirArg ?? '.');
    if (!fs.existsSync(path.join(dir, DATABASE_FILE))) {
      throw new ShotrouterError(
        'usage',
        `no run in ${dir} (no ${DATABASE_FILE}): give the run folder (run --out DIR; by default runs/<storyboard name>)`,
      );
    }
    const store = await openStore({ dir });
    try {
      const result = await pickTake({ dir, store, shotId, takeNumber, signal: io.signal });
      const shown = path.relative(io.cwd, dir) || '.';
      if (args.values.json) {
        writeJson(io, {
          shot: shotId,
          take: takeNumber,
          model: result.take.job.model,
          provider: result.take.job.provider,
          assembled: result.delivery !== null,
          report: result.delivery?.report ?? null,
        });
        return EXIT.ok;
      }
      const made = `${result.take.job.model ?? 'unknown model'} via ${result.take.job.provider ?? 'unknown provider'}`;
      io.stdout.write(`${shotId}: the cut uses take ${takeNumber} (${made})\n`);
      if (result.delivery === null) {
        io.stdout.write(
          `the storyboard changed since this run, so the cut was not assembled again: run it again and the cut will use this take\n`,
        );
      } else {
        const files = result.delivery.report.files;
        io.stdout.write(
          `assembled again without generating anything: ${path.join(shown, result.delivery.report.final ?? '')}` +
            `${files ? `, ${[files.otio, files.fcpxml, files.edl, files.report_html].join(', ')}` : ''}\n`,
        );
      }
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
};
