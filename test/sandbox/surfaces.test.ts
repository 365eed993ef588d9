/**
 * API surfaces the adapters use that the first sandbox lacked or had wrong: fal's per-model
 * inputs (Kling 2.6 image fields, Wan 2.2 A14B turbo, LTX-2 sizes, Seedance 2.0 without seed,
 * Pika 2.2 string durations), Luma's Agents API, ComfyUI's image upload and failing prompts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMFY_WORKFLOW } from './drivers.ts';
import { PNG_BASE64, probeResponse, readBody, sandbox, type TestSandbox } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read provider replies by path; a wrong path fails an assertion
type Json = Record<string, any>;

async function call(
  t: TestSandbox,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(path.startsWith('http') ? path : `${t.sb.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await readBody(res)) as Json, headers: res.headers };
}

const falKey = { authorization: 'Key test-key' };
const bearer = { authorization: 'Bearer test-key' };
const IMAGE = 'https://example.com/start.png';

/** Submits to a fal endpoint, lets the job run (1 s of the injected clock) and reads its result. */
async function falResult(t: TestSandbox, endpoint: string, input: Json): Promise<Json> {
  const submitted = await call(t, 'POST', `/fal/${endpoint}`, falKey, input);
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  t.clock.advance(1000);
  const result = await call(t, 'GET', submitted.body.response_url, falKey);
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return result.body;
}

describe('fal inputs as fal types them', () => {
  test('Kling 2.6 image-to-video takes start_image_url and end_image_url, not image_url', async () => {
    const t = await sandbox();
    const endpoint = '/fal/fal-ai/kling-video/v2.6/pro/image-to-video';
    const old = await call(t, 'POST', endpoint, falKey, { prompt: 'x', image_url: IMAGE });
    assert.equal(old.status, 422);
    assert.deepEqual(old.body.detail[0].loc, ['body', 'start_image_url']);
    const wrongEnd = await call(t, 'POST', endpoint, falKey, {
      prompt: 'x',
      start_image_url: IMAGE,
      end_image_url: 7,
    });
    assert.deepEqual(wrongEnd.body.detail[0].loc, ['body', 'end_image_url']);
    const done = await falResult(t, 'fal-ai/kling-video/v2.6/pro/image-to-video', {
      prompt: 'x',
      start_image_url: IMAGE,
      end_image_url: 'https://example.com/end.png',
      duration: '10',
    });
    const clip = await probeResponse(await fetch(done.video.url), 'kling26');
    assert.ok(Math.abs(clip.durationSeconds - 10) < 0.2);
    assert.equal(t.sb.stats().providers.fal.billable_seconds, 10);
  });

  test('Wan 2.2 A14B image-to-video is the turbo endpoint, which sets its own length', async () => {
    const t = await sandbox();
    const plain = await call(t, 'POST', '/fal/fal-ai/wan/v2.2-a14b/image-to-video', falKey, {
      prompt: 'x',
      image_url: IMAGE,
    });
    assert.equal(plain.status, 404, 'fal has no plain A14B image-to-video endpoint');
    const missing = await call(
      t,
      'POST',
      '/fal/fal-ai/wan/v2.2-a14b/image-to-video/turbo',
      falKey,
      {
        prompt: 'x',
      },
    );
    assert.deepEqual(missing.body.detail[0].loc, ['body', 'image_url']);
    await falResult(t, 'fal-ai/wan/v2.2-a14b/image-to-video/turbo', {
      prompt: 'x',
      image_url: IMAGE,
      resolution: '480p',
      // not a field of the turbo endpoint: ignored, as fal ignores fields a model lacks
      num_frames: 161,
    });
    assert.equal(t.sb.stats().providers.fal.billable_seconds, 81 / 16);
  });

  test('LTX-2 19B takes video_size as a named size or as {width, height}', async () => {
    const t = await sandbox();
    const endpoint = 'fal-ai/ltx-2-19b/text-to-video';
    const bad = await call(t, 'POST', `/fal/${endpoint}`, falKey, {
      prompt: 'x',
      video_size: { width: 0, height: 90 },
    });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.detail[0].loc, ['body', 'video_size', 'width']);
    const fraction = await call(t, 'POST', `/fal/${endpoint}`, falKey, {
      prompt: 'x',
      video_size: { width: 160, height: 90.5 },
    });
    assert.deepEqual(fraction.body.detail[0].loc, ['body', 'video_size', 'height']);
    const unknown = await call(t, 'POST', `/fal/${endpoint}`, falKey, {
      prompt: 'x',
      video_size: 'huge',
    });
    assert.equal(unknown.body.detail[0].type, 'literal_error');
    const custom = await falResult(t, endpoint, {
      prompt: 'x',
      num_frames: 25,
      fps: 25,
      video_size: { width: 128, height: 72 },
    });
    const clip = await probeResponse(await fetch(custom.video.url), 'ltx2-custom');
    assert.deepEqual([clip.width, clip.height], [128, 72]);
    const named = await call(t, 'POST', `/fal/${endpoint}`, falKey, {
      prompt: 'x',
      video_size: 'square',
    });
    assert.equal(named.status, 200);
  });

  test('Seedance 2.0 has no seed input: a sent seed is ignored, the output reports its own', async () => {
    const t = await sandbox();
    const done = await falResult(t, 'bytedance/seedance-2.0/fast/text-to-video', {
      prompt: 'x',
      duration: '4',
      resolution: '480p',
      seed: 1234,
    });
    assert.equal(typeof done.seed, 'number');
    assert.notEqual(done.seed, 1234);
    // a model that has a seed keeps the one sent
    const wan = await falResult(t, 'fal-ai/wan/v2.2-a14b/text-to-video', {
      prompt: 'x',
      num_frames: 17,
      seed: 1234,
    });
    assert.equal(wan.seed, 1234);
  });

  test('Pika 2.2 durations are the strings "5" and "10"', async () => {
    const t = await sandbox();
    const number = await call(t, 'POST', '/fal/fal-ai/pika/v2.2/text-to-video', falKey, {
      prompt: 'x',
      duration: 5,
    });
    assert.equal(number.status, 422);
    assert.deepEqual(number.body.detail[0].loc, ['body', 'duration']);
    const text = await call(t, 'POST', '/fal/fal-ai/pika/v2.2/text-to-video', falKey, {
      prompt: 'x',
      duration: '5',
    });
    assert.equal(text.status, 200);
  });
});

describe('luma: the Agents API (Ray 3.2)', () => {
  const path = '/luma/agents/v1/generations';

  test('create, then queued → processing → completed with a presigned video output', async () => {
    const t = await sandbox({ latencyMs: [2000, 2000] });
    const created = await call(t, 'POST', path, bearer, {
      type: 'video',
      model: 'ray-3.2',
      prompt: 'a glacier calving',
      aspect_ratio: '9:16',
      video: { duration: '5s', resolution: '540p', start_frame: { url: IMAGE } },
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('x-api-version'), '2026-04-01');
    assert.equal(created.body.state, 'queued');
    assert.deepEqual(created.body.output, []);
    const id = created.body.id;
    t.clock.advance(1000);
    assert.equal((await call(t, 'GET', `${path}/${id}`, bearer)).body.state, 'processing');
    t.clock.advance(1000);
    const done = await call(t, 'GET', `${path}/${id}`, bearer);
    assert.equal(done.body.state, 'completed');
    assert.equal(done.body.failure_code, null);
    const [output] = done.body.output;
    assert.equal(output.type, 'video');
    const clip = await probeResponse(await fetch(output.url), 'ray32');
    assert.ok(clip.height > clip.width, 'a 9:16 clip');
    assert.ok(Math.abs(clip.durationSeconds - 5) < 0.2);
    // the two APIs do not share ids, and the Dream Machine list shows only its own
    assert.equal(
      (await call(t, 'GET', `/luma/dream-machine/v1/generations/${id}`, bearer)).status,
      404,
    );
    const list = await call(t, 'GET', '/luma/dream-machine/v1/generations', bearer);
    assert.equal(list.body.count, 0);
    assert.equal(t.sb.stats().providers.luma.completed, 1);
  });

  test('validates as the SDK documents: models, 10-s clips, HDR and EXR', async () => {
    const t = await sandbox();
    const base = { type: 'video', model: 'ray-3.2', prompt: 'x' };
    const cases: Array<[Json, string[]]> = [
      [{ ...base, model: 'ray-2' }, ['body', 'model']],
      [{ type: 'video', model: 'ray-3.2' }, ['body', 'prompt']],
      [{ ...base, aspect_ratio: '9:21' }, ['body', 'aspect_ratio']],
      [{ ...base, video: { duration: '9s' } }, ['body', 'video', 'duration']],
      [{ ...base, video: { resolution: '4k' } }, ['body', 'video', 'resolution']],
      [
        { ...base, video: { duration: '10s', start_frame: { url: IMAGE } } },
        ['body', 'video', 'duration'],
      ],
      [{ ...base, video: { duration: '10s', loop: true } }, ['body', 'video', 'duration']],
      [{ ...base, video: { hdr: true, resolution: '540p' } }, ['body', 'video', 'hdr']],
      [{ ...base, video: { hdr: true, loop: true } }, ['body', 'video', 'hdr']],
      [{ ...base, video: { exr_export: true } }, ['body', 'video', 'exr_export']],
      [
        { ...base, video: { start_frame: { media_type: 'image/png' } } },
        ['body', 'video', 'start_frame'],
      ],
    ];
    for (const [body, loc] of cases) {
      const res = await call(t, 'POST', path, bearer, body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.deepEqual(res.body.detail[0].loc, loc, JSON.stringify(body));
    }
    const inline = await call(t, 'POST', path, bearer, {
      ...base,
      video: {
        duration: '10s',
        resolution: '1080p',
        hdr: true,
        exr_export: true,
      },
    });
    assert.equal(inline.status, 201);
    const anchored = await call(t, 'POST', path, bearer, {
      ...base,
      video: { start_frame: { data: PNG_BASE64, media_type: 'image/png' } },
    });
    assert.equal(anchored.status, 201);
    assert.equal(
      (await call(t, 'POST', path, { authorization: 'Bearer bad-key' }, base)).status,
      401,
    );
    assert.equal(t.sb.stats().providers.luma.created, 2);
  });

  test('a moderated generation fails with failure_code content_moderated', async () => {
    const t = await sandbox({ faults: { refuse: 1 } });
    const created = await call(t, 'POST', path, bearer, {
      type: 'video',
      model: 'ray-3.2',
      prompt: 'x',
    });
    t.clock.advance(1000);
    const failed = await call(t, 'GET', `${path}/${created.body.id}`, bearer);
    assert.equal(failed.body.state, 'failed');
    assert.equal(failed.body.failure_code, 'content_moderated');
    assert.deepEqual(failed.body.output, []);
  });
});

describe('comfyui: uploads and failing prompts', () => {
  function upload(t: TestSandbox, bytes: Buffer, fields: Record<string, string>, name = 'a.png') {
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), name);
    for (const [key, value] of Object.entries(fields)) form.set(key, value);
    return fetch(`${t.sb.url}/comfyui/upload/image`, { method: 'POST', body: form });
  }

  test('POST /upload/image stores the file, renames a different one under a taken name, /view serves it', async () => {
    const t = await sandbox();
    const png = Buffer.from(PNG_BASE64, 'base64');
    const other = Buffer.concat([png, Buffer.from([0])]);
    const first = await upload(t, png, { subfolder: 'shotrouter', type: 'input' });
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { name: 'a.png', subfolder: 'shotrouter', type: 'input' });
    // the same bytes keep the name; other bytes get ` (1)` unless overwrite is set
    assert.equal(
      ((await (await upload(t, png, { subfolder: 'shotrouter' })).json()) as Json).name,
      'a.png',
    );
    const renamed = (await (await upload(t, other, { subfolder: 'shotrouter' })).json()) as Json;
    assert.equal(renamed.name, 'a (1).png');
    const overwritten = await upload(t, other, { subfolder: 'shotrouter', overwrite: 'true' });
    assert.equal(((await overwritten.json()) as Json).name, 'a.png');
    const view = await fetch(
      `${t.sb.url}/comfyui/view?filename=a%20(1).png&subfolder=shotrouter&type=input`,
    );
    assert.equal(view.status, 200);
    assert.deepEqual(Buffer.from(await view.arrayBuffer()), other);
    const api = await fetch(
      `${t.sb.url}/comfyui/api/view?filename=a.png&subfolder=shotrouter&type=input`,
    );
    assert.deepEqual(Buffer.from(await api.arrayBuffer()), other);
    // no file part, or a path in the name: 400
    const empty = new FormData();
    empty.set('type', 'input');
    const noFile = await fetch(`${t.sb.url}/comfyui/upload/image`, { method: 'POST', body: empty });
    assert.equal(noFile.status, 400);
    assert.equal((await upload(t, png, {}, '../evil.png')).status, 400);
    assert.equal((await upload(t, png, { subfolder: '../up' })).status, 400);
  });

  test('under the refuse fault a prompt fails while it runs: execution_error in history and on the websocket', async () => {
    const t = await sandbox({ faults: { refuse: 1 } });
    const ws = new WebSocket(`${t.sb.url.replace('http', 'ws')}/comfyui/ws?clientId=watcher`);
    let failed: Json | undefined;
    const failure = new Promise<Json>((resolve, reject) => {
      ws.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as Json;
        if (message.type === 'execution_error') failed = message.data;
        // the history has it now: ComfyUI's prompt worker says so after an error too
        if (message.type === 'executing' && message.data.node === null && failed) resolve(failed);
      });
      ws.addEventListener('error', () => reject(new Error('websocket error')));
    });
    await new Promise((resolve) => ws.addEventListener('open', resolve));
    const created = await call(
      t,
      'POST',
      '/comfyui/prompt',
      {},
      { prompt: COMFY_WORKFLOW, client_id: 'watcher' },
    );
    assert.equal(created.status, 200, 'ComfyUI has no moderation: the prompt is queued');
    const id = created.body.prompt_id;
    t.clock.advance(1000);
    const history = await call(t, 'GET', `/comfyui/history/${id}`);
    const entry = history.body[id];
    assert.equal(entry.status.status_str, 'error');
    assert.deepEqual(entry.outputs, {});
    const [event, data] = entry.status.messages.at(-1);
    assert.equal(event, 'execution_error');
    assert.equal(data.prompt_id, id);
    assert.equal(data.node_type, 'KSampler');
    assert.equal(data.exception_type, 'torch.OutOfMemoryError');
    const live = await failure;
    ws.close();
    assert.equal(live.prompt_id, id);
    assert.equal(live.exception_message, data.exception_message);
    assert.equal(t.sb.stats().providers.comfyui.failed, 1);
    assert.equal(t.sb.stats().providers.comfyui.faults.refuse, 1);
  });
});

describe('GET /_sandbox/jobs', () => {
  test('lists each job with its key, request and billable seconds; reset clears it', async () => {
    const t = await sandbox({ faults: { refuse: 1 } });
    const refused = await call(
      t,
      'POST',
      '/fal/fal-ai/kling-video/v2.6/pro/text-to-video',
      falKey,
      {
        prompt: 'x',
        duration: '10',
      },
    );
    assert.equal(refused.status, 200, 'fal refuses at the end of the job');
    const t2 = await sandbox();
    const created = await call(
      t2,
      'POST',
      '/luma/agents/v1/generations',
      { ...bearer, 'idempotency-key': 'key-1' },
      { type: 'video', model: 'ray-3.2', prompt: 'x', video: { resolution: '540p' } },
    );
    t.clock.advance(1000);
    t2.clock.advance(1000);
    const [failed] = ((await call(t, 'GET', '/_sandbox/jobs')).body as Json).jobs;
    assert.equal(failed.provider, 'fal');
    assert.equal(failed.model, 'fal-ai/kling-video/v2.6/pro/text-to-video');
    assert.equal(failed.phase, 'failed');
    assert.equal(failed.key, null);
    assert.equal(failed.billable_seconds, 0);
    const listed = await call(t2, 'GET', '/_sandbox/jobs');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.jobs, [
      {
        provider: 'luma',
        id: created.body.id,
        model: 'ray-3.2',
        key: 'key-1',
        phase: 'succeeded',
        created_at: '2026-11-26T12:00:00.000Z',
        seconds: 5,
        width: 960,
        height: 540,
        fps: 24,
        audio: false,
        samples: 1,
        billable_seconds: 5,
        request: { type: 'video', model: 'ray-3.2', prompt: 'x', video: { resolution: '540p' } },
      },
    ]);
    assert.deepEqual(t2.sb.jobs(), listed.body.jobs);
    await call(t2, 'POST', '/_sandbox/reset');
    assert.deepEqual((await call(t2, 'GET', '/_sandbox/jobs')).body.jobs, []);
  });
});
