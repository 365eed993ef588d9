/**
 * A small ZIP writer (no dependency): a folder's files, each streamed from disk, so memory holds
 * one chunk at a time whatever the sizes. Media (already compressed) are stored; text is
 * deflated (Node's zlib, raw deflate, as ZIP's method 8 wants). Each entry's CRC-32 is found in
 * a first pass over the file, so its local header is written whole before its data and any
 * unzip tool reads it. Plain ZIP, no ZIP64: an archive of 4 GiB or more is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

const LIMIT = 0xffff_ffff;
/** text smaller than this is deflated; everything else (media) is stored */
const DEFLATE_BELOW = 16 * 1024 * 1024;
const TEXT = /\.(json|html|otio|fcpxml|edl|md|txt|xml)$/i;

interface Entry {
  name: string;
  crc: number;
  method: 0 | 8;
  compressed: number;
  size: number;
  offset: number;
  time: number;
  date: number;
}

/** Writes every file under `dir` (relative names, `/`-separated, sorted) into the zip `out`. */
export async function zipFolder(dir: string, out: string, prefix = ''): Promise<void> {
  const files = listFiles(dir);
  const handle = await fs.promises.open(out, 'w');
  const entries: Entry[] = [];
  let offset = 0;
  const write = async (bytes: Uint8Array) => {
    await handle.write(bytes);
    offset += bytes.byteLength;
    if (offset > LIMIT) throw new Error('the package is 4 GiB or more: too large for a plain zip');
  };
  try {
    for (const relative of files) {
      const file = path.join(dir, relative);
      const stat = fs.statSync(file);
      const name = Buffer.from(prefix + relative, 'utf8');
      const { time, date } = dosTime(stat.mtime);
      const deflate = TEXT.test(relative) && stat.size < DEFLATE_BELOW;
      let crc = 0;
      let data: Buffer | undefined;
      if (deflate) {
        const raw = fs.readFileSync(file);
        crc = crc32(raw);
        data = deflateRawSync(raw);
      } else {
        for await (const chunk of fs.createReadStream(file)) crc = crc32(chunk as Buffer, crc);
      }
      const entry: Entry = {
        name: prefix + relative,
        crc,
        method: deflate ? 8 : 0,
        compressed: data ? data.byteLength : stat.size,
        size: stat.size,
        offset,
        time,
        date,
      };
      entries.push(entry);
      await write(localHeader(entry, name));
      if (data) await write(data);
      else for await (const chunk of fs.createReadStream(file)) await write(chunk as Buffer);
    }
    const start = offset;
    for (const entry of entries) await write(centralHeader(entry, Buffer.from(entry.name, 'utf8')));
    await write(endOfCentralDirectory(entries.length, offset - start, start));
  } finally {
    await handle.close();
  }
}

function listFiles(dir: string, under = ''): string[] {
  const out: string[] = [];
  for (const item of fs.readdirSync(path.join(dir, under), { withFileTypes: true })) {
    const relative = under ? `${under}/${item.name}` : item.name;
    if (item.isDirectory()) out.push(...listFiles(dir, relative));
    else if (item.isFile()) out.push(relative);
  }
  return out.sort();
}

/** general purpose flag bit 11: names are UTF-8 */
const UTF8 = 0x0800;

function localHeader(e: Entry, name: Buffer): Buffer {
  const b = Buffer.alloc(30);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(20, 4); // version needed: 2.0
  b.writeUInt16LE(UTF8, 6);
  b.writeUInt16LE(e.method, 8);
  b.writeUInt16LE(e.time, 10);
  b.writeUInt16LE(e.date, 12);
  b.writeUInt32LE(e.crc >>> 0, 14);
  b.writeUInt32LE(e.compressed, 18);
  b.writeUInt32LE(e.size, 22);
  b.writeUInt16LE(name.byteLength, 26);
  b.writeUInt16LE(0, 28);
  return Buffer.concat([b, name]);
}

function centralHeader(e: Entry, name: Buffer): Buffer {
  const b = Buffer.alloc(46);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
  b.writeUInt16LE(20, 6);
  b.writeUInt16LE(UTF8, 8);
  b.writeUInt16LE(e.method, 10);
  b.writeUInt16LE(e.time, 12);
  b.writeUInt16LE(e.date, 14);
  b.writeUInt32LE(e.crc >>> 0, 16);
  b.writeUInt32LE(e.compressed, 20);
  b.writeUInt32LE(e.size, 24);
  b.writeUInt16LE(name.byteLength, 28);
  b.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
  b.writeUInt32LE(e.offset, 42);
  return Buffer.concat([b, name]);
}

function endOfCentralDirectory(count: number, size: number, start: number): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt32LE(0x06054b50, 0);
  b.writeUInt16LE(count, 8);
  b.writeUInt16LE(count, 10);
  b.writeUInt32LE(size, 12);
  b.writeUInt32LE(start, 16);
  return b;
}

/** MS-DOS date and time, as ZIP headers keep them (two-second steps, from 1980). */
function dosTime(at: Date): { time: number; date: number } {
  const year = Math.max(1980, at.getFullYear());
  return {
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | Math.floor(at.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
  };
}
