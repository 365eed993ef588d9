/**
 * Conforming where clips land, distributed, on real PostgreSQL, pg-boss and ffmpeg: the worker
 * that keeps a clip conforms it into the shared folder and the run takes it from there (no
 * conform on the coordinator); a worker that cannot conform loses nothing (the run conforms).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ffmpegClipTools } from '../../src/engine/clip-tools.ts';
import { catalog, loadStoryboard, type RunProgressEvent, run } from '../../src/index.ts';
import { previewRegistry } from '../../src/lib/providers.ts';
import { probe } from '../../src/media/index.ts';
import { soundSidecarOf } from '../../src/media/sound-sidecar.ts';
import { distributedExecutor } from '../../src/queue/coordinator.ts';
import { jsonLogger, type LogFields } from '../../src/queue/log.ts';
import { sharedStoreOpener } from '../../src/queue/shared-store.ts';
import { THREE_SHOTS } from '../lib/helpers.ts';

import { queueBed } from './bed.ts';

const models = catalog();
const bed = queueBed('conform');

type Line = { message: string } & LogFields;

/** A worker in this process rendering previews into `mediaRoot`; its log lines in `lines`. */
async function worker(mediaRoot: string, lines: Line[]) {
  const log = jsonLogger((line) => lines.push(JSON.parse(line) as Line));
  return bed.worker({
    mediaRoot,
    registryFor: () => previewRegistry(),
    tools: ffmpegClipTools,
    waitPollMs: 50,
    log,
  });
}

/**
 * A run folder (its name is the run's space in the database) and a shared folder apart from it,
 * as on machines that mount the shared one.
 */
function folders(name: string) {
  const dir = path.join(bed.tmp, name);
  const mediaRoot = path.join(bed.tmp, `${name}-shared`);
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(mediaRoot, { recursive: true });
  return { dir, mediaRoot };
}

/** A preview of the three-shot storyboard run through the queue; the run's own conforms. */
async function distributedPreview(dir: string, mediaRoot: string) {
  const events: RunProgressEvent[] = [];
  const result = await run({
    storyboard: loadStoryboard(THREE_SHOTS, { catalog: models }),
    catalog: models,
    dir,
    preview: true,
    openStore: sharedStoreOpener(bed.database.url),
    execute: distributedExecutor({ url: bed.database.url, mediaRoot, pollMs: 50, leaseMs: 10_000 }),
    onEvent: (event) => events.push(event),
  });
  const conforms = events.filter((e) => e.type === 'assembly' && e.step === 'conform');
  return { result, conforms };
}

describe('distributed conform where clips land', { timeout: 180_000 }, () => {
  test('the worker conforms each clip it keeps; the run takes it and conforms none', async () => {
    const { dir, mediaRoot } = folders('worker-conforms');
    const lines: Line[] = [];
    await worker(mediaRoot, lines);
    const { result, conforms } = await distributedPreview(dir, mediaRoot);
    assert.equal(result.state, 'finished');
    assert.deepEqual(result.failed, []);
    assert.equal(conforms.length, 0, 'the coordinator conformed nothing');
    assert.equal(lines.filter((l) => l.message === 'clip conformed').length, 3);

    // the run's clips are the worker's (one file, linked), each with its sound sidecar
    const shared = path.join(mediaRoot, 'conformed');
    const made = fs.readdirSync(shared).filter((f) => f.endsWith('.mp4'));
    assert.equal(made.length, 3);
    const sharedInodes = new Set(made.map((f) => fs.statSync(path.join(shared, f)).ino));
    for (const shot of result.report.shots) {
      const clip = path.join(dir, shot.clip!);
      const stat = fs.statSync(clip);
      assert.ok(sharedInodes.has(stat.ino), `${shot.id}'s clip is the worker's`);
      const sidecar = fs.statSync(soundSidecarOf(clip));
      assert.ok(Math.abs(sidecar.mtimeMs - stat.mtimeMs) < 0.01, `${shot.id}'s sidecar holds`);
    }
    const cut = await probe(result.final!);
    assert.equal(cut.width, 320);
    assert.ok(Math.abs(cut.durationSeconds - 3.5) <= 1 / 24);
  });

  test('a worker that cannot conform loses nothing: the run conforms the clips', async () => {
    const { dir, mediaRoot } = folders('worker-fails');
    // the shared conformed folder cannot be made: every conform on the worker fails
    fs.writeFileSync(path.join(mediaRoot, 'conformed'), 'not a folder');
    const lines: Line[] = [];
    await worker(mediaRoot, lines);
    const { result, conforms } = await distributedPreview(dir, mediaRoot);
    assert.equal(result.state, 'finished');
    assert.deepEqual(result.failed, []);
    assert.equal(lines.filter((l) => /not conformed here/.test(l.message)).length, 3);
    assert.equal(conforms.length, 3, 'the coordinator conformed every clip');
    const cut = await probe(result.final!);
    assert.ok(Math.abs(cut.durationSeconds - 3.5) <= 1 / 24);
  });
});
