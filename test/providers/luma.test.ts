import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { buildLumaRequest, createLumaProvider } from '../../src/providers/luma/index.ts';
import { PNG_BASE64 } from '../sandbox/helpers.ts';
import {
  callOptions,
  completed,
  rejectsWith,
  sandbox,
  sandboxCredentials,
  statusCode,
} from './adapter-harness.ts';

describe('Luma lost starts (Dream Machine list)', () => {
  test('an identical take from before the window is not ours; two identical within it cannot be told apart', async () => {
    const t = await sandbox();
    const luma = createLumaProvider({
      credentials: sandboxCredentials('luma', t),
      sleep: async () => {},
      reconcileSettleMs: 0,
    });
    const model = luma.model('ray-flash-2');
    const request = callOptions({ resolution: '960x540', duration: 5 });
    await model.doStart!(request);
    t.clock.advance(60_000);
    const lookup = () =>
      luma.info.reconcileStart({
        model,
        idempotencyKey: 'k',
        request,
        sentAt: new Date(t.clock.now()).toISOString(),
      });
    assert.deepEqual(await lookup(), { status: 'not_started' });
    await model.doStart!(request);
    assert.equal((await lookup()).status, 'started');
    await model.doStart!(request);
    assert.equal((await lookup()).status, 'unknown');
  });
});

describe('Luma request mapping', () => {
  const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };

  test('Dream Machine: string durations, tier names, keyframes frame0/frame1, warnings for what it lacks', () => {
    const { path, body, warnings } = buildLumaRequest(
      'ray-2',
      callOptions({
        resolution: '1920x1080',
        duration: 9,
        fps: 30,
        seed: 3,
        generateAudio: true,
        frameImages: [
          { image: { type: 'url', url: 'https://example.com/a.png' }, frameType: 'first_frame' },
          { image: { type: 'url', url: 'https://example.com/b.png' }, frameType: 'last_frame' },
        ],
        providerOptions: { luma: { loop: true, hdr: true } },
      }),
    );
    assert.equal(path, '/dream-machine/v1/generations/video');
    assert.deepEqual(body, {
      model: 'ray-2',
      prompt: 'A lighthouse in fog at dawn',
      aspect_ratio: '16:9',
      duration: '9s',
      resolution: '1080p',
      keyframes: {
        frame0: { type: 'image', url: 'https://example.com/a.png' },
        frame1: { type: 'image', url: 'https://example.com/b.png' },
      },
      loop: true,
    });
    assert.deepEqual(
      warnings.map((w) => ('feature' in w ? w.feature : '')),
      ['seed', 'fps', 'generateAudio'],
    );
  });

  test('Agents API (Ray 3.2): a video block with start_frame as inline data; 10 s cannot be anchored', () => {
    const { path, body } = buildLumaRequest(
      'ray-3.2',
      callOptions({
        resolution: '720x1280',
        aspectRatio: '9:16',
        duration: 5,
        image,
        providerOptions: { luma: { hdr: true } },
      }),
    );
    assert.equal(path, '/generations');
    assert.deepEqual(body, {
      type: 'video',
      model: 'ray-3.2',
      prompt: 'A lighthouse in fog at dawn',
      aspect_ratio: '9:16',
      video: {
        duration: '5s',
        resolution: '720p',
        start_frame: { data: PNG_BASE64, media_type: 'image/png' },
        hdr: true,
      },
    });
    assert.throws(
      () => buildLumaRequest('ray-3.2', callOptions({ duration: 10, image })),
      /5-s clips only/,
    );
    assert.equal(
      (
        buildLumaRequest('ray-3.2', callOptions({ duration: 10 })).body.video as {
          duration: string;
        }
      ).duration,
      '10s',
    );
  });
});

/**
 * The sandbox serves only the Dream Machine API, so the Agents API is checked against a small
 * loopback fake that answers as the `luma-agents` SDK types describe.
 */
describe('Luma Agents API (loopback fake)', () => {
  const seen: { method: string; url: string; auth: string | undefined; body: unknown }[] = [];
  let polls = 0;
  let failure: { failure_code: string; failure_reason: string } | undefined;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      auth: req.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
    });
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/agents/v1/generations') {
      res.end(
        JSON.stringify({
          id: 'gen-1',
          state: 'queued',
          type: 'video',
          model: 'ray-3.2',
          created_at: '2026-11-26T12:00:00Z',
        }),
      );
      return;
    }
    if (req.method === 'GET' && req.url === '/agents/v1/generations/gen-1') {
      polls += 1;
      if (polls === 1) {
        res.end(
          JSON.stringify({
            id: 'gen-1',
            state: 'processing',
            type: 'video',
            model: 'ray-3.2',
            created_at: '',
          }),
        );
      } else if (failure) {
        res.end(
          JSON.stringify({
            id: 'gen-1',
            state: 'failed',
            type: 'video',
            model: 'ray-3.2',
            created_at: '',
            ...failure,
          }),
        );
      } else {
        res.end(
          JSON.stringify({
            id: 'gen-1',
            state: 'completed',
            type: 'video',
            model: 'ray-3.2',
            created_at: '',
            output: [{ type: 'video', url: 'https://cdn.example/gen-1.mp4' }],
          }),
        );
      }
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ detail: 'Not Found' }));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function provider() {
    if (!server.listening)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return createLumaProvider({
      credentials: {
        provider: 'luma',
        values: { apiKey: 'luma-api-test' },
        baseUrl: `http://127.0.0.1:${port}`,
        apiKeyEnv: 'LUMAAI_API_KEY',
        secrets: ['luma-api-test'],
        sandbox: false,
      },
    });
  }

  test('create, poll (processing → completed), the output URL', async () => {
    polls = 0;
    failure = undefined;
    const luma = await provider();
    const model = luma.model('ray-3.2');
    const started = await model.doStart!(callOptions({ duration: 10 }));
    assert.deepEqual(started.operation, { generationId: 'gen-1', api: 'agents' });
    assert.equal(seen.at(-1)?.auth, 'Bearer luma-api-test');
    assert.equal((seen.at(-1)!.body as { video: { duration: string } }).video.duration, '10s');
    assert.equal((await model.doStatus!({ operation: started.operation })).status, 'pending');
    const done = completed(await model.doStatus!({ operation: started.operation }));
    assert.deepEqual(done.videos, [
      { type: 'url', url: 'https://cdn.example/gen-1.mp4', mediaType: 'video/mp4' },
    ]);
    // no list endpoint: a lost start cannot be found again
    const lost = await luma.info.reconcileStart({
      model,
      idempotencyKey: 'k',
      request: callOptions(),
      sentAt: new Date().toISOString(),
    });
    assert.equal(lost.status, 'unknown');
  });

  test('failure codes become shotrouter codes', async () => {
    polls = 1;
    failure = { failure_code: 'content_moderated', failure_reason: 'The prompt was moderated' };
    const model = (await provider()).model('ray-3.2');
    const status = await model.doStatus!({ operation: { generationId: 'gen-1', api: 'agents' } });
    assert.equal(status.status, 'error');
    assert.equal(statusCode(status), 'content_refused');
    assert.match(status.status === 'error' ? status.error : '', /moderated \(content_moderated\)/);
    await rejectsWith(
      model.doStatus!({ operation: { generationId: 'gen-1' } }),
      'malformed_response',
    );
  });
});
