import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import zlib, { crc32 } from 'node:zlib';
import { checkImage, checkImageFile, checkImageFileSync } from '../../src/util/image-check.ts';
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

  test('checkImageFile refuses what is not a regular file', async () => {
    assert.match(
      ((await checkImageFile('/dev/zero')) as { reason: string }).reason,
      /not a regular file/,
    );
    assert.match(
      ((await checkImageFile(path.join(dir, 'missing.png'))) as { reason: string }).reason,
      /ENOENT/,
    );
  });
});

/** A PNG of noise (so it does not compress away), made by ffmpeg. */
function noisePng(width: number, height: number, extra: string[] = []): Buffer {
  const output = path.join(dir, `noise-${width}x${height}-${extra.join('')}.png`);
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
    ...['-i', `nullsrc=s=${width}x${height},geq=random(1)*255:128:128`],
    ...['-frames:v', '1', ...extra, output],
  ]);
  return fs.readFileSync(output);
}

/** The same verdict from the bytes in memory and from the file read as a stream. */
async function bothWays(bytes: Uint8Array, name: string) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  const inMemory = checkImage(bytes);
  // the synchronous read first: after checkImageFile passes an image, it is known by content
  assert.deepEqual(checkImageFileSync(file), inMemory, `${name}: read without waiting, it differs`);
  const streamed = await checkImageFile(file);
  assert.deepEqual(streamed, inMemory, `${name}: streamed and in-memory verdicts differ`);
  assert.deepEqual(checkImageFileSync(file), inMemory, `${name}: known by content, it differs`);
  return streamed;
}

describe('checkImageFile and checkImageFileSync (streamed)', () => {
  test('gives the in-memory verdict for whole, cut and padded images of every format', async () => {
    const png = noisePng(700, 500); // several 64 KiB reads, several IDAT chunks
    const jpeg = convert('jpg');
    const webp = convert('webp');
    const whole = await bothWays(png, 'whole.png');
    assert.deepEqual(whole, {
      ok: true,
      type: 'png',
      mediaType: 'image/png',
      width: 700,
      height: 500,
    });
    assert.equal((await bothWays(jpeg, 'whole.jpg')).ok, true);
    assert.equal((await bothWays(webp, 'whole.webp')).ok, true);
    const cases: Array<[Buffer, string, RegExp]> = [
      [png.subarray(0, Math.floor(png.length / 2)), 'half.png', /runs past the end/],
      [png.subarray(0, png.length - 12), 'no-iend.png', /ends before its IEND/],
      [Buffer.concat([png, Buffer.alloc(70_000, 7)]), 'padded.png', /70000 bytes after the end/],
      [jpeg.subarray(0, jpeg.length - 2), 'cut.jpg', /ends before its end-of-image/],
      [Buffer.concat([jpeg, Buffer.from('tail')]), 'padded.jpg', /4 bytes after the end/],
      [webp.subarray(0, webp.length - 4), 'cut.webp', /cut short/],
      [Buffer.concat([webp, Buffer.from('tail')]), 'padded.webp', /bytes after the end/],
    ];
    for (const [bytes, name, reason] of cases) {
      const verdict = await bothWays(bytes, name);
      assert.equal(verdict.ok, false, name);
      assert.match((verdict as { reason: string }).reason, reason, name);
    }
  });

  test('an interlaced PNG is counted pass by pass, each row checked', async () => {
    // 5x3 grey, Adam7: passes of 1, 1, 0, 1, 1, 2 and 1 rows, 22 bytes with the filter bytes
    const rowStarts = [0, 2, 4, 6, 10, 13, 16];
    const raw = Buffer.alloc(22, 9);
    for (const at of rowStarts) raw[at] = 0;
    const ok = await bothWays(pngOf(5, 3, 0, zlib.deflateSync(raw), 1), 'adam7.png');
    assert.deepEqual([ok.ok, (ok as { width: number }).width], [true, 5]);
    raw[16] = 5;
    const bad = await bothWays(pngOf(5, 3, 0, zlib.deflateSync(raw), 1), 'adam7-bad.png');
    assert.match((bad as { reason: string }).reason, /row 7 has an unknown filter type 5/);
    // the same bytes as a plain (not interlaced) 5x3 image are 18, not 22
    const plain = await bothWays(
      pngOf(5, 3, 0, zlib.deflateSync(raw.subarray(0, 18))),
      'plain.png',
    );
    assert.match((plain as { reason: string }).reason, /unknown filter type 9/);
  });

  test('a PNG whose data inflates to the right size with a bad row filter is refused', async () => {
    // a 4x2 grey image: rows of 1 filter byte + 4 pixels; the second row's filter is 9
    const raw = Buffer.from([0, 1, 2, 3, 4, 9, 5, 6, 7, 8]);
    const bad = pngOf(4, 2, 0, zlib.deflateSync(raw));
    const verdict = await bothWays(bad, 'bad-filter.png');
    assert.match((verdict as { reason: string }).reason, /row 2 has an unknown filter type 9/);
    raw[5] = 4;
    assert.equal((await bothWays(pngOf(4, 2, 0, zlib.deflateSync(raw)), 'good.png')).ok, true);
    // compressed data cut inside its stream, chunks otherwise whole
    const cut = pngOf(4, 2, 0, zlib.deflateSync(raw).subarray(0, 6));
    assert.match(
      ((await bothWays(cut, 'cut-stream.png')) as { reason: string }).reason,
      /does not decompress|holds \d+ bytes/,
    );
  });
});

/** A PNG from its parts: IHDR (8-bit, the colour type and interlace given), one IDAT, IEND. */
function pngOf(width: number, height: number, colour: number, data: Buffer, interlace = 0): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colour;
  ihdr[12] = interlace;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', data),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
