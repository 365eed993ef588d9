/**
 * Two takes side by side, played together: one play/pause, one position, one seek bar for both
 * (the second player follows the first within a frame or two). Each take's strip below its
 * player is a seek bar too. Esc or Close ends it.
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ShotCard } from './api.ts';

type Take = ShotCard['takes'][number];

/** drift allowed between the two players before the second is moved (seconds) */
const DRIFT = 0.08;

export function Lightbox(props: { shot: ShotCard; first: number; onClose: () => void }) {
  const { shot } = props;
  const others = shot.takes.filter((t) => t.take !== props.first);
  const [left, setLeft] = useState(props.first);
  const [right, setRight] = useState(others[0]?.take ?? props.first);
  const dialog = useRef<HTMLDialogElement>(null);
  const a = useRef<HTMLVideoElement>(null);
  const b = useRef<HTMLVideoElement>(null);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [playing, setPlaying] = useState(false);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  // the second player follows the first
  useEffect(() => {
    const lead = a.current;
    const follow = b.current;
    if (!lead || !follow) return;
    const sync = () => {
      setTime(lead.currentTime);
      if (Math.abs(follow.currentTime - lead.currentTime) > DRIFT) {
        follow.currentTime = Math.min(lead.currentTime, follow.duration || lead.currentTime);
      }
    };
    const meta = () => setDuration(Math.max(lead.duration || 0, follow.duration || 0));
    const ended = () => {
      follow.pause();
      setPlaying(false);
    };
    lead.addEventListener('timeupdate', sync);
    lead.addEventListener('seeked', sync);
    lead.addEventListener('loadedmetadata', meta);
    follow.addEventListener('loadedmetadata', meta);
    lead.addEventListener('ended', ended);
    return () => {
      lead.removeEventListener('timeupdate', sync);
      lead.removeEventListener('seeked', sync);
      lead.removeEventListener('loadedmetadata', meta);
      follow.removeEventListener('loadedmetadata', meta);
      lead.removeEventListener('ended', ended);
    };
  }, [left, right]);

  const both = () => [a.current, b.current].filter((v): v is HTMLVideoElement => v !== null);
  const toggle = async () => {
    if (playing) {
      for (const v of both()) v.pause();
      setPlaying(false);
      return;
    }
    setPlaying(true);
    await Promise.all(both().map((v) => v.play().catch(() => {})));
  };
  const seek = (seconds: number) => {
    for (const v of both()) v.currentTime = Math.min(seconds, v.duration || seconds);
    setTime(seconds);
  };
  const byNumber = (n: number) => shot.takes.find((t) => t.take === n)!;
  const chooser = (value: number, set: (n: number) => void, label: string) =>
    html`<select aria-label=${label} value=${value} onChange=${(e: Event) => {
      for (const v of both()) v.pause();
      setPlaying(false);
      set(Number((e.currentTarget as HTMLSelectElement).value));
    }}>${shot.takes.map((t) => html`<option value=${t.take}>Take ${t.take}${t.model ? ` · ${t.model}` : ''}</option>`)}</select>`;
  const side = (take: Take, ref: typeof a, label: string, set: (n: number) => void) =>
    html`<figure class="lightbox-side">
      <video ref=${ref} key=${take.url} preload="auto" muted=${ref === b} playsinline poster=${take.poster_url} src=${take.url}
        aria-label=${`Take ${take.take} of ${shot.id}`}></video>
      <button type="button" class="strip-seek" aria-label=${`Seek both takes (strip of take ${take.take})`}
        onClick=${(e: MouseEvent) => {
          const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
          seek(((e.clientX - box.left) / box.width) * (duration || 0));
        }}>
        <img src=${take.strip_url} alt="" />
      </button>
      <figcaption>${chooser(take.take, set, label)}${take.picked ? html` <span class="badge done">In the cut</span>` : ''}</figcaption>
    </figure>`;

  return html`<dialog ref=${dialog} class="lightbox" aria-labelledby="lightbox-title" onClose=${props.onClose}>
    <header>
      <h2 id="lightbox-title">Compare takes of ${shot.id}</h2>
      <button type="button" onClick=${() => dialog.current?.close()}>Close</button>
    </header>
    <div class="lightbox-pair">
      ${side(byNumber(left), a, 'Left take', setLeft)}
      ${side(byNumber(right), b, 'Right take', setRight)}
    </div>
    <div class="lightbox-controls">
      <button type="button" class="primary" onClick=${toggle}>${playing ? 'Pause both' : 'Play both'}</button>
      <input type="range" min="0" max=${duration || 0} step="0.01" value=${time} aria-label="Position of both takes"
        onInput=${(e: Event) => seek(Number((e.currentTarget as HTMLInputElement).value))} />
      <span class="small muted time">${time.toFixed(2)} / ${duration.toFixed(2)} s</span>
    </div>
  </dialog>`;
}
