/**
 * Who may use the API. On loopback (the default) the server answers only requests addressed to
 * a loopback host name (a web page cannot rebind its own name to 127.0.0.1 and drive it). On
 * any other address a bearer token is required; only its SHA-256 is kept. Browsers' media
 * elements cannot send headers, so the board trades the token for an HttpOnly, same-site
 * session cookie that is accepted for reading (GET/HEAD) only: every change still needs the
 * token itself, so no other site can make a browser change anything. Changes from another
 * origin are refused either way.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { type Role, roleAllows } from '../contracts/users.ts';
import { generateToken, hashToken, userByToken } from '../lib/users.ts';
import type { Store } from '../store/store.ts';
import { ApiError } from './errors.ts';

export { generateToken, hashToken };

/** Who is asking: a named user, or (name null) the single-user default or SHOTROUTER_TOKEN. */
export interface Identity {
  name: string | null;
  role: Role;
}

const identities = new WeakMap<Context, Identity>();

/** The identity the access check found for this request. */
export function identityOf(c: Context): Identity {
  return identities.get(c) ?? { name: null, role: 'viewer' };
}

/**
 * Refuses the request unless its user's role allows `needed`, saying what the action needs:
 * viewers look; editors comment, change and pick; producers also spend.
 */
export function requireRole(c: Context, needed: Role, what: string): Identity {
  const identity = identityOf(c);
  if (!roleAllows(identity.role, needed)) {
    throw new ApiError('forbidden', `only a ${needed} may ${what}; you are a ${identity.role}`, {
      details: { role: identity.role, needed },
    });
  }
  return identity;
}

/**
 * Requests that change nothing although they are not GETs (a dry-run plan, a session), and MCP,
 * whose every message is a POST: its tools check the role of what they do themselves.
 */
const READING_POSTS = [/^\/api\/session$/, /^\/api\/projects\/[^/]+\/plan$/, /^\/mcp$/];

export const SESSION_COOKIE = 'shotrouter_session';
const SESSION_SECONDS = 12 * 60 * 60;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface AccessOptions {
  /** SHA-256 (hex) of the bearer token; null: no token (loopback only) */
  tokenSha256: string | null;
  /** refuse requests whose Host is not a loopback name (the default on loopback) */
  loopbackOnly: boolean;
  /**
   * The server's named users (lib/users.ts). Once there is one, every request needs a user's
   * token (SHOTROUTER_TOKEN still works, as a producer); before, nothing changes.
   */
  users?: Store | undefined;
}

export class Access {
  readonly #token: Buffer | null;
  readonly #loopbackOnly: boolean;
  readonly #users: Store | undefined;
  /** session id hash → expiry (ms) and who opened it */
  readonly #sessions = new Map<string, { expires: number; identity: Identity }>();

  constructor(options: AccessOptions) {
    this.#token = options.tokenSha256 ? Buffer.from(options.tokenSha256, 'hex') : null;
    this.#loopbackOnly = options.loopbackOnly;
    this.#users = options.users;
  }

  /** Whether requests need a token now (SHOTROUTER_TOKEN, or named users exist). */
  async needsToken(): Promise<boolean> {
    return this.#token !== null || ((await this.#users?.userCount()) ?? 0) > 0;
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
      const identity = await this.#identify(c, unsafe);
      if (!identity) {
        throw new ApiError(
          'unauthorized',
          unsafe
            ? 'send the access token: Authorization: Bearer <token>'
            : 'send the access token (Authorization: Bearer <token>) or open a session',
          { headers: { 'www-authenticate': 'Bearer' } },
        );
      }
      identities.set(c, identity);
      if (unsafe && !READING_POSTS.some((route) => route.test(url.pathname))) {
        requireRole(c, 'editor', 'change anything');
      }
      await next();
    };
  }

  /**
   * Who is asking: the bearer token's user (SHOTROUTER_TOKEN: a producer), a session's (reading
   * only), or the single-user default while there is neither a token nor a named user.
   */
  async #identify(c: Context, unsafe: boolean): Promise<Identity | undefined> {
    const bearer = bearerToken(c);
    if (bearer !== undefined) {
      if (this.#token && timingSafeEqual(Buffer.from(hashToken(bearer), 'hex'), this.#token)) {
        return { name: null, role: 'producer' };
      }
      const user = this.#users ? await userByToken(this.#users, bearer) : undefined;
      return user ? { name: user.name, role: user.role } : undefined;
    }
    if (!unsafe) {
      const id = cookieValue(c.req.header('cookie'), SESSION_COOKIE);
      const session = id ? this.#sessions.get(hashToken(id)) : undefined;
      if (session && session.expires > Date.now()) return session.identity;
    }
    if (await this.needsToken()) return undefined;
    return { name: null, role: 'producer' };
  }

  /** A session cookie for a request that carries a token (POST /api/session). */
  async openSession(c: Context): Promise<void> {
    if (!(await this.needsToken())) return;
    const identity = bearerToken(c) !== undefined ? await this.#identify(c, true) : undefined;
    if (!identity) {
      throw new ApiError('unauthorized', 'send the access token: Authorization: Bearer <token>', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    for (const [key, session] of this.#sessions) {
      if (session.expires < now) this.#sessions.delete(key);
    }
    this.#sessions.set(hashToken(id), { expires: now + SESSION_SECONDS * 1000, identity });
    c.header(
      'set-cookie',
      `${SESSION_COOKIE}=${id}; Path=/api; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}`,
    );
  }
}

function bearerToken(c: Context): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
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
