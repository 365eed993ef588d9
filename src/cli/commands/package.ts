/**
 * `shotrouter package [DIR] --out PKG [--zip]`: the edit handed over as a folder an editor opens
 * anywhere: every take's whole clip (with handles), the three timelines pointing at them inside
 * the folder, the cut and the report (see assemble/package.ts).
 */
import path from 'node:path';
import { ShotrouterError } from '../../errors.ts';
import { packageEdit } from '../../lib/package.ts';
import { sharedStoreOpener } from '../../queue/shared-store.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { databaseUrl, writeJson } from '../shared.ts';

export const packageCommand: Command = {
  name: 'package',
  summary: 'hand the edit over: media with handles, timelines pointing at them, the report',
  usage:
    'shotrouter package [DIR] --out PKG [--zip] [--json] [--db URL]   (DIR: the run folder, default the current folder; PKG: a new folder)',
  options: {
    out: { type: 'string' },
    zip: { type: 'boolean' },
    json: { type: 'boolean' },
    db: { type: 'string' },
  },
  positionals: { min: 0, max: 1 },
  async run(args, io) {
    const out = args.values.out;
    if (typeof out !== 'string' || out === '') {
      throw new ShotrouterError('usage', 'give the package folder: --out PKG');
    }
    const dir = path.resolve(io.cwd, args.positionals[0] ?? '.');
    const url = databaseUrl(args, io, false);
    const result = await packageEdit(
      { dir, out: path.resolve(io.cwd, out), zip: args.values.zip === true },
      {
        signal: io.signal,
        ...(url ? { openStore: sharedStoreOpener(url, { env: io.env }) } : {}),
      },
    );
    if (args.values.json) {
      writeJson(io, result);
      return EXIT.ok;
    }
    const shown = (file: string) => {
      const relative = path.relative(io.cwd, file);
      return relative.startsWith('..') ? file : relative || '.';
    };
    const withHandles = result.clips.filter((c) => c.note === null).length;
    io.stdout.write(
      `packaged ${result.clips.length} clips (${withHandles} with handles) into ${shown(result.out)}\n` +
        `open timeline.otio, timeline.fcpxml or timeline.edl there; README.md says how to relink\n` +
        (result.zip ? `zip: ${shown(result.zip)}\n` : ''),
    );
    return EXIT.ok;
  },
};
