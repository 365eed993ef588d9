/**
 * The length of a sound file read from its headers, without decoding (the storyboard needs a
 * soundtrack's length when it is loaded, before ffmpeg is at hand): MP4/M4A/MOV (the movie
 * header), WAV (data size over byte rate), FLAC (STREAMINFO) and MP3 (a Xing/Info frame count,
 * else constant bit rate over the file's size). Any other file, or a damaged one: undefined.
 * Whether the file really decodes is checked with ffprobe before a run.
 */
import fs from 'node:fs';

type Read = (offset: number, length: number) => Buffer;

/** Seconds of sound in `file`, or undefined when its format is not one read here. */
export function soundSeconds(file: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const handle = fd;
    const read: Read = (offset, length) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      const got = fs.readSync(handle, buffer, 0, buffer.length, offset);
      return buffer.subarray(0, got);
    };
    const head = read(0, 12);
    const seconds =
      head.toString('latin1', 4, 8) === 'ftyp'
        ? mp4Seconds(read, size)
        : head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WAVE'
          ? wavSeconds(read, size)
          : head.toString('latin1', 0, 4) === 'fLaC'
            ? flacSeconds(read)
            : mp3Seconds(read, size);
    return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** ISO-BMFF: `moov` → `mvhd` duration over its timescale. */
function mp4Seconds(read: Read, size: number): number | undefined {
  const moov = findBox(read, 0, size, 'moov');
  if (moov === undefined) return undefined;
  const mvhd = findBox(read, moov.body, moov.end, 'mvhd');
  if (mvhd === undefined) return undefined;
  const box = read(mvhd.body, 32);
  if (box[0] === 1) {
    const timescale = box.readUInt32BE(20);
    return timescale > 0 ? Number(box.readBigUInt64BE(24)) / timescale : undefined;
  }
  const timescale = box.readUInt32BE(12);
  return timescale > 0 ? box.readUInt32BE(16) / timescale : undefined;
}

function findBox(
  read: Read,
  from: number,
  to: number,
  type: string,
): { body: number; end: number } | undefined {
  let at = from;
  while (at + 8 <= to) {
    const header = read(at, 16);
    if (header.length < 8) return undefined;
    let length = header.readUInt32BE(0);
    let body = at + 8;
    if (length === 1 && header.length >= 16) {
      length = Number(header.readBigUInt64BE(8));
      body = at + 16;
    } else if (length === 0) {
      length = to - at;
    }
    if (length < 8) return undefined;
    if (header.toString('latin1', 4, 8) === type) return { body, end: at + length };
    at += length;
  }
  return undefined;
}

/** RIFF WAVE: the `data` chunk's size over the `fmt ` chunk's byte rate. */
function wavSeconds(read: Read, size: number): number | undefined {
  let at = 12;
  let byteRate: number | undefined;
  while (at + 8 <= size) {
    const header = read(at, 8);
    const id = header.toString('latin1', 0, 4);
    const length = header.readUInt32LE(4);
    if (id === 'fmt ') byteRate = read(at + 8, 16).readUInt32LE(8);
    if (id === 'data') {
      // a stream written without knowing its end says 0 or 0xFFFFFFFF: the rest of the file
      const bytes = length === 0 || length === 0xffffffff ? size - at - 8 : length;
      return byteRate ? bytes / byteRate : undefined;
    }
    at += 8 + length + (length % 2);
  }
  return undefined;
}

/** FLAC: STREAMINFO's total samples over its sample rate. */
function flacSeconds(read: Read): number | undefined {
  const info = read(8, 18);
  if (info.length < 18) return undefined;
  const rate = (info[10]! << 12) | (info[11]! << 4) | (info[12]! >> 4);
  const samples = (info[13]! & 0x0f) * 2 ** 32 + info.readUInt32BE(14);
  return rate > 0 && samples > 0 ? samples / rate : undefined;
}

const MP3_BITRATES = {
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES = {
  v1: [44100, 48000, 32000],
  v2: [22050, 24000, 16000],
  v25: [11025, 12000, 8000],
};

/** MPEG audio layer III: frames counted in a Xing/Info header, else constant bit rate. */
function mp3Seconds(read: Read, size: number): number | undefined {
  let start = 0;
  const id3 = read(0, 10);
  if (id3.toString('latin1', 0, 3) === 'ID3') {
    const tagSize =
      ((id3[6]! & 0x7f) << 21) |
      ((id3[7]! & 0x7f) << 14) |
      ((id3[8]! & 0x7f) << 7) |
      (id3[9]! & 0x7f);
    start = 10 + tagSize + (id3[5]! & 0x10 ? 10 : 0);
  }
  const header = read(start, 4);
  if (header.length < 4 || header[0] !== 0xff || (header[1]! & 0xe0) !== 0xe0) return undefined;
  const version = (header[1]! >> 3) & 0x03; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = (header[1]! >> 1) & 0x03; // 1: layer III
  if (layer !== 1 || version === 1) return undefined;
  const mpeg1 = version === 3;
  const bitrate = (mpeg1 ? MP3_BITRATES.v1 : MP3_BITRATES.v2)[header[2]! >> 4];
  const rate = (mpeg1 ? MP3_RATES.v1 : version === 2 ? MP3_RATES.v2 : MP3_RATES.v25)[
    (header[2]! >> 2) & 0x03
  ];
  if (!bitrate || !rate) return undefined;
  const samplesPerFrame = mpeg1 ? 1152 : 576;
  const mono = header[3]! >> 6 === 3;
  const xingAt = start + 4 + (mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17);
  const xing = read(xingAt, 12);
  const tag = xing.toString('latin1', 0, 4);
  if ((tag === 'Xing' || tag === 'Info') && xing.length === 12 && xing.readUInt32BE(4) & 1) {
    return (xing.readUInt32BE(8) * samplesPerFrame) / rate;
  }
  return ((size - start) * 8) / (bitrate * 1000);
}
