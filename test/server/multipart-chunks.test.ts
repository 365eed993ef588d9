/** The multipart reader gives each part's bytes exactly, however the body is cut into chunks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readMultipart } from '../../src/server/multipart.ts';

const BOUNDARY = 'b0undary';

function body(parts: Array<[string, Buffer]>): Buffer {
  const pieces: Buffer[] = [];
  for (const [name, data] of parts) {
    pieces.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.bin"\r\n\r\n`,
      ),
      data,
      Buffer.from('\r\n'),
    );
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

function stream(bytes: Buffer, sizes: number[]): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const size = sizes[i++ % sizes.length]!;
      // a fresh copy each time, as a socket delivers
      controller.enqueue(new Uint8Array(bytes.subarray(at, at + size)));
      at += size;
    },
  });
}

test('parts are whole and exact for every way of cutting the body, delimiters split anywhere', async () => {
  // data that looks like the delimiter's start, right before the real one
  const tricky = Buffer.concat([
    Buffer.alloc(5000, 7),
    Buffer.from(`\r\n--${BOUNDARY.slice(0, 5)}`),
  ]);
  const parts: Array<[string, Buffer]> = [
    ['a', tricky],
    ['b', Buffer.alloc(0)],
    ['c', Buffer.from(`\r\n-\r\n--${BOUNDARY.slice(0, 7)}`.repeat(3))],
    ['d', Buffer.alloc(70_000, 1)],
  ];
  const bytes = body(parts);
  for (const sizes of [[1], [2, 3], [7], [13, 1, 64], [4096], [65_536], [bytes.length]]) {
    const got = new Map<string, Buffer[]>();
    await readMultipart(stream(bytes, sizes), BOUNDARY, (part) => {
      const chunks: Buffer[] = [];
      got.set(part.name, chunks);
      return { write: (c) => void chunks.push(Buffer.from(c)), end() {} };
    });
    for (const [name, data] of parts) {
      assert.deepEqual(Buffer.concat(got.get(name) ?? []), data, `${name} cut as ${sizes}`);
    }
  }
});
