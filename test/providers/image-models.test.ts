/**
 * The image adapters against their sandbox stand-ins, directly: each makes a still (a whole PNG
 * behind the URL or bytes it hands over), and a refusal by moderation comes back as
 * `content_refused` (a failed generation, or a start refused), never as an image.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ShotrouterError } from '../../src/errors.ts';
import { createBytePlusProvider } from '../../src/providers/byteplus/index.ts';
import { createFalProvider } from '../../src/providers/fal/index.ts';
import { createGoogleProvider } from '../../src/providers/google/index.ts';
import { createReplicateProvider } from '../../src/providers/replicate/index.ts';
import type { ImageModel, ImageStatus } from '../../src/providers/types.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle } from '../../src/sandbox/types.ts';
import { checkImage } from '../../src/util/image-check.ts';
import { sandboxMedia } from '../cache.ts';

const MODELS: Array<[string, (env: Record<string, string>) => ImageModel]> = [
  ['fal', (env) => createFalProvider({ env }).image!('fal-ai/flux/schnell')],
  ['replicate', (env) => createReplicateProvider({ env }).image!('black-forest-labs/flux-schnell')],
  ['byteplus', (env) => createBytePlusProvider({ env }).image!('seedream-4-5-251128')],
  ['google', (env) => createGoogleProvider({ env }).image!('imagen-4.0-generate-001')],
];

const sandboxes: SandboxHandle[] = [];
let good: SandboxHandle;
let refusing: SandboxHandle;
before(async () => {
  const common = { seed: 3, latencyMs: [20, 40] as [number, number], mediaDir: sandboxMedia() };
  good = await startSandbox({ ...common, maxSize: { width: 160, height: 90 } });
  refusing = await startSandbox({ ...common, faults: { refuse: 1 } });
  sandboxes.push(good, refusing);
});
after(async () => {
  for (const s of sandboxes) await s.close();
});

const CALL = { prompt: 'a lighthouse at dusk', width: 1280, height: 720 };

async function finish(model: ImageModel, key: string): Promise<ImageStatus> {
  const { operation } = await model.start({ ...CALL, idempotencyKey: key });
  for (;;) {
    const status = await model.status(operation);
    if (status.status !== 'pending') return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('image adapters on the sandbox', () => {
  for (const [provider, make] of MODELS) {
    test(`${provider}: makes a whole PNG`, async () => {
      const model = make({ SHOTROUTER_SANDBOX_URL: good.url });
      const status = await finish(model, `${provider}-ok`);
      assert.equal(status.status, 'completed', JSON.stringify(status));
      if (status.status !== 'completed') return;
      const data =
        'data' in status.image
          ? status.image.data
          : new Uint8Array(await (await fetch(status.image.url)).arrayBuffer());
      const verdict = checkImage(data);
      assert.ok(verdict.ok, JSON.stringify(verdict));
    });

    test(`${provider}: a refusal is content_refused`, async () => {
      const model = make({ SHOTROUTER_SANDBOX_URL: refusing.url });
      let code: string | undefined;
      try {
        const status = await finish(model, `${provider}-refused`);
        assert.equal(status.status, 'error', JSON.stringify(status));
        if (status.status === 'error') code = status.code;
      } catch (error) {
        assert.ok(ShotrouterError.is(error), String(error));
        code = error.code;
      }
      assert.equal(code, 'content_refused');
    });
  }
});
