/** Small helpers several provider stand-ins share. */
import { randomBytes } from 'node:crypto';
import type { SandboxCore } from '../core.ts';
import { json, type Reply } from '../http.ts';
import type { Job } from '../jobs.ts';
import type { ProviderName } from '../types.ts';

/** `n` random lowercase hex characters. */
export function hexId(n: number): string {
  return randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
}

/** `n` random characters of [a-z0-9], the look of Replicate's and Kling's ids. */
export function base36Id(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(n);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** Width and height of a PNG from its IHDR chunk; undefined for anything else. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** The bytes of a `data:` URI, or undefined when `text` is not one. */
export function dataUriBytes(text: string): Buffer | undefined {
  const match = /^data:[^;,]*(;base64)?,(.*)$/s.exec(text);
  if (match === null) return undefined;
  return match[1] === undefined
    ? Buffer.from(decodeURIComponent(match[2] ?? ''))
    : Buffer.from(match[2] ?? '', 'base64');
}

/**
 * `{ firstFrame }` for a render spec when the request's first-frame image has its bytes inline
 * (a data: URI) or in `uploads` (the sandbox's own file store, by token), else nothing: the
 * sandbox fetches no remote URL, and that clip opens on its card.
 */
export function openingOf(
  image: string | undefined,
  upload?: (url: string) => Buffer | undefined,
): { firstFrame?: Buffer } {
  if (image === undefined) return {};
  const bytes = dataUriBytes(image) ?? upload?.(image);
  return bytes === undefined || bytes.length === 0 ? {} : { firstFrame: bytes };
}

/** The standard Retry-After header (whole seconds) plus the millisecond form some clients read. */
export function retryAfter(seconds: number): Record<string, string> {
  return { 'retry-after': String(seconds), 'retry-after-ms': String(seconds * 1000) };
}

/** What object stores and CDNs (S3, CloudFront, TOS) answer for a signed URL past its expiry. */
export function cdnExpired(): { status: number; text: string; contentType: string } {
  return {
    status: 403,
    contentType: 'application/xml',
    text: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
  };
}

/** What those CDNs answer for a URL that names nothing or whose signature is wrong. */
export function cdnNotFound(): { status: number; text: string; contentType: string } {
  return {
    status: 404,
    contentType: 'application/xml',
    text: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
  };
}

/**
 * For a synchronous API (an image made within the request): waits until the job has run its
 * simulated latency, as the real call holds until the image exists. Returns the ended job.
 */
export async function whenEnded<D>(
  core: SandboxCore,
  provider: ProviderName,
  job: Job<D>,
): Promise<Job<D>> {
  for (;;) {
    const now = core.jobs.get<D>(provider, job.id) ?? job;
    if (now.phase !== 'queued' && now.phase !== 'running') return now;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** OpenAI's answer to a model it does not have (or the key may not use). */
export function openaiModelNotFound(model: string): Reply {
  return json(404, {
    error: {
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    },
  });
}
