/**
 * One shot: what it asks for, where the router sent it and why, what it costs, how far it is,
 * every take made (with a player and a way to put it in the cut), and its pin, priority and
 * tags to change (the plan and price follow before anything is committed).
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { TAGS } from '../storyboard/types.ts';
import {
  type Changes,
  type Model,
  money,
  type PlannedShot,
  type ShotCard,
  seconds,
} from './api.ts';
import { Lightbox } from './lightbox.ts';
import type { ShotProgress } from './live.ts';
import { ShotReferences, TakePlayer } from './pictures.ts';

type ShotChange = NonNullable<Changes['shots']>[string];

export interface ShotCardProps {
  shot: ShotCard;
  /** the route in the plan shown (with the draft when there is one) */
  planned: PlannedShot | undefined;
  /** the route in the committed plan, to show what a draft changes */
  before: PlannedShot | undefined;
  progress: ShotProgress;
  models: Model[];
  /** the shot's pin, priority and tags with the draft applied */
  current: { model: string | null; priority: 'hero' | 'normal' | 'draft'; tags: string[] };
  onChange: (change: ShotChange) => void;
  onPick: (take: number) => void;
  /** a pick or a run is in progress: takes cannot be picked now */
  locked: boolean;
}

/**
 * The part of a take's clip that is this shot (`#t=from,to`): a multi-shot generation holds
 * its neighbours too, and a clip snapped to a longer duration is trimmed in the cut.
 */
function fragment(planned: PlannedShot | undefined, model: string | null): string {
  const trim = planned?.model === model ? planned?.trim : null;
  if (!trim) return '';
  const at = (s: number) => Math.round(s * 1000) / 1000;
  return `#t=${at(trim.from)},${at(trim.from + trim.seconds)}`;
}

/** What the user can change, from the reasons' `advice` fields (said once each). */
function adviceOf(reasons: ReadonlyArray<{ advice?: string | undefined }>): string {
  const advice = [...new Set(reasons.flatMap((r) => (r.advice ? [r.advice] : [])))];
  return advice.length > 0 ? ` (to allow it: ${advice.join('; ')})` : '';
}

export function ShotCardView(props: ShotCardProps) {
  const { shot, planned, before, progress, current } = props;
  const id = `shot-${shot.id}`;
  // the take the comparison opens with; null: closed
  const [comparing, setComparing] = useState<number | null>(null);
  const changed =
    before &&
    planned &&
    (before.model !== planned.model ||
      Math.abs(before.estimate.usd - planned.estimate.usd) > 0.004);
  // models that cannot make the shot, by code (a feasible model that was not chosen can)
  const cannot = new Map(
    planned?.rejected
      .filter((r) => !r.reasons.some((reason) => reason.code === 'feasible_not_chosen'))
      .map((r) => [r.model, r.reasons]) ?? [],
  );
  return html`<article class=${`shot ${progress.kind}${changed ? ' changed' : ''}`} aria-labelledby=${id}>
    <header>
      <h3 id=${id}><span class="shot-id">${shot.id}</span> <span class="muted">${seconds(shot.duration)}</span>
        ${current.priority !== 'normal' && html`<span class=${`chip ${current.priority}`}>${current.priority}</span>`}</h3>
      <span class=${`badge ${progress.kind}`}>${progress.label}</span>
    </header>
    ${
      progress.kind !== 'planned' &&
      html`<progress class=${progress.kind} value=${progress.fraction} max="1" aria-label=${`${shot.id}: ${progress.label}`}></progress>`
    }
    <p class="prompt" title=${shot.prompt}>${shot.prompt}</p>
    <${ShotReferences} shot=${shot} />
    ${
      planned?.model
        ? html`<div class="route">
          <div>
            <span class="model">${planned.model}</span>
            <span class="muted"> via ${planned.provider}</span>
            ${current.model && html` <span class="chip">pinned</span>`}
            ${changed && before?.model !== planned.model && html`<div class="small was">was ${before?.model ?? 'none'}</div>`}
          </div>
          <div class="price">
            ${money(planned.estimate.usd)}${planned.takes > 1 ? html`<span class="muted small"> · ${planned.takes} takes</span>` : ''}
            ${changed && before && html`<div class="small was">was ${money(before.estimate.usd)}</div>`}
          </div>
        </div>
        <p class="why"><span class="muted">Why: </span>${planned.reasons[0] ?? 'best score within the budget'}</p>`
        : html`<p class="error-text">No model can make this shot${planned ? ' (see the plan’s problems)' : ''}.</p>`
    }
    ${progress.error && html`<p class="error-text small" role="status">${progress.error}</p>`}
    ${
      planned &&
      html`<details class="more">
      <summary>Why, ${planned.warnings.length > 0 ? `${planned.warnings.length} note${planned.warnings.length === 1 ? '' : 's'}, ` : ''}fallbacks, models ruled out</summary>
      <ul class="reasons">${planned.reasons.map((r) => html`<li>${r}</li>`)}</ul>
      ${planned.warnings.length > 0 && html`<h4>Notes</h4><ul class="notes">${planned.warnings.map((w) => html`<li data-code=${w.code}>${w.message}</li>`)}</ul>`}
      <p><span class="muted">Fallbacks: </span>${planned.fallbacks.join(', ') || 'none'}</p>
      ${
        planned.generate &&
        html`<p class="small muted">Asks for ${seconds(planned.generate.seconds)} at ${planned.generate.width}×${planned.generate.height}, ${planned.generate.fps} fps${planned.generate.audio ? ', with audio' : ''}${planned.chain ? `, as a ${planned.chain.kind} of ${planned.chain.segments.length}` : ''}${planned.group ? `, generated with its sequence (${planned.group})` : ''}.</p>`
      }
      ${
        planned.rejected.length > 0 &&
        html`<h4>Ruled out</h4><ul class="rejected">${planned.rejected.map((r) => html`<li><b>${r.model}</b>: ${r.reasons.map((reason) => reason.message).join('; ')}${adviceOf(r.reasons)}</li>`)}</ul>`
      }
    </details>`
    }
    ${
      shot.takes.length > 0 &&
      html`<div class="takes">
      ${shot.takes.map(
        (t) => html`<figure class=${t.picked ? 'take picked' : 'take'}>
          <${TakePlayer} take=${t} src=${t.url + fragment(planned, t.model)} label=${`Take ${t.take} of ${shot.id}`} />
          <figcaption>
            <span>Take ${t.take}${t.model ? html`<span class="muted small"> · ${t.model}</span>` : ''}</span>
            ${
              t.failed_checks.length > 0 &&
              html`<span class="badge failed small" title=${t.failed_checks.join('\n')}>Fails ${t.failed_checks.map((c) => c.split(':')[0]).join(', ')}</span>`
            }
            ${
              t.picked
                ? html`<span class="badge done">In the cut</span>`
                : html`<button class="small-button" disabled=${props.locked} onClick=${() => props.onPick(t.take)}
                  aria-label=${`Use take ${t.take} of ${shot.id} in the cut`}>Use in cut</button>`
            }
          </figcaption>
        </figure>`,
      )}
    </div>
    ${shot.takes.length > 1 && html`<button type="button" class="small-button compare" onClick=${() => setComparing(shot.takes.find((t) => t.picked)?.take ?? shot.takes[0]!.take)}>Compare takes side by side</button>`}
    ${comparing !== null && html`<${Lightbox} shot=${shot} first=${comparing} onClose=${() => setComparing(null)} />`}`
    }
    <details class="edit">
      <summary>Change model, priority or tags</summary>
      <div class="edit-grid">
        <label>Model
          <select value=${current.model ?? ''} onChange=${(e: Event) => props.onChange({ model: (e.currentTarget as HTMLSelectElement).value || null })}>
            <option value="">Let the router choose</option>
            ${props.models.map((m) => {
              const why = cannot.get(m.id)?.[0];
              return html`<option value=${m.id}>${m.name}${why && m.id !== current.model ? ` — cannot: ${why.message}` : ''}</option>`;
            })}
          </select>
        </label>
        <label>Priority
          <select value=${current.priority} onChange=${(e: Event) => props.onChange({ priority: (e.currentTarget as HTMLSelectElement).value as 'hero' })}>
            <option value="hero">hero: worth more of the budget</option>
            <option value="normal">normal</option>
            <option value="draft">draft: cheapest that works</option>
          </select>
        </label>
      </div>
      <fieldset class="tags">
        <legend>Tags</legend>
        ${TAGS.map(
          (tag) => html`<label class="tag">
            <input type="checkbox" checked=${current.tags.includes(tag)}
              onChange=${(e: Event) => {
                const on = (e.currentTarget as HTMLInputElement).checked;
                props.onChange({
                  tags: on ? [...current.tags, tag] : current.tags.filter((t) => t !== tag),
                });
              }} />
            ${tag}
          </label>`,
        )}
      </fieldset>
    </details>
  </article>`;
}
