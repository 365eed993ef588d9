/**
 * `shotrouter import-edit EDITED [DIR]`: an editor's cut (OTIO, FCPXML or EDL) written back into
 * the storyboard as edit-only fields, and the cut assembled again from the run's kept clips.
 * The storyboard is checked, and the run is checked to still be described by it, before the
 * person is asked and before anything is written; nothing is ever generated or bought.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  type EditImport,
  packageHandles,
  importEdit as planImport,
  readEditedTimeline,
} from '../assemble/edit-import.ts';
import type { RunReport } from '../assemble/index.ts';
import { keptRun, reassemble } from '../assemble/reassemble.ts';
import { shotSources } from '../assemble/shot-sources.ts';
import { ShotrouterError } from '../errors.ts';
import { DATABASE_FILE, openStore, type Store } from '../store/store.ts';
import { parseStoryboard } from '../storyboard/load.ts';
import { rewriteShots } from '../storyboard/rewrite.ts';
import { writeFileAtomicallySync } from '../util/atomic-write.ts';

export interface ImportEditOptions {
  /** the edited timeline file */
  edited: string;
  /** the run folder */
  dir: string;
  /** frame rate of an EDL that states none (default: the run's) */
  fps?: number;
  /** shown the changes; true: write them and assemble */
  confirm: (proposal: EditImport & { storyboard: string }) => Promise<boolean>;
  openStore?: (dir: string) => Promise<Store>;
  signal?: AbortSignal;
}

export interface ImportEditResult extends EditImport {
  storyboard: string;
  /** false: nothing to change, or the person said no */
  written: boolean;
  report: RunReport | null;
  final: string | null;
}

export async function importEdit(options: ImportEditOptions): Promise<ImportEditResult> {
  const dir = path.resolve(options.dir);
  if (!options.openStore && !fs.existsSync(path.join(dir, DATABASE_FILE))) {
    throw new ShotrouterError(
      'usage',
      `no run in ${dir} (no ${DATABASE_FILE}): give the run folder the edit was exported from (run --out DIR)`,
    );
  }
  const text = readText(options.edited);
  const store = await (options.openStore ?? ((d: string) => openStore({ dir: d })))(dir);
  try {
    const kept = await keptRun(store);
    if (kept.storyboardChanged) {
      throw new ShotrouterError(
        'usage',
        `${kept.run.storyboard_file} changed since the run in ${dir}: run it again (or undo the change) before importing an edit`,
      );
    }
    const file = kept.run.storyboard_file;
    const edited = readEditedTimeline(
      options.edited,
      text,
      options.fps ?? kept.storyboard.deliver.fps,
    );
    const sources = shotSources(kept.plan, kept.specs, await store.jobs(kept.run.id));
    const proposal = planImport(kept.storyboard, kept.plan, edited, {
      handleBefore: packageHandles(kept.storyboard, sources),
    });
    const none = { ...proposal, storyboard: file, written: false, report: null, final: null };
    if (proposal.changes.length === 0) return none;

    const before = fs.readFileSync(file, 'utf8');
    const after = rewriteShots(before, file, proposal.items);
    // the edited storyboard must pass the same check as any other (a dissolve now first, say)
    parseStoryboard(after, file, { allowOutsidePaths: true });
    if (!(await options.confirm({ ...proposal, storyboard: file }))) return none;

    writeFileAtomicallySync(file, after, fs.statSync(file).mode & 0o777);
    let delivery: Awaited<ReturnType<typeof reassemble>>;
    try {
      delivery = await reassemble({
        dir,
        store,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      // an edit that would make the run generate again is not kept: the storyboard goes back
      if (ShotrouterError.is(error) && /no longer describes the run/.test(error.message)) {
        writeFileAtomicallySync(file, before, fs.statSync(file).mode & 0o777);
        throw new ShotrouterError(
          'usage',
          'this edit would change what the run generates (a prompt, a length or a multi-shot group), so it was not written; nothing changed',
        );
      }
      throw error;
    }
    return {
      ...proposal,
      storyboard: file,
      written: true,
      report: delivery.report,
      final: delivery.final,
    };
  } finally {
    await store.close();
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ShotrouterError(
      'usage',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}
