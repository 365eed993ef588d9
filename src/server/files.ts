/**
 * Files over HTTP: clips and the cut with byte ranges (a browser's player seeks by asking for
 * ranges), deliverables as downloads, and the built web board. Callers pass paths they built
 * themselves from validated names; nothing here joins a client's string to a folder except the
 * board's static files, which are resolved and checked to stay inside the board's folder.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ApiError } from './errors.ts';

export interface ServeFileOptions {
  mediaType: string;
  /** `immutable`: content-addressed, cache forever; `revalidate`: check every time */
  cache: 'immutable' | 'revalidate';
  /** sent as an attachment with this name */
  download?: string;
}

/** A project's title as a download's file name prefix. */
export function titleSlug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'shotrouter'
  );
}

/** A file as a response, honouring one `Range: bytes=…` and `If-None-Match`. */
export async function serveFile(
  request: Request,
  file: string,
  options: ServeFileOptions,
): Promise<Response> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    throw new ApiError('not_found', 'no such file');
  }
  if (!stat.isFile()) throw new ApiError('not_found', 'no such file');
  const etag = `"${await contentTag(file, stat)}"`;
  const headers: Record<string, string> = {
    'content-type': options.mediaType,
    'accept-ranges': 'bytes',
    etag,
    'cache-control':
      options.cache === 'immutable' ? 'private, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  if (options.download) {
    headers['content-disposition'] = `attachment; filename="${options.download}"`;
  }
  if (request.headers.get('if-none-match') === etag) {
    return new Response(null, { status: 304, headers });
  }
  const range = parseRange(request.headers.get('range'), stat.size);
  if (range === 'unsatisfiable') {
    throw new ApiError('range_not_satisfiable', `the file has ${stat.size} bytes`, {
      headers: { 'content-range': `bytes */${stat.size}` },
    });
  }
  const { start, end } = range ?? { start: 0, end: stat.size - 1 };
  const length = stat.size === 0 ? 0 : end - start + 1;
  headers['content-length'] = String(length);
  if (range) headers['content-range'] = `bytes ${start}-${end}/${stat.size}`;
  const body =
    request.method === 'HEAD' || length === 0
      ? null
      : (Readable.toWeb(fs.createReadStream(file, { start, end })) as ReadableStream<Uint8Array>);
  return new Response(body, { status: range ? 206 : 200, headers });
}

const tags = new Map<string, { stamp: string; tag: string }>();

/**
 * A short tag of a file's content (SHA-256, 16 hex digits): the cache key of everything the
 * board shows, so a new cut of the same size is never taken for the old one. Hashed once per
 * version of the file on disk (its size, modification time and inode), once it has settled.
 */
export async function contentTag(file: string, known?: fs.Stats): Promise<string> {
  const stat = known ?? (await fs.promises.stat(file));
  const stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  const cached = tags.get(file);
  if (cached?.stamp === stamp) return cached.tag;
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  const tag = hash.digest('hex').slice(0, 16);
  if (tags.size > 10_000) tags.clear();
  // a file changed within the clock's granularity could change again unseen: hash it next time
  if (Date.now() - stat.mtimeMs > 2000) tags.set(file, { stamp, tag });
  return tag;
}

/**
 * The one byte range asked for, undefined for the whole file (no header, a form we do not
 * serve such as several ranges: answering the whole file is allowed), or `unsatisfiable`.
 */
export function parseRange(
  header: string | null,
  size: number,
): { start: number; end: number } | undefined | 'unsatisfiable' {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return 'unsatisfiable';
  return { start, end };
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** The board's security policy: its own scripts, styles and media only, no framing. */
export const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * A file of the built board, or its index.html for any other page path (the board routes in
 * the browser). Undefined when the board is not built.
 */
export async function serveBoard(request: Request, root: string): Promise<Response | undefined> {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url).pathname);
  } catch {
    throw new ApiError('bad_request', 'malformed path');
  }
  const wanted = path.resolve(root, `.${pathname}`);
  const inside = wanted.startsWith(root + path.sep);
  const isAsset = inside && /\.[a-z0-9]+$/i.test(wanted);
  const file = isAsset ? wanted : path.join(root, 'index.html');
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    if (isAsset) throw new ApiError('not_found', 'no such file');
    return undefined;
  }
  const type = STATIC_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const hashed = file.includes(`${path.sep}assets${path.sep}`);
  const response = await serveFile(request, file, {
    mediaType: type,
    cache: hashed ? 'immutable' : 'revalidate',
  });
  response.headers.set('content-security-policy', BOARD_CSP);
  response.headers.set('referrer-policy', 'no-referrer');
  response.headers.set('x-frame-options', 'DENY');
  return response;
}
