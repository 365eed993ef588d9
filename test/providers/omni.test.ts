/** Gemini Omni Flash on the Interactions API, through the google and vertex adapters. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGoogleProvider, createVertexProvider } from '../../src/providers/google/index.ts';
import type { OmniVideoModel } from '../../src/providers/google/omni-video-model.ts';
import { PNG_BASE64 } from '../sandbox/helpers.ts';
import {
  callOptions,
  pollToEnd,
  rejectsWith,
  sandboxAdapter,
  statusCode,
} from './adapter-harness.ts';
import { runToVerifiedClip } from './clip-run.ts';

const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };

describe('Gemini Omni Flash ends in a verified clip', () => {
  test('google (Gemini API): gemini-omni-1.1-flash, a background interaction, the file fetched with the key', async () => {
    const run = await runToVerifiedClip(
      createGoogleProvider,
      'google',
      'gemini-omni-1.1-flash',
      callOptions({ resolution: '1920x1080', duration: 6 }),
      { seconds: 6, width: 1920, height: 1080, fps: 24, audio: true },
    );
    const create = run.sent[0]!;
    assert.match(create.url, /\/google\/v1beta\/interactions$/);
    assert.ok(create.headers['x-goog-api-key']);
    assert.deepEqual(create.json, {
      model: 'gemini-omni-1.1-flash',
      input: [{ type: 'text', text: 'A lighthouse in fog at dawn' }],
      background: true,
      generation_config: { duration_seconds: 6, resolution: '1080p', aspect_ratio: '16:9' },
    });
    assert.equal(run.status.videos[0]!.type, 'binary');
    const download = run.sent.at(-1)!;
    assert.ok(!download.url.includes('key='), 'the key never goes into a URL');
  });

  test('vertex (Agent Platform): gemini-omni-1.2-flash, 12 s from a first frame, inline video', async () => {
    const run = await runToVerifiedClip(
      createVertexProvider,
      'vertex',
      'gemini-omni-1.2-flash',
      callOptions({ resolution: '720x1280', aspectRatio: '9:16', duration: 12, seed: 5, image }),
      { seconds: 12, width: 720, height: 1280, fps: 24, audio: true },
    );
    assert.match(
      run.sent[0]!.url,
      /\/vertex\/v1beta1\/projects\/sandbox-project\/locations\/us-central1\/interactions$/,
    );
    const body = run.sent[0]!.json as {
      input: { role?: string }[];
      generation_config: Record<string, unknown>;
    };
    assert.deepEqual(
      body.input.map((p) => p.role),
      [undefined, 'first_frame'],
    );
    assert.equal(body.generation_config.seed, 5);
    assert.equal(run.status.videos[0]!.type, 'base64');
  });
});

describe('Gemini Omni Flash failures', () => {
  test('a refusal ends the interaction failed: content_refused', async () => {
    const { t, provider } = await sandboxAdapter(createGoogleProvider, 'google', {
      sandbox: { faults: { refuse: 1 } },
    });
    const model = provider.model('gemini-omni-1.1-flash');
    const started = await model.doStart!(callOptions());
    const end = await pollToEnd(model, started.operation, t, 250);
    assert.equal(end.status, 'error');
    assert.equal(statusCode(end), 'content_refused');
  });

  test('a length 1.1 does not make is snapped with a warning; an unknown model is rejected', async () => {
    const model = createGoogleProvider({ credentials: null }).model(
      'gemini-omni-1.1-flash',
    ) as OmniVideoModel;
    const { body, warnings } = model.buildRequest(callOptions({ duration: 14, seed: 3 }));
    assert.deepEqual((body.generation_config as Record<string, unknown>).duration_seconds, 10);
    assert.deepEqual(
      warnings.map((w) => (w as { feature?: string }).feature),
      ['duration', 'seed'],
    );
    const { provider } = await sandboxAdapter(createGoogleProvider, 'google');
    await rejectsWith(
      provider.model('gemini-omni-9-flash').doStart!(callOptions()),
      'invalid_request',
    );
  });
});
