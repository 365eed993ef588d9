/**
 * Pictures on the board in a real browser (Debian's Chromium driven by playwright-core, as in
 * board.test.ts): after a preview, every take shows its poster (drawn, not black), the shot's
 * reference image sits beside its prompt, the cut has its strip and the spend its chart, and the
 * lightbox plays two takes together: play, pause and seek move both. Screenshots are kept in
 * test-artifacts/web/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Listening, listen } from '../../src/server/listen.ts';
import { solidPng } from '../../src/util/png.ts';
import {
  type BoardBrowser,
  launchBoardBrowser,
  snap as snapPage,
  until as untilTrue,
  WEB,
} from './browser.ts';

const STORYBOARD = `version: 1
title: Pictures
as_of: 2026-11-26
deliver:
  resolution: 480x270
  fps: 24
  audio: false
shots:
  - id: p1
    prompt: A lighthouse at dusk, its beam sweeping the fog
    duration: 3
    references: [refs/lighthouse.png]
  - id: p2
    prompt: A gull lands on the rail, close-up
    duration: 4
    takes: 2
`;

let server: Listening;
let browser: BoardBrowser;
let page: Page;
const temp: string[] = [];

const until = (expression: string, timeoutMs?: number) => untilTrue(page, expression, timeoutMs);

const snap = (name: string) => snapPage(page, name);

before(async () => {
  const projects = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-pictures-'));
  temp.push(projects);
  server = await listen({ projectsDir: projects, port: 0, webDir: WEB, env: {} });
  browser = await launchBoardBrowser();
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await server?.close();
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

describe('pictures on the board', () => {
  test('posters, references, the cut strip, the spend chart and two takes played together', async () => {
    // a project with a reference image, previewed through the API
    const form = new FormData();
    form.append('storyboard', new Blob([STORYBOARD]), 'pictures.yaml');
    form.append('files', new Blob([solidPng(64, 36)]), 'refs/lighthouse.png');
    const created = await fetch(`${server.url}api/projects`, { method: 'POST', body: form });
    assert.equal(created.status, 201);
    const { project } = (await created.json()) as { project: { id: string } };
    await fetch(`${server.url}api/projects/${project.id}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ preview: true }),
    });
    await server.server.idle();

    await page.goto(`${server.url}?project=${project.id}`);
    await page.getByRole('heading', { name: 'Pictures' }).waitFor();
    // every take's poster is drawn: three takes, three decoded images, no player loaded yet
    await until(
      '[...document.querySelectorAll("img.poster")].length === 3 && [...document.querySelectorAll("img.poster")].every((i) => i.complete && i.naturalWidth > 0)',
    );
    assert.equal(await page.locator('.shots video').count(), 0, 'players load only when played');
    assert.equal(
      await page.evaluate('document.querySelector("img.poster").naturalWidth'),
      480,
      'a poster is the clip’s picture at 480 wide',
    );
    // the reference image beside p1's prompt
    const p1 = page.getByRole('article', { name: /p1/ });
    const reference = p1.locator('.shot-refs img');
    await reference.waitFor();
    await until('document.querySelector(".shot-refs img").naturalWidth === 64');
    // the cut's strip with its two shots, and the spend chart
    await page.locator('.cut-strip img').scrollIntoViewIfNeeded();
    await until('document.querySelector(".cut-strip img").naturalWidth > 0');
    assert.equal(await page.locator('.cut-shot').count(), 2);
    assert.match(
      (await page.locator('.spend-chart figcaption').textContent()) ?? '',
      /Nothing spent/,
    );
    await page.locator('.summary').scrollIntoViewIfNeeded();
    await snap('pictures-01-posters');
    await page.locator('.delivery').scrollIntoViewIfNeeded();
    await snap('pictures-02-cut-strip');

    // a poster plays its take in its place
    const p2 = page.getByRole('article', { name: /p2/ });
    await p2.scrollIntoViewIfNeeded();
    await snap('pictures-03-shot');

    // the lightbox: two takes side by side, one play, one seek
    await p2.getByRole('button', { name: 'Compare takes side by side' }).click();
    const dialog = page.getByRole('dialog', { name: 'Compare takes of p2' });
    await dialog.waitFor();
    await until('document.querySelectorAll("dialog.lightbox video").length === 2');
    await until(
      '[...document.querySelectorAll("dialog.lightbox video")].every((v) => v.readyState >= 1)',
    );
    const times = async () =>
      (await page.evaluate(
        '[...document.querySelectorAll("dialog.lightbox video")].map((v) => v.currentTime)',
      )) as [number, number];
    await dialog.getByRole('button', { name: 'Play both' }).click();
    await until(
      '[...document.querySelectorAll("dialog.lightbox video")].every((v) => v.currentTime > 0.6)',
    );
    await dialog.getByRole('button', { name: 'Pause both' }).click();
    await until('[...document.querySelectorAll("dialog.lightbox video")].every((v) => v.paused)');
    const [left, right] = await times();
    assert.ok(Math.abs(left - right) < 0.3, `played together: ${left} s and ${right} s`);
    await dialog.getByRole('slider', { name: 'Position of both takes' }).fill('2.5');
    await until(
      '[...document.querySelectorAll("dialog.lightbox video")].every((v) => Math.abs(v.currentTime - 2.5) < 0.05)',
    );
    await until(
      '[...document.querySelectorAll("dialog.lightbox video")].every((v) => v.readyState >= 2)',
    );
    // each take's strip under its player
    await until(
      '[...document.querySelectorAll("dialog.lightbox .strip-seek img")].every((i) => i.complete && i.naturalWidth > 0)',
    );
    await snap('pictures-04-lightbox');
    // the two players show different takes
    const sources = (await page.evaluate(
      '[...document.querySelectorAll("dialog.lightbox video")].map((v) => v.getAttribute("src"))',
    )) as string[];
    assert.notEqual(sources[0], sources[1]);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await until('!document.querySelector("dialog.lightbox")');
    assert.deepEqual(browser.pageErrors, [], 'no script errors on the page');
  });
});
