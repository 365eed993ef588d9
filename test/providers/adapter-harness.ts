/**
 * Shared scaffolding of the real-provider adapter tests: a sandbox on an injected clock (from the
 * sandbox's own test helpers), call options, a fetch that records what was sent, polling to the
 * end by moving the clock, and probing the delivered clip.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JSONValue, Experimental_VideoModelV4VideoData as VideoData } from '@ai-sdk/provider';
import { ShotrouterError } from '../../src/errors.ts';
import { type ProbeInfo, probe } from '../../src/media/probe.ts';
import {
  type CredentialProvider,
  credentialsFor,
  type ProviderCredentials,
} from '../../src/providers/credentials.ts';
import type {
  CompletedStatus,
  VideoCallOptions,
  VideoModel,
  VideoStatus,
} from '../../src/providers/types.ts';
import { type TestSandbox, workDir } from '../sandbox/helpers.ts';

export { MAX_SIZE, PNG_BASE64, sandbox, type TestSandbox } from '../sandbox/helpers.ts';

/** The credentials pointing `provider` at the test sandbox, with some values replaced. */
export function sandboxCredentials(
  provider: CredentialProvider,
  t: TestSandbox,
  values: Record<string, string> = {},
): ProviderCredentials {
  const credentials = credentialsFor(provider, { SHOTROUTER_SANDBOX_URL: t.sb.url });
  assert.ok(credentials, `sandbox credentials for ${provider}`);
  return { ...credentials, values: { ...credentials.values, ...values } };
}

export function callOptions(overrides: Partial<VideoCallOptions> = {}): VideoCallOptions {
  return {
    prompt: 'A lighthouse in fog at dawn',
    n: 1,
    aspectRatio: '16:9',
    resolution: '1280x720',
    duration: 4,
    fps: undefined,
    seed: undefined,
    image: undefined,
    frameImages: undefined,
    inputReferences: undefined,
    generateAudio: undefined,
    providerOptions: { shotrouter: { shotId: 's01', take: 0, model: 'test' } },
    ...overrides,
  };
}

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** the body when it was JSON (parsed) */
  json?: unknown;
}

/** A fetch that records every request (method, URL, headers) before sending it. */
export function recordingFetch(): { fetch: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const json = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    sent.push({ method: init?.method ?? 'GET', url: String(input), headers, json });
    return fetch(input, init);
  };
  return { fetch: wrapped, sent };
}

/** Polls `doStatus`, moving the sandbox clock between polls, until the job is not pending. */
export async function pollToEnd(
  model: VideoModel,
  operation: JSONValue,
  t: TestSandbox,
  stepMs = 1100,
): Promise<Exclude<VideoStatus, { status: 'pending' }>> {
  for (let i = 0; i < 30; i++) {
    const status = await model.doStatus!({ operation });
    if (status.status !== 'pending') return status;
    t.clock.advance(stepMs);
  }
  throw new Error(`${model.provider} operation did not end`);
}

export function assertCompleted(status: VideoStatus): asserts status is CompletedStatus {
  if (status.status !== 'completed') {
    assert.fail(
      `expected completed, got ${status.status}${status.status === 'error' ? `: ${status.error}` : ''}`,
    );
  }
}

/** Writes the clip (bytes, base64 or a URL fetched without credentials) and probes it. */
export async function probeVideo(video: VideoData, name: string): Promise<ProbeInfo> {
  let bytes: Uint8Array;
  if (video.type === 'binary') bytes = video.data;
  else if (video.type === 'base64') bytes = Buffer.from(video.data, 'base64');
  else if (video.type === 'url') {
    const res = await fetch(video.url);
    assert.equal(res.status, 200, `download of ${video.url}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } else throw new Error('uploaded videos cannot be probed');
  const file = join(workDir, `${name}-${Math.random().toString(36).slice(2)}.mp4`);
  writeFileSync(file, bytes);
  return probe(file);
}

/** Runs `fn`, expecting a ShotrouterError with `code`; returns it for more checks. */
export async function expectCode(
  fn: () => PromiseLike<unknown>,
  code: string,
): Promise<ShotrouterError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(ShotrouterError.is(error), `expected a ShotrouterError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a ${code} error`);
}

/** The shotrouter error code a failed status carries. */
export function statusCode(status: VideoStatus): unknown {
  return (status.providerMetadata?.shotrouter as { code?: unknown } | undefined)?.code;
}
