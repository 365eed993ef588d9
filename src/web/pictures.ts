/**
 * Pictures on the board: a take shown as its poster until it is played (the player, and the
 * clip's bytes, only then), a shot's reference images beside its prompt, and a strip of the whole
 * cut with its shot boundaries. Every picture is an `<img loading="lazy">`: a 100-shot board
 * fetches only the posters in view, and the server makes each once per clip content.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { Overview, ShotCard } from './api.ts';

type Take = ShotCard['takes'][number];

/**
 * A take: its poster with a play button; pressed, the player in its place, started, with the
 * poster as its own (never a black first frame). `src` is the clip with its fragment.
 */
export function TakePlayer(props: { take: Take; src: string; label: string }) {
  const { take, src, label } = props;
  const [playing, setPlaying] = useState(false);
  if (playing) {
    return html`<video class="take-video" controls autoplay preload="auto" poster=${take.poster_url} src=${src}
      aria-label=${label}></video>`;
  }
  return html`<button type="button" class="poster-button" onClick=${() => setPlaying(true)} aria-label=${`Play ${label}`}>
    <img class="poster" loading="lazy" decoding="async" src=${take.poster_url} alt="" width="480" height="270" />
    <span class="play" aria-hidden="true">▶</span>
  </button>`;
}

const ROLE_NAMES = { reference: 'Reference', first_frame: 'First frame', last_frame: 'Last frame' };

/** The shot's own images beside its prompt, each opening full size. */
export function ShotReferences(props: { shot: ShotCard }) {
  const refs = props.shot.references;
  if (refs.length === 0) return null;
  return html`<ul class="shot-refs" aria-label=${`Images for ${props.shot.id}`}>
    ${refs.map(
      (r, i) => html`<li key=${`${r.role}-${i}`}>
        <a href=${r.url} target="_blank" rel="noopener" title=${ROLE_NAMES[r.role]}>
          <img loading="lazy" decoding="async" src=${r.url} alt=${`${ROLE_NAMES[r.role]} ${i + 1} of ${props.shot.id}`} />
        </a>
        ${r.role !== 'reference' && html`<span class="small muted">${ROLE_NAMES[r.role]}</span>`}
      </li>`,
    )}
  </ul>`;
}

/**
 * The cut as a strip of thumbnails in order, each shot's span marked and named; choosing a shot
 * plays the cut from its start (`onSeek`).
 */
export function CutStrip(props: {
  cut: NonNullable<Overview['cut']>;
  onSeek: (seconds: number) => void;
}) {
  const { cut } = props;
  const total = cut.seconds || 1;
  const pct = (s: number) => `${Math.min(100, Math.max(0, (s / total) * 100))}%`;
  return html`<figure class="cut-strip">
    <div class="cut-strip-frame">
      <img loading="lazy" decoding="async" src=${cut.strip_url} alt="Thumbnails across the cut, in order" />
      ${cut.shots.map(
        (s, i) => html`<button type="button" key=${s.id} class=${`cut-shot${i % 2 ? ' odd' : ''}`}
          style=${{ left: pct(s.start), width: pct(s.seconds) }}
          onClick=${() => props.onSeek(s.start)} title=${`${s.id}: from ${s.start.toFixed(1)} s`}
          aria-label=${`Play the cut from ${s.id}`}><span>${s.id}</span></button>`,
      )}
    </div>
    <figcaption class="small muted">${cut.shots.length} shots in the cut · choose one to play from it</figcaption>
  </figure>`;
}

/** The cut's poster: the poster of the take its first shot plays (undefined before a cut). */
export function cutPoster(overview: Overview): string | undefined {
  const first = overview.cut?.shots[0]?.id;
  const shot = overview.shots.find((s) => s.id === first);
  return shot?.takes.find((t) => t.picked)?.poster_url;
}

/** Plays the board's cut from `seconds`. */
export function playCutFrom(seconds: number): void {
  const video = document.querySelector<HTMLVideoElement>('video.cut');
  if (!video) return;
  video.currentTime = seconds;
  video.scrollIntoView({ block: 'nearest' });
  void video.play().catch(() => {});
}
