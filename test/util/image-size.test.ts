import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { imageSize, imageSizeOfFile } from '../../src/util/image-size.ts';

test('the size of PNG, JPEG, GIF and WebP images comes from their headers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-imgsize-'));
  try {
    for (const ext of ['png', 'jpg', 'gif', 'webp']) {
      const file = path.join(dir, `a.${ext}`);
      execFileSync('ffmpeg', [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        'color=c=red:s=320x124:d=1',
        '-frames:v',
        '1',
        file,
      ]);
      assert.deepEqual(imageSizeOfFile(file), { width: 320, height: 124 }, ext);
    }
    assert.equal(imageSize(new TextEncoder().encode('not an image at all')), undefined);
    assert.equal(imageSizeOfFile(path.join(dir, 'missing.png')), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
