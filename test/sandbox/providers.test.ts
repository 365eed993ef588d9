/** Provider-specific behaviour the generic contract does not cover. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { probe } from '../../src/media/probe.ts';
import { replicateVersionOf } from '../../src/sandbox/providers/replicate.ts';
import { waitFor } from '../wait.ts';
import { COMFY_WORKFLOW, klingDriver, runway as runwayDriver } from './drivers.ts';
import {
  kling,
  PNG_BASE64,
  readBody,
  readJson,
  runToEnd,
  sandbox,
  type TestSandbox,
  workDir,
} from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read provider replies by path; a wrong path fails an assertion
type Json = Record<string, any>;

async function call(
  t: TestSandbox,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(`${t.sb.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await readBody(res)) as Json, headers: res.headers };
}

const bearer = { authorization: 'Bearer test-key' };

describe('sandbox endpoints', () => {
  test('GET /_sandbox/stats has every provider with the spec fields; POST /_sandbox/reset clears jobs and counts', async () => {
    const t = await sandbox();
    const created = await call(t, 'POST', '/luma/dream-machine/v1/generations/video', bearer, {
      model: 'ray-2',
      prompt: 'x',
    });
    assert.equal(created.status, 201);
    const stats = await call(t, 'GET', '/_sandbox/stats');
    assert.deepEqual(Object.keys(stats.body.providers).sort(), [
      'byteplus',
      'comfyui',
      'dashscope',
      'elevenlabs',
      'fal',
      'google',
      'kling',
      'ltx',
      'luma',
      'minimax',
      'openai',
      'replicate',
      'runway',
      'vertex',
    ]);
    for (const counts of Object.values(stats.body.providers) as Json[]) {
      for (const field of [
        'created',
        'completed',
        'failed',
        'idempotency_keys',
        'duplicate_keys',
        'max_in_flight',
      ]) {
        assert.equal(typeof counts[field], 'number', field);
      }
    }
    assert.equal(stats.body.providers.luma.created, 1);
    const reset = await call(t, 'POST', '/_sandbox/reset');
    assert.equal(reset.status, 200);
    assert.equal(t.sb.stats().providers.luma.created, 0);
    const gone = await call(
      t,
      'GET',
      `/luma/dream-machine/v1/generations/${created.body.id}`,
      bearer,
    );
    assert.equal(gone.status, 404);
  });

  test('an unknown prefix is a 404 that lists the known ones', async () => {
    const t = await sandbox();
    const res = await call(t, 'GET', '/sora/v1/videos');
    assert.equal(res.status, 404);
    assert.match(res.body.error, /\/openai/);
  });

  test('the same seed gives the same faults, request by request', async () => {
    const statuses = async (seed: number) => {
      const t = await sandbox({ seed, faults: { '429': 0.5 } });
      const out: number[] = [];
      for (let i = 0; i < 16; i++) {
        const res = await call(t, 'POST', '/luma/dream-machine/v1/generations/video', bearer, {
          model: 'ray-2',
          prompt: 'x',
        });
        out.push(res.status);
      }
      return out;
    };
    const a = await statuses(11);
    assert.deepEqual(await statuses(11), a);
    assert.ok(a.includes(429) && a.includes(201), `both outcomes appear: ${a}`);
  });

  test('request faults also hit polls', async () => {
    const t = await sandbox({ faults: { '429': 1 } });
    const res = await call(t, 'GET', '/runway/v1/tasks/some-id', {
      ...bearer,
      'x-runway-version': '2024-11-06',
    });
    assert.equal(res.status, 429);
  });
});

describe('kling', () => {
  const create = (t: TestSandbox, token: string, body: Json) =>
    call(t, 'POST', '/kling/v1/videos/text2video', { authorization: `Bearer ${token}` }, body);

  test('JWT checks: empty, expired, not yet valid, signed with another secret', async () => {
    const t = await sandbox();
    const body = { model_name: 'kling-v3', prompt: 'x', duration: '5' };
    assert.equal((await call(t, 'POST', '/kling/v1/videos/text2video', {}, body)).body.code, 1001);
    const old = kling(t);
    t.clock.advance(31 * 60 * 1000);
    const expired = await create(t, old, body);
    assert.deepEqual([expired.status, expired.body.code], [401, 1004]);
    t.clock.advance(-60 * 60 * 1000);
    const early = await create(t, old, body);
    assert.deepEqual([early.status, early.body.code], [401, 1003]);
    const [h, p] = old.split('.');
    const forged = `${h}.${p}.${createHmac('sha256', 'other-secret').update(`${h}.${p}`).digest('base64url')}`;
    assert.equal((await create(t, forged, body)).body.code, 1002);
  });

  test('external_task_id is idempotent and can be queried', async () => {
    const t = await sandbox();
    const body = { model_name: 'kling-v2-6', prompt: 'x', external_task_id: 'shot-7-take-1' };
    const first = await create(t, kling(t), body);
    const second = await create(t, kling(t), body);
    assert.equal(second.body.data.task_id, first.body.data.task_id);
    assert.equal(first.body.data.task_info.external_task_id, 'shot-7-take-1');
    const byExternal = await call(t, 'GET', '/kling/v1/videos/text2video/shot-7-take-1', {
      authorization: `Bearer ${kling(t)}`,
    });
    assert.equal(byExternal.body.data.task_id, first.body.data.task_id);
    assert.equal(t.sb.stats().providers.kling.duplicate_keys, 1);
  });

  test('rules: sound needs pro on v2.6, multi-shot only on v3 and shot durations must add up', async () => {
    const t = await sandbox();
    const soundStd = await create(t, kling(t), {
      model_name: 'kling-v2-6',
      prompt: 'x',
      mode: 'std',
      sound: 'on',
    });
    assert.deepEqual([soundStd.status, soundStd.body.code], [400, 1201]);
    const multiOld = await create(t, kling(t), {
      model_name: 'kling-v2-6',
      multi_shot: true,
      shot_type: 'customize',
    });
    assert.equal(multiOld.status, 400);
    const shots = [
      { index: 1, prompt: 'wide', duration: '2' },
      { index: 2, prompt: 'close', duration: '2' },
    ];
    const wrongSum = await create(t, kling(t), {
      model_name: 'kling-v3',
      duration: '5',
      multi_shot: true,
      shot_type: 'customize',
      multi_prompt: shots,
    });
    assert.match(wrongSum.body.message, /add up to 4/);
    const unknown = await create(t, kling(t), { model_name: 'kling-v9', prompt: 'x' });
    assert.deepEqual([unknown.status, unknown.body.code], [404, 1203]);
    const i2vMissing = await call(
      t,
      'POST',
      '/kling/v1/videos/image2video',
      { authorization: `Bearer ${kling(t)}` },
      {
        model_name: 'kling-v2-1',
      },
    );
    assert.equal(i2vMissing.status, 400);
    const t2vOnlyI2v = await create(t, kling(t), { model_name: 'kling-v2-1', prompt: 'x' });
    assert.equal(t2vOnlyI2v.status, 400);
  });

  test('multi-shot on kling-v3 makes one clip of the total length', async () => {
    const t = await sandbox();
    const created = await create(t, kling(t), {
      model_name: 'kling-v3',
      duration: '4',
      multi_shot: true,
      shot_type: 'customize',
      multi_prompt: [
        { index: 1, prompt: 'wide', duration: '1' },
        { index: 2, prompt: 'close', duration: '3' },
      ],
    });
    assert.equal(created.status, 200);
    const end = await runToEnd(klingDriver, t, created.body.data.task_id);
    assert.equal(end.state, 'done');
    const video = (end as { body: Json }).body.data.task_result.videos[0];
    assert.equal(video.duration, '4');
    const res = await fetch(video.url);
    const file = join(workDir, 'kling-multi.mp4');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    assert.equal((await probe(file)).durationSeconds, 4);
  });
});

describe('runway', () => {
  const headers = { ...bearer, 'x-runway-version': '2024-11-06' };

  test('X-Runway-Version is required; gen4_turbo cannot do text-to-video', async () => {
    const t = await sandbox();
    const noVersion = await call(t, 'POST', '/runway/v1/text_to_video', bearer, {
      model: 'gen4.5',
    });
    assert.equal(noVersion.status, 400);
    assert.match(noVersion.body.error, /X-Runway-Version/);
    const t2v = await call(t, 'POST', '/runway/v1/text_to_video', headers, {
      model: 'gen4_turbo',
      promptText: 'x',
      ratio: '1280:720',
      duration: 5,
    });
    assert.equal(t2v.status, 400);
    assert.deepEqual(t2v.body.issues[0].path, ['model']);
  });

  test('a task waiting for a slot is THROTTLED; DELETE cancels it', async () => {
    const t = await sandbox({ concurrency: { runway: 1 } });
    const first = (await readJson(await runwayDriver.create(t))) as Json;
    const second = (await readJson(await runwayDriver.create(t))) as Json;
    t.clock.advance(300);
    assert.equal(
      (await call(t, 'GET', `/runway/v1/tasks/${first.id}`, headers)).body.status,
      'RUNNING',
    );
    assert.equal(
      (await call(t, 'GET', `/runway/v1/tasks/${second.id}`, headers)).body.status,
      'THROTTLED',
    );
    assert.equal((await call(t, 'DELETE', `/runway/v1/tasks/${second.id}`, headers)).status, 204);
    assert.equal(
      (await call(t, 'GET', `/runway/v1/tasks/${second.id}`, headers)).body.status,
      'CANCELLED',
    );
    assert.equal(t.sb.stats().providers.runway.canceled, 1);
  });

  test('refusal ends the task FAILED with a SAFETY failureCode', async () => {
    const t = await sandbox({ faults: { refuse: 1 } });
    const created = (await readJson(await runwayDriver.create(t))) as Json;
    const end = await runToEnd(runwayDriver, t, created.id);
    assert.equal((end as { body: Json }).body.failureCode, 'SAFETY.INPUT.TEXT');
  });
});

describe('google and vertex', () => {
  const key = { 'x-goog-api-key': 'test-key' };

  test('Gemini: missing key 403, unknown model 404, Vertex-only parameters 400, sampleCount gives samples', async () => {
    const t = await sandbox();
    const path = '/google/v1beta/models/veo-3.1-generate-preview:predictLongRunning';
    const body = {
      instances: [{ prompt: 'x' }],
      parameters: { durationSeconds: 8, sampleCount: 2 },
    };
    assert.equal((await call(t, 'POST', path, {}, body)).body.error.status, 'PERMISSION_DENIED');
    const unknown = await call(
      t,
      'POST',
      '/google/v1beta/models/veo-9:predictLongRunning',
      key,
      body,
    );
    assert.deepEqual([unknown.status, unknown.body.error.status], [404, 'NOT_FOUND']);
    const audio = await call(t, 'POST', path, key, {
      ...body,
      parameters: { generateAudio: true },
    });
    assert.match(audio.body.error.message, /generateAudio/);
    const created = await call(t, 'POST', path, key, body);
    assert.match(created.body.name, /^models\/veo-3\.1-generate-preview\/operations\/\w+$/);
    t.clock.advance(2000);
    const done = await call(t, 'GET', `/google/v1beta/${created.body.name}`, key);
    const samples = done.body.response.generateVideoResponse.generatedSamples;
    assert.equal(samples.length, 2);
    const noKey = await fetch(samples[0].video.uri);
    assert.equal(noKey.status, 403);
    const withKeyParam = await fetch(`${samples[0].video.uri}&key=test-key`);
    assert.equal(withKeyParam.status, 200);
    assert.equal(t.sb.stats().providers.google.billable_seconds, 16);
  });

  test('Gemini: a refusal is a done operation with the RAI filter counts', async () => {
    const t = await sandbox({ faults: { refuse: 1 } });
    const created = await call(
      t,
      'POST',
      '/google/v1beta/models/veo-3.0-generate-001:predictLongRunning',
      key,
      {
        instances: [{ prompt: 'x' }],
      },
    );
    t.clock.advance(2000);
    const done = await call(t, 'GET', `/google/v1beta/${created.body.name}`, key);
    assert.equal(done.body.done, true);
    assert.equal(done.body.response.generateVideoResponse.raiMediaFilteredCount, 1);
  });

  test('Vertex: the express path with an API key, inline base64 output', async () => {
    const t = await sandbox();
    const model = '/vertex/v1/publishers/google/models/veo-3.1-generate-001';
    const created = await call(t, 'POST', `${model}:predictLongRunning`, key, {
      instances: [
        { prompt: 'x', image: { bytesBase64Encoded: PNG_BASE64, mimeType: 'image/png' } },
      ],
      parameters: { durationSeconds: 4, generateAudio: true },
    });
    assert.equal(created.status, 200);
    assert.match(
      created.body.name,
      /^publishers\/google\/models\/veo-3\.1-generate-001\/operations\//,
    );
    t.clock.advance(2000);
    const done = await call(t, 'POST', `${model}:fetchPredictOperation`, key, {
      operationName: created.body.name,
    });
    const video = done.body.response.videos[0];
    assert.equal(video.mimeType, 'video/mp4');
    const file = join(workDir, 'vertex-inline.mp4');
    writeFileSync(file, Buffer.from(video.bytesBase64Encoded, 'base64'));
    const info = await probe(file);
    assert.equal(info.durationSeconds, 4);
    assert.equal(info.hasAudio, true);
  });
});

describe('fal', () => {
  const key = { authorization: 'Key test-key' };

  test('status_url and response_url from submit work; cancel in the queue; unknown endpoint 404', async () => {
    const t = await sandbox({ concurrency: { fal: 1 } });
    const body = { prompt: 'x', duration: '4s', resolution: '720p' };
    const first = await call(t, 'POST', '/fal/fal-ai/veo3.1/fast', key, body);
    const second = await call(t, 'POST', '/fal/fal-ai/veo3.1/fast', key, body);
    assert.match(first.body.status_url, /\/fal\/fal-ai\/veo3\.1\/requests\/[\w-]+\/status$/);
    t.clock.advance(300);
    const queued = await fetch(second.body.status_url, { headers: key });
    assert.equal(queued.status, 202);
    assert.deepEqual(((await readJson(queued)) as Json).status, 'IN_QUEUE');
    const cancel = await fetch(second.body.cancel_url, { method: 'PUT', headers: key });
    assert.equal(cancel.status, 202);
    const result = await fetch(second.body.response_url, { headers: key });
    assert.equal(result.status, 400);
    const pending = await fetch(first.body.response_url, { headers: key });
    assert.equal(((await readJson(pending)) as Json).detail, 'Request is still in progress');
    const unknown = await call(t, 'POST', '/fal/fal-ai/no-such-model', key, body);
    assert.equal(unknown.status, 404);
  });

  test('per-model inputs: Veo durations end in s, Kling v3 needs start_image_url, LTX long clips need 1080p at 25 fps', async () => {
    const t = await sandbox();
    const veo = await call(t, 'POST', '/fal/fal-ai/veo3.1', key, { prompt: 'x', duration: '5s' });
    assert.equal(veo.status, 422);
    assert.equal(veo.body.detail[0].type, 'literal_error');
    const klingNumber = await call(
      t,
      'POST',
      '/fal/fal-ai/kling-video/v2.6/pro/text-to-video',
      key,
      {
        prompt: 'x',
        duration: 5,
      },
    );
    assert.equal(klingNumber.status, 422, 'Kling durations are strings on fal');
    const klingV3 = await call(t, 'POST', '/fal/fal-ai/kling-video/v3/pro/image-to-video', key, {
      image_url: 'https://example.com/a.png',
      duration: '5',
    });
    assert.deepEqual(klingV3.body.detail[0].loc, ['body', 'start_image_url']);
    const ltx = await call(t, 'POST', '/fal/fal-ai/ltx-2.3/text-to-video/fast', key, {
      prompt: 'x',
      duration: 16,
      fps: 50,
    });
    assert.match(ltx.body.detail[0].msg, /1080p and fps 25/);
    const seedance = await call(t, 'POST', '/fal/bytedance/seedance-2.0/text-to-video', key, {
      prompt: 'x',
      duration: '3',
    });
    assert.equal(seedance.status, 422);
    const ok = await call(t, 'POST', '/fal/bytedance/seedance-2.0/text-to-video', key, {
      prompt: 'x',
      duration: 'auto',
    });
    assert.equal(ok.status, 200);
  });
});

describe('replicate, byteplus, luma, openai', () => {
  test('replicate: create by version id, unknown version 422, cancel', async () => {
    const t = await sandbox();
    const created = await call(t, 'POST', '/replicate/v1/predictions', bearer, {
      version: replicateVersionOf('google/veo-3-fast'),
      input: { prompt: 'x', duration: 4, resolution: '720p' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.model, 'google/veo-3-fast');
    const unknown = await call(t, 'POST', '/replicate/v1/predictions', bearer, {
      version: 'f'.repeat(64),
      input: {},
    });
    assert.equal(unknown.status, 422);
    const canceled = await call(
      t,
      'POST',
      `/replicate/v1/predictions/${created.body.id}/cancel`,
      bearer,
    );
    assert.equal(canceled.body.status, 'canceled');
  });

  test('byteplus: usage tokens, auto duration, cancel a queued task', async () => {
    const t = await sandbox({ concurrency: { byteplus: 1 } });
    const path = '/byteplus/api/v3/contents/generations/tasks';
    const content = [{ type: 'text', text: 'x' }];
    const a = await call(t, 'POST', path, bearer, {
      model: 'dreamina-seedance-2-0-260128',
      content,
      resolution: '720p',
      ratio: '16:9',
      duration: -1,
    });
    const b = await call(t, 'POST', path, bearer, {
      model: 'dreamina-seedance-2-0-260128',
      content,
    });
    t.clock.advance(500);
    assert.equal(
      (await call(t, 'DELETE', `${path}/${a.body.id}`, bearer)).status,
      400,
      'a running task cannot be cancelled',
    );
    assert.equal((await call(t, 'DELETE', `${path}/${b.body.id}`, bearer)).status, 200);
    assert.equal((await call(t, 'GET', `${path}/${b.body.id}`, bearer)).body.status, 'cancelled');
    t.clock.advance(1000);
    const done = await call(t, 'GET', `${path}/${a.body.id}`, bearer);
    assert.equal(done.body.status, 'succeeded');
    assert.equal(done.body.duration, 5);
    assert.equal(done.body.usage.completion_tokens, Math.round(((5 * 24 + 1) * 1280 * 720) / 1024));
    const unknown = await call(t, 'POST', path, bearer, {
      model: 'seedance-1-0-lite-t2v-250428',
      content,
    });
    assert.equal(unknown.body.error.code, 'InvalidEndpointOrModel.NotFound');
  });

  test('luma: the legacy create path and the list', async () => {
    const t = await sandbox();
    const created = await call(t, 'POST', '/luma/dream-machine/v1/generations', bearer, {
      generation_type: 'video',
      model: 'ray-2',
      prompt: 'x',
    });
    assert.equal(created.status, 201);
    const list = await call(t, 'GET', '/luma/dream-machine/v1/generations', bearer);
    assert.equal(list.body.generations[0].id, created.body.id);
  });

  test('openai: an input_reference must match the requested size; JSON bodies work too', async () => {
    const t = await sandbox();
    const form = new FormData();
    form.set('prompt', 'x');
    form.set('size', '1280x720');
    form.set(
      'input_reference',
      new Blob([Buffer.from(PNG_BASE64, 'base64')], { type: 'image/png' }),
      'ref.png',
    );
    const res = await fetch(`${t.sb.url}/openai/v1/videos`, {
      method: 'POST',
      headers: bearer,
      body: form,
    });
    const body = (await readJson(res)) as Json;
    assert.equal(res.status, 400);
    assert.match(body.error.message, /must match the requested width and height/);
    const json = await call(t, 'POST', '/openai/v1/videos', bearer, {
      prompt: 'x',
      model: 'sora-2-pro',
      size: '1792x1024',
    });
    assert.equal(json.status, 200);
    const unknown = await call(t, 'POST', '/openai/v1/videos', bearer, {
      prompt: 'x',
      model: 'sora-3',
    });
    assert.equal(unknown.body.error.param, 'model');
  });
});

describe('comfyui', () => {
  test('the websocket reports status, start, progress, outputs and the end of a prompt', async () => {
    const t = await sandbox();
    const ws = new WebSocket(`${t.sb.url.replace('http', 'ws')}/comfyui/ws?clientId=watcher`);
    const messages: Json[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      ws.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as Json;
        messages.push(message);
        if (message.type === 'executing' && message.data.node === null) resolve();
      });
      ws.addEventListener('error', () => reject(new Error('websocket error')));
    });
    await new Promise((resolve) => ws.addEventListener('open', resolve));
    const created = await call(
      t,
      'POST',
      '/comfyui/api/prompt',
      {},
      { prompt: COMFY_WORKFLOW, client_id: 'watcher' },
    );
    const promptId = created.body.prompt_id;
    t.clock.advance(500);
    await waitFor('progress on the websocket', () => messages.some((m) => m.type === 'progress'));
    t.clock.advance(1000);
    await ended;
    ws.close();
    const types = messages.map((m) => m.type);
    assert.equal(types[0], 'status');
    assert.ok(types.includes('execution_start'));
    assert.ok(
      messages.some(
        (m) => m.type === 'progress' && m.data.max === 20 && m.data.prompt_id === promptId,
      ),
    );
    const executed = messages.find((m) => m.type === 'executed');
    assert.equal(executed?.data.node, '7');
    assert.match(executed?.data.output.images[0].filename, /^test_\d{5}_\.mp4$/);
    // as ComfyUI's prompt worker: the end of execution, then (history written) executing no node
    const finished = messages.findIndex((m) => m.type === 'executing' && m.data.node === null);
    assert.ok(finished > types.indexOf('executed'));
    assert.equal(finished, types.indexOf('execution_success') + 1);
    assert.equal(messages[finished]?.data.prompt_id, promptId);
  });

  test('a bad link is reported per node; the queue and interrupt work', async () => {
    const t = await sandbox();
    const broken = {
      ...COMFY_WORKFLOW,
      '4': { class_type: 'KSampler', inputs: { model: ['99', 0] } },
    };
    const res = await call(t, 'POST', '/comfyui/prompt', {}, { prompt: broken });
    assert.equal(res.status, 400);
    assert.equal(res.body.node_errors['4'].errors[0].type, 'bad_linked_input');
    await call(t, 'POST', '/comfyui/prompt', {}, { prompt: COMFY_WORKFLOW });
    await call(t, 'POST', '/comfyui/prompt', {}, { prompt: COMFY_WORKFLOW });
    t.clock.advance(300);
    const queue = await call(t, 'GET', '/comfyui/queue');
    assert.equal(queue.body.queue_running.length, 1, 'one GPU: one prompt at a time');
    assert.equal(queue.body.queue_pending.length, 1);
    await call(t, 'POST', '/comfyui/interrupt');
    const after = await call(t, 'GET', '/comfyui/prompt');
    assert.equal(after.body.exec_info.queue_remaining, 1);
  });
});

describe('downloads', () => {
  test('signed URLs answer HEAD and byte ranges; a tampered signature is refused', async () => {
    const t = await sandbox();
    const created = await call(t, 'POST', '/luma/dream-machine/v1/generations/video', bearer, {
      model: 'ray-2',
      prompt: 'r',
    });
    t.clock.advance(2000);
    const done = await call(
      t,
      'GET',
      `/luma/dream-machine/v1/generations/${created.body.id}`,
      bearer,
    );
    const url: string = done.body.assets.video;
    const head = await fetch(url, { method: 'HEAD' });
    const size = Number(head.headers.get('content-length'));
    assert.equal(head.status, 200);
    assert.ok(size > 1000);
    const part = await fetch(url, { headers: { range: 'bytes=0-99' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 0-99/${size}`);
    assert.equal((await part.arrayBuffer()).byteLength, 100);
    const tampered = await fetch(url.replace('sig=', 'sig=x'));
    await tampered.arrayBuffer();
    assert.equal(tampered.status, 404);
  });
});
