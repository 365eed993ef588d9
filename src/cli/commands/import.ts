/**
 * `shotrouter import FILE`: a MulmoScript, a Fountain screenplay or a CSV shot list as a
 * storyboard (docs/import.md). YAML on stdout, or written to `--out` (never over an existing
 * file without `--force`). The result has been checked as `validate` checks it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ShotrouterError } from '../../errors.ts';
import {
  IMPORT_FORMATS,
  type ImportFormat,
  type ImportOptions,
  importFile,
  parseColumnMap,
} from '../../import/index.ts';
import { writeTextAtomically } from '../../util/write-text.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

export const importCommand: Command = {
  name: 'import',
  summary: 'turn a MulmoScript, a Fountain screenplay or a CSV shot list into a storyboard',
  usage:
    'shotrouter import FILE [--from mulmo|fountain|csv] [--out BOARD.yaml] [--force] [--map FIELD=HEADER] [--resolution WxH] [--fps N]',
  options: {
    from: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    map: { type: 'string', multiple: true },
    resolution: { type: 'string' },
    fps: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = path.resolve(io.cwd, args.positionals[0]!);
    const v = args.values;
    const out = typeof v.out === 'string' ? path.resolve(io.cwd, v.out) : undefined;
    const options: ImportOptions = {};
    if (v.from !== undefined) options.from = format(String(v.from));
    if (out !== undefined) options.out = out;
    if (v.map !== undefined) options.map = parseColumnMap(v.map as string[]);
    if (v.resolution !== undefined) options.resolution = String(v.resolution);
    if (v.fps !== undefined) {
      const fps = Number(v.fps);
      if (!Number.isFinite(fps)) {
        throw new ShotrouterError('usage', `--fps takes a number, got '${String(v.fps)}'`);
      }
      options.fps = fps;
    }
    if (out !== undefined) {
      if (out === file) {
        throw new ShotrouterError('usage', '--out names the file being imported: give another');
      }
      if (fs.existsSync(out) && v.force !== true) {
        throw new ShotrouterError(
          'usage',
          `${v.out} exists: add --force to replace it, or give another --out`,
        );
      }
    }
    const result = importFile(file, options);
    for (const warning of result.storyboard.warnings) {
      io.stderr.write(`warning: ${warning.message}\n`);
    }
    if (out === undefined) {
      io.stdout.write(result.yaml);
      return EXIT.ok;
    }
    await writeTextAtomically(out, result.yaml);
    const seconds = result.storyboard.shots.reduce((sum, s) => sum + s.duration, 0);
    io.stdout.write(
      `${v.out}: ${result.storyboard.shots.length} shots, ${Math.round(seconds * 10) / 10} s from ${args.positionals[0]} (${result.format}); check it with: shotrouter plan ${v.out}\n`,
    );
    return EXIT.ok;
  },
};

function format(value: string): ImportFormat {
  if ((IMPORT_FORMATS as readonly string[]).includes(value)) return value as ImportFormat;
  throw new ShotrouterError('usage', `--from takes ${IMPORT_FORMATS.join(', ')}; got '${value}'`);
}
