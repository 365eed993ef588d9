/**
 * The adapter contract's table: one row per adapter, run by contract.test.ts against the sandbox
 * (the preview adapter renders locally, so only the contract's local part applies to it). A new
 * adapter gets one row here: its sandbox prefix, a request and the clip it makes, a request the
 * API rejects, and how its service refuses and reconciles.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createBytePlusProvider } from '../../src/providers/byteplus/index.ts';
import { BUILT_IN_WORKFLOWS, createComfyUiProvider } from '../../src/providers/comfyui/index.ts';
import { createFalProvider } from '../../src/providers/fal/index.ts';
import { createGoogleProvider, createVertexProvider } from '../../src/providers/google/index.ts';
import { createKlingProvider } from '../../src/providers/kling/index.ts';
import { createLumaProvider } from '../../src/providers/luma/index.ts';
import { createOpenAIProvider } from '../../src/providers/openai/index.ts';
import { createPreviewProvider } from '../../src/providers/preview/index.ts';
import { createReplicateProvider } from '../../src/providers/replicate/index.ts';
import { createRunwayProvider } from '../../src/providers/runway/index.ts';
import { type AdapterSpec, callOptions, PNG_BASE64 } from './adapter-harness.ts';

const SHOT = callOptions().providerOptions;

/** A workflow folder holding `broken`: a graph ComfyUI refuses (a link to an output its node lacks). */
function brokenWorkflowFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shotrouter-comfy-templates-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const template = JSON.parse(
    readFileSync(join(BUILT_IN_WORKFLOWS, 'wan-2.2-ti2v-5b.json'), 'utf8'),
  );
  template.name = 'broken';
  template.graph['9'].inputs.samples = ['8', 0, 'extra'];
  writeFileSync(join(dir, 'broken.json'), JSON.stringify(template));
  return dir;
}

/** the catalog's price of Seedance 2.0 fast, USD per million tokens */
const SEEDANCE_FAST_PRICE = 8;

export const ADAPTER_SPECS: AdapterSpec[] = [
  {
    provider: 'openai',
    create: createOpenAIProvider,
    modelId: 'sora-2',
    request: callOptions({ resolution: '1280x720', duration: 4 }),
    expected: { seconds: 4, width: 1280, height: 720, fps: 30, audio: true },
    // Sora takes 4, 8 or 12 seconds
    // an input image of another size than the video's
    invalid: {
      request: callOptions({ image: { type: 'file', mediaType: 'image/png', data: PNG_BASE64 } }),
    },
    refusal: 'status',
    delivery: 'bytes',
    reconcile: 'started',
  },
  {
    provider: 'google',
    create: createGoogleProvider,
    modelId: 'veo-3.1-generate-preview',
    request: callOptions({ resolution: '1280x720', duration: 4 }),
    expected: { seconds: 4, width: 1280, height: 720, fps: 24, audio: true },
    invalid: { request: callOptions({ duration: 5 }) },
    refusal: 'status',
    delivery: 'bytes',
    reconcile: 'unknown',
  },
  {
    provider: 'vertex',
    create: createVertexProvider,
    modelId: 'veo-3.1-generate-001',
    // written to Cloud Storage, the way large clips come back
    request: callOptions({
      resolution: '1280x720',
      duration: 4,
      generateAudio: false,
      providerOptions: { ...SHOT, vertex: { storageUri: 'gs://film-co-renders/shots' } },
    }),
    expected: { seconds: 4, width: 1280, height: 720, fps: 24, audio: false },
    invalid: { request: callOptions({ duration: 5 }) },
    refusal: 'status',
    delivery: 'bytes',
    reconcile: 'unknown',
    badCredentials: { accessToken: 'bad-key' },
  },
  {
    provider: 'kling',
    create: createKlingProvider,
    modelId: 'kling-v3',
    request: callOptions({ resolution: '1280x720', duration: 5 }),
    expected: { seconds: 5, width: 1280, height: 720, fps: 24, audio: false },
    invalid: { modelId: 'kling-v2-6', request: callOptions({ duration: 7 }) },
    refusal: 'start',
    delivery: 'url',
    reconcile: 'started',
    badCredentials: { secretKey: 'bad-key' },
  },
  {
    provider: 'runway',
    create: createRunwayProvider,
    modelId: 'gen4.5',
    request: callOptions({ resolution: '1280x720', duration: 5 }),
    expected: { seconds: 5, width: 1280, height: 720, fps: 24, audio: false },
    invalid: { request: callOptions({ providerOptions: { runway: { duration: 11 } } }) },
    refusal: 'status',
    delivery: 'url',
    reconcile: 'unknown',
  },
  {
    provider: 'luma',
    create: createLumaProvider,
    modelId: 'ray-flash-2',
    request: callOptions({ resolution: '960x540', aspectRatio: '16:9', duration: 5 }),
    expected: { seconds: 5, width: 960, height: 540, fps: 24, audio: false },
    invalid: { modelId: 'ray-0' },
    refusal: 'status',
    delivery: 'url',
    reconcile: 'started',
  },
  {
    provider: 'byteplus',
    create: createBytePlusProvider,
    modelId: 'dreamina-seedance-2-0-fast-260128',
    request: callOptions({
      resolution: '864x480',
      aspectRatio: '16:9',
      duration: 4,
      generateAudio: true,
    }),
    expected: { seconds: 4, width: 854, height: 480, fps: 24, audio: true },
    // a duration the model does not take, forced through the pass-through options
    invalid: { request: callOptions({ providerOptions: { byteplus: { duration: 16 } } }) },
    refusal: 'start',
    delivery: 'url',
    reconcile: 'started',
    onCompleted(status, provider) {
      const result = status.providerMetadata?.byteplus as Record<string, unknown>;
      assert.equal(result.resolution, '480p');
      assert.equal(result.fps, 24);
      // the sandbox bills (frames) × width × height / 1024 tokens, as BytePlus does
      const tokens = Math.round(((4 * 24 + 1) * 854 * 480) / 1024);
      assert.equal(result.completionTokens, tokens);
      const cost = provider.info.actualCostUsd?.(status);
      assert.ok(
        cost !== undefined && Math.abs(cost - (tokens / 1e6) * SEEDANCE_FAST_PRICE) < 1e-9,
        `cost ${cost}`,
      );
    },
  },
  {
    provider: 'fal',
    create: createFalProvider,
    modelId: 'fal-ai/pika/v2.2',
    request: callOptions({ resolution: '1280x720', duration: 5 }),
    expected: { seconds: 5, width: 1280, height: 720, fps: 24, audio: false },
    // a duration Pika does not take, forced through the pass-through options
    invalid: { request: callOptions({ providerOptions: { fal: { duration: 7 } } }) },
    refusal: 'status',
    delivery: 'url',
    reconcile: 'unknown',
  },
  {
    provider: 'replicate',
    create: createReplicateProvider,
    modelId: 'bytedance/seedance-2.0',
    request: callOptions({ resolution: '864x480', duration: 4, generateAudio: true }),
    expected: { seconds: 4, width: 854, height: 480, fps: 24, audio: true },
    invalid: { modelId: 'nobody/no-such-model' },
    refusal: 'status',
    delivery: 'url',
    reconcile: 'started',
    onCompleted(status) {
      const meta = status.providerMetadata?.replicate as { predictTimeSeconds: number };
      assert.equal(meta.predictTimeSeconds, 0.85, 'the run time Replicate reports');
    },
  },
  {
    provider: 'comfyui',
    create: createComfyUiProvider,
    modelId: 'wan-2.2-ti2v-5b',
    request: callOptions({ resolution: '1280x704', duration: 5 }),
    expected: { seconds: 5, width: 1280, height: 704, fps: 24, audio: false },
    invalid: { modelId: 'broken', adapter: () => ({ workflowFolders: [brokenWorkflowFolder()] }) },
    refusal: 'never',
    delivery: 'url',
    reconcile: 'started',
    badCredentials: null,
    rateLimited: false,
  },
  {
    provider: 'preview',
    local: true,
    create: () => createPreviewProvider(),
    modelId: 'veo-3.1',
    request: callOptions({ resolution: '160x90', duration: 1, fps: 25, generateAudio: true }),
    expected: { seconds: 1, width: 160, height: 90, fps: 25, audio: true },
    invalid: { request: callOptions({ resolution: undefined }) },
    refusal: 'never',
    delivery: 'bytes',
    reconcile: 'started',
  },
];
