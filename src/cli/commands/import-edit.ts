/**
 * `shotrouter import-edit EDITED [DIR]`: brings an editor's cut back (an .otio, .fcpxml or .edl
 * exported from the run's timelines and edited): shows what changes (order, trims, dropped
 * shots), and once confirmed writes them to the storyboard as edit-only fields and assembles the
 * cut again from the kept clips. Nothing is generated and nothing is spent.
 */
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ShotrouterError } from '../../errors.ts';
import { type ImportEditResult, importEdit } from '../../lib/import-edit.ts';
import { sharedStoreOpener } from '../../queue/shared-store.ts';
import type { Command, CommandIO } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { databaseUrl, writeJson } from '../shared.ts';

export const importEditCommand: Command = {
  name: 'import-edit',
  summary: 'bring an edited timeline (.otio, .fcpxml, .edl) back into the storyboard and re-cut',
  usage:
    'shotrouter import-edit EDITED [DIR] [--yes] [--fps N] [--json] [--db URL]   (DIR: the run folder, default the current folder)',
  options: {
    yes: { type: 'boolean' },
    fps: { type: 'string' },
    json: { type: 'boolean' },
    db: { type: 'string' },
  },
  positionals: { min: 1, max: 2 },
  async run(args, io) {
    const [editedArg, dirArg] = args.positionals as [string, string?];
    const edited = path.resolve(io.cwd, editedArg);
    const dir = path.resolve(io.cwd, dirArg ?? '.');
    const fps = args.values.fps === undefined ? undefined : fpsFrom(String(args.values.fps));
    const url = databaseUrl(args, io, false);
    const json = args.values.json === true;
    const result = await importEdit({
      edited,
      dir,
      ...(fps !== undefined ? { fps } : {}),
      signal: io.signal,
      ...(url ? { openStore: sharedStoreOpener(url, { env: io.env }) } : {}),
      confirm: async (proposal) => {
        if (!json) {
          const shown = path.relative(io.cwd, proposal.storyboard) || proposal.storyboard;
          io.stdout.write(`${editedArg} changes ${shown}:\n`);
          for (const line of proposal.changes) io.stdout.write(`  ${line}\n`);
          for (const line of flagged(proposal)) io.stdout.write(`  ${line}\n`);
          for (const note of proposal.notes) io.stdout.write(`  note: ${note}\n`);
        }
        if (args.values.yes === true) return true;
        return ask(io, 'Write these to the storyboard and assemble the cut again? [y/N] ');
      },
    });
    if (json) {
      writeJson(io, {
        storyboard: result.storyboard,
        written: result.written,
        changes: result.changes,
        regenerate: result.regenerate,
        notes: result.notes,
        final: result.final,
        report: result.report,
      });
      return EXIT.ok;
    }
    if (result.changes.length === 0) {
      io.stdout.write('the edit matches the storyboard already: nothing to change\n');
      for (const line of flagged(result)) io.stdout.write(`${line}\n`);
      for (const note of result.notes) io.stdout.write(`note: ${note}\n`);
    } else if (!result.written) {
      io.stdout.write('nothing written\n');
    } else {
      const shown = path.relative(io.cwd, dir) || '.';
      io.stdout.write(
        `written; assembled again without generating anything: ${path.join(shown, result.report?.final ?? '')}\n`,
      );
    }
    return EXIT.ok;
  },
};

function flagged(proposal: Pick<ImportEditResult, 'regenerate'>): string[] {
  return proposal.regenerate.map(
    (r) =>
      `${r.shot}: the edit asks for ${r.needs} s but its clip has ${r.has} s: kept to the clip; making it again that long needs a regeneration${r.estimate_usd !== null ? ` (about $${r.estimate_usd.toFixed(2)} on ${r.model})` : ''}: raise its duration and run`,
  );
}

/** A yes from the person at the terminal; with none to ask, a clear refusal. */
async function ask(io: CommandIO, question: string): Promise<boolean> {
  if (!io.stdin.isTTY || !(io.stdout.isTTY || io.stderr.isTTY)) {
    throw new ShotrouterError(
      'usage',
      'there is no terminal to confirm the changes on: add --yes to write them (nothing was written)',
    );
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await rl.question(question, { signal: io.signal });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** `--fps`: the frame rate of an EDL that does not say it, e.g. 24, 25, 29.97. */
function fpsFrom(text: string): number {
  const fps = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(fps > 0 && fps <= 240)) {
    throw new ShotrouterError(
      'usage',
      `--fps takes a frame rate such as 24, 25 or 29.97, got '${text}'`,
    );
  }
  return fps;
}
