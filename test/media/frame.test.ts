import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { extractFrame, extractFrames } from '../../src/media/frame.ts';
import { facts, makeClip, scratchDir } from './fixtures.ts';

const dir = scratchDir();
const clip = path.join(dir, 'clip.mp4');

before(async () => {
  await makeClip(clip, { seconds: 1, width: 320, height: 180, fps: 24 });
});

describe('extractFrame', () => {
  it('writes a PNG at full size', async () => {
    const output = path.join(dir, 'still.png');
    await extractFrame({ input: clip, atSeconds: 0.5, output });
    const f = await facts(output);
    assert.deepEqual([f.video.codec_name, f.video.width, f.video.height], ['png', 320, 180]);
  });

  it('writes a scaled JPEG, creating the folder', async () => {
    const output = path.join(dir, 'thumbs', 'still.jpg');
    await extractFrame({ input: clip, atSeconds: 0.9, output, width: 160 });
    const f = await facts(output);
    assert.deepEqual([f.video.codec_name, f.video.width, f.video.height], ['mjpeg', 160, 90]);
  });

  it('writes several frames in one run, each as extractFrame writes it alone', async () => {
    const other = path.join(dir, 'other.mp4');
    await makeClip(other, { seconds: 0.5, width: 160, height: 90, fps: 30, picture: 'ramp' });
    const wanted = [
      { input: clip, atSeconds: 0.5, width: 160 },
      { input: other, atSeconds: 0.25, width: 80 },
    ];
    await extractFrames(
      wanted.map((frame, i) => ({ ...frame, output: path.join(dir, 'batch', `${i}.jpg`) })),
    );
    for (const [i, frame] of wanted.entries()) {
      const alone = path.join(dir, `alone-${i}.jpg`);
      await extractFrame({ ...frame, output: alone });
      assert.deepEqual(await readFile(path.join(dir, 'batch', `${i}.jpg`)), await readFile(alone));
    }
    await assert.rejects(
      extractFrames([
        { input: clip, atSeconds: 0.5, output: path.join(dir, 'batch', 'fine.jpg') },
        { input: other, atSeconds: 3, output: path.join(dir, 'batch', 'late.jpg') },
      ]),
      { code: 'media_failed', message: /no frame at 3 s/ },
    );
  });

  it('says when there is no frame at that time, or the format is unknown', async () => {
    await assert.rejects(
      extractFrame({ input: clip, atSeconds: 5, output: path.join(dir, 'late.png') }),
      {
        code: 'media_failed',
        message: /no frame at 5 s \(it lasts 1\.000 s\)/,
      },
    );
    await assert.rejects(
      extractFrame({ input: clip, atSeconds: 0, output: path.join(dir, 'still.gif') }),
      {
        code: 'media_failed',
        message: /\.jpg or \.png/,
      },
    );
  });
});
