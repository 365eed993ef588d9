/**
 * `shotrouter status [DIR]`: where the newest run in a run folder stands (see lib/status.ts),
 * as a table or, with --json, as the library's status object.
 */
import path from 'node:path';
import { type RunStatus, runStatus } from '../../lib/status.ts';
import { sharedStoreOpener } from '../../queue/shared-store.ts';
import { type ClusterStatus, clusterStatus } from '../../queue/status.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { renderTable } from '../format/table.ts';
import { databaseUrl, writeJson } from '../shared.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'where a run stands: per shot state, spend so far, what is left',
  usage:
    'shotrouter status [DIR] [--json] [--db URL]   (DIR: the run folder, default the current folder; --db or SHOTROUTER_DATABASE_URL: the shared database, with its workers and queues)',
  options: { json: { type: 'boolean' }, db: { type: 'string' } },
  positionals: { min: 0, max: 1 },
  async run(args, io) {
    const dir = path.resolve(io.cwd, args.positionals[0] ?? '.');
    const url = databaseUrl(args, io, false);
    if (url) {
      const open = sharedStoreOpener(url, { env: io.env });
      const status = await runStatus(dir, { openStore: open });
      const store = await open(dir);
      let cluster: ClusterStatus;
      try {
        cluster = await clusterStatus(store);
      } finally {
        await store.close();
      }
      if (args.values.json) writeJson(io, { ...(status ?? { run: null }), cluster });
      else {
        const run = status ? formatStatus(status, io.stdout.columns) : 'no run in this space yet';
        io.stdout.write(`${run}\n\n${formatCluster(cluster)}\n`);
      }
      return EXIT.ok;
    }
    const status = await runStatus(dir);
    if (!status) {
      io.stdout.write('no run in this folder yet\n');
      return EXIT.ok;
    }
    if (args.values.json) writeJson(io, status);
    else io.stdout.write(`${formatStatus(status, io.stdout.columns)}\n`);
    return EXIT.ok;
  },
};

/** The job's checks in a few words (the failing codes, the takes that failed), then its error. */
function checksNote(j: RunStatus['jobs'][number]): string {
  const failing = (j.verdict ?? []).filter((c) => !c.ok).map((c) => c.code);
  const notes = [
    ...(failing.length > 0 ? [`fails ${failing.join(', ')}`] : []),
    ...(j.failed_takes > 0 && failing.length === 0
      ? [`${j.failed_takes} failed take${j.failed_takes === 1 ? '' : 's'} kept`]
      : []),
    ...(j.error ? [j.error] : []),
  ];
  return notes.join('; ');
}

function formatStatus(status: RunStatus, columns = 100): string {
  const money = (usd: number) => `$${usd.toFixed(2)}`;
  const rows = status.jobs.map((j) => [
    j.take > 1 ? `${j.shot} #${j.take}` : j.shot,
    j.state + (j.cached ? ' (reused)' : ''),
    j.model ? `${j.model} (${j.provider})` : '—',
    String(j.attempts),
    money(j.spend_usd),
    checksNote(j),
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
    ...(status.stale ?? []).map((s) => s.message),
  ].join('\n');
}

function formatCluster(cluster: ClusterStatus): string {
  const workers =
    cluster.workers.length === 0
      ? ['no workers (start one: shotrouter worker --db URL --media DIR)']
      : cluster.workers.map(
          (w) =>
            `  ${w.id} on ${w.host}: ${w.state}, ${w.jobs} job${w.jobs === 1 ? '' : 's'}${w.serves.length ? `, serves ${w.serves.join(', ')}` : ''}, seen ${w.seen_seconds_ago} s ago`,
        );
  const queues =
    cluster.queues.length === 0
      ? ['  queues: empty']
      : cluster.queues.map((q) => `  ${q.queue}: ${q.waiting} waiting, ${q.active} in hand`);
  return ['workers:', ...workers, 'queue depth:', ...queues].join('\n');
}
