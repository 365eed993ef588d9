/**
 * One shot: what it asks for, where the router sent it and why, what it costs, how far it is,
 * every take made (with a player, comments at a time, and a way to put it in the cut), its
 * review and history, a new prompt to make it again, and its pin, priority and tags to change
 * (the plan and price follow before anything is committed). Reasons are phrased from their
 * fields (words.ts).
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { TAGS } from '../storyboard/types.ts';
import {
  type Allowed,
  type Changes,
  type Model,
  money,
  type PlannedShot,
  type ShotCard,
  type ShotReview,
  seconds,
  type TakeComment,
} from './api.ts';
import { Lightbox } from './lightbox.ts';
import type { ShotProgress } from './live.ts';
import { ShotReferences, TakePlayer } from './pictures.ts';
import { HistoryView, PromptEditor, TakeComments, VerdictBar } from './review.ts';
import { adviceWords, reasonWords, warningWords } from './words.ts';

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
  /** why changes wait, in words (null: they do not) */
  lockReason: string | null;
  allowed: Allowed;
  projectId: string;
  review: ShotReview | undefined;
  comments: TakeComment[];
  onReviewed: () => void;
  /** null: there are unapplied changes to apply or discard first */
  onRegenerate: ((prompt: string) => void) | null;
}

/** The router's reason for its choice, without scores (they mean nothing to a reviewer). */
function plainWhy(text: string): string {
  const judged = /^quality \S+ judged \(no arena figure for (.+)\)$/.exec(text);
  if (judged) return `its quality is judged by hand (no public ranking for ${judged[1]})`;
  const ranked = /^quality: (#\d+ on )?([^,]+),.*\((.+)\) → \S+$/.exec(text);
  if (ranked) return `ranked ${ranked[1] ?? 'on '}${ranked[2]} (${ranked[3]})`;
  return text
    .replace(/\s*\(score [^)]*\)/g, '')
    .replace(/,?\s*score [\d.]+( vs [\d.]+)?/g, '')
    .replace(/^budget: /, 'to stay within the budget: ');
}

/**
 * The part of a take's clip that is this shot (`#t=from,to`): a multi-shot generation holds
 * its neighbours too, and a clip snapped to a longer duration is trimmed in the cut.
 */
function fragment(planned: PlannedShot | undefined, model: string | null): string {
  const trim = trimOf(planned, model);
  if (!trim) return '';
  const at = (s: number) => Math.round(s * 1000) / 1000;
  return `#t=${at(trim.from)},${at(trim.from + trim.seconds)}`;
}

function trimOf(planned: PlannedShot | undefined, model: string | null) {
  return planned?.model === model ? (planned?.trim ?? null) : null;
}

/** What the user can change, from the reasons' codes (said once each). */
function adviceOf(reasons: PlannedShot['rejected'][number]['reasons']): string {
  const advice = [...new Set(reasons.flatMap((r) => adviceWords(r) ?? []))];
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
  const feasible =
    planned?.rejected.filter((r) => r.reasons.some((x) => x.code === 'feasible_not_chosen')) ?? [];
  const canEdit = props.allowed.edit;
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
        <p class="why"><span class="muted">Why: </span>${planned.reasons[0] ? plainWhy(planned.reasons[0]) : 'the best fit within the budget'}</p>`
        : html`<p class="error-text">No model can make this shot${planned ? ' (see the plan’s problems)' : ''}.</p>`
    }
    ${progress.error && html`<p class="error-text small" role="status">${progress.error}</p>`}
    ${
      planned &&
      html`<${Disclosure} class="more"
      summary=${`Why, ${planned.warnings.length > 0 ? `${planned.warnings.length} note${planned.warnings.length === 1 ? '' : 's'}, ` : ''}fallbacks, models ruled out`}
      render=${() => html`
      <ul class="reasons">${planned.reasons.map((r) => html`<li>${plainWhy(r)}</li>`)}</ul>
      ${planned.warnings.length > 0 && html`<h4>Notes</h4><ul class="notes">${planned.warnings.map((w) => html`<li data-code=${w.code}>${warningWords(w)}</li>`)}</ul>`}
      <p><span class="muted">Fallbacks: </span>${planned.fallbacks.join(', ') || 'none'}</p>
      ${
        planned.generate &&
        html`<p class="small muted">Asks for ${seconds(planned.generate.seconds)} at ${planned.generate.width}×${planned.generate.height}, ${planned.generate.fps} fps${planned.generate.audio ? ', with audio' : ''}${planned.chain ? `, as a ${planned.chain.kind} of ${planned.chain.segments.length}` : ''}${planned.group ? `, generated with its sequence (${planned.group})` : ''}.</p>`
      }
      ${
        cannot.size > 0 &&
        html`<h4>Ruled out</h4><ul class="rejected">${[...cannot].map(([model, reasons]) => html`<li><b>${model}</b>: ${reasons.map(reasonWords).join('; ')}${adviceOf(reasons)}</li>`)}</ul>`
      }
      ${
        feasible.length > 0 &&
        html`<h4>Could also make it</h4><ul class="feasible">${feasible.map((r) => {
          const usd = r.reasons.find((x) => x.code === 'feasible_not_chosen');
          return html`<li><b>${r.model}</b>${usd?.code === 'feasible_not_chosen' && usd.usd !== undefined ? html` <span class="muted small">${money(usd.usd)}</span>` : ''}</li>`;
        })}</ul>`
      }
    `} />`
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
              html`<span class="badge failed small" title=${t.failed_checks.map(checkWords).join('\n')}>Fails ${t.failed_checks.length === 1 ? 'a check' : `${t.failed_checks.length} checks`}</span>`
            }
            ${
              t.picked
                ? html`<span class="badge done" title=${t.picked_by ? `picked by ${t.picked_by}` : undefined}>In the cut</span>`
                : canEdit &&
                  html`<button class="small-button" disabled=${props.locked} title=${props.lockReason ?? undefined}
                  onClick=${() => props.onPick(t.take)}
                  aria-label=${`Use take ${t.take} of ${shot.id} in the cut`}>Use in cut</button>`
            }
          </figcaption>
          ${t.failed_checks.length > 0 && html`<p class="small error-text checks">${t.failed_checks.map(checkWords).join('; ')}</p>`}
          <${TakeComments} projectId=${props.projectId} shot=${shot.id} take=${t.take}
            from=${trimOf(planned, t.model)?.from ?? 0}
            comments=${props.comments.filter((c) => c.take === t.take)}
            canEdit=${canEdit} onDone=${props.onReviewed} />
        </figure>`,
      )}
    </div>
    ${shot.takes.length > 1 && html`<button type="button" class="small-button compare" onClick=${() => setComparing(shot.takes.find((t) => t.picked)?.take ?? shot.takes[0]!.take)}>Compare takes side by side</button>`}
    ${comparing !== null && html`<${Lightbox} shot=${shot} first=${comparing} onClose=${() => setComparing(null)} />`}`
    }
    <${VerdictBar} projectId=${props.projectId} shot=${shot.id} review=${props.review}
      canEdit=${canEdit} onDone=${props.onReviewed} />
    <${HistoryView} projectId=${props.projectId} shot=${shot.id} />
    ${
      canEdit &&
      html`<${Disclosure} class="edit" summary="Change the prompt, model, priority or tags"
      render=${() => html`
      ${props.lockReason && html`<p class="small lock-note">${props.lockReason}</p>`}
      <${PromptEditor} key=${shot.prompt} shot=${shot.id} prompt=${shot.prompt}
        onRegenerate=${props.onRegenerate} lockReason=${props.lockReason} />
      <div class="edit-grid">
        <label>Model
          <select value=${current.model ?? ''} onChange=${(e: Event) => props.onChange({ model: (e.currentTarget as HTMLSelectElement).value || null })}>
            <option value="">Let the router choose</option>
            ${props.models.map((m) => {
              const why = cannot.get(m.id)?.[0];
              return html`<option value=${m.id}>${m.name}${why && m.id !== current.model ? ` — cannot: ${reasonWords(why)}` : ''}</option>`;
            })}
          </select>
        </label>
        <label>Priority
          <select value=${current.priority} onChange=${(e: Event) => props.onChange({ priority: (e.currentTarget as HTMLSelectElement).value as 'hero' })}>
            <option value="hero">hero: counts most when the budget is tight</option>
            <option value="normal">normal</option>
            <option value="draft">draft: counts least when the budget is tight</option>
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
    `} />`
    }
  </article>`;
}

/**
 * A `<details>` whose content is made only when it is opened: a 100-shot board would otherwise
 * build every card's reasons, ruled-out models and model list up front (the first screen).
 */
function Disclosure(props: { class: string; summary: string; render: () => unknown }) {
  const [open, setOpen] = useState(false);
  return html`<details class=${props.class}
    onToggle=${(e: Event) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
    <summary>${props.summary}</summary>
    ${open && props.render()}
  </details>`;
}

/** A failed check (`code: message`) in words: its message. */
function checkWords(check: string): string {
  const at = check.indexOf(': ');
  return at >= 0 ? check.slice(at + 2) : check;
}
