import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ConformedFolder } from '../../src/assemble/conformed.ts';
import { deliverySettings } from '../../src/assemble/settings.ts';
import {
  SIDECAR_FRAME_BYTES,
  soundSidecarOf,
  validSidecar,
} from '../../src/media/sound-sidecar.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-conformed-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the conformed folder', () => {
  test('identical takes are made once: the second name is a link to the first clip', async () => {
    const settings = deliverySettings({
      size: { width: 160, height: 90 },
      fps: 24,
      audio: false,
    } as Parameters<typeof deliverySettings>[0]);
    const folder = new ConformedFolder(root, settings, undefined);
    const key = { input: 'same-clip', seconds: 1 };
    let made = 0;
    const make = async (temporary: string) => {
      made++;
      fs.writeFileSync(temporary, 'conformed bytes');
    };
    const [one, two] = await Promise.all([
      folder.once(`${folder.stem('s07-take1', key)}.mp4`, make),
      folder.once(`${folder.stem('s07-take2', key)}.mp4`, make),
    ]);
    assert.equal(made, 1);
    assert.notEqual(one.absolute, two.absolute);
    assert.equal(fs.readFileSync(two.absolute, 'utf8'), 'conformed bytes');
    await folder.once(`${folder.stem('s07-take3', { ...key, seconds: 2 })}.mp4`, make);
    assert.equal(made, 2, 'another key is made anew');
    await folder.prune();
    assert.equal(fs.readdirSync(folder.dir).length, 3, 'no temporary file is left');
  });

  test('a clip’s sound sidecar comes with it: moved, linked to its twins, pruned with it', async () => {
    const settings = deliverySettings({
      size: { width: 160, height: 90 },
      fps: 24,
      audio: true,
    } as Parameters<typeof deliverySettings>[0]);
    const dir = fs.mkdtempSync(path.join(root, 'sidecars-'));
    const folder = new ConformedFolder(dir, settings, undefined);
    // as conformClip does: the sidecar beside the temporary clip, stamped with its time
    const make = async (temporary: string) => {
      fs.writeFileSync(temporary, 'conformed bytes');
      fs.writeFileSync(soundSidecarOf(temporary), 'pcm bytes');
    };
    const key = { input: 'a clip with sound' };
    const [one, two] = await Promise.all([
      folder.once(`${folder.stem('s01-take1', key)}.mp4`, make),
      folder.once(`${folder.stem('s01-take2', key)}.mp4`, make),
    ]);
    for (const clip of [one.absolute, two.absolute]) {
      assert.equal(fs.readFileSync(soundSidecarOf(clip), 'utf8'), 'pcm bytes', clip);
    }
    const later = new ConformedFolder(dir, settings, undefined);
    await later.once(path.basename(one.absolute), make);
    await later.prune();
    assert.deepEqual(fs.readdirSync(later.dir).sort(), [
      path.basename(one.absolute),
      path.basename(soundSidecarOf(one.absolute)),
    ]);
  });

  test('a clip conformed elsewhere (a worker) is taken with its sidecar, not made', async () => {
    const settings = deliverySettings({
      size: { width: 160, height: 90 },
      fps: 24,
      audio: true,
    } as Parameters<typeof deliverySettings>[0]);
    const dir = fs.mkdtempSync(path.join(root, 'elsewhere-'));
    const shared = fs.mkdtempSync(path.join(root, 'shared-'));
    const asked: string[] = [];
    const folder = new ConformedFolder(dir, settings, undefined, (content) => {
      asked.push(content);
      const file = path.join(shared, content);
      return fs.existsSync(file) ? file : undefined;
    });
    const file = `${folder.stem('s02-take1', { input: 'landed' })}.mp4`;
    const content = file.slice('s02-take1-'.length);
    fs.writeFileSync(path.join(shared, content), 'worker bytes');
    fs.writeFileSync(soundSidecarOf(path.join(shared, content)), 'worker pcm');
    let made = 0;
    const make = async (temporary: string) => {
      made++;
      fs.writeFileSync(temporary, 'made here');
    };
    const taken = await folder.once(file, make);
    assert.equal(made, 0);
    assert.deepEqual(asked, [content]);
    assert.equal(fs.statSync(taken.absolute).ino, fs.statSync(path.join(shared, content)).ino);
    assert.equal(fs.readFileSync(soundSidecarOf(taken.absolute), 'utf8'), 'worker pcm');
    // another content is not there: made here
    await folder.once(`${folder.stem('s02-take2', { input: 'not landed' })}.mp4`, make);
    assert.equal(made, 1);
  });

  test('a clip that failed to be made is tried again by the next call', async () => {
    const settings = deliverySettings({
      size: { width: 160, height: 90 },
      fps: 24,
      audio: false,
    } as Parameters<typeof deliverySettings>[0]);
    const folder = new ConformedFolder(
      fs.mkdtempSync(path.join(root, 'retry-')),
      settings,
      undefined,
    );
    const file = `${folder.stem('s03-take1', { input: 'flaky' })}.mp4`;
    let calls = 0;
    const make = async (temporary: string) => {
      calls++;
      if (calls === 1) throw new Error('not there yet');
      fs.writeFileSync(temporary, 'conformed bytes');
    };
    await assert.rejects(folder.once(file, make), /not there yet/);
    const made = await folder.once(file, make);
    assert.equal(calls, 2);
    assert.equal(fs.readFileSync(made.absolute, 'utf8'), 'conformed bytes');
  });

  // another file system (a network mount, here tmpfs when there is one): no link, a copy
  const otherDevice =
    fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').dev !== fs.statSync(root).dev;
  test('a clip copied from another file system keeps a sidecar that holds for the copy', {
    skip: !otherDevice && 'no second file system to copy from',
  }, async () => {
    const settings = deliverySettings({
      size: { width: 160, height: 90 },
      fps: 24,
      audio: true,
    } as Parameters<typeof deliverySettings>[0]);
    const shared = fs.mkdtempSync(path.join('/dev/shm', 'shotrouter-conformed-'));
    try {
      const folder = new ConformedFolder(
        fs.mkdtempSync(path.join(root, 'copied-')),
        settings,
        undefined,
        (content) => path.join(shared, content),
      );
      const file = `${folder.stem('s04-take1', { input: 'far away' })}.mp4`;
      const source = path.join(shared, file.slice('s04-take1-'.length));
      fs.writeFileSync(source, 'worker bytes');
      fs.writeFileSync(soundSidecarOf(source), Buffer.alloc(10 * SIDECAR_FRAME_BYTES));
      const taken = await folder.once(file, async () => assert.fail('taken, not made'));
      assert.notEqual(fs.statSync(taken.absolute).dev, fs.statSync(source).dev);
      assert.equal(fs.readFileSync(taken.absolute, 'utf8'), 'worker bytes');
      assert.equal(await validSidecar(taken.absolute, 10), soundSidecarOf(taken.absolute));
    } finally {
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });
});
