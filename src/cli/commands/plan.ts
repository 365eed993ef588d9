import type { Plan } from '../../router/types.ts';
import { shownUsd } from '../../util/money.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { renderTable } from '../format/table.ts';
import { catalogOption, planFromArgs, writePlanJson } from '../shared.ts';

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
    if (args.values.json) writePlanJson(io, plan);
    else io.stdout.write(`${formatPlan(plan, io.stdout.columns)}\n`);
    return plan.problems.some((p) => p.severity === 'error') ? EXIT.unsatisfiable : EXIT.ok;
  },
};

/** The stills of `images:` the run makes first, as a table of their own (none: nothing). */
function stillLines(plan: Plan, width: number): string[] {
  const images = plan.images ?? [];
  if (images.length === 0) return [];
  const table = renderTable(
    [
      { header: 'still', shrink: true },
      { header: 'model', shrink: true },
      { header: 'size' },
      { header: 'price', align: 'right' },
      { header: 'used by', shrink: true },
    ],
    images.map((i) => [
      `images.${i.name}`,
      i.model ? `${i.model} (${i.provider})` : 'no model (see problems)',
      `${i.size.width}x${i.size.height}`,
      i.model ? shownUsd(i.cost_usd) : '—',
      i.used_by.join(', ') || 'no shot',
    ]),
    width,
  );
  return [table, ''];
}

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
    ...stillLines(plan, width),
    `total: ${shownUsd(plan.total.usd)}${budget}, about ${formatDuration(plan.total.seconds)} of generation`,
  ];
  // plans stored before retakes were priced have no worst case
  const worst = plan.total.worst_case_usd;
  if (worst !== undefined && worst > plan.total.usd + 1e-9) {
    lines.push(
      `worst case: ${shownUsd(worst)} if every take fails its checks and every allowed retake is bought (policy.qc), never over the budget`,
    );
  }
  lines.push(...speechLines(plan));
  lines.push(...continuityLines(plan));
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
    // counted as printed: one per line below, however many shots share it
    const entries = [...byKind.values()];
    const onShots =
      warnings.length > entries.length ? ` (${warnings.length} counting each shot)` : '';
    lines.push(`${entries.length} warning${entries.length === 1 ? '' : 's'}${onShots}:`);
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

/** Each speaker's voice, the narration it reads, and what that costs (in the total above). */
function speechLines(plan: Plan): string[] {
  const steps = plan.speech ?? [];
  if (steps.length === 0) return [];
  const bySpeaker = new Map<
    string,
    { step: (typeof steps)[number]; shots: string[]; usd: number }
  >();
  for (const step of steps) {
    const entry = bySpeaker.get(step.speaker) ?? { step, shots: [], usd: 0 };
    entry.shots.push(step.shot);
    entry.usd += step.cost_usd;
    bySpeaker.set(step.speaker, entry);
  }
  const total = steps.reduce((sum, s) => sum + s.cost_usd, 0);
  const lines = [
    `narration: ${steps.length} text-to-speech steps, ${shownUsd(total)} (in the total)`,
  ];
  for (const [speaker, { step, shots, usd }] of bySpeaker) {
    const named =
      shots.length > 6 ? `${shots.slice(0, 6).join(', ')} +${shots.length - 6}` : shots.join(', ');
    lines.push(
      `  ${speaker}: ${step.model} (${step.provider}) voice ${step.voice}, ${shownUsd(usd)} [${named}]`,
    );
  }
  return lines;
}

/** The continuity groups, what each is kept on, and what that costs against each shot alone. */
function continuityLines(plan: Plan): string[] {
  const groups = plan.continuity?.groups ?? [];
  if (groups.length === 0) return [];
  const lines = [`continuity (${plan.continuity!.policy}):`];
  for (const g of groups.slice(0, 10)) {
    const shots =
      g.shots.length > 6
        ? `${g.shots.slice(0, 6).join(', ')} +${g.shots.length - 6}`
        : g.shots.join(', ');
    const where =
      g.family === null ? 'no one family' : `${g.family}${g.kept ? '' : ' (not every shot)'}`;
    const delta =
      g.delta_usd === 0
        ? 'same cost'
        : `${g.delta_usd > 0 ? '+' : '−'}${shownUsd(Math.abs(g.delta_usd))}`;
    const score =
      g.score_delta === 0 ? '' : `, score ${g.score_delta > 0 ? '+' : ''}${g.score_delta}`;
    lines.push(
      `  ${g.id} [${shots}] sharing ${[...g.characters, ...g.locations].join(', ')}: ${where}; ${delta}${score} vs each shot on its own`,
    );
  }
  if (groups.length > 10) lines.push(`  … and ${groups.length - 10} more (see plan --json)`);
  return lines;
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
