/**
 * The official client libraries, unmodified apart from their base URL, against the sandbox:
 * create, poll (moving the injected clock), download, and check the clip with ffprobe.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createFalClient } from '@fal-ai/client';
import RunwayML from '@runwayml/sdk';
import LumaAI from 'lumaai';
import OpenAI from 'openai';
import Replicate from 'replicate';
import { waitFor } from '../wait.ts';
import { PNG_BASE64, probeResponse, renderedOf, sandbox, type TestSandbox } from './helpers.ts';

/** Calls `read` until `done` says so, moving the clock 250 ms between calls. */
async function until<T>(
  t: TestSandbox,
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  for (let i = 0; i < 40; i++) {
    const value = await read();
    if (done(value)) return value;
    t.clock.advance(250);
  }
  throw new Error('the job did not end');
}

describe('official clients against the sandbox', () => {
  test('openai: videos.create (multipart), retrieve, downloadContent', async () => {
    const t = await sandbox();
    const client = new OpenAI({
      apiKey: 'test-key',
      baseURL: `${t.sb.url}/openai/v1`,
      maxRetries: 0,
    });
    const video = await client.videos.create({
      model: 'sora-2',
      prompt: 'a lighthouse',
      seconds: '4',
      size: '720x1280',
    });
    assert.equal(video.status, 'queued');
    const done = await until(
      t,
      () => client.videos.retrieve(video.id),
      (v) => v.status !== 'queued' && v.status !== 'in_progress',
    );
    assert.equal(done.status, 'completed');
    const content = await client.videos.downloadContent(video.id);
    const info = await probeResponse(content, 'openai-client');
    assert.equal(info.durationSeconds, 4);
    assert.deepEqual(
      { width: info.width, height: info.height },
      renderedOf({ seconds: 4, width: 720, height: 1280, fps: 30, audio: true }),
    );
    assert.equal(info.hasAudio, true);
  });

  test('openai: the client surfaces the sandbox validation error as a BadRequestError', async () => {
    const t = await sandbox();
    const client = new OpenAI({
      apiKey: 'test-key',
      baseURL: `${t.sb.url}/openai/v1`,
      maxRetries: 0,
    });
    await assert.rejects(
      client.videos.create({ model: 'sora-2', prompt: 'x', size: '1792x1024' }),
      (error: InstanceType<typeof OpenAI.BadRequestError>) =>
        error.status === 400 && error.param === 'size',
    );
  });

  test('@runwayml/sdk: imageToVideo.create and tasks.retrieve', async () => {
    const t = await sandbox();
    const client = new RunwayML({
      apiKey: 'test-key',
      baseURL: `${t.sb.url}/runway`,
      maxRetries: 0,
    });
    const task = await client.imageToVideo.create({
      model: 'gen4_turbo',
      promptImage: `data:image/png;base64,${PNG_BASE64}`,
      promptText: 'the dot glows',
      ratio: '1280:720',
      duration: 2,
    });
    const done = await until(
      t,
      () => client.tasks.retrieve(task.id),
      (d) => !['PENDING', 'THROTTLED', 'RUNNING'].includes(d.status),
    );
    assert.equal(done.status, 'SUCCEEDED');
    const url = done.status === 'SUCCEEDED' ? done.output[0] : undefined;
    assert.ok(url !== undefined);
    const info = await probeResponse(await fetch(url), 'runway-client');
    assert.equal(info.durationSeconds, 2);
    assert.equal(info.hasAudio, false);
  });

  test('lumaai: generations.create and generations.get', async () => {
    const t = await sandbox();
    const client = new LumaAI({
      authToken: 'test-key',
      baseURL: `${t.sb.url}/luma/dream-machine/v1`,
      maxRetries: 0,
    });
    const generation = await client.generations.create({
      model: 'ray-2',
      prompt: 'a fox in snow',
      duration: '5s',
      resolution: '540p',
      aspect_ratio: '16:9',
    });
    assert.ok(generation.id !== undefined);
    const done = await until(
      t,
      () => client.generations.get(generation.id as string),
      (g) => g.state === 'completed' || g.state === 'failed',
    );
    assert.equal(done.state, 'completed');
    const info = await probeResponse(await fetch(done.assets?.video as string), 'luma-client');
    assert.equal(info.durationSeconds, 5);
  });

  test('replicate: predictions.create and predictions.get', async () => {
    const t = await sandbox();
    const client = new Replicate({ auth: 'test-key', baseUrl: `${t.sb.url}/replicate/v1` });
    const prediction = await client.predictions.create({
      model: 'bytedance/seedance-2.0',
      input: {
        prompt: 'a lantern festival',
        duration: 4,
        resolution: '480p',
        aspect_ratio: '16:9',
      },
    });
    assert.equal(prediction.status, 'starting');
    const done = await until(
      t,
      () => client.predictions.get(prediction.id),
      (p) => !['starting', 'processing'].includes(p.status),
    );
    assert.equal(done.status, 'succeeded');
    const info = await probeResponse(await fetch(done.output as string), 'replicate-client');
    assert.equal(info.durationSeconds, 4);
    assert.equal(info.hasAudio, true);
  });

  test('replicate: Prefer: wait holds the create until the prediction ends', async () => {
    const t = await sandbox();
    const client = new Replicate({ auth: 'test-key', baseUrl: `${t.sb.url}/replicate/v1` });
    const pending = client.predictions.create({
      model: 'bytedance/seedance-2.0',
      input: { prompt: 'held', duration: 4, resolution: '480p' },
      wait: true,
    });
    // the job finishes on the injected clock while the request is held (moving the clock before
    // the job exists would only delay its start)
    await waitFor('the held prediction', () => t.sb.stats().providers.replicate.created === 1);
    t.clock.advance(2000);
    const prediction = await pending;
    assert.equal(prediction.status, 'succeeded');
    assert.match(String(prediction.output), /\/replicate\/_delivery\//);
  });

  test('@fal-ai/client: queue.submit, status, result, and storage.upload, through requestMiddleware', async () => {
    const t = await sandbox();
    // the client has no base-URL option; its documented middleware hook moves fal's two hosts
    const fal = createFalClient({
      credentials: 'test-key',
      requestMiddleware: async (request) => ({
        ...request,
        url: request.url.replace(
          /^https:\/\/(queue\.fal\.run|rest\.fal\.ai)\//,
          `${t.sb.url}/fal/`,
        ),
      }),
    });
    const endpoint = 'fal-ai/pika/v2.2/text-to-video';
    const queued = await fal.queue.submit(endpoint, {
      input: {
        prompt: 'a windmill',
        duration: '5',
        resolution: '720p',
        aspect_ratio: '16:9',
      } as never,
    });
    const requestId = queued.request_id;
    const status = await until(
      t,
      () => fal.queue.status(endpoint, { requestId, logs: false }),
      (s) => s.status === 'COMPLETED',
    );
    assert.equal(status.status, 'COMPLETED');
    const result = await fal.queue.result(endpoint, { requestId });
    assert.equal(result.requestId, requestId);
    const video = (result.data as { video: { url: string } }).video;
    const info = await probeResponse(await fetch(video.url), 'fal-client');
    assert.equal(info.durationSeconds, 5);
    assert.equal(info.hasAudio, false);

    const bytes = Buffer.from(PNG_BASE64, 'base64');
    const url = await fal.storage.upload(new Blob([bytes], { type: 'image/png' }));
    const back = await fetch(url);
    assert.equal(back.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await back.arrayBuffer()), bytes);
  });

  test('@fal-ai/client: a validation failure surfaces as its ValidationError with field errors', async () => {
    const t = await sandbox();
    const fal = createFalClient({
      credentials: 'test-key',
      requestMiddleware: async (request) => ({
        ...request,
        url: request.url.replace('https://queue.fal.run/', `${t.sb.url}/fal/`),
      }),
    });
    await assert.rejects(
      fal.queue.submit('fal-ai/kling-video/v3/pro/image-to-video', {
        input: { prompt: 'x', duration: '5' } as never,
      }),
      (error: { status: number; fieldErrors: { loc: string[] }[] }) =>
        error.status === 422 && error.fieldErrors.some((e) => e.loc.includes('start_image_url')),
    );
  });
});
