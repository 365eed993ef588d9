/**
 * What the board's browser tests share: Debian's Chromium driven by playwright-core, the built
 * board (built here when missing), screenshots in test-artifacts/web/, and a poll for page
 * expressions (the board's CSP forbids waitForFunction's eval).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const WEB = path.join(REPO, 'dist/web');
export const ARTIFACTS = path.join(REPO, 'test-artifacts/web');
const CHROMIUM = '/usr/bin/chromium';

export interface BoardBrowser {
  context: BrowserContext;
  page: Page;
  /** the page's uncaught errors, for the tests to assert there are none */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Chromium on a fresh profile, the board built, the artifacts folder made. */
export async function launchBoardBrowser(): Promise<BoardBrowser> {
  assert.ok(
    fs.existsSync(CHROMIUM),
    `no ${CHROMIUM}: install Debian's Chromium (apt-get install -y chromium)`,
  );
  if (!fs.existsSync(path.join(WEB, 'index.html'))) {
    execFileSync(
      process.execPath,
      [
        path.join(REPO, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'vite.config.ts',
        '--logLevel',
        'warn',
      ],
      { cwd: REPO },
    );
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
      ...['--disable-background-networking', '--disable-component-update', '--disable-sync'],
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(30_000);
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Polls a page expression until it is true. */
export async function until(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The visible page as test-artifacts/web/NAME.png. */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}
