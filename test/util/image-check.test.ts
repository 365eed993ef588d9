import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { checkImage, checkImageFile } from '../../src/util/image-check.ts';
import { solidPng } from '../../src/util/png.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-image-check-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An image of another format, made by ffmpeg from a PNG. */
function convert(ext: string): Buffer {
  const input = path.join(dir, 'in.png');
  fs.writeFileSync(input, solidPng(32, 18));
  const output = path.join(dir, `out.${ext}`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', input, output]);
  return fs.readFileSync(output);
}

describe('checkImage', () => {
  test('whole PNG, JPEG and WebP images pass with their real size', () => {
    assert.deepEqual(checkImage(solidPng(64, 36)), {
      ok: true,
      type: 'png',
      mediaType: 'image/png',
      width: 64,
      height: 36,
    });
    for (const [ext, type] of [
      ['jpg', 'jpeg'],
      ['webp', 'webp'],
    ] as const) {
      const verdict = checkImage(convert(ext));
      assert.ok(verdict.ok, JSON.stringify(verdict));
      assert.deepEqual([verdict.type, verdict.width, verdict.height], [type, 32, 18]);
    }
  });

  test('text named like an image, GIFs, truncated and padded images are refused', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [Buffer.from('not really a png\n'), /is not an image/],
      [Buffer.alloc(0), /is empty/],
      [convert('gif'), /is a GIF.*convert it to PNG/],
      [solidPng(64, 36).subarray(0, 40), /not a whole PNG image/],
      [
        Buffer.concat([solidPng(64, 36), Buffer.from('trailing')]),
        /8 bytes after the end of the PNG/,
      ],
      [convert('jpg').subarray(0, 200), /not a whole JPEG image/],
      [Buffer.concat([convert('jpg'), Buffer.from('zz')]), /2 bytes after the end of the JPEG/],
    ];
    for (const [bytes, reason] of cases) {
      const verdict = checkImage(bytes);
      assert.equal(verdict.ok, false);
      assert.match((verdict as { reason: string }).reason, reason);
    }
  });

  test('a PNG whose header claims more pixels than its data holds is refused (no huge allocation)', () => {
    const png = solidPng(8, 8);
    // rewrite IHDR to 16000x16000 with a correct CRC: the data no longer matches
    const forged = Buffer.from(png);
    forged.writeUInt32BE(16_000, 16);
    forged.writeUInt32BE(16_000, 20);
    forged.writeUInt32BE(crc32(forged.subarray(12, 29)), 29);
    const verdict = checkImage(forged);
    assert.equal(verdict.ok, false);
    assert.match((verdict as { reason: string }).reason, /holds \d+ bytes, not the/);
    const giant = Buffer.from(png);
    giant.writeUInt32BE(20_000, 16);
    giant.writeUInt32BE(crc32(giant.subarray(12, 29)), 29);
    assert.match(
      (checkImage(giant) as { reason: string }).reason,
      /over the limit of 16384 pixels/,
    );
  });

  test('checkImageFile refuses what is not a regular file', () => {
    assert.match((checkImageFile('/dev/zero') as { reason: string }).reason, /not a regular file/);
    assert.match(
      (checkImageFile(path.join(dir, 'missing.png')) as { reason: string }).reason,
      /ENOENT/,
    );
  });
});
