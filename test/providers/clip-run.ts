/**
 * One model's run through its adapter against the sandbox, ending in a verified clip: start,
 * poll to the end, download through the typed client, and probe length, size, fps and audio.
 * The new-model tests of every adapter use it.
 */
import assert from 'node:assert/strict';
import type { AdapterOptions } from '../../src/providers/adapter-kit.ts';
import type { CredentialProvider } from '../../src/providers/credentials.ts';
import type { CompletedStatus, Provider, VideoCallOptions } from '../../src/providers/types.ts';
import { renderedOf } from '../sandbox/helpers.ts';
import {
  completed,
  downloadAndProbe,
  type Expected,
  pollToEnd,
  probeVideo,
  type SentRequest,
  sandboxAdapter,
} from './adapter-harness.ts';

export interface ClipRun {
  status: CompletedStatus;
  sent: SentRequest[];
  warnings: unknown[];
}

export async function runToVerifiedClip(
  create: (options: AdapterOptions) => Provider,
  provider: CredentialProvider,
  modelId: string,
  request: VideoCallOptions,
  expected: Expected,
): Promise<ClipRun> {
  const { t, provider: adapter, sent } = await sandboxAdapter(create, provider);
  const model = adapter.model(modelId);
  const started = await model.doStart!(request);
  const status = completed(await pollToEnd(model, started.operation, t, 250));
  const video = status.videos[0]!;
  // a URL is downloaded through the typed client, as the engine does; bytes are probed as given
  const info =
    video.type === 'url'
      ? await downloadAndProbe(provider, status)
      : await probeVideo(video, modelId);
  const size = renderedOf(expected);
  assert.ok(
    Math.abs(info.durationSeconds - expected.seconds) < 0.1,
    `${modelId}: duration ${info.durationSeconds}, expected ${expected.seconds}`,
  );
  assert.equal(info.width, size.width, `${modelId}: width`);
  assert.equal(info.height, size.height, `${modelId}: height`);
  assert.ok(Math.abs(info.fps - expected.fps) < 0.01, `${modelId}: fps ${info.fps}`);
  assert.equal(info.hasAudio, expected.audio, `${modelId}: audio`);
  return { status, sent, warnings: started.warnings };
}
