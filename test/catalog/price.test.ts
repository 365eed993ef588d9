import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { matchingRules, priceUsd, videoTokens } from '../../src/catalog/price.ts';
import type { Route } from '../../src/catalog/schema.ts';
import { orientationOfSize, parseSize, tierOfSize, tiersOfSizes } from '../../src/catalog/tiers.ts';

const catalog = loadCatalog();
function route(id: string, provider: string): Route {
  const found = catalog.byId.get(id)?.routes.find((r) => r.provider === provider);
  assert.ok(found, `${id} via ${provider}`);
  return found;
}
const close = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);

describe('tiers', () => {
  test('class frames by pixel count, whatever their shape', () => {
    assert.equal(tierOfSize('1280x720'), '720p');
    assert.equal(tierOfSize('1280x704'), '720p');
    assert.equal(tierOfSize('960x960'), '720p');
    assert.equal(tierOfSize('1584x672'), '720p');
    assert.equal(tierOfSize('832x480'), '480p');
    assert.equal(tierOfSize('960x540'), '540p');
    assert.equal(tierOfSize('1792x1024'), '1080p');
    assert.equal(tierOfSize('1088x1920'), '1080p');
    assert.equal(tierOfSize({ width: 2880, height: 2880 }), '4k');
    assert.deepEqual(tiersOfSizes(['3840x2160', '1280x720', '720x1280']), ['720p', '4k']);
    assert.equal(orientationOfSize('720x1280'), 'portrait');
    assert.equal(orientationOfSize('960x960'), 'square');
    assert.deepEqual(parseSize('1920x1080'), { width: 1920, height: 1080 });
    assert.throws(() => parseSize('1080p'), TypeError);
  });
});

describe('prices', () => {
  test('per second, by tier and audio', () => {
    const vertex = route('veo-3.1', 'vertex').price.value;
    const q = { width: 1920, height: 1080, fps: 24, seconds: 8 };
    close(priceUsd(vertex, { ...q, tier: '1080p', audio: true }), 3.2);
    close(priceUsd(vertex, { ...q, tier: '1080p', audio: false }), 1.6);
    close(priceUsd(vertex, { ...q, width: 3840, height: 2160, tier: '4k', audio: true }), 4.8);
  });

  test('a row without audio prices both; a missing row means the route cannot make it', () => {
    const kling = route('kling-3.0', 'kling').price.value;
    const q = { width: 3840, height: 2160, fps: 24, seconds: 5 };
    close(priceUsd(kling, { ...q, tier: '4k', audio: true }), 2.1);
    close(priceUsd(kling, { ...q, tier: '4k', audio: false }), 2.1);
    const kling26 = route('kling-2.6', 'kling').price.value;
    assert.equal(
      priceUsd(kling26, {
        width: 1280,
        height: 720,
        fps: 24,
        seconds: 5,
        tier: '720p',
        audio: true,
      }),
      undefined,
    );
    assert.deepEqual(matchingRules(kling26, '720p', true), []);
  });

  test('per token: width × height × (fps × seconds + 1 frames) / 1024', () => {
    // research: a 4 s 720p Seedance task returned 87,300 tokens (97 frames)
    assert.equal(videoTokens({ width: 1280, height: 720, fps: 24, seconds: 4 }), 87_300);
    const seedance = route('seedance-2.0', 'byteplus').price.value;
    close(
      priceUsd(seedance, {
        width: 1280,
        height: 720,
        fps: 24,
        seconds: 5,
        tier: '720p',
        audio: true,
      }),
      (121 * 1280 * 720 * 10) / 1024 / 1e6,
    );
    // fal's LTX-2 19B: $0.0018 per megapixel of frames, e.g. 121 frames at 1280x720 ≈ $0.2007
    const ltx = route('ltx-2', 'fal').price.value;
    close(
      priceUsd(ltx, {
        width: 1280,
        height: 720,
        fps: 24,
        seconds: 5,
        tier: '720p',
        audio: true,
      }),
      (1280 * 720 * 121 * 0.0018) / 1e6,
    );
  });

  test('per clip: the exact length wins, otherwise whole clips', () => {
    const luma = route('luma-ray-3', 'luma').price.value;
    const q = { width: 1280, height: 720, fps: 24, tier: '720p' as const, audio: false };
    close(priceUsd(luma, { ...q, seconds: 5 }), 0.3);
    // a 10 s clip bills as two 5 s blocks (December 2026 re-read; Comfy's list had 3x)
    close(priceUsd(luma, { ...q, seconds: 10 }), 0.6);
    const pika = route('pika-2.2', 'fal').price.value;
    close(priceUsd(pika, { ...q, seconds: 5 }), 0.2);
    close(priceUsd(pika, { ...q, seconds: 10 }), 0.4);
    close(priceUsd(pika, { ...q, seconds: 3 }), 0.2);
  });

  test('a local route costs nothing', () => {
    const local = route('wan-2.2-5b', 'comfyui').price.value;
    assert.equal(
      priceUsd(local, {
        width: 1280,
        height: 704,
        fps: 24,
        seconds: 5,
        tier: '720p',
        audio: false,
      }),
      0,
    );
  });
});
