/** Storyboard problems as the API reports them: where, what, what was expected. */
import { html } from 'htm/preact';
import type { Problem } from './api.ts';

export function ProblemList(props: { problems: Problem[] }) {
  if (props.problems.length === 0) return null;
  return html`<ul class="problems">
    ${props.problems.map(
      (p) => html`<li>
        <code>${p.file}:${p.line}:${p.col}</code>${p.path ? html` <b>${p.path}</b>` : ''}: ${p.message}
        ${p.expected && html`<div class="small">expected: ${p.expected}</div>`}
        ${p.found && html`<div class="small">found: ${p.found}</div>`}
        ${p.hint && html`<div class="small">hint: ${p.hint}</div>`}
      </li>`,
    )}
  </ul>`;
}
