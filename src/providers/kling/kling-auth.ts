/**
 * Kling's authentication: the access key and secret key never travel; each request carries a
 * short-lived JSON Web Token, HS256-signed with the secret key, whose issuer is the access key
 * (`{"iss": AK, "exp": now + 1800, "nbf": now - 5}`, as Kling's documentation shows).
 */
import { createHmac } from 'node:crypto';

/** Token lifetime Kling's examples use, in seconds. */
export const KLING_TOKEN_SECONDS = 1800;
/** A token is replaced this long before it expires, so none expires in flight, in seconds. */
const RENEW_BEFORE_SECONDS = 300;

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** A signed token valid from 5 s before `nowMs` (clock skew) for KLING_TOKEN_SECONDS. */
export function signKlingJwt(accessKey: string, secretKey: string, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({ iss: accessKey, exp: now + KLING_TOKEN_SECONDS, nbf: now - 5 }),
  );
  const signature = createHmac('sha256', secretKey)
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Hands out a current token, signing a new one only when the last is close to expiry. */
export class KlingTokens {
  private readonly accessKey: string;
  private readonly secretKey: string;
  private readonly now: () => number;
  private token: { value: string; renewAtMs: number } | undefined;

  constructor(accessKey: string, secretKey: string, now: () => number) {
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.now = now;
  }

  current(): string {
    const now = this.now();
    if (
      !this.token ||
      now >= this.token.renewAtMs ||
      now < this.token.renewAtMs - KLING_TOKEN_SECONDS * 1000
    ) {
      this.token = {
        value: signKlingJwt(this.accessKey, this.secretKey, now),
        renewAtMs: now + (KLING_TOKEN_SECONDS - RENEW_BEFORE_SECONDS) * 1000,
      };
    }
    return this.token.value;
  }
}
