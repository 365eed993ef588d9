/**
 * report.html: the run for people, in one self-contained file (inline CSS, frames as data URIs,
 * the chart as inline SVG; nothing is fetched, so it opens anywhere, offline, from an email).
 * A header with the deliverable, the key numbers, spend against budget, a contact sheet with a
 * frame of each shot, and per shot the model, why it was chosen, attempts, time and spend.
 */

import { shotColor, spendChart } from './chart.ts';
import { duration, escapeHtml as h, money } from './format.ts';
import type { QcFrame } from './qc-frames.ts';
import type { AudioReport, EditReport, RunReport, ShotReport } from './types.ts';

export interface HtmlReportInput {
  report: RunReport;
  deliver: {
    width: number;
    height: number;
    fps: number;
    audio: boolean;
    codec: string;
    fit: string;
    loudness: number;
  };
  /** per shot, in storyboard order */
  shots: Array<{ id: string; prompt: string; seconds: number; frame: string | null }>;
  /** per take file, the frames of its failing checks (report/qc-frames.ts); absent: none */
  qcFrames?: ReadonlyMap<string, QcFrame[]>;
  /** per still name (`report.stills`), its thumbnail as a data URI; absent: none */
  stillFrames?: ReadonlyMap<string, string | null>;
}

const CODEC_NAMES: Record<string, string> = {
  h264: 'H.264',
  h265: 'H.265',
  prores: 'ProRes 422 HQ',
};

/** Which catalog the plan was routed on, in a few words. */
function catalogLine(origin: NonNullable<RunReport['catalog']>): string {
  const digest = origin.digest.replace(/^sha256:/, '').slice(0, 12);
  const base =
    origin.source === 'bundle'
      ? `the catalog bundle published ${origin.published}, signed by ${origin.key_name}`
      : `the ${origin.source} catalog`;
  const overlays = origin.overlays.map((o) => o.file).join(', ');
  return `${base} (${digest})${overlays ? ` with overlays ${overlays}` : ''}`;
}

/** The failing checks of the take in the cut, when it passed the container check but not QC. */
function failingChecks(shot: ShotReport, thumbs: (file: string | null) => string) {
  const failing = (shot.verdict ?? []).filter(
    (c): c is { code: string; message: string } =>
      typeof c === 'object' && c !== null && (c as { ok?: unknown }).ok === false,
  );
  if (failing.length === 0) return [];
  const words = failing.map((c) => `${c.code}: ${c.message}`).join('; ');
  return [
    `<li class="error">the take in the cut fails its checks: ${h(words)}${thumbs(shot.file)}</li>`,
  ];
}

export function renderReportHtml(input: HtmlReportInput): string {
  const { report, deliver } = input;
  const byId = new Map(input.shots.map((s) => [s.id, s]));
  /** the failing checks' frames of a take, as small linked thumbnails */
  const thumbs = (file: string | null) =>
    (file === null ? [] : (input.qcFrames?.get(file) ?? []))
      .filter((f) => f.frame !== null)
      .map(
        (f) =>
          `<a class="qc" href="${h(encodeURI(f.frame!))}" title="${h(`${f.code} at ${f.at} s: ${f.message}`)}"><img src="${h(encodeURI(f.frame!))}" alt="${h(f.code)} at ${f.at} s"><span>${h(f.code)} ${f.at} s</span></a>`,
      )
      .join('');
  const cutSeconds = report.edit?.seconds ?? input.shots.reduce((sum, s) => sum + s.seconds, 0);
  const generationSeconds = report.shots.reduce((sum, s) => sum + s.seconds, 0);
  const format = [
    `${deliver.width}×${deliver.height}`,
    `${deliver.fps} fps`,
    CODEC_NAMES[deliver.codec] ?? deliver.codec,
    deliver.audio ? `stereo at ${deliver.loudness} LUFS` : 'no sound',
    deliver.fit === 'fill' ? 'fill (crop)' : 'fit (letterbox)',
  ].join(' · ');
  const budget = report.budget_usd;
  const over = budget !== null && report.total.spend_usd > budget;

  const stats = [
    stat(
      'Shots made',
      `${report.total.done} of ${report.total.shots}`,
      report.total.failed > 0 ? `${report.total.failed} failed` : 'all in the cut',
      report.total.failed > 0 ? 'bad' : '',
    ),
    stat(
      'Spent',
      money(report.total.spend_usd),
      budget === null ? 'no budget set' : `of ${money(budget)} budget`,
      over ? 'bad' : '',
    ),
    stat('Plan estimate', money(report.total.estimate_usd), 'every take at list price', ''),
    stat('Generation time', duration(generationSeconds), 'at the providers, summed', ''),
    stat('Cut', duration(cutSeconds), report.final ?? 'not assembled', ''),
  ].join('');

  const legend = report.shots
    .map((s, i) => `<span class="key"><i style="background:${shotColor(i)}"></i>${h(s.id)}</span>`)
    .join('');

  const sheet = report.shots
    .map((shot, i) => {
      const info = byId.get(shot.id);
      const frame = info?.frame
        ? `<img src="${info.frame}" alt="${h(shot.id)}">`
        : '<div class="noframe">no frame</div>';
      return `<figure class="card ${shot.state}">
  <div class="frame" style="aspect-ratio:${deliver.width}/${deliver.height}">${frame}${takeBadge(shot)}</div>
  <figcaption><span class="tag" style="background:${shotColor(i)}">${h(shot.id)}</span> <b>${h(shot.model ?? 'no model')}</b> <span class="muted">${h(shot.provider ?? '')}</span><br><span class="muted">${duration(info?.seconds ?? 0)} · ${money(shot.spend_usd)}</span></figcaption>
</figure>`;
    })
    .join('\n');

  const rows = report.shots
    .map((shot, i) => {
      const info = byId.get(shot.id);
      const notes = [
        ...(shot.error ? [`<li class="error">${h(shot.error)}</li>`] : []),
        ...(shot.paid_takes.some((t) => t.in_cut) ? [] : failingChecks(shot, thumbs)),
        ...(shot.paid_takes ?? []).map(
          (t) =>
            `<li class="error">paid ${t.in_cut ? 'take in the cut, marked: every take failed its checks and this one failed fewest' : t.state === 'rejected' ? 'take kept but rejected' : 'and unusable'} (${h(t.model)}, ${money(t.spend_usd)})${t.file ? `: ${h(t.file)}` : ''}: ${h(
              (t.verdict as Array<{ ok?: boolean; code?: string; message?: string }>)
                .filter((c) => c.ok === false)
                .map((c) => `${c.code ?? ''}: ${c.message ?? ''}`)
                .join('; ') ||
                (t.error ?? ''),
            )}${thumbs(t.file)}</li>`,
        ),
        ...shot.warnings.map((w) => `<li>${h(w)}</li>`),
        ...(shot.review
          ? [
              `<li class="review">${shot.review.verdict === 'approved' ? 'approved' : 'needs changes'}${shot.review.by ? ` (${h(shot.review.by)})` : ''}${shot.review.note ? `: ${h(shot.review.note)}` : ''}</li>`,
            ]
          : []),
        ...(shot.comments ?? []).map(
          (c) =>
            `<li class="comment">take ${c.take} at ${c.at_seconds.toFixed(2)} s${c.by ? `, ${h(c.by)}` : ''}: ${h(c.text)}</li>`,
        ),
      ];
      return `<tr>
  <td><span class="dot" style="background:${shotColor(i)}"></span><b>${h(shot.id)}</b><div class="state ${shot.state}">${shot.state}</div></td>
  <td class="prompt">${h(info?.prompt ?? '')}</td>
  <td><b>${h(shot.model ?? '—')}</b><div class="muted">${h(shot.provider ?? '')}${shot.cached ? ' · reused' : ''}</div></td>
  <td><ul class="reasons">${shot.reasons.map((r) => `<li>${h(r)}</li>`).join('')}</ul></td>
  <td class="num">${shot.attempts}</td>
  <td class="num">${duration(shot.seconds)}</td>
  <td class="num">${money(shot.spend_usd)}<div class="muted">est. ${money(shot.estimate_usd)}${shot.reserved_usd ? ` · reserved ${money(shot.reserved_usd)}` : ''}</div></td>
  <td class="num">${shot.take === null ? '—' : `${shot.take}${shot.takes.length > 1 ? ` of ${shot.takes.length}` : ''}`}${shot.picked ? '<div class="muted">picked</div>' : ''}</td>
  <td>${notes.length > 0 ? `<ul class="notes">${notes.join('')}</ul>` : '<span class="muted">—</span>'}</td>
</tr>`;
    })
    .join('\n');

  const files = [
    report.final,
    report.files?.otio,
    report.files?.fcpxml,
    report.files?.edl,
    report.files?.captions_srt,
    report.files?.captions_vtt,
    'report.json',
  ]
    .filter((f): f is string => typeof f === 'string')
    .map((f) => `<a href="${h(encodeURI(f))}">${h(f)}</a>`)
    .join(' · ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(report.title)} · shotrouter report</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <div class="eyebrow">shotrouter report${report.preview ? ' <span class="preview">preview: placeholders, nothing spent</span>' : ''}</div>
  <h1>${h(report.title)}</h1>
  <div class="format">${h(format)}${report.join ? ` · joined by ${report.join === 'copy' ? 'stream copy' : 'one encode'}` : ''}</div>
  ${report.catalog ? `<div class="format">routed on ${h(catalogLine(report.catalog))}</div>` : ''}
</header>
<section class="stats">${stats}</section>
<section>
  <h2>Spend against budget</h2>
  ${spendChart(report)}
  <div class="legend">${legend}</div>
</section>
<section>
  <h2>Contact sheet</h2>
  <div class="sheet">
${sheet}
  </div>
</section>
${report.stills ? stillsSection(report.stills, input.stillFrames) : ''}${report.edit ? editSection(report.edit) : ''}${report.audio ? audioSection(report.audio) : ''}<section>
  <h2>Shots</h2>
  <div class="table"><table>
<thead><tr><th>Shot</th><th>Prompt</th><th>Model</th><th>Why this model</th><th class="num">Attempts</th><th class="num">Time</th><th class="num">Spend</th><th class="num">Take</th><th>Notes</th></tr></thead>
<tbody>
${rows}
</tbody>
  </table></div>
</section>
<footer>Files: ${files}</footer>
</body>
</html>
`;
}

/** The stills of `images:`, each with its thumbnail, model, cost and the shots using it. */
function stillsSection(
  stills: NonNullable<RunReport['stills']>,
  frames: ReadonlyMap<string, string | null> | undefined,
): string {
  const cards = stills
    .map((still) => {
      const frame = frames?.get(still.name);
      const picture = frame
        ? `<img src="${frame}" alt="${h(still.name)}">`
        : `<div class="noframe">${h(still.state === 'done' ? 'no frame' : still.state)}</div>`;
      const paid = still.cached ? 'reused' : money(still.spend_usd);
      return `<figure class="card ${still.state === 'done' ? 'done' : 'failed'}">
  <div class="frame">${picture}</div>
  <figcaption><span class="tag">${h(still.name)}</span> <b>${h(still.model ?? 'no model')}</b> <span class="muted">${h(still.provider ?? '')}</span><br><span class="muted">${paid} · used by ${h(still.used_by.join(', ') || 'no shot')}</span><br><span class="muted">${h(still.prompt)}</span>${still.error ? `<br><span class="error">${h(still.error)}</span>` : ''}</figcaption>
</figure>`;
    })
    .join('\n');
  return `<section>
  <h2>Stills</h2>
  <div class="sheet">
${cards}
  </div>
</section>
`;
}

/** The cut as the storyboard edits it: scene headings over its shots in playing order. */
function editSection(edit: EditReport): string {
  const sceneAt = new Map<string, string>();
  for (const scene of edit.scenes) {
    const first = edit.cut.find((c) => scene.shots.includes(c.id));
    if (first) sceneAt.set(first.id, scene.heading);
  }
  const rows = edit.cut
    .map((c) => {
      const heading = sceneAt.get(c.id);
      const notes = [
        c.source !== c.id ? `reuses ${h(c.source)} from ${duration(c.in)}` : '',
        c.source === c.id && c.in > 0 ? `trimmed from ${duration(c.in)}` : '',
        c.transition && c.transition.type !== 'cut'
          ? `${h(c.transition.type)} ${duration(c.transition.duration)}`
          : '',
        c.title ? `title “${h(c.title)}”` : '',
        c.caption ? `caption “${h(c.caption)}”` : '',
      ].filter(Boolean);
      return `${heading ? `<tr class="scene"><th colspan="4">${h(heading)}</th></tr>` : ''}<tr><td class="num">${duration(c.start)}</td><td><b>${h(c.id)}</b></td><td class="num">${duration(c.seconds)}</td><td>${notes.join(' · ') || '<span class="muted">—</span>'}</td></tr>`;
    })
    .join('\n');
  const omitted =
    edit.omitted.length > 0
      ? `<p class="muted">Generated and kept, not in the cut: ${edit.omitted.map(h).join(', ')}</p>`
      : '';
  return `<section>
  <h2>Scenes and edit</h2>
  <div class="table"><table>
<thead><tr><th class="num">Starts</th><th>Shot</th><th class="num">Length</th><th>Edit</th></tr></thead>
<tbody>
${rows}
</tbody>
  </table></div>
  ${omitted}
</section>
`;
}

/** The mix: each track under the clips with its sounds, and what plays under each shot. */
function audioSection(audio: AudioReport): string {
  const rows = audio.tracks
    .flatMap((track, i) =>
      track.sounds.map(
        (s) =>
          `<tr><td>A${i + 2} ${h(track.name)}</td><td>${h(track.role)}</td><td>${h(s.name)} <span class="muted">${h(s.file)}</span></td><td class="num">${duration(s.start)}</td><td class="num">${duration(s.seconds)}</td><td class="num">${s.gain_db} dB</td><td>${s.ducked ? 'ducked under voices' : ''}</td></tr>`,
      ),
    )
    .join('\n');
  const shots = audio.shots
    .map(
      (s) =>
        `<li><b>${h(s.id)}</b>: ${s.sources.map(h).join(', ') || '<span class="muted">silent</span>'}</li>`,
    )
    .join('');
  return `<section>
  <h2>Sound</h2>
  <p class="muted">The clips' own sound is on A1; the tracks below are mixed under it and the whole set to ${audio.loudness_lufs} LUFS. The timelines carry the same tracks.</p>
  <div class="table"><table>
<thead><tr><th>Track</th><th>Role</th><th>Sound</th><th class="num">Starts</th><th class="num">Length</th><th class="num">Gain</th><th>Mix</th></tr></thead>
<tbody>
${rows}
</tbody>
  </table></div>
  <ul class="sources">${shots}</ul>
</section>
`;
}

function stat(label: string, value: string, note: string, tone: string): string {
  return `<div class="stat ${tone}"><div class="label">${h(label)}</div><div class="value">${h(value)}</div><div class="note">${h(note)}</div></div>`;
}

function takeBadge(shot: ShotReport): string {
  if (shot.state !== 'done') return `<span class="badge bad">${shot.state}</span>`;
  if (shot.takes.length <= 1) return '';
  return `<span class="badge">take ${shot.take} of ${shot.takes.length}${shot.picked ? ' · picked' : ''}</span>`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;padding:32px 40px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2230;background:#f6f7fb}
header{margin-bottom:24px}
.eyebrow{font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:#6b7285;font-weight:600}
.preview{margin-left:8px;padding:2px 8px;border-radius:10px;background:#fff3cd;color:#7a5b00;letter-spacing:0;text-transform:none}
h1{margin:4px 0 6px;font-size:30px;line-height:1.15}
h2{margin:0 0 14px;font-size:17px}
.format{color:#4a5163}
section{background:#fff;border:1px solid #e3e6ee;border-radius:12px;padding:20px 22px;margin-bottom:20px}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;background:none;border:0;padding:0}
.stat{background:#fff;border:1px solid #e3e6ee;border-radius:12px;padding:14px 16px}
.stat .label{font-size:12px;color:#6b7285;text-transform:uppercase;letter-spacing:.05em;font-weight:600}
.stat .value{font-size:24px;font-weight:700;margin:2px 0}
.stat .note{font-size:12px;color:#6b7285;overflow-wrap:anywhere}
.stat.bad .value{color:#c62828}
.legend{margin-top:8px;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:12px;color:#4a5163}
.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:16px}
.card{margin:0}
.frame{position:relative;background:#111;border-radius:8px;overflow:hidden;display:flex;align-items:center;justify-content:center}
.frame img{width:100%;height:100%;object-fit:contain;display:block}
.noframe{color:#999;font-size:12px}
.tag{color:#fff;font-weight:700;font-size:12px;padding:1px 7px;border-radius:6px}
.badge{position:absolute;right:8px;top:8px;background:rgba(0,0,0,.7);color:#fff;font-size:11px;padding:2px 7px;border-radius:6px}
.badge.bad{background:#c62828}
figcaption{margin-top:6px;font-size:13px;overflow-wrap:anywhere}
.muted{color:#6b7285;font-size:12px}
.table{overflow-x:auto}
table{width:100%;border-collapse:collapse}
th{text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#6b7285;border-bottom:2px solid #e3e6ee;padding:8px}
tr.scene th{background:#eef0f6;color:#1d2230;text-transform:none;letter-spacing:0;font-size:13px}
td{vertical-align:top;border-bottom:1px solid #eef0f4;padding:10px 8px}
.num{text-align:right;white-space:nowrap}
.prompt{max-width:260px;color:#333a4d}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
.state{font-size:11px;text-transform:uppercase;font-weight:700;letter-spacing:.05em;margin-top:2px}
.state.done{color:#2e7d32}.state.failed{color:#c62828}.state.pending{color:#8a8f9c}
ul.reasons,ul.notes{margin:0;padding-left:16px}
ul.notes li{color:#8a5a00}
ul.notes li.error{color:#c62828}
a.qc{display:inline-block;margin:4px 4px 0 0;font-size:11px;color:inherit;text-decoration:none}
a.qc img{display:block;width:96px;border:2px solid #c62828;border-radius:3px}
footer{color:#6b7285;font-size:13px}
footer a{color:#3553a8}
`;
