/**
 * The review room in a real browser (Debian's Chromium driven by playwright-core) against
 * `shotrouter serve` on a loopback port, with the provider sandbox standing in for the providers
 * (their real wire protocols, real MP4s, nothing billed): a real run is confirmed and made, then
 * a shot is approved, another needs changes, a take gets a comment at the player's time, a take
 * is picked, one shot is made again with a new prompt (estimate shown and confirmed, the run
 * happens, the cut changes), and the edit is packaged. Also: an unknown project's page, a
 * failing event stream, a failing snapshot, and a viewer's page. Screenshots go to
 * test-artifacts/web/ (as board.test.ts's).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { catalog as loadCatalog } from '../../src/lib/catalog.ts';
import { adaptersFor, previewRegistry, providerRegistry } from '../../src/lib/providers.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import { type Listening, listen } from '../../src/server/listen.ts';
import { hashToken } from '../../src/server/security.ts';
import {
  type BoardBrowser,
  launchBoardBrowser,
  snap as snapPage,
  until as untilTrue,
  WEB,
} from './browser.ts';

const STORYBOARD = `version: 1
title: Review room
as_of: 2026-11-26
deliver:
  resolution: 480x270
  fps: 24
  audio: false
budget_usd: 30
shots:
  - id: r1
    prompt: A paper boat drifts down a rain gutter
    duration: 1
    tags: [b-roll]
  - id: r2
    prompt: The boat spins into a drain, close-up
    duration: 1
    takes: 2
    tags: [b-roll]
  - id: r3
    prompt: Rain stops over the empty street
    duration: 1
    tags: [b-roll]
`;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let server: Listening;
let browser: BoardBrowser;
let page: Page;
const temp: string[] = [];

const snap = (name: string) => snapPage(page, name);

const until = (expression: string, timeoutMs?: number) => untilTrue(page, expression, timeoutMs);

async function apiJson<T>(route: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(new URL(route, server.url), init);
  assert.ok(response.ok, `${route}: HTTP ${response.status} ${await response.clone().text()}`);
  return (await response.json()) as T;
}

async function newProject(): Promise<string> {
  const form = new FormData();
  form.append('storyboard', new Blob([STORYBOARD]), 'review-room.yaml');
  const made = await apiJson<{ project: { id: string } }>('api/projects', {
    method: 'POST',
    body: form,
  });
  return made.project.id;
}

before(async () => {
  const projects = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-review-'));
  temp.push(projects);
  sandbox = await startSandbox({ latencyMs: [50, 150], seed: 7 });
  const env = { SHOTROUTER_SANDBOX_URL: sandbox.url };
  const catalog = loadCatalog();
  // the server's own adapters, polling the sandbox every 50 ms: at the real services' 5-10 s,
  // each run of this file would mostly wait
  const adapters = adaptersFor(catalog, env);
  for (const adapter of adapters) adapter.info.pollIntervalMs = 50;
  server = await listen({
    projectsDir: projects,
    port: 0,
    webDir: WEB,
    env,
    catalog,
    runner: {
      registry: (preview, plan) =>
        preview ? previewRegistry() : providerRegistry(catalog, plan, adapters),
    },
  });
  browser = await launchBoardBrowser();
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await server?.close();
  await sandbox?.close();
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the review room', () => {
  test('a real run, approve, needs changes, a comment at the player’s time, a pick, one shot made again, the package', async () => {
    const id = await newProject();
    await page.goto(`${server.url}?project=${id}`);
    await page.getByRole('heading', { name: 'Review room' }).waitFor();
    await page.locator('.connection.live').waitFor();

    // the real run: the estimate is shown and confirmed first (the sandbox bills nothing)
    await page.getByRole('button', { name: /Run for real/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: /Spend up to \$\d/ }).click();
    await page.locator('.run-state .badge', { hasText: 'Finished' }).waitFor({ timeout: 120_000 });
    await page.locator('video.cut').waitFor();
    await snap('10-review-made');

    // verdicts: approve r1; r2 needs changes, with a note
    const r1 = page.getByRole('article', { name: /r1/ });
    await r1.getByRole('button', { name: 'Approve r1' }).click();
    await r1.locator('.verdict-state', { hasText: 'Approved' }).waitFor();
    const r2 = page.getByRole('article', { name: /r2/ });
    await r2.getByRole('button', { name: 'r2 needs changes' }).click();
    await r2.getByLabel('What should change?').fill('the drain should be darker');
    await r2.getByRole('button', { name: 'Send' }).click();
    await r2.locator('.verdict-state', { hasText: 'Needs changes' }).waitFor();
    await r2.getByText('“the drain should be darker”').waitFor();

    // a comment on r1's take at the player's time (seconds into the shot)
    const overview = await apiJson<{
      plan: { shots: Array<{ id: string; trim: { from: number } | null }> };
    }>(`api/projects/${id}`);
    const from = overview.plan.shots.find((s) => s.id === 'r1')!.trim?.from ?? 0;
    await r1.scrollIntoViewIfNeeded();
    // a take shows its poster until played: start the player, then hold it still
    await r1.getByRole('button', { name: 'Play Take 1 of r1' }).click();
    await until(
      '(() => { const v = document.querySelector("[aria-label=\\"Take 1 of r1\\"]"); return v && v.readyState >= 1; })()',
    );
    await page.evaluate(
      `(() => { const v = document.querySelector('[aria-label="Take 1 of r1"]'); v.pause(); v.currentTime = ${from + 0.5}; })()`,
    );
    await until(
      `Math.abs(document.querySelector('[aria-label="Take 1 of r1"]').currentTime - ${from + 0.5}) < 0.05`,
    );
    await r1
      .getByLabel('Comment on take 1 of r1 at the player’s time')
      .fill('the boat’s fold flickers');
    await r1.getByRole('button', { name: 'Comment', exact: true }).click();
    await r1.locator('.comment-list li', { hasText: 'the boat’s fold flickers' }).waitFor();
    assert.match((await r1.locator('.comment-list .time').textContent()) ?? '', /^0:00\.5$/);
    const review = await apiJson<{
      reviews: Array<{ shot: string; verdict: string; note: string | null }>;
      comments: Array<{ shot: string; take: number; at_seconds: number; text: string }>;
    }>(`api/projects/${id}/review`);
    assert.deepEqual(review.reviews.map((r) => [r.shot, r.verdict, r.note]).sort(), [
      ['r1', 'approved', null],
      ['r2', 'needs_changes', 'the drain should be darker'],
    ]);
    assert.equal(review.comments.length, 1);
    assert.equal(review.comments[0]!.take, 1);
    assert.ok(Math.abs(review.comments[0]!.at_seconds - 0.5) < 0.05, 'the player’s time');
    await snap('11-review-verdicts-comment');

    // a pick: r2's second take goes into the cut
    await r2.scrollIntoViewIfNeeded();
    await r2.getByRole('button', { name: 'Use take 2 of r2 in the cut' }).click();
    await r2
      .getByRole('button', { name: 'Use take 1 of r2 in the cut' })
      .waitFor({ timeout: 60_000 });
    assert.match(
      (await r2.locator('.take.picked figcaption').textContent()) ?? '',
      /Take 2[\s\S]*In the cut/,
    );
    await snap('12-review-picked');

    // make r3 again with a new prompt: the estimate is shown, confirmed, the run happens
    const cutBefore = await page.locator('video.cut').getAttribute('src');
    const r3 = page.getByRole('article', { name: /r3/ });
    await r3.scrollIntoViewIfNeeded();
    await r3.getByText('Change the prompt, model, priority or tags').click();
    const newPrompt = 'Rain stops; a lone umbrella crosses the empty street';
    await r3.getByLabel('Prompt').fill(newPrompt);
    await r3.getByRole('button', { name: 'Make this shot again…' }).click();
    const regen = page.getByRole('dialog', { name: /Make r3 again/ });
    await regen.waitFor();
    const shown = (await regen.locator('.regen-estimate').textContent()) ?? '';
    const tried = await apiJson<{ estimate: { usd: number; jobs: number } }>(
      `api/projects/${id}/plan`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ changes: { shots: { r3: { prompt: newPrompt } } } }),
      },
    );
    assert.equal(tried.estimate.jobs, 1, 'only r3 is made again');
    assert.ok(tried.estimate.usd > 0);
    assert.equal(shown, `$${tried.estimate.usd.toFixed(2)}`, 'the estimate shown is the server’s');
    await snap('13-review-regenerate-estimate');
    await regen.getByRole('button', { name: /Spend up to/ }).click();
    await regen.waitFor({ state: 'detached' });
    await page
      .locator('.run-state .badge', { hasText: 'Finished' })
      .waitFor({ timeout: 120_000, state: 'visible' });
    await until(
      `document.querySelector("video.cut") && document.querySelector("video.cut").getAttribute("src") !== ${JSON.stringify(cutBefore)}`,
      120_000,
    );
    assert.match((await r3.locator('.prompt').textContent()) ?? '', /lone umbrella/);
    await r3.getByText('History of runs and takes').click();
    await r3.locator('.history-runs > li').nth(1).waitFor();
    assert.equal(
      await r3.locator('.history-runs > li').count(),
      2,
      'the first run and the new one',
    );
    const history = await apiJson<{ runs: Array<{ preview: boolean; takes: unknown[] }> }>(
      `api/projects/${id}/shots/r3/history`,
    );
    assert.equal(history.runs.length, 2);
    assert.equal(history.runs[0]!.preview, false);
    await snap('14-review-regenerated');

    // the package: made on the server, offered as a download
    await page.getByRole('button', { name: 'Package the edit for an editor' }).click();
    const link = page.getByRole('link', { name: 'Download the package' });
    await link.waitFor({ timeout: 60_000 });
    const href = await link.getAttribute('href');
    const zip = await fetch(new URL(href!, server.url));
    assert.equal(zip.status, 200);
    assert.equal(zip.headers.get('content-type'), 'application/zip');
    const bytes = Buffer.from(await zip.arrayBuffer());
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');
    await snap('15-review-package');
    assert.deepEqual(browser.pageErrors, [], 'no script errors on the page');
  });

  test('an unknown project is a “not found” page with a way back', async () => {
    await page.goto(`${server.url}?project=AAAAAAAAAAAA`);
    await page.getByRole('heading', { name: 'Project not found' }).waitFor();
    assert.equal(await page.getByText('Loading the project…').count(), 0);
    await snap('16-not-found');
    await page.getByRole('button', { name: 'See all projects and examples' }).click();
    await page.getByRole('heading', { name: 'Start from an example' }).waitFor();
  });

  test('a failing stream says the page may be behind and catches up; a failing read offers to try again', async () => {
    const id = await newProject();
    // the stream answers 500: the project still shows, with the stream's state said plainly
    await page.route(/\/events/, (route) => route.fulfill({ status: 500, body: 'down' }));
    await page.goto(`${server.url}?project=${id}`);
    await page.getByRole('heading', { name: 'Review room' }).waitFor();
    await page.locator('.connection.behind', { hasText: /cut off|reconnecting/ }).waitFor();
    assert.equal(await page.getByText('Loading the project…').count(), 0);
    await snap('17-stream-failing');
    // the stream comes back: the page follows it again, and sees what happened meanwhile
    await page.unroute(/\/events/);
    await page.locator('.connection.live').waitFor({ timeout: 30_000 });
    await apiJson(`api/projects/${id}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ preview: true }),
    });
    await page.locator('.run-state .badge', { hasText: 'Finished' }).waitFor({ timeout: 120_000 });

    // the snapshot itself fails: a plain error and a way to try again, never "Loading…" forever
    await page.route(new RegExp(`/api/projects/${id}$`), (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'internal', message: 'the server failed' } }),
      }),
    );
    await page.reload();
    await page.getByText('The project could not be loaded: the server failed').waitFor();
    await snap('18-snapshot-failing');
    await page.unroute(new RegExp(`/api/projects/${id}$`));
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Review room' }).waitFor();
  });

  test('the token: taken once from ?token=, kept in localStorage, asked for when missing or wrong', async () => {
    const projects = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-review-token-'));
    temp.push(projects);
    const locked = await listen({
      projectsDir: projects,
      port: 0,
      webDir: WEB,
      env: {},
      tokenSha256: hashToken('board-token-1'),
    });
    try {
      await page.goto(`${locked.url}?token=board-token-1`);
      await page.getByRole('heading', { name: 'Start from an example' }).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('token'), null, 'gone from the address');
      assert.equal(
        await page.evaluate('localStorage.getItem("shotrouter.token")'),
        'board-token-1',
      );
      // kept: a new visit needs no token in the address
      await page.goto(locked.url);
      await page.getByRole('heading', { name: 'Start from an example' }).waitFor();
      // a wrong one is refused with a plain message and the field to try again
      await page.evaluate('localStorage.setItem("shotrouter.token", "wrong")');
      await page.goto(locked.url);
      await page.getByRole('heading', { name: 'This board needs your access token' }).waitFor();
      await page.getByLabel('Access token').fill('board-token-1');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Start from an example' }).waitFor();
    } finally {
      await page.evaluate('localStorage.removeItem("shotrouter.token")');
      await locked.close();
    }
  });

  test('a viewer sees the plan and the takes, and no control to change them', async () => {
    const id = await newProject();
    await apiJson(`api/projects/${id}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ preview: true }),
    });
    // the server's answer for a viewer's token (its refusals are tested in test/server/users.test.ts)
    await page.route(/\/api\/me$/, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ name: 'vic', role: 'viewer' }),
      }),
    );
    await page.goto(`${server.url}?project=${id}`);
    await page.getByRole('heading', { name: 'Review room' }).waitFor();
    await page.locator('.run-state .badge', { hasText: 'Finished' }).waitFor({ timeout: 120_000 });
    await page.getByRole('article', { name: /r2/ }).locator('img.poster').first().waitFor();
    await page.getByText('You are a viewer here').waitFor();
    await page.getByText('vic · viewer').waitFor();
    for (const name of [/Run preview/, /Run for real/, /^Approve/, /needs changes$/, /^Use take/]) {
      assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name} button`);
    }
    assert.equal(await page.locator('.comment-form').count(), 0);
    assert.equal(await page.locator('details.edit').count(), 0);
    await snap('19-viewer');
    await page.unroute(/\/api\/me$/);
  });
});
