/**
 * Review on a shot card: a verdict (approve, or needs changes with a note), comments on a take
 * at the time its player shows, the shot's history of runs and takes, and a new prompt to make
 * the shot again. Each calls the review API itself; the page reads the project again after.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, clock, money, type ShotHistory, type ShotReview, type TakeComment } from './api.ts';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The shot's verdict, and the buttons to give one (editors). */
export function VerdictBar(props: {
  projectId: string;
  shot: string;
  review: ShotReview | undefined;
  canEdit: boolean;
  onDone: () => void;
}) {
  const { review } = props;
  const [noting, setNoting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function send(verdict: 'approved' | 'needs_changes', note: string | null) {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/projects/${props.projectId}/shots/${props.shot}/review`, {
        method: 'PUT',
        json: { verdict, note },
      });
      setNoting(false);
      props.onDone();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return html`<div class="verdict">
    ${
      review
        ? html`<p class=${`verdict-state ${review.verdict}`}>
          <span class=${`badge ${review.verdict === 'approved' ? 'done' : 'failed'}`}>${review.verdict === 'approved' ? 'Approved' : 'Needs changes'}</span>
          <span class="small muted">${review.by ? `by ${review.by}` : ''}</span>
          ${review.note && html`<span class="verdict-note">“${review.note}”</span>`}
        </p>`
        : html`<p class="small muted verdict-state">Not reviewed yet</p>`
    }
    ${
      props.canEdit &&
      html`<div class="verdict-buttons">
        <button class="small-button" disabled=${busy || review?.verdict === 'approved'}
          onClick=${() => send('approved', null)} aria-label=${`Approve ${props.shot}`}>Approve</button>
        <button class="small-button" disabled=${busy} aria-expanded=${noting}
          onClick=${() => setNoting(!noting)} aria-label=${`${props.shot} needs changes`}>Needs changes</button>
      </div>`
    }
    ${
      noting &&
      html`<form class="verdict-form" onSubmit=${(e: Event) => {
        e.preventDefault();
        const text = (
          (e.currentTarget as HTMLFormElement).elements.namedItem('note') as HTMLTextAreaElement
        ).value.trim();
        void send('needs_changes', text || null);
      }}>
        <label>What should change?
          <textarea name="note" rows="2" maxlength="2000"></textarea>
        </label>
        <button class="small-button" type="submit" disabled=${busy}>Send</button>
      </form>`
    }
    ${error && html`<p class="error-text small" role="alert">${error}</p>`}
  </div>`;
}

/**
 * Comments on one take, and a field to add one at the time the take's player shows (seconds
 * into the shot: the player's time less where the shot starts in the clip).
 */
export function TakeComments(props: {
  projectId: string;
  shot: string;
  take: number;
  /** where the shot starts in the take's clip, seconds */
  from: number;
  comments: TakeComment[];
  canEdit: boolean;
  onDone: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const videoOf = (el: Element) =>
    el.closest('figure')?.querySelector('video') as HTMLVideoElement | null;

  async function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('comment') as HTMLInputElement;
    const text = input.value.trim();
    if (!text) return;
    const video = videoOf(form);
    const at = Math.max(0, (video?.currentTime ?? props.from) - props.from);
    setBusy(true);
    setError(null);
    try {
      await api(
        `/api/projects/${props.projectId}/shots/${props.shot}/takes/${props.take}/comments`,
        {
          method: 'POST',
          json: { at_seconds: Math.round(at * 100) / 100, text },
        },
      );
      input.value = '';
      props.onDone();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const seek = (event: Event, at: number) => {
    const figure = (event.currentTarget as Element).closest('figure');
    const video = videoOf(event.currentTarget as Element);
    if (video) {
      video.currentTime = props.from + at;
      return;
    }
    // the take still shows its poster: start its player, then seek it once it is drawn
    (figure?.querySelector('.poster-button') as HTMLButtonElement | null)?.click();
    requestAnimationFrame(() => {
      const started = figure?.querySelector('video');
      if (started) started.currentTime = props.from + at;
    });
  };

  return html`<div class="comments">
    ${
      props.comments.length > 0 &&
      html`<ol class="comment-list">
      ${props.comments.map(
        (c) => html`<li>
          <button class="link time" onClick=${(e: Event) => seek(e, c.at_seconds)}
            aria-label=${`Go to ${clock(c.at_seconds)}`}>${clock(c.at_seconds)}</button>
          <span class="comment-text">${c.text}</span>
          ${c.by && html`<span class="small muted"> · ${c.by}</span>`}
        </li>`,
      )}
    </ol>`
    }
    ${
      props.canEdit &&
      html`<form class="comment-form" onSubmit=${submit}>
        <input name="comment" maxlength="2000" autocomplete="off"
          placeholder="Comment…"
          aria-label=${`Comment on take ${props.take} of ${props.shot} at the player’s time`} />
        <button class="small-button" type="submit" disabled=${busy}>Comment</button>
      </form>`
    }
    ${error && html`<p class="error-text small" role="alert">${error}</p>`}
  </div>`;
}

/** Every run that made the shot, newest first, read when opened. */
export function HistoryView(props: { projectId: string; shot: string }) {
  const [history, setHistory] = useState<ShotHistory | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function open(event: Event) {
    if (!(event.currentTarget as HTMLDetailsElement).open) return;
    try {
      setHistory(
        await api<ShotHistory>(`/api/projects/${props.projectId}/shots/${props.shot}/history`),
      );
    } catch (e) {
      setError(errorText(e));
    }
  }

  return html`<details class="history" onToggle=${open}>
    <summary>History of runs and takes</summary>
    ${error && html`<p class="error-text small">${error}</p>`}
    ${!history && !error && html`<p class="small muted">Reading…</p>`}
    ${history && history.runs.length === 0 && html`<p class="small muted">Not made in any run yet.</p>`}
    ${
      history &&
      history.runs.length > 0 &&
      html`<ol class="history-runs">
      ${history.runs.map(
        (r) => html`<li>
          <span>${new Date(r.created_at).toLocaleString()}</span>
          <span class="muted small"> · ${r.preview ? 'preview' : 'real run'}${r.state === 'superseded' ? ' · replaced by a later run' : ''}</span>
          <ul>${r.takes.map(
            (t) =>
              html`<li class="small">Take ${t.take}: ${takeState(t.state)}${t.model && !r.preview ? ` on ${t.model}` : ''}${
                t.cached ? ' · reused' : t.spend_usd > 0 ? ` · ${money(t.spend_usd)}` : ''
              }</li>`,
          )}</ul>
        </li>`,
      )}
    </ol>`
    }
  </details>`;
}

function takeState(state: string): string {
  switch (state) {
    case 'done':
      return 'made';
    case 'failed':
      return 'failed';
    case 'superseded':
      return 'replaced';
    case 'queued':
      return 'waiting';
    case 'skipped':
      return 'not needed';
    default:
      return state;
  }
}

/** A new prompt for the shot; the estimate is asked for (and confirmed) before anything runs. */
export function PromptEditor(props: {
  shot: string;
  prompt: string;
  /** null: there are unapplied changes to apply or discard first */
  onRegenerate: ((prompt: string) => void) | null;
  lockReason: string | null;
}) {
  const [text, setText] = useState(props.prompt);
  const same = text.trim() === props.prompt.trim() || text.trim() === '';
  const why = props.lockReason
    ? props.lockReason
    : !props.onRegenerate
      ? 'Apply or discard your changes first.'
      : same
        ? 'Change the prompt to make the shot again.'
        : null;
  return html`<form class="prompt-edit" onSubmit=${(e: Event) => {
    e.preventDefault();
    if (!why) props.onRegenerate?.(text.trim());
  }}>
    <label>Prompt
      <textarea name="prompt" rows="3" maxlength="4000" value=${text}
        onInput=${(e: Event) => setText((e.currentTarget as HTMLTextAreaElement).value)}></textarea>
    </label>
    <button type="submit" disabled=${why !== null}>Make this shot again…</button>
    ${why && html`<p class="small muted">${why}</p>`}
  </form>`;
}
