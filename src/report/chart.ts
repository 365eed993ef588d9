/**
 * The spend chart of report.html as inline SVG: two stacked bars on one scale, what the plan
 * estimated and what was spent, one coloured segment per shot, with the budget as a line across
 * both. Pure: the same report gives the same markup.
 */

import { escapeHtml, money } from './format.ts';
import type { RunReport } from './types.ts';

export const SHOT_COLORS = [
  '#4c78a8',
  '#f58518',
  '#54a24b',
  '#e45756',
  '#72b7b2',
  '#b279a2',
  '#eeca3b',
  '#9d755d',
  '#ff9da6',
  '#bab0ac',
];

export function shotColor(index: number): string {
  return SHOT_COLORS[index % SHOT_COLORS.length]!;
}

const WIDTH = 900;
const LABEL = 90;
const BAR = 26;
const GAP = 18;
const TOP = 28;

export function spendChart(report: RunReport): string {
  const rows = [
    { label: 'Estimate', values: report.shots.map((s) => s.estimate_usd) },
    { label: 'Spent', values: report.shots.map((s) => s.spend_usd) },
  ];
  const budget = report.budget_usd;
  const largest = Math.max(
    budget ?? 0,
    ...rows.map((r) => r.values.reduce((sum, v) => sum + v, 0)),
  );
  const scale = largest > 0 ? (WIDTH - LABEL - 70) / (largest * 1.04) : 0;
  const height = TOP + rows.length * (BAR + GAP) + 4;
  const parts: string[] = [];

  rows.forEach((row, r) => {
    const y = TOP + r * (BAR + GAP);
    const total = row.values.reduce((sum, v) => sum + v, 0);
    parts.push(
      `<text x="0" y="${y + BAR / 2 + 5}" class="label">${row.label}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${WIDTH - LABEL - 70}" height="${BAR}" rx="4" class="track"/>`,
    );
    let x = LABEL;
    row.values.forEach((value, i) => {
      const w = value * scale;
      if (w <= 0) return;
      const shot = report.shots[i]!;
      parts.push(
        `<rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${BAR}" fill="${shotColor(i)}">` +
          `<title>${escapeHtml(shot.id)}: ${money(value)}</title></rect>`,
      );
      x += w;
    });
    parts.push(
      `<text x="${(x + 6).toFixed(2)}" y="${y + BAR / 2 + 5}" class="value">${money(total)}</text>`,
    );
  });

  if (budget !== null && scale > 0) {
    const x = LABEL + budget * scale;
    parts.push(
      `<line x1="${x.toFixed(2)}" y1="${TOP - 10}" x2="${x.toFixed(2)}" y2="${height - 2}" class="budget"/>`,
      `<text x="${x.toFixed(2)}" y="${TOP - 14}" text-anchor="middle" class="budget-label">budget ${money(budget)}</text>`,
    );
  }
  return [
    `<svg viewBox="0 0 ${WIDTH} ${height}" width="100%" style="max-width:${WIDTH}px" role="img" aria-label="Spend against budget">`,
    '<style>.label{font:600 13px system-ui,sans-serif;fill:#334}.value{font:13px system-ui,sans-serif;fill:#334}.track{fill:#eef0f4}.budget{stroke:#d62728;stroke-width:2;stroke-dasharray:5 3}.budget-label{font:600 12px system-ui,sans-serif;fill:#d62728}</style>',
    ...parts,
    '</svg>',
  ].join('');
}
