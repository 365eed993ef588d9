/**
 * `shotrouter pick SHOT TAKE [DIR]`: the cut uses take TAKE (1-based) of SHOT from now on. The
 * pick is kept in the run's database, and the cut, its timelines and reports are assembled
 * again from the kept clips at once: nothing is generated and nothing is spent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ShotrouterError } from '../../errors.ts';
import { pickTake } from '../../lib/takes.ts';
import { sharedStoreOpener } from '../../queue/shared-store.ts';
import { DATABASE_FILE } from '../../store/store.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { databaseUrl, writeJson } from '../shared.ts';

export const pickCommand: Command = {
  name: 'pick',
  summary: 'choose the take of a shot the cut uses, and assemble again (no generation)',
  usage:
    'shotrouter pick SHOT TAKE [DIR] [--json] [--db URL]   (DIR: the run folder, default the current folder)',
  options: { json: { type: 'boolean' }, db: { type: 'string' } },
  positionals: { min: 2, max: 3 },
  async run(args, io) {
    const [shotId, takeText, dirArg] = args.positionals as [string, string, string?];
    const takeNumber = Number(takeText);
    if (!/^\d+$/.test(takeText) || takeNumber < 1) {
      throw new ShotrouterError('usage', `TAKE must be a take number (1, 2, …), got '${takeText}'`);
    }
    const dir = path.resolve(io.cwd, dirArg ?? '.');
    const url = databaseUrl(args, io, false);
    if (!url && !fs.existsSync(path.join(dir, DATABASE_FILE))) {
      throw new ShotrouterError(
        'usage',
        `no run in ${dir} (no ${DATABASE_FILE}): give the run folder (run --out DIR; by default runs/<storyboard name>)`,
      );
    }
    const result = await pickTake(dir, shotId, takeNumber, {
      signal: io.signal,
      ...(url ? { openStore: sharedStoreOpener(url, { env: io.env }) } : {}),
    });
    const shown = path.relative(io.cwd, dir) || '.';
    if (args.values.json) {
      writeJson(io, {
        shot: shotId,
        take: takeNumber,
        model: result.model,
        provider: result.provider,
        assembled: result.report !== null,
        report: result.report,
      });
      return EXIT.ok;
    }
    const made = `${result.model ?? 'unknown model'} via ${result.provider ?? 'unknown provider'}`;
    io.stdout.write(`${shotId}: the cut uses take ${takeNumber} (${made})\n`);
    if (result.report === null) {
      io.stdout.write(
        `the storyboard changed since this run, so the cut was not assembled again: run it again and the cut will use this take\n`,
      );
    } else {
      const files = result.report.files;
      io.stdout.write(
        `assembled again without generating anything: ${path.join(shown, result.report.final ?? '')}` +
          `${files ? `, ${[files.otio, files.fcpxml, files.edl, files.report_html].join(', ')}` : ''}\n`,
      );
      // shots that start from a frame of this shot's old pick (first_frame_from)
      for (const shot of result.report.shots)
        for (const w of shot.warnings) if (w.startsWith('stale: ')) io.stdout.write(`${w}\n`);
    }
    return EXIT.ok;
  },
};
