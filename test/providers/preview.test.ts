import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { verifyClip } from '../../src/media/index.ts';
import { createPreviewProvider } from '../../src/providers/preview/index.ts';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import type { VideoCallOptions } from '../../src/providers/types.ts';

function request(overrides: Partial<VideoCallOptions> = {}): VideoCallOptions {
  return {
    prompt: 'A lighthouse in fog, 100% calm',
    n: 1,
    aspectRatio: '16:9',
    resolution: '160x90',
    duration: 0.5,
    fps: 25,
    seed: undefined,
    image: undefined,
    frameImages: undefined,
    inputReferences: undefined,
    generateAudio: true,
    providerOptions: { shotrouter: { shotId: 's07', take: 0, model: 'veo-3.1' } },
    ...overrides,
  };
}

describe('preview provider', () => {
  test('renders exactly the requested duration, size, fps and audio, for free', async () => {
    const registry = createStandInRegistry(createPreviewProvider());
    // every route, whatever its provider, is made by the preview provider
    const { model, provider } = registry.resolve('vertex', 'veo-3.1');
    assert.equal(provider.id, 'preview');
    assert.equal(provider.free, true);
    assert.equal(registry.executor, 'preview');

    const started = await model.doStart!(request());
    assert.deepEqual(started.operation, {
      v: 1,
      seconds: 0.5,
      width: 160,
      height: 90,
      fps: 25,
      audio: true,
      shotId: 's07',
      take: 0,
      model: 'veo-3.1',
      prompt: 'A lighthouse in fog, 100% calm',
    });
    const status = await model.doStatus!({ operation: started.operation });
    assert.equal(status.status, 'completed');
    assert.ok(status.status === 'completed' && status.videos[0]?.type === 'binary');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-preview-'));
    try {
      const file = path.join(dir, 'clip.mp4');
      fs.writeFileSync(file, (status.videos[0] as { data: Uint8Array }).data);
      const info = await verifyClip(file, {
        seconds: 0.5,
        width: 160,
        height: 90,
        fps: 25,
        audio: true,
      });
      assert.equal(info.hasAudio, true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a lost start is reconciled from the request alone', async () => {
    const preview = createPreviewProvider();
    const model = preview.model('kling-3.0');
    const first = await model.doStart!(request({ generateAudio: false }));
    const found = await preview.info.reconcileStart({
      model,
      idempotencyKey: 'k',
      request: request({ generateAudio: false }),
      sentAt: new Date().toISOString(),
    });
    assert.deepEqual(found, { status: 'started', operation: first.operation });
    assert.equal(preview.info.reconcileMethod, 'deterministic');
  });

  test('a request without size or duration is refused with the reason', async () => {
    const model = createPreviewProvider().model('m');
    await assert.rejects(
      async () => model.doStart!(request({ resolution: undefined })),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'invalid_request');
        assert.match(error.message, /resolution WIDTHxHEIGHT is required/);
        return true;
      },
    );
    await assert.rejects(async () => model.doStart!(request({ duration: 0 })), /positive duration/);
  });
});
