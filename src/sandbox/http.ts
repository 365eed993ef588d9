/** Request and reply plumbing shared by every provider stand-in (plain node:http). */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a handler answers. Exactly one of json / text / bytes / file is used. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  bytes?: Buffer;
  /** a file on disk, served with Range support */
  file?: string;
  contentType?: string;
  /** the `malformed` fault: the JSON body is cut short */
  malformed?: boolean;
}

/** The `drop` fault: destroy the socket without a reply. */
export interface Drop {
  drop: true;
}

/** The `timeout` fault: never answer; the client's own timeout ends the request. */
export interface Hold {
  hold: true;
}

export type Outcome = Reply | Drop | Hold;

export function isReply(outcome: Outcome): outcome is Reply {
  return 'status' in outcome;
}

/**
 * A request the API would reject. Handlers throw it; the router turns it into the provider's
 * own error shape. `kind` picks the provider's error builder.
 */
export class RequestProblem extends Error {
  readonly kind: 'invalid' | 'not_found' | 'unknown_model';
  readonly field: string | undefined;
  constructor(kind: 'invalid' | 'not_found' | 'unknown_model', message: string, field?: string) {
    super(message);
    this.kind = kind;
    this.field = field;
  }
}

export function invalid(message: string, field?: string): RequestProblem {
  return new RequestProblem('invalid', message, field);
}

export function notFound(message: string): RequestProblem {
  return new RequestProblem('not_found', message);
}

export function unknownModel(model: string): RequestProblem {
  return new RequestProblem('unknown_model', model);
}

/** Request bodies larger than this are refused (BytePlus documents 64 MB). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export class SandboxRequest {
  readonly method: string;
  readonly url: URL;
  /** the path after the provider prefix, e.g. `/v1/videos` */
  readonly path: string;
  /** scheme, host and provider prefix, e.g. `http://127.0.0.1:4000/openai` */
  readonly base: string;
  /** scheme and host, e.g. `http://127.0.0.1:4000` */
  readonly origin: string;
  readonly raw: IncomingMessage;
  private bodyPromise: Promise<Buffer> | undefined;
  /** the body as last parsed by `json()` or `form()`, for the job's record of its request */
  private parsed: Record<string, unknown> | undefined;

  constructor(raw: IncomingMessage, url: URL, prefix: string, path: string) {
    this.raw = raw;
    this.method = (raw.method ?? 'GET').toUpperCase();
    this.url = url;
    this.path = path;
    this.origin = url.origin;
    this.base = `${url.origin}${prefix}`;
  }

  header(name: string): string | undefined {
    const value = this.raw.headers[name.toLowerCase()];
    if (Array.isArray(value)) return value[0];
    return value === undefined || value === '' ? undefined : value;
  }

  /** The token of `Authorization: <scheme> <token>`, when the scheme matches. */
  credential(scheme: string): string | undefined {
    const value = this.header('authorization');
    if (value === undefined) return undefined;
    const space = value.indexOf(' ');
    if (space < 0 || value.slice(0, space).toLowerCase() !== scheme.toLowerCase()) return undefined;
    const token = value.slice(space + 1).trim();
    return token === '' ? undefined : token;
  }

  body(): Promise<Buffer> {
    this.bodyPromise ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      this.raw.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(invalid('request body is larger than 64 MB'));
          this.raw.destroy();
          return;
        }
        chunks.push(chunk);
      });
      this.raw.on('end', () => resolve(Buffer.concat(chunks)));
      this.raw.on('error', reject);
    });
    return this.bodyPromise;
  }

  /** The JSON body as an object; `{}` for an empty body. */
  async json(): Promise<Record<string, unknown>> {
    const bytes = await this.body();
    if (bytes.length === 0) return {};
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw invalid('the request body is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalid('the request body must be a JSON object');
    }
    this.parsed = value as Record<string, unknown>;
    return value as Record<string, unknown>;
  }

  /**
   * What the request asked, as parsed so far (`/_sandbox/jobs` shows it per job, so that tests
   * and users can read the exact prompt a client sent): JSON as sent, form fields as text, with
   * files and `data:` URIs replaced by their type and size. Undefined before the body is parsed.
   */
  recorded(): Record<string, unknown> | undefined {
    return this.parsed === undefined
      ? undefined
      : (summarise(this.parsed) as Record<string, unknown>);
  }

  /** A multipart/form-data or urlencoded body, parsed by the platform's own Fetch Request. */
  async form(): Promise<FormData> {
    const bytes = await this.body();
    const contentType = this.header('content-type') ?? '';
    let form: FormData;
    try {
      form = await new Request('http://sandbox.invalid/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: new Uint8Array(bytes),
      }).formData();
    } catch {
      throw invalid('the multipart body could not be parsed');
    }
    const fields: Record<string, unknown> = {};
    for (const [name, value] of form.entries()) {
      fields[name] =
        typeof value === 'string'
          ? value
          : { file: value.name, type: value.type, bytes: value.size };
    }
    this.parsed = fields;
    return form;
  }

  isMultipart(): boolean {
    const type = this.header('content-type') ?? '';
    return (
      type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')
    );
  }
}

/** A copy with `data:` URIs (inline images and videos) replaced by their type and length. */
function summarise(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.startsWith('data:')
      ? `${value.slice(0, value.indexOf(',') + 1)}…(${value.length} characters)`
      : value;
  }
  if (Array.isArray(value)) return value.map(summarise);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarise(v)]));
  }
  return value;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined ? { status, json: body } : { status, json: body, headers };
}

/** Parses `bytes=a-b` against a file size; undefined when absent or unsatisfiable. */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return undefined;
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start > end || start >= size) return undefined;
  return { start, end };
}

export async function sendReply(
  req: SandboxRequest | undefined,
  res: ServerResponse,
  reply: Reply,
): Promise<void> {
  const headers: Record<string, string> = { ...reply.headers };
  const head = req?.method === 'HEAD';
  if (reply.file !== undefined) {
    const { size } = await stat(reply.file);
    headers['content-type'] = reply.contentType ?? 'video/mp4';
    headers['accept-ranges'] = 'bytes';
    const range = parseRange(req?.header('range'), size);
    if (range === undefined) {
      headers['content-length'] = String(size);
      res.writeHead(reply.status, headers);
      if (head) return void res.end();
      createReadStream(reply.file).pipe(res);
    } else {
      headers['content-length'] = String(range.end - range.start + 1);
      headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
      res.writeHead(206, headers);
      if (head) return void res.end();
      createReadStream(reply.file, range).pipe(res);
    }
    return;
  }
  let body: Buffer;
  if (reply.json !== undefined) {
    let text = JSON.stringify(reply.json);
    // cut inside the document, so that every JSON parser fails on it
    if (reply.malformed) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    body = Buffer.from(text);
    headers['content-type'] ??= 'application/json';
  } else if (reply.bytes !== undefined) {
    body = reply.bytes;
    headers['content-type'] ??= reply.contentType ?? 'application/octet-stream';
  } else {
    body = Buffer.from(reply.text ?? '');
    if (reply.text !== undefined)
      headers['content-type'] ??= reply.contentType ?? 'text/plain; charset=utf-8';
  }
  headers['content-length'] = String(body.length);
  res.writeHead(reply.status, headers);
  res.end(head ? undefined : body);
}

/** Reads a string field of a JSON object; throws the provider's 400 when it has another type. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${field} must be a string`, field);
  return value;
}

export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = optionalString(body, field);
  if (value === undefined || value.trim() === '') throw invalid(`${field} is required`, field);
  return value;
}

export function optionalNumber(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(`${field} must be a number`, field);
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${field} must be a boolean`, field);
  return value;
}

/** Throws the provider's 400 unless `value` is one of `allowed`. */
export function oneOf<T extends string | number>(
  value: T,
  allowed: readonly T[],
  field: string,
): T {
  if (!allowed.includes(value)) {
    const list = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ');
    throw invalid(
      `Invalid value for ${field}: ${JSON.stringify(value)}. Supported values are: ${list}.`,
      field,
    );
  }
  return value;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
