/**
 * A multipart/form-data body read as it arrives: each part's bytes go to a sink as they come
 * (the upload writes files to disk), so memory stays flat whatever the body's size, and a sink
 * that refuses (a part over its limit) stops the reading at once, without waiting for the rest.
 * Only what uploads need: `name` and `filename` from Content-Disposition, and Content-Type.
 */
import { ApiError } from './errors.ts';

export interface PartInfo {
  /** the form field */
  name: string;
  /** the client's file name; undefined for a plain field */
  filename: string | undefined;
  contentType: string | undefined;
}

export interface PartSink {
  /** called with each piece of the part's body, in order; may throw to stop the reading */
  write(chunk: Uint8Array): void | Promise<void>;
  end(): void | Promise<void>;
}

/** headers of one part, at most (a client has no reason to send more) */
const MAX_HEADER_BYTES = 16 * 1024;

/** The boundary of a multipart/form-data content type, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  if (!/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * Reads the body part by part: `open` gives each part's sink. Throws the API's `bad_request`
 * for a body that is not well-formed multipart, and whatever a sink throws.
 */
export async function readMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  open: (part: PartInfo) => PartSink | Promise<PartSink>,
): Promise<void> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const reader = body.getReader();
  // the body starts with `--boundary`; prefixing CRLF makes every delimiter look the same
  let buffer: Buffer = Buffer.from('\r\n');
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      return false;
    }
    const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    return true;
  };
  /**
   * The next chunk of a part's body. What was kept back (a possible start of a delimiter) is
   * joined to it only when a delimiter does start there: else it goes to the sink and the chunk
   * is kept as it came, so a large body is not copied chunk by chunk.
   */
  const moreOf = async (sink: PartSink): Promise<boolean> => {
    if (ended) return false;
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      return false;
    }
    const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    // a delimiter starting in what was kept ends within the chunk's first bytes: look there
    const whole = buffer.length > 0 && chunk.length >= delimiter.length;
    if (
      whole &&
      Buffer.concat([buffer, chunk.subarray(0, delimiter.length)]).indexOf(delimiter) === -1
    ) {
      await sink.write(buffer);
      buffer = chunk;
    } else {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    }
    return true;
  };
  const malformed = (what: string) => new ApiError('bad_request', `the multipart body ${what}`);

  try {
    // the preamble, up to the first delimiter
    for (;;) {
      const at = buffer.indexOf(delimiter);
      if (at !== -1) {
        buffer = buffer.subarray(at + delimiter.length);
        break;
      }
      buffer = buffer.subarray(Math.max(0, buffer.length - delimiter.length));
      if (!(await more())) throw malformed('has no parts');
    }
    for (;;) {
      // after a delimiter: `--` ends the body, CRLF starts a part
      while (buffer.length < 2) if (!(await more())) throw malformed('ends early');
      if (buffer[0] === 0x2d && buffer[1] === 0x2d) return;
      if (buffer[0] !== 0x0d || buffer[1] !== 0x0a) throw malformed('has a broken delimiter');
      buffer = buffer.subarray(2);
      let headerEnd = buffer.indexOf('\r\n\r\n');
      while (headerEnd === -1) {
        if (buffer.length > MAX_HEADER_BYTES) throw malformed('has a part with too many headers');
        if (!(await more())) throw malformed('ends inside a part’s headers');
        headerEnd = buffer.indexOf('\r\n\r\n');
      }
      const info = partInfo(buffer.subarray(0, headerEnd).toString('latin1'));
      if (!info) throw malformed('has a part without a form field name');
      buffer = buffer.subarray(headerEnd + 4);
      const sink = await open(info);
      for (;;) {
        const at = buffer.indexOf(delimiter);
        if (at !== -1) {
          if (at > 0) await sink.write(buffer.subarray(0, at));
          buffer = buffer.subarray(at + delimiter.length);
          break;
        }
        // keep what could be the start of a delimiter split across chunks
        const safe = buffer.length - delimiter.length;
        if (safe > 0) {
          await sink.write(buffer.subarray(0, safe));
          buffer = buffer.subarray(safe);
        }
        if (!(await moreOf(sink))) throw malformed('ends inside a part');
      }
      await sink.end();
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** A part's field name, file name and type from its headers; undefined without a name. */
function partInfo(headers: string): PartInfo | undefined {
  let name: string | undefined;
  let filename: string | undefined;
  let contentType: string | undefined;
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-type') contentType = value;
    if (key !== 'content-disposition') continue;
    name = parameter(value, 'name');
    filename = parameter(value, 'filename');
  }
  if (!name) return undefined;
  return { name, filename, contentType };
}

function parameter(value: string, key: string): string | undefined {
  const match = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(value);
  if (match) return Buffer.from(match[1]!.replace(/\\(.)/g, '$1'), 'latin1').toString('utf8');
  const bare = new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(value);
  return bare?.[1];
}
