/**
 * `shotrouter status [DIR]`: where the newest run in a run folder stands, read from its database
 * (safe while the run is going: SQLite WAL lets readers in). Per job (one per shot and take, or
 * per multi-shot group): state, model, attempts, spend; then the money and what is left.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ShotrouterError } from '../../errors.ts';
import type { Plan } from '../../router/types.ts';
import { DATABASE_FILE, type JobRow, openStore } from '../../store/store.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { renderTable } from '../format/table.ts';
import { writeJson } from '../shared.ts';

const FINISHED = new Set(['done', 'skipped', 'superseded']);

export const statusCommand: Command = {
  name: 'status',
  summary: 'where a run stands: per shot state, spend so far, what is left',
  usage: 'shotrouter status [DIR] [--json]   (DIR: the run folder, default the current folder)',
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 1 },
  async run(args, io) {
    const dir = path.resolve(io.cwd, args.positionals[0] ?? '.');
    if (!fs.existsSync(path.join(dir, DATABASE_FILE))) {
      throw new ShotrouterError(
        'usage',
        `no run in ${dir} (no ${DATABASE_FILE}): give the run folder (run --out DIR; by default runs/<storyboard name>)`,
      );
    }
    const store = await openStore({ dir });
    try {
      const run = await store.latestRun();
      if (!run) {
        io.stdout.write('no run in this folder yet\n');
        return EXIT.ok;
      }
      const plan = JSON.parse(run.plan_json) as Plan;
      const jobs = (await store.jobs(run.id)).filter((j) => j.state !== 'superseded');
      const ledger = await store.ledgerTotals(run.id);
      const cachedMicro = jobs
        .filter((j) => j.cached === 1)
        .reduce((sum, j) => sum + j.spend_micro, 0);
      const folderLedger = await store.ledgerTotals();
      const perTake = perTakeEstimates(plan);
      const left = jobs.filter((j) => !FINISHED.has(j.state) && j.state !== 'standby');
      const leftUsd =
        run.executor === 'preview'
          ? 0
          : left.reduce((sum, j) => sum + (perTake.get(j.shot_id) ?? 0), 0);
      const status = {
        run: {
          id: run.id,
          title: run.title,
          state: run.state,
          executor: run.executor,
          created_at: run.created_at,
          updated_at: run.updated_at,
        },
        jobs: jobs.map((j) => ({
          shot: j.shot_id,
          take: j.take + 1,
          state: j.state,
          model: j.model,
          provider: j.provider,
          attempts: j.attempts,
          spend_usd: j.spend_micro / 1e6,
          cached: j.cached === 1,
          error: j.error_message,
        })),
        spend: {
          spent_usd: (ledger.spentMicro + cachedMicro) / 1e6,
          reserved_usd: ledger.reservedMicro / 1e6,
          budget_usd: run.budget_micro === null ? null : run.budget_micro / 1e6,
          folder_spent_usd: folderLedger.spentMicro / 1e6,
        },
        left: { jobs: left.length, estimate_usd: Math.round(leftUsd * 1e4) / 1e4 },
      };
      if (args.values.json) {
        writeJson(io, status);
        return EXIT.ok;
      }
      io.stdout.write(`${formatStatus(status, jobs, io.stdout.columns)}\n`);
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
};

/** USD per take of each job unit (a shot, or a multi-shot group) at the plan's prices. */
function perTakeEstimates(plan: Plan): Map<string, number> {
  const out = new Map<string, number>();
  for (const shot of plan.shots) {
    const unit = shot.group ?? shot.id;
    out.set(unit, (out.get(unit) ?? 0) + shot.estimate.usd / shot.takes);
  }
  return out;
}

type Status = {
  run: { title: string; state: string; executor: string; updated_at: string };
  spend: {
    spent_usd: number;
    reserved_usd: number;
    budget_usd: number | null;
    folder_spent_usd: number;
  };
  left: { jobs: number; estimate_usd: number };
};

function formatStatus(status: Status, jobs: JobRow[], columns = 100): string {
  const money = (usd: number) => `$${usd.toFixed(2)}`;
  const rows = jobs.map((j) => [
    j.take > 0 ? `${j.shot_id} #${j.take + 1}` : j.shot_id,
    j.state + (j.cached === 1 ? ' (reused)' : ''),
    j.model ? `${j.model} (${j.provider})` : '—',
    String(j.attempts),
    money(j.spend_micro / 1e6),
    j.error_message ?? '',
  ]);
  const table = renderTable(
    [
      { header: 'shot', shrink: true },
      { header: 'state' },
      { header: 'model', shrink: true },
      { header: 'tries', align: 'right' },
      { header: 'spend', align: 'right' },
      { header: 'note', shrink: true },
    ],
    rows,
    Math.min(Math.max(columns, 60), 120),
  );
  const { spend, left, run } = status;
  const budget = spend.budget_usd === null ? '' : ` of ${money(spend.budget_usd)} budget`;
  const held =
    spend.reserved_usd > 0 ? `, ${money(spend.reserved_usd)} reserved for work in flight` : '';
  const other =
    spend.folder_spent_usd > spend.spent_usd + 1e-9
      ? ` (all runs in this folder: ${money(spend.folder_spent_usd)})`
      : '';
  return [
    `${run.title}: run ${run.state}${run.executor === 'preview' ? ' (preview)' : ''}, last change ${run.updated_at}`,
    '',
    table,
    '',
    `spent ${money(spend.spent_usd)}${budget}${held}${other}`,
    left.jobs === 0
      ? 'nothing left to make'
      : `left: ${left.jobs} job${left.jobs === 1 ? '' : 's'}, about ${money(left.estimate_usd)} at list prices`,
  ].join('\n');
}
