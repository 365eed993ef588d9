/**
 * Who may use the API. On loopback (the default) the server answers only requests addressed to
 * a loopback host name (a web page cannot rebind its own name to 127.0.0.1 and drive it). On
 * any other address a bearer token is required; only its SHA-256 is kept. Browsers' media
 * elements cannot send headers, so the board trades the token for an HttpOnly, same-site
 * session cookie that is accepted for reading (GET/HEAD) only: every change still needs the
 * token itself, so no other site can make a browser change anything. Changes from another
 * origin are refused either way.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from './errors.ts';

export const SESSION_COOKIE = 'shotrouter_session';
const SESSION_SECONDS = 12 * 60 * 60;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new random token (256 bits), for `serve` on a non-loopback address. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface AccessOptions {
  /** SHA-256 (hex) of the bearer token; null: no token (loopback only) */
  tokenSha256: string | null;
  /** refuse requests whose Host is not a loopback name (the default on loopback) */
  loopbackOnly: boolean;
}

export class Access {
  readonly #token: Buffer | null;
  readonly #loopbackOnly: boolean;
  /** session id hash → expiry (ms) */
  readonly #sessions = new Map<string, number>();

  constructor(options: AccessOptions) {
    this.#token = options.tokenSha256 ? Buffer.from(options.tokenSha256, 'hex') : null;
    this.#loopbackOnly = options.loopbackOnly;
  }

  get requiresToken(): boolean {
    return this.#token !== null;
  }

  /** Host, origin and authentication checks for every API request. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const url = new URL(c.req.url);
      if (this.#loopbackOnly && !isLoopbackHost(url.hostname)) {
        throw new ApiError('forbidden', 'this server answers only to loopback host names');
      }
      const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
      if (unsafe) refuseOtherOrigins(c, url);
      if (this.#token && !this.#authenticated(c, unsafe)) {
        throw new ApiError(
          'unauthorized',
          unsafe
            ? 'send the access token: Authorization: Bearer <token>'
            : 'send the access token (Authorization: Bearer <token>) or open a session',
          { headers: { 'www-authenticate': 'Bearer' } },
        );
      }
      await next();
    };
  }

  /** A session cookie for a request that carries the token (POST /api/session). */
  openSession(c: Context): void {
    if (!this.#token) return;
    if (!this.#bearer(c)) {
      throw new ApiError('unauthorized', 'send the access token: Authorization: Bearer <token>', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    for (const [key, expires] of this.#sessions) if (expires < now) this.#sessions.delete(key);
    this.#sessions.set(hashToken(id), now + SESSION_SECONDS * 1000);
    c.header(
      'set-cookie',
      `${SESSION_COOKIE}=${id}; Path=/api; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}`,
    );
  }

  #authenticated(c: Context, unsafe: boolean): boolean {
    if (this.#bearer(c)) return true;
    if (unsafe) return false;
    const id = cookieValue(c.req.header('cookie'), SESSION_COOKIE);
    const expires = id ? this.#sessions.get(hashToken(id)) : undefined;
    return expires !== undefined && expires > Date.now();
  }

  #bearer(c: Context): boolean {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match || !this.#token) return false;
    return timingSafeEqual(Buffer.from(hashToken(match[1]!), 'hex'), this.#token);
  }
}

/** Changes only from the board's own origin (or from clients that send no Origin, like curl). */
function refuseOtherOrigins(c: Context, url: URL): void {
  const origin = c.req.header('origin');
  const site = c.req.header('sec-fetch-site');
  let foreign = site === 'cross-site' || site === 'same-site';
  if (origin !== undefined) {
    try {
      foreign ||= new URL(origin).host !== url.host;
    } catch {
      foreign = true;
    }
  }
  if (foreign) throw new ApiError('forbidden', 'changes are accepted only from the board itself');
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
