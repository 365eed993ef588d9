/** Shared test scaffolding: a sandbox on an injected clock, and one driver per provider. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type ProbeInfo, probe } from '../../src/media/probe.ts';
import { signKlingToken } from '../../src/sandbox/jwt.ts';
import { renderedSize } from '../../src/sandbox/media.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { ProviderName, SandboxHandle, SandboxOptions } from '../../src/sandbox/types.ts';
import { sandboxMedia } from '../cache.ts';

export const MAX_SIZE = { width: 160, height: 90 };

/** Downloads and probes of this test file. */
const workDir = mkdtempSync(join(tmpdir(), 'shotrouter-sandbox-test-'));
after(() => rmSync(workDir, { recursive: true, force: true }));
/** the clips, rendered once per test run (see test/cache.ts) */
const mediaDir = sandboxMedia();

export class Clock {
  ms = Date.UTC(2026, 10, 26, 12, 0, 0);
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestSandbox {
  sb: SandboxHandle;
  clock: Clock;
}

/** A sandbox whose jobs take exactly 1 s of the injected clock. Closed after the test file. */
export async function sandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const clock = new Clock();
  const sb = await startSandbox({
    latencyMs: [1000, 1000],
    seed: 7,
    now: clock.now,
    maxSize: MAX_SIZE,
    mediaDir,
    ...options,
  });
  after(() => sb.close());
  return { sb, clock };
}

/** A 2x2 PNG, as tiny reference images. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAACXBIWXMAAAABAAAAAQBPJcTWAAAAEElEQVR4nGP4y8AARAwQCgAfrgP19hgqWQAAAABJRU5ErkJggg==';

export type Outcome =
  | { state: 'pending' }
  | { state: 'done'; body: unknown }
  | { state: 'failed'; body: unknown };

export interface Expected {
  seconds: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
}

/** How to speak one provider's protocol in the generic tests. */
export interface Driver {
  name: ProviderName;
  /** create a job; `headers` add to (or override) the good auth headers */
  create(
    t: TestSandbox,
    extra?: { headers?: Record<string, string>; body?: Record<string, unknown> },
  ): Promise<Response>;
  /** the job id in a create reply */
  idOf(body: unknown): string;
  poll(t: TestSandbox, id: string): Promise<Outcome>;
  /** fetches the clip of a finished job */
  download(t: TestSandbox, id: string, done: unknown): Promise<Response>;
  /** headers that the provider refuses, and a check of its refusal */
  badAuth(t: TestSandbox): Record<string, string>;
  authRefused(status: number, body: unknown): void;
  /** a create body the provider rejects, and a check of its rejection */
  invalidBody: Record<string, unknown>;
  invalidRefused(status: number, body: unknown): void;
  /** refusal by moderation: at create (with a check of the reply), at the job's end, or never */
  refusal: 'end' | 'never' | { atCreate(status: number, body: unknown): void };
  /** the clip the default request asks for (before the sandbox scales it down) */
  expected: Expected;
}

export async function readJson(res: Response): Promise<unknown> {
  return JSON.parse(await res.text());
}

/** JSON when the reply is JSON, else its text (ComfyUI answers some errors in plain text). */
export async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  return /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
}

/** Polls, moving the clock 250 ms between polls, until the job ends. */
export async function runToEnd(driver: Driver, t: TestSandbox, id: string): Promise<Outcome> {
  for (let i = 0; i < 40; i++) {
    const outcome = await driver.poll(t, id);
    if (outcome.state !== 'pending') return outcome;
    t.clock.advance(250);
  }
  throw new Error(`${driver.name} job ${id} did not end`);
}

/** Saves a download and probes it. */
export async function probeResponse(res: Response, name: string): Promise<ProbeInfo> {
  const file = join(workDir, `${name}-${Math.random().toString(36).slice(2)}.mp4`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return probe(file);
}

export function renderedOf(expected: Expected): { width: number; height: number } {
  return renderedSize(expected.width, expected.height, MAX_SIZE);
}

export function kling(t: TestSandbox): string {
  return signKlingToken('sandbox-ak', 'sandbox-sk', t.clock.now());
}

export { workDir };
