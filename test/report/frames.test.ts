/** The contact sheet's stills: one JPEG per clip, read several clips per ffmpeg run. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { contactFrames, type FrameSource } from '../../src/report/frames.ts';
import { makeClip, scratchDir } from '../media/fixtures.ts';

const dir = scratchDir();
// nine clips: three runs of four, four and one
const clips: FrameSource[] = Array.from({ length: 9 }, (_, i) => ({
  id: `s${i + 1}`,
  file: path.join(dir, `clip-${i}.mp4`),
  seconds: 0.5,
}));

before(async () => {
  await makeClip(clips[0]!.file, { seconds: 0.5, width: 160, height: 90, fps: 24 });
  for (const clip of clips.slice(1)) fs.copyFileSync(clips[0]!.file, clip.file);
});

const isJpeg = (uri: string | null | undefined) =>
  uri?.startsWith('data:image/jpeg;base64,/9j/') === true;

describe('contactFrames', () => {
  test('gives every clip its frame, across several ffmpeg runs', async () => {
    const frames = await contactFrames(clips, 96);
    assert.deepEqual(
      [...frames.keys()],
      clips.map((c) => c.id),
    );
    assert.ok([...frames.values()].every(isJpeg));
  });

  test('a clip it cannot read gets none; the others still get theirs', async () => {
    const broken = path.join(dir, 'broken.mp4');
    fs.writeFileSync(broken, 'not a video');
    const withBroken = clips.map((c, i) => (i === 5 ? { ...c, file: broken } : c));
    const frames = await contactFrames(withBroken, 96);
    assert.equal(frames.get('s6'), null);
    for (const clip of withBroken.filter((c) => c.id !== 's6')) {
      assert.ok(isJpeg(frames.get(clip.id)), clip.id);
    }
  });

  test('stops when the run is stopped', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(contactFrames(clips, 96, controller.signal));
  });
});
