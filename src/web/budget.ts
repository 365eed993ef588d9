/** Money against the budget: spent, held for work in flight, and what the plan still needs. */
import { html } from 'htm/preact';
import { money } from './api.ts';

export function BudgetBar(props: {
  spent: number;
  reserved: number;
  /** what a real run would still spend */
  toSpend: number;
  budget: number | null;
  preview: boolean;
}) {
  const { spent, reserved, toSpend, budget } = props;
  const needed = spent + reserved + toSpend;
  const scale = Math.max(budget ?? 0, needed, 0.01);
  const pct = (usd: number) => `${Math.min(100, (usd / scale) * 100)}%`;
  const over = budget !== null && needed > budget + 0.005;
  const summary =
    budget === null
      ? `${money(spent)} spent · ${money(toSpend)} still to spend · no budget set`
      : `${money(spent)} spent of ${money(budget)} · ${money(toSpend)} still to spend · ${money(Math.max(0, budget - needed))} to spare`;
  return html`<div class="budget">
    <div class="budget-head">
      <span class="label">Budget</span>
      <span class=${over ? 'error-text' : ''}>${over ? `Over budget by ${money(needed - budget!)}` : summary}</span>
    </div>
    <div class="bar" role="img" aria-label=${summary}>
      <i class="spent" style=${{ width: pct(spent) }}></i>
      <i class="reserved" style=${{ width: pct(reserved) }}></i>
      <i class="planned" style=${{ width: pct(toSpend) }}></i>
    </div>
    <div class="legend small">
      <span><i class="spent"></i>spent ${money(spent)}</span>
      ${reserved > 0 && html`<span><i class="reserved"></i>held for shots in flight ${money(reserved)}</span>`}
      <span><i class="planned"></i>a real run would spend ${money(toSpend)}</span>
      ${props.preview && html`<span class="muted">previews are free</span>`}
    </div>
  </div>`;
}
