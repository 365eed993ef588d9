/** Shared by the library and server tests: temp folders, a paying fake registry, PNG bytes. */

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFfmpeg } from '../../src/media/index.ts';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import { FakeProvider } from '../engine/fake-provider.ts';

export const THREE_SHOTS = fileURLToPath(
  new URL('../fixtures/run/three-shots.yaml', import.meta.url),
);
export const TWO_TAKES = fileURLToPath(new URL('../fixtures/lib/two-takes.yaml', import.meta.url));

/** Every folder made by `tempDir`, for the test file's `after` to remove. */
export const TEMP_DIRS: string[] = [];

export function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `shotrouter-${name}-`));
  TEMP_DIRS.push(dir);
  return dir;
}

/** A provider that charges: every route goes to it; it answers at once (no polling wait). */
export function payingRegistry() {
  const provider = new FakeProvider({ id: 'paid', pollIntervalMs: 0, polls: 0, concurrency: 8 });
  return { provider, registry: createStandInRegistry(provider) };
}

/** The smallest valid PNG (1×1). */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A whole 8×8 JPEG (references are checked to their end before a run may use them). */
export const JPEG_HEAD = Buffer.from(
  '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgUFBcUFxsbGxsbGyAeICEhISAgICAhISEkJCQqKiokJCQhISQkKCgqKi4vLisrKisvLzIyMjw8OTlGRkhWVmf/xABMAAEBAAAAAAAAAAAAAAAAAAAABgEBAQAAAAAAAAAAAAAAAAAABgcQAQAAAAAAAAAAAAAAAAAAAAARAQAAAAAAAAAAAAAAAAAAAAD/wAARCAAIAAgDASIAAhEAAxEA/9oADAMBAAIRAxEAPwCLAFF/f//Z',
  'base64',
);

/** Mean level of the cut's sound from `start` for `seconds`, in dB. */
export async function meanVolume(file: string, start: number, seconds: number): Promise<number> {
  const lines: string[] = [];
  await runFfmpeg(
    [
      ...['-loglevel', 'info', '-ss', String(start), '-t', String(seconds), '-i', file],
      ...['-vn', '-af', 'volumedetect', '-f', 'null', '-'],
    ],
    { onStderrLine: (line) => lines.push(line) },
  );
  const line = lines.find((l) => l.includes('mean_volume:'));
  assert.ok(line, 'volumedetect reports a mean volume');
  return Number.parseFloat(line.split('mean_volume:')[1]!);
}
