/** HS256 JSON Web Tokens, as Kling's API takes them (iss = access key, signed with the secret). */
import { createHmac, timingSafeEqual } from 'node:crypto';

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs a Kling token the way Kling's documentation shows: valid from 5 s ago for 30 minutes. */
export function signKlingToken(
  accessKey: string,
  secretKey: string,
  nowMs: number = Date.now(),
): string {
  const now = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iss: accessKey, exp: now + 1800, nbf: now - 5 }));
  const signature = createHmac('sha256', secretKey)
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export type TokenVerdict = 'ok' | 'invalid' | 'not_yet_valid' | 'expired';

/** Checks signature, issuer, `nbf` and `exp` (seconds). */
export function verifyKlingToken(
  token: string,
  accessKey: string,
  secretKey: string,
  nowMs: number,
): TokenVerdict {
  const parts = token.split('.');
  if (parts.length !== 3) return 'invalid';
  const [header = '', payload = '', signature = ''] = parts;
  let head: unknown;
  let claims: unknown;
  try {
    head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return 'invalid';
  }
  if (typeof head !== 'object' || head === null || (head as { alg?: unknown }).alg !== 'HS256')
    return 'invalid';
  const expected = createHmac('sha256', secretKey).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  if (typeof claims !== 'object' || claims === null) return 'invalid';
  const { iss, exp, nbf } = claims as { iss?: unknown; exp?: unknown; nbf?: unknown };
  if (iss !== accessKey) return 'invalid';
  const now = nowMs / 1000;
  if (typeof nbf === 'number' && now < nbf) return 'not_yet_valid';
  if (typeof exp !== 'number' || now >= exp) return 'expired';
  return 'ok';
}
