/**
 * bench:board — the board's first screen on a 100-shot project: the time from opening the
 * project's address in Chromium until every shot card is on the page and every poster in view
 * is drawn, and how many pictures the page asked for (posters load lazily: only those near the
 * view should be fetched, and each is made by ffmpeg on its first request).
 *
 * The project is previewed first (one 1-second clip a shot, rendered locally: a minute or two),
 * then opened three times: cold (no picture made yet), then twice warm (pictures made), the
 * browser's cache emptied before each. The snapshot the page loads is also timed alone.
 *
 * Run: node bench/board.bench.ts [--shots 100]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { listen } from '../src/server/listen.ts';

const { values } = parseArgs({ options: { shots: { type: 'string', default: '100' } } });
const shots = Number(values.shots);
const REPO = fileURLToPath(new URL('../', import.meta.url));
const WEB = path.join(REPO, 'dist/web');
if (!fs.existsSync(path.join(WEB, 'index.html'))) {
  throw new Error('build the board first: npm run build:web');
}

const lines = [
  'version: 1',
  'title: Board bench',
  'as_of: 2026-11-26',
  'deliver: { resolution: 320x180, fps: 24, audio: false }',
  'shots:',
];
for (let i = 1; i <= shots; i++) {
  lines.push(`  - { id: b${i}, prompt: "Shot ${i} of the board bench", duration: 1 }`);
}

const projects = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-board-bench-'));
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-board-bench-chromium-'));
const server = await listen({ projectsDir: projects, port: 0, webDir: WEB, env: {} });
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const form = new FormData();
  form.append('storyboard', new Blob([`${lines.join('\n')}\n`]), 'bench.yaml');
  const created = await fetch(`${server.url}api/projects`, { method: 'POST', body: form });
  const { project } = (await created.json()) as { project: { id: string } };
  const previewStart = Date.now();
  await fetch(`${server.url}api/projects/${project.id}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ preview: true }),
  });
  await server.server.idle();
  console.log(
    `bench:board — ${shots} shots, previewed in ${((Date.now() - previewStart) / 1000).toFixed(1)} s`,
  );

  // the snapshot the page loads first, alone
  const reads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    await (await fetch(`${server.url}api/projects/${project.id}`)).arrayBuffer();
    reads.push(Date.now() - t);
  }
  console.log(`  the project's snapshot (GET /api/projects/{id}): ${reads.join(' · ')} ms`);

  const page = browser.pages()[0] ?? (await browser.newPage());
  for (const label of ['cold (pictures not made yet)', 'warm (pictures made)', 'warm again']) {
    const client = await browser.newCDPSession(page);
    await client.send('Network.clearBrowserCache');
    const pictures: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (/\/(poster|strip)(\?|$)/.test(request.url())) pictures.push(request.url());
    };
    page.on('request', onRequest);
    const start = Date.now();
    await page.goto(`${server.url}?project=${project.id}`);
    // every card on the page, and every poster in view drawn
    for (;;) {
      const done = await page.evaluate(`(() => {
        if (document.querySelectorAll('article.shot').length !== ${shots}) return false;
        const inView = [...document.querySelectorAll('img.poster')].filter((i) => {
          const r = i.getBoundingClientRect();
          return r.bottom > 0 && r.top < innerHeight;
        });
        return inView.every((i) => i.complete && i.naturalWidth > 0);
      })()`);
      if (done) break;
      if (Date.now() - start > 120_000) throw new Error('the first screen did not settle in 2 min');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ms = Date.now() - start;
    page.off('request', onRequest);
    console.log(
      `  ${label}: first screen in ${ms} ms; ${pictures.length} pictures asked for (of ${shots} takes)`,
    );
  }
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(projects, { recursive: true, force: true });
  fs.rmSync(profile, { recursive: true, force: true });
}
