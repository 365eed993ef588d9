/**
 * The board end to end, in a real browser: Debian's Chromium driven by playwright-core, against
 * `shotrouter serve` on a loopback port. A new user opens the board, loads an example, sees the
 * plan and why, runs a preview, watches it reach the end, plays the cut and picks a take. A
 * screenshot of each step is kept in test-artifacts/web/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Listening, listen } from '../../src/server/listen.ts';
import {
  type BoardBrowser,
  launchBoardBrowser,
  REPO,
  snap as snapPage,
  until as untilTrue,
  WEB,
} from './browser.ts';

let server: Listening;
let browser: BoardBrowser;
let page: Page;
const temp: string[] = [];

const until = (expression: string, timeoutMs?: number) => untilTrue(page, expression, timeoutMs);

const snap = (name: string) => snapPage(page, name);

before(async () => {
  const projects = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-board-'));
  temp.push(projects);
  // the examples as shipped, but delivered small: the board is what is tested, not 1080p renders
  const examples = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-board-examples-'));
  temp.push(examples);
  fs.cpSync(path.join(REPO, 'examples'), examples, { recursive: true });
  const film = path.join(examples, 'launch-film.yaml');
  fs.writeFileSync(
    film,
    fs.readFileSync(film, 'utf8').replace('resolution: 1920x1080', 'resolution: 480x270'),
  );
  server = await listen({
    projectsDir: projects,
    port: 0,
    webDir: WEB,
    examplesDir: examples,
    env: {},
  });
  browser = await launchBoardBrowser();
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await server?.close();
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the web board', () => {
  test('load an example, see the plan, run a preview to the end, play the cut, pick a take', async () => {
    // 1. the first screen: examples and an upload form, reachable by keyboard
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Start from an example' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
    await snap('01-start');

    // 2. an example: the plan, each shot's model, price and reason
    const example = page.getByRole('listitem').filter({ hasText: 'Aurora launch film' });
    await example.getByRole('button', { name: 'Open this example' }).click();
    await page.getByRole('heading', { name: 'Aurora launch film' }).waitFor();
    const s03 = page.getByRole('article', { name: /s03/ });
    await s03.getByText(/^Why: /).waitFor();
    assert.match((await s03.locator('.model').textContent()) ?? '', /\S/);
    assert.match((await s03.locator('.price').textContent()) ?? '', /\$\d+\.\d\d/);
    assert.equal(await page.getByRole('article').count(), 7);
    assert.match(
      (await page.getByRole('button', { name: /Run for real/ }).textContent()) ?? '',
      /\$\d/,
    );
    await s03.getByText(/^Why, /).click();
    await s03.getByText(/models? ruled out$/).waitFor();
    const why = (await s03.locator('ul.reasons').textContent()) ?? '';
    assert.doesNotMatch(why, /score|→|\b0\.\d+ judged/, `no scores in the reasons: ${why}`);
    // reasons are shown from their fields: messages, never objects; a feasible model is not "cannot"
    const ruledOut = (await s03.locator('ul.rejected').textContent()) ?? '';
    assert.match(ruledOut, /retired on 2026-09-24/);
    assert.doesNotMatch(ruledOut, /policy\.|score \d/, 'no policy keys or scores');
    assert.doesNotMatch(ruledOut, /\[object Object\]/);
    await s03.getByText('Change the prompt, model, priority or tags').click();
    const choices = (await s03.locator('.edit select').first().textContent()) ?? '';
    assert.doesNotMatch(choices, /cannot: feasible/);
    await snap('02-plan');

    // 3. run the preview from the keyboard; progress shows while it runs
    const runButton = page.getByRole('button', { name: /Run preview/ });
    await runButton.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Stop the run' }).waitFor();
    await page
      .locator('.run-state .badge')
      .filter({ hasText: /Starting|Previewing|Assembling/ })
      .waitFor();
    await page
      .locator('.shot .badge')
      .filter({ hasText: /Rendering the preview|Checking the placeholder|Done|Queued/ })
      .first()
      .waitFor();
    assert.equal(
      await page.locator('.shot .badge', { hasText: /Generating on/ }).count(),
      0,
      'a preview is a local rehearsal, never "Generating on" a model',
    );
    await snap('03-running');

    // 4. the end: every shot made, the cut and its files
    await page.locator('.run-state .badge', { hasText: 'Finished' }).waitFor({ timeout: 240_000 });
    await page.getByText('7 of 7 shots made', { exact: false }).waitFor();
    assert.equal(await page.locator('.shot .badge', { hasText: 'Done' }).count(), 7);
    for (const name of [
      'Report',
      'OpenTimelineIO',
      'Final Cut Pro XML',
      'EDL (CMX 3600)',
      'Download the cut',
    ]) {
      await page.getByRole('link', { name, exact: true }).waitFor();
    }
    await snap('04-finished');

    // 5. the cut plays (and seeks: the server answers byte ranges)
    const cut = page.getByRole('region', { name: 'The cut' }).or(page.locator('video.cut'));
    await cut.first().scrollIntoViewIfNeeded();
    await page.evaluate(
      '(() => { const v = document.querySelector("video.cut"); v.muted = true; v.currentTime = 10; return v.play(); })()',
    );
    await until('document.querySelector("video.cut").currentTime > 10.3');
    const duration = Number(await page.evaluate('document.querySelector("video.cut").duration'));
    assert.ok(Math.abs(duration - 32) < 0.2, `the cut lasts ${duration} s`);
    await page.evaluate('document.querySelector("video.cut").pause()');
    await snap('05-cut-playing');

    // 6. pick the second take of s07: the cut is made again with it
    const s07 = page.getByRole('article', { name: /s07/ });
    await s07.scrollIntoViewIfNeeded();
    // each take shows its poster (a drawn picture), its player only once played
    assert.equal(await s07.locator('.take img.poster').count(), 2);
    await s07.getByRole('button', { name: 'Use take 2 of s07 in the cut' }).click();
    await s07
      .getByRole('button', { name: 'Use take 1 of s07 in the cut' })
      .waitFor({ timeout: 120_000 });
    assert.match(
      (await s07.locator('.take.picked figcaption').textContent()) ?? '',
      /Take 2[\s\S]*In the cut/,
    );
    await snap('06-picked');

    const id = new URL(page.url()).searchParams.get('project');
    const report = (await (
      await fetch(`${server.url}api/projects/${id}/files/report.json`)
    ).json()) as { shots: Array<{ id: string; take: number; picked: boolean }> };
    const picked = report.shots.find((s) => s.id === 's07')!;
    assert.equal(picked.take, 2);
    assert.equal(picked.picked, true);
    assert.deepEqual(browser.pageErrors, [], 'no script errors on the page');
  });
});
