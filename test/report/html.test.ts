/** report.html is one self-contained page: escaped text, inline chart, frames as data URIs. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RunReport, ShotReport } from '../../src/assemble/index.ts';
import { renderReportHtml, spendChart } from '../../src/report/index.ts';

function shot(id: string, over: Partial<ShotReport> = {}): ShotReport {
  return {
    id,
    model: 'veo-3.1',
    provider: 'fal',
    attempts: 1,
    spend_usd: 1.25,
    file: `media/${id}.mp4`,
    sha256: 'a'.repeat(64),
    warnings: [],
    state: 'done',
    cached: false,
    error: null,
    take: 1,
    picked: false,
    takes: [{ take: 1, model: 'veo-3.1', file: `media/${id}.mp4`, sha256: 'a'.repeat(64) }],
    reasons: ['best score 0.91 of 12 feasible models', 'strong: dialogue (0.9)'],
    estimate_usd: 1.5,
    reserved_usd: 0,
    error_code: null,
    paid_takes: [],
    seconds: 42,
    clip: `conformed/${id}-take1-0123456789abcdef.mp4`,
    verdict: null,
    ...over,
  };
}

function report(over: Partial<RunReport> = {}): RunReport {
  const shots = [
    shot('s01'),
    shot('s02', {
      state: 'failed',
      take: null,
      takes: [],
      file: null,
      sha256: null,
      clip: null,
      spend_usd: 0.5,
      error: 'refused: <b>kites</b> are not allowed',
      warnings: ['1.5 s snapped up to 4 s, trimmed to 1.5 s'],
    }),
    shot('s03', {
      take: 2,
      picked: true,
      takes: [
        { take: 1, model: 'kling-3.0', file: 'media/x.mp4', sha256: 'b'.repeat(64) },
        { take: 2, model: 'kling-3.0', file: 'media/y.mp4', sha256: 'c'.repeat(64) },
      ],
    }),
  ];
  return {
    title: 'Aurora <launch> & "film"',
    preview: false,
    budget_usd: 3,
    final: 'final.mp4',
    shots,
    total: { spend_usd: 3, shots: 3, done: 2, failed: 1, estimate_usd: 4.5 },
    files: {
      report_html: 'report.html',
      otio: 'timeline.otio',
      fcpxml: 'timeline.fcpxml',
      edl: 'timeline.edl',
    },
    join: 'copy',
    catalog: null,
    ...over,
  };
}

const PIXEL = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2w==';

function render(r: RunReport): string {
  return renderReportHtml({
    report: r,
    deliver: {
      width: 1920,
      height: 1080,
      fps: 24,
      audio: true,
      codec: 'h264',
      fit: 'fit',
      loudness: -23,
    },
    shots: r.shots.map((s) => ({
      id: s.id,
      prompt: `prompt of ${s.id} <script>alert(1)</script>`,
      seconds: 4,
      frame: s.state === 'done' ? PIXEL : null,
    })),
  });
}

describe('report.html', () => {
  test('is self-contained: no external URL, frames inline, one inline SVG chart', () => {
    const html = render(report());
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /<script|<link|@import|url\(/i);
    assert.equal(html.match(/<img src="data:image\/jpeg;base64,/g)?.length, 2);
    assert.equal(html.match(/<svg /g)?.length, 1);
    assert.match(html, /^<!doctype html>/);
  });

  test('shows every shot with its model, reasons, attempts, time, spend and take', () => {
    const html = render(report());
    for (const id of ['s01', 's02', 's03']) assert.ok(html.includes(`<b>${id}</b>`), id);
    assert.ok(html.includes('best score 0.91 of 12 feasible models'));
    assert.ok(html.includes('42 s'));
    assert.ok(html.includes('$1.25'));
    assert.ok(html.includes('2 of 2<div class="muted">picked</div>'));
    assert.ok(html.includes('take 2 of 2 · picked'));
    assert.ok(html.includes('no frame'), 'the failed shot has a placeholder');
  });

  test('escapes every text it shows', () => {
    const html = render(report());
    assert.ok(html.includes('Aurora &lt;launch&gt; &amp; &quot;film&quot;'));
    assert.ok(html.includes('refused: &lt;b&gt;kites&lt;/b&gt; are not allowed'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  test('the chart stacks each shot’s estimate and spend on one scale, with the budget line', () => {
    const svg = spendChart(report());
    assert.match(svg, /class="budget"/);
    assert.match(svg, /budget \$3\.00/);
    // spend: 1.25 + 0.5 + 1.25; estimate: 3 × 1.5
    assert.match(svg, />\$3\.00<\/text>/);
    assert.match(svg, />\$4\.50<\/text>/);
    assert.equal(svg.match(/<title>/g)?.length, 6);
  });

  test('spend over the budget is flagged; no budget draws no line', () => {
    const over = render(
      report({ total: { spend_usd: 5, shots: 3, done: 2, failed: 1, estimate_usd: 4.5 } }),
    );
    assert.match(over, /<div class="stat bad"><div class="label">Spent<\/div>/);
    const noBudget = spendChart(report({ budget_usd: null }));
    assert.doesNotMatch(noBudget, /class="budget"/);
  });
});
