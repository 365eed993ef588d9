/** Public types of the provider sandbox (see docs/sandbox.md). */

import { PROVIDERS, type ProviderId } from '../catalog/schema.ts';

/**
 * The path prefixes, without the slash (the catalog's provider ids, and ElevenLabs, which only
 * voices route to); also the keys of `/_sandbox/stats`.
 */
export const PROVIDER_NAMES = [...PROVIDERS, 'elevenlabs'] as const;

export type ProviderName = ProviderId | 'elevenlabs';

/**
 * Defects of the delivered clip (the job succeeds; its video is bad), drawn in this order at
 * create time, at most one a job: a black stretch, a frozen stretch, no sound, too short, the
 * wrong size, or a cut in the middle of a single shot. See docs/qc.md.
 */
export const CLIP_DEFECTS = ['black', 'frozen', 'silent', 'short', 'wrong_size', 'cut'] as const;

export type ClipDefect = (typeof CLIP_DEFECTS)[number];

export const FAULT_KINDS = [
  '429',
  '5xx',
  'timeout',
  'refuse',
  'malformed',
  'expired',
  'drop',
  ...CLIP_DEFECTS,
  'corrupt',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SandboxOptions {
  /** 127.0.0.1 port; 0 or absent: any free port */
  port?: number;
  /** each job takes a random time in [min, max] milliseconds (default [1000, 3000]) */
  latencyMs?: [number, number];
  /** probability of each failure kind, 0..1 */
  faults?: Partial<Record<FaultKind, number>>;
  /** makes fault and latency draws repeatable */
  seed?: number;
  /** jobs a provider runs at once; more wait in its queue (default: unlimited; comfyui 1) */
  concurrency?: Partial<Record<ProviderName, number>>;
  /** where rendered clips are cached (default: a temporary folder removed on close) */
  mediaDir?: string;
  /** clock in epoch milliseconds; tests inject one to advance time without waiting */
  now?: () => number;
  /**
   * Largest frame actually rendered. Requests are answered with the size they asked for,
   * but the MP4 is scaled down to fit (aspect kept), so tests and rehearsals stay fast.
   */
  maxSize?: { width: number; height: number };
  /** Kling's access key and secret that its JWTs must be signed with */
  kling?: { accessKey: string; secretKey: string };
  /** seconds announced in Retry-After on a 429 (default 1) */
  retryAfterSeconds?: number;
  /** where to report render failures and other sandbox-side problems (default: none) */
  log?: (line: string) => void;
}

export interface ProviderStats {
  /** distinct jobs created */
  created: number;
  completed: number;
  failed: number;
  /** distinct idempotency keys attached to created jobs */
  idempotency_keys: number;
  /** create requests that reused a known key and got the existing job back */
  duplicate_keys: number;
  /** the most jobs running at one moment */
  max_in_flight: number;
  // extras
  canceled: number;
  in_flight: number;
  queued: number;
  /** output seconds of completed jobs: what the real service would bill */
  billable_seconds: number;
  /** faults injected, by kind */
  faults: Partial<Record<FaultKind, number>>;
}

export interface SandboxStats {
  providers: Record<ProviderName, ProviderStats>;
}

/** One job as the sandbox sees it (`GET /_sandbox/jobs`): what was asked, and what it bills. */
export interface SandboxJob {
  provider: ProviderName;
  id: string;
  /** the provider's own model id as the request named it (a fal endpoint, a ComfyUI checkpoint) */
  model: string;
  /** the idempotency key it was created with (header or provider-native), or null */
  key: string | null;
  phase: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
  /** ISO-8601, on the sandbox's clock */
  created_at: string;
  /** the clip as requested (the sandbox may render it smaller, see `maxSize`) */
  seconds: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  samples: number;
  /** output seconds the real service would bill: `seconds × samples` once completed, else 0 */
  billable_seconds: number;
  /**
   * the create request's body as the sandbox received it (JSON as sent, form fields as text;
   * files and `data:` URIs replaced by their type and size), e.g. to read the exact prompt and
   * negative prompt a client sent; null when the stand-in read no body
   */
  request: Record<string, unknown> | null;
}

/** One text-to-speech call the sandbox answered with audio: what the real service would bill. */
export interface SandboxSpeech {
  provider: ProviderName;
  model: string;
  voice: string;
  /** characters of text read (what per-character prices bill) */
  characters: number;
  /** ISO-8601, on the sandbox's clock */
  created_at: string;
}

export interface SandboxHandle {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  port: number;
  close(): Promise<void>;
  stats(): SandboxStats;
  /** every job of every provider, oldest first per provider */
  jobs(): SandboxJob[];
  /** forget every job, key and count; restart the random sequence from the seed */
  reset(): void;
  /** every text-to-speech call answered with audio, oldest first (what the real services bill) */
  speech(): SandboxSpeech[];
}
