import type { Plan } from '../../router/types.ts';
import { shownUsd } from '../../util/money.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { renderTable } from '../format/table.ts';
import { catalogOption, planFromArgs, writeJson } from '../shared.ts';

export const planCommand: Command = {
  name: 'plan',
  summary: 'route every shot to a model and print the plan (a table, or JSON with --json)',
  usage:
    'shotrouter plan FILE [--json] [--as-of DATE] [--budget USD] [--providers LIST] [--catalog OVERLAY] [--allow-outside-paths]',
  options: {
    ...catalogOption,
    json: { type: 'boolean' },
    'as-of': { type: 'string' },
    budget: { type: 'string' },
    providers: { type: 'string' },
    'allow-outside-paths': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const { plan } = planFromArgs(args, io);
    if (args.values.json) writeJson(io, plan);
    else io.stdout.write(`${formatPlan(plan, io.stdout.columns)}\n`);
    return plan.problems.some((p) => p.severity === 'error') ? EXIT.unsatisfiable : EXIT.ok;
  },
};

/** The plan for people: one row per shot, then the total and the problems. */
export function formatPlan(plan: Plan, columns = 100): string {
  const width = Math.min(Math.max(columns, 60), 100);
  const rows = plan.shots.map((s) => [
    s.id,
    s.model ?? '—',
    s.generate ? `${trim(s.generate.seconds)}${s.chain ? `(${s.chain.kind})` : ''}` : '—',
    s.model ? `${shownUsd(s.estimate.usd)}${s.takes > 1 ? ` x${s.takes}` : ''}` : '—',
    s.model ? (s.reasons[0] ?? '') : 'no model (see problems)',
  ]);
  const table = renderTable(
    [
      { header: 'shot', shrink: true },
      { header: 'model', shrink: true },
      { header: 'gen s', align: 'right' },
      { header: 'price', align: 'right' },
      { header: 'why', shrink: true },
    ],
    rows,
    width,
  );
  const budget = plan.budget_usd === null ? '' : ` of budget $${plan.budget_usd.toFixed(2)}`;
  const lines = [
    `${plan.title} — as of ${plan.as_of}, policy ${plan.policy}`,
    '',
    table,
    '',
    `total: ${shownUsd(plan.total.usd)}${budget}, about ${formatDuration(plan.total.seconds)} of generation`,
  ];
  lines.push(...editLines(plan));
  const errors = plan.problems.filter((p) => p.severity === 'error');
  // Plan-level warnings from the problems; each shot's own from its structured warnings (the
  // problems repeat those as code `warning`).
  const warnings = [
    ...plan.problems
      .filter((p) => p.severity === 'warning' && p.code !== 'warning')
      .map((p) => ({ key: `${p.code}\n${p.message}`, message: p.message, shot: p.shot ?? '' })),
    ...plan.shots.flatMap((s) =>
      s.warnings.map((w) => ({ key: `${w.code}\n${w.message}`, message: w.message, shot: s.id })),
    ),
  ];
  for (const p of errors) lines.push(`error${p.shot ? ` [${p.shot}]` : ''}: ${p.message}`);
  if (warnings.length > 0) {
    // The same warning on many shots is said once, naming the shots.
    const byKind = new Map<string, { message: string; shots: string[] }>();
    for (const w of warnings) {
      const entry = byKind.get(w.key) ?? { message: w.message, shots: [] };
      entry.shots.push(w.shot);
      byKind.set(w.key, entry);
    }
    lines.push(`${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`);
    const entries = [...byKind.values()];
    for (const { message, shots } of entries.slice(0, 20)) {
      const named = shots.filter(Boolean);
      const who =
        named.length > 3
          ? `${named.slice(0, 3).join(', ')} +${named.length - 3}`
          : named.join(', ');
      lines.push(`  ${who ? `[${who}] ` : ''}${message}`);
    }
    if (entries.length > 20) lines.push(`  … and ${entries.length - 20} more (see plan --json)`);
  }
  return lines.join('\n');
}

function trim(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The storyboard's scenes and edit, when it has any: what the cut will show beyond the table. */
function editLines(plan: Plan): string[] {
  const edit = plan.edit;
  if (edit === undefined) return [];
  const lines: string[] = [];
  if (edit.scenes.length > 0) {
    lines.push('scenes:');
    edit.scenes.forEach((scene, i) => {
      lines.push(`  ${i + 1}. ${scene.heading} (${scene.shots.join(', ')})`);
    });
  }
  if (edit.omitted.length > 0) {
    lines.push(`generated but not in the cut (omit): ${edit.omitted.join(', ')}`);
  }
  for (const r of edit.reuses) {
    lines.push(
      `${r.id} reuses ${r.shot} from ${trim(r.in)} s for ${trim(r.seconds)} s (nothing generated)`,
    );
  }
  return lines;
}
