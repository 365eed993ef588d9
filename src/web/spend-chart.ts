/**
 * Spend over time: the newest run's money spent, added up as each take is paid for, drawn as a
 * step line in plain SVG against the clock (and the budget, when there is one).
 */
import { html } from 'htm/preact';
import { money, type Overview } from './api.ts';

const W = 560;
const H = 140;
const PAD = { left: 52, right: 12, top: 12, bottom: 24 };
/** the least height between two labels on the axis that keeps them apart */
const LABEL_GAP = 12;

export function SpendChart(props: { points: Overview['spend_over_time']; budget: number | null }) {
  const points = props.points.map((p) => ({ t: Date.parse(p.at), usd: p.usd }));
  if (points.length === 0) return null;
  const start = points[0]!.t;
  const end = Math.max(points.at(-1)!.t, start + 1000);
  const spent = points.at(-1)!.usd;
  const top = Math.max(spent, props.budget ?? 0, 0.01);
  const x = (t: number) => PAD.left + ((t - start) / (end - start)) * (W - PAD.left - PAD.right);
  const y = (usd: number) => H - PAD.bottom - (usd / top) * (H - PAD.top - PAD.bottom);
  // a step line: the total holds until the next payment
  let d = `M${x(start).toFixed(1)},${y(0).toFixed(1)}`;
  let last = 0;
  for (const p of points) {
    d += ` H${x(p.t).toFixed(1)} V${y(p.usd).toFixed(1)}`;
    last = p.usd;
  }
  d += ` H${x(end).toFixed(1)}`;
  const minutes = (end - start) / 60_000;
  const span =
    minutes >= 1 ? `${minutes.toFixed(minutes < 10 ? 1 : 0)} min` : `${Math.round(minutes * 60)} s`;
  const summary =
    spent > 0
      ? `${money(spent)} spent over ${span}, in ${points.length - 1} payments`
      : `Nothing spent in this run (${span}; previews are free)`;
  return html`<figure class="spend-chart">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`Spend over time: ${summary}`}>
      <line class="axis" x1=${PAD.left} y1=${y(0)} x2=${W - PAD.right} y2=${y(0)} />
      <line class="axis" x1=${PAD.left} y1=${PAD.top} x2=${PAD.left} y2=${y(0)} />
      ${
        props.budget !== null &&
        html`<line class="budget-line" x1=${PAD.left} y1=${y(props.budget)} x2=${W - PAD.right} y2=${y(props.budget)} />
        <text class="label" x=${W - PAD.right} y=${y(props.budget) - 4} text-anchor="end">budget ${money(props.budget)}</text>`
      }
      <path class="spend-line" d=${d} />
      ${
        last > 0 &&
        (y(0) - y(last) >= LABEL_GAP
          ? html`<text class="label" x=${PAD.left - 6} y=${y(last) + 4} text-anchor="end">${money(last)}</text>`
          : // too close to the $0 label on the axis: said above the line's end instead
            html`<text class="label" x=${W - PAD.right} y=${y(last) - 4} text-anchor="end">${money(last)}</text>`)
      }
      <text class="label" x=${PAD.left - 6} y=${y(0) + 4} text-anchor="end">$0</text>
      <text class="label" x=${PAD.left} y=${H - 6}>${new Date(start).toLocaleTimeString()}</text>
      <text class="label" x=${W - PAD.right} y=${H - 6} text-anchor="end">${new Date(end).toLocaleTimeString()}</text>
    </svg>
    <figcaption class="small muted">Spend over time · ${summary}</figcaption>
  </figure>`;
}
