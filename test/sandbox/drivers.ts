/** One driver per provider: how the generic contract tests speak its wire protocol. */
import assert from 'node:assert/strict';
import {
  type Driver,
  kling,
  type Outcome,
  PNG_BASE64,
  readJson,
  type TestSandbox,
} from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read provider replies by path; a wrong path fails an assertion
type Json = Record<string, any>;

function post(
  t: TestSandbox,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<Response> {
  return fetch(`${t.sb.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

function get(t: TestSandbox, url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url.startsWith('http') ? url : `${t.sb.url}${url}`, { headers });
}

async function pollJson(res: Response): Promise<Json> {
  assert.equal(res.status, 200, `poll answered ${res.status}: ${await res.clone().text()}`);
  return (await readJson(res)) as Json;
}

const bearer = { authorization: 'Bearer test-key' };

export const openai: Driver = {
  name: 'openai',
  create: (t, extra) =>
    post(
      t,
      '/openai/v1/videos',
      { ...bearer, ...extra?.headers },
      {
        model: 'sora-2',
        prompt: 'a lighthouse at dusk',
        seconds: '4',
        size: '1280x720',
        ...extra?.body,
      },
    ),
  idOf: (body) => (body as Json).id,
  async poll(t, id): Promise<Outcome> {
    const body = await pollJson(await get(t, `/openai/v1/videos/${id}`, bearer));
    if (body.status === 'completed') return { state: 'done', body };
    if (body.status === 'failed') return { state: 'failed', body };
    return { state: 'pending' };
  },
  download: (t, id) => get(t, `/openai/v1/videos/${id}/content`, bearer),
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal((body as Json).error.code, 'invalid_api_key');
  },
  invalidBody: { seconds: '5' },
  invalidRefused(status, body) {
    assert.equal(status, 400);
    assert.equal((body as Json).error.param, 'seconds');
    assert.equal((body as Json).error.type, 'invalid_request_error');
  },
  refusal: 'end',
  expected: { seconds: 4, width: 1280, height: 720, fps: 30, audio: true },
};

const googleKey = { 'x-goog-api-key': 'test-key' };

function googleOutcome(body: Json): Outcome {
  if (!body.done) return { state: 'pending' };
  const samples = body.response?.generateVideoResponse?.generatedSamples;
  return Array.isArray(samples) && samples.length > 0
    ? { state: 'done', body }
    : { state: 'failed', body };
}

export const google: Driver = {
  name: 'google',
  create: (t, extra) =>
    post(
      t,
      '/google/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning',
      { ...googleKey, ...extra?.headers },
      {
        instances: [{ prompt: 'waves on a beach' }],
        parameters: { durationSeconds: 4, aspectRatio: '16:9', resolution: '720p', ...extra?.body },
      },
    ),
  idOf: (body) => (body as Json).name,
  poll: async (t, id) =>
    googleOutcome(await pollJson(await get(t, `/google/v1beta/${id}`, googleKey))),
  download: (t, _id, done) =>
    get(t, (done as Json).response.generateVideoResponse.generatedSamples[0].video.uri, googleKey),
  badAuth: () => ({ 'x-goog-api-key': 'bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 400);
    assert.equal((body as Json).error.status, 'INVALID_ARGUMENT');
    assert.equal((body as Json).error.details[0].reason, 'API_KEY_INVALID');
  },
  invalidBody: { durationSeconds: 5 },
  invalidRefused(status, body) {
    assert.equal(status, 400);
    assert.equal((body as Json).error.status, 'INVALID_ARGUMENT');
    assert.match((body as Json).error.message, /durationSeconds/);
  },
  refusal: 'end',
  expected: { seconds: 4, width: 1280, height: 720, fps: 24, audio: true },
};

const VERTEX_MODEL =
  '/vertex/v1/projects/demo/locations/us-central1/publishers/google/models/veo-3.1-fast-generate-001';

export const vertex: Driver = {
  name: 'vertex',
  create: (t, extra) =>
    post(
      t,
      `${VERTEX_MODEL}:predictLongRunning`,
      { ...bearer, ...extra?.headers },
      {
        instances: [{ prompt: 'a red kite over hills' }],
        parameters: {
          durationSeconds: 4,
          aspectRatio: '9:16',
          resolution: '720p',
          generateAudio: false,
          storageUri: 'gs://sandbox-bucket/outputs/',
          ...extra?.body,
        },
      },
    ),
  idOf: (body) => (body as Json).name,
  async poll(t, id) {
    const body = await pollJson(
      await post(t, `${VERTEX_MODEL}:fetchPredictOperation`, bearer, { operationName: id }),
    );
    if (!body.done) return { state: 'pending' };
    return body.response?.videos?.length > 0 ? { state: 'done', body } : { state: 'failed', body };
  },
  download(t, _id, done) {
    const gcsUri: string = (done as Json).response.videos[0].gcsUri;
    const [bucket, ...object] = gcsUri.slice('gs://'.length).split('/');
    return get(
      t,
      `/vertex/storage/v1/b/${bucket}/o/${encodeURIComponent(object.join('/'))}?alt=media`,
      bearer,
    );
  },
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal((body as Json).error.status, 'UNAUTHENTICATED');
  },
  invalidBody: { resolution: '1080p' },
  invalidRefused(status, body) {
    assert.equal(status, 400);
    assert.match((body as Json).error.message, /durationSeconds 8/);
  },
  refusal: 'end',
  expected: { seconds: 4, width: 720, height: 1280, fps: 24, audio: false },
};

export const klingDriver: Driver = {
  name: 'kling',
  create: (t, extra) =>
    post(
      t,
      '/kling/v1/videos/text2video',
      { authorization: `Bearer ${kling(t)}`, ...extra?.headers },
      {
        model_name: 'kling-v3',
        prompt: 'a paper boat in rain',
        duration: '3',
        mode: 'std',
        aspect_ratio: '16:9',
        sound: 'on',
        ...extra?.body,
      },
    ),
  idOf: (body) => (body as Json).data.task_id,
  async poll(t, id) {
    const body = await pollJson(
      await get(t, `/kling/v1/videos/text2video/${id}`, { authorization: `Bearer ${kling(t)}` }),
    );
    assert.equal(body.code, 0);
    if (body.data.task_status === 'succeed') return { state: 'done', body };
    if (body.data.task_status === 'failed') return { state: 'failed', body };
    return { state: 'pending' };
  },
  download: (t, _id, done) => get(t, (done as Json).data.task_result.videos[0].url),
  badAuth: (t) => ({
    authorization: `Bearer ${kling(t).replace(/\.[^.]+$/, '.c2lnbmVkLXdpdGgtYW5vdGhlci1zZWNyZXQ')}`,
  }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal((body as Json).code, 1002);
  },
  invalidBody: { duration: '20' },
  invalidRefused(status, body) {
    assert.equal(status, 400);
    assert.equal((body as Json).code, 1201);
  },
  refusal: {
    atCreate(status, body) {
      assert.equal(status, 400);
      assert.equal((body as Json).code, 1301);
    },
  },
  expected: { seconds: 3, width: 1280, height: 720, fps: 24, audio: true },
};

const runwayHeaders = { ...bearer, 'x-runway-version': '2024-11-06' };

export const runway: Driver = {
  name: 'runway',
  create: (t, extra) =>
    post(
      t,
      '/runway/v1/image_to_video',
      { ...runwayHeaders, ...extra?.headers },
      {
        model: 'gen4_turbo',
        promptImage: `data:image/png;base64,${PNG_BASE64}`,
        promptText: 'the dot starts to glow',
        ratio: '720:1280',
        duration: 2,
        ...extra?.body,
      },
    ),
  idOf: (body) => (body as Json).id,
  async poll(t, id) {
    const body = await pollJson(await get(t, `/runway/v1/tasks/${id}`, runwayHeaders));
    if (body.status === 'SUCCEEDED') return { state: 'done', body };
    if (body.status === 'FAILED' || body.status === 'CANCELLED') return { state: 'failed', body };
    assert.ok(['PENDING', 'THROTTLED', 'RUNNING'].includes(body.status));
    return { state: 'pending' };
  },
  download: (t, _id, done) => get(t, (done as Json).output[0]),
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal(typeof (body as Json).error, 'string');
  },
  invalidBody: { promptImage: undefined },
  invalidRefused(status, body) {
    assert.equal(status, 400);
    assert.deepEqual((body as Json).issues[0].path, ['promptImage']);
  },
  refusal: 'end',
  expected: { seconds: 2, width: 720, height: 1280, fps: 24, audio: false },
};

export const luma: Driver = {
  name: 'luma',
  create: (t, extra) =>
    post(
      t,
      '/luma/dream-machine/v1/generations/video',
      { ...bearer, ...extra?.headers },
      {
        model: 'ray-flash-2',
        prompt: 'a fox in snow',
        duration: '5s',
        resolution: '540p',
        aspect_ratio: '16:9',
        ...extra?.body,
      },
    ),
  idOf: (body) => (body as Json).id,
  async poll(t, id) {
    const body = await pollJson(await get(t, `/luma/dream-machine/v1/generations/${id}`, bearer));
    if (body.state === 'completed') return { state: 'done', body };
    if (body.state === 'failed') return { state: 'failed', body };
    assert.ok(['queued', 'dreaming'].includes(body.state));
    return { state: 'pending' };
  },
  download: (t, _id, done) => get(t, (done as Json).assets.video),
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal(typeof (body as Json).detail, 'string');
  },
  invalidBody: { duration: '7s' },
  invalidRefused(status, body) {
    assert.equal(status, 422);
    assert.deepEqual((body as Json).detail[0].loc, ['body', 'duration']);
  },
  refusal: 'end',
  expected: { seconds: 5, width: 960, height: 540, fps: 24, audio: false },
};

export const byteplus: Driver = {
  name: 'byteplus',
  create: (t, extra) =>
    post(
      t,
      '/byteplus/api/v3/contents/generations/tasks',
      { ...bearer, ...extra?.headers },
      {
        model: 'dreamina-seedance-2-0-fast-260128',
        content: [{ type: 'text', text: 'a drummer on a rooftop --rt 16:9' }],
        duration: 4,
        resolution: '480p',
        ...extra?.body,
      },
    ),
  idOf: (body) => (body as Json).id,
  async poll(t, id) {
    const body = await pollJson(
      await get(t, `/byteplus/api/v3/contents/generations/tasks/${id}`, bearer),
    );
    if (body.status === 'succeeded') return { state: 'done', body };
    if (body.status === 'failed' || body.status === 'cancelled') return { state: 'failed', body };
    assert.ok(['queued', 'running'].includes(body.status));
    return { state: 'pending' };
  },
  download: (t, _id, done) => get(t, (done as Json).content.video_url),
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal((body as Json).error.code, 'AuthenticationError');
  },
  invalidBody: { duration: 16 },
  invalidRefused(status, body) {
    assert.equal(status, 400);
    assert.equal((body as Json).error.code, 'InvalidParameter');
    assert.equal((body as Json).error.param, 'duration');
  },
  refusal: {
    atCreate(status, body) {
      assert.equal(status, 400);
      assert.equal((body as Json).error.code, 'InputTextSensitiveContentDetected');
    },
  },
  expected: { seconds: 4, width: 854, height: 480, fps: 24, audio: true },
};

const falKey = { authorization: 'Key test-key' };

export const fal: Driver = {
  name: 'fal',
  create: (t, extra) =>
    post(
      t,
      '/fal/fal-ai/wan/v2.2-a14b/text-to-video',
      { ...falKey, ...extra?.headers },
      {
        prompt: 'a windmill turning',
        num_frames: 17,
        frames_per_second: 16,
        resolution: '480p',
        ...extra?.body,
      },
    ),
  idOf: (body) => (body as Json).request_id,
  async poll(t, id) {
    const status = await readJson(await get(t, `/fal/fal-ai/wan/requests/${id}/status`, falKey));
    if ((status as Json).status !== 'COMPLETED') return { state: 'pending' };
    const res = await get(t, `/fal/fal-ai/wan/requests/${id}`, falKey);
    const body = await readJson(res);
    return res.status === 200 ? { state: 'done', body } : { state: 'failed', body };
  },
  download: (t, _id, done) => get(t, (done as Json).video.url),
  badAuth: () => ({ authorization: 'Key bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal(typeof (body as Json).detail, 'string');
  },
  invalidBody: { resolution: '1080p' },
  invalidRefused(status, body) {
    assert.equal(status, 422);
    assert.deepEqual((body as Json).detail[0].loc, ['body', 'resolution']);
    assert.equal((body as Json).detail[0].type, 'literal_error');
  },
  refusal: 'end',
  expected: { seconds: 17 / 16, width: 854, height: 480, fps: 16, audio: false },
};

export const replicate: Driver = {
  name: 'replicate',
  create: (t, extra) =>
    post(
      t,
      '/replicate/v1/models/bytedance/seedance-2.0/predictions',
      { ...bearer, ...extra?.headers },
      {
        input: {
          prompt: 'a lantern festival',
          duration: 4,
          resolution: '480p',
          aspect_ratio: '16:9',
          ...extra?.body,
        },
      },
    ),
  idOf: (body) => (body as Json).id,
  async poll(t, id) {
    const body = await pollJson(await get(t, `/replicate/v1/predictions/${id}`, bearer));
    if (body.status === 'succeeded') return { state: 'done', body };
    if (['failed', 'canceled', 'aborted'].includes(body.status)) return { state: 'failed', body };
    return { state: 'pending' };
  },
  download: (t, _id, done) => get(t, (done as Json).output),
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal((body as Json).title, 'Unauthenticated');
  },
  invalidBody: { duration: 3 },
  invalidRefused(status, body) {
    assert.equal(status, 422);
    assert.equal((body as Json).invalid_fields[0].field, 'input.duration');
  },
  refusal: 'end',
  expected: { seconds: 4, width: 854, height: 480, fps: 24, audio: true },
};

export const COMFY_WORKFLOW = {
  '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'ltx-video-2b.safetensors' } },
  '2': {
    class_type: 'CLIPTextEncode',
    inputs: { text: 'a hummingbird at a feeder', clip: ['1', 1] },
  },
  '3': {
    class_type: 'EmptyLTXVLatentVideo',
    inputs: { width: 768, height: 512, length: 25, batch_size: 1 },
  },
  '4': {
    class_type: 'KSampler',
    inputs: {
      model: ['1', 0],
      positive: ['2', 0],
      negative: ['2', 0],
      latent_image: ['3', 0],
      steps: 20,
      seed: 1,
    },
  },
  '5': { class_type: 'VAEDecode', inputs: { samples: ['4', 0], vae: ['1', 2] } },
  '6': { class_type: 'CreateVideo', inputs: { images: ['5', 0], fps: 24 } },
  '7': {
    class_type: 'SaveVideo',
    inputs: { video: ['6', 0], filename_prefix: 'video/test', format: 'mp4' },
  },
};

export const comfyui: Driver = {
  name: 'comfyui',
  create: (t, extra) =>
    post(
      t,
      '/comfyui/prompt',
      { ...extra?.headers },
      { prompt: COMFY_WORKFLOW, client_id: 'tests', ...extra?.body },
    ),
  idOf: (body) => (body as Json).prompt_id,
  async poll(t, id) {
    const body = await pollJson(await get(t, `/comfyui/history/${id}`));
    const entry = body[id];
    if (entry === undefined) return { state: 'pending' };
    return entry.status.status_str === 'success'
      ? { state: 'done', body: entry }
      : { state: 'failed', body: entry };
  },
  download(t, _id, done) {
    const file = (done as Json).outputs['7'].images[0];
    const query = new URLSearchParams({
      filename: file.filename,
      subfolder: file.subfolder,
      type: file.type,
    });
    return get(t, `/comfyui/view?${query}`);
  },
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  authRefused(status) {
    assert.equal(status, 401);
  },
  invalidBody: { prompt: { '1': COMFY_WORKFLOW['1'] } },
  invalidRefused(status, body) {
    assert.equal(status, 400);
    assert.equal((body as Json).error.type, 'prompt_no_outputs');
  },
  // no moderation: a `refuse`d prompt fails while it runs (execution_error)
  refusal: 'end',
  expected: { seconds: 25 / 24, width: 768, height: 512, fps: 24, audio: false },
};

export const minimax: Driver = {
  name: 'minimax',
  create: (t, extra) =>
    post(
      t,
      '/minimax/v2/video_generation',
      { ...bearer, ...extra?.headers },
      {
        model: 'MiniMax-H3',
        content: [{ type: 'text', text: 'a paper boat on a canal' }],
        duration: 4,
        resolution: '768P',
        ratio: '16:9',
        ...extra?.body,
      },
    ),
  idOf: (body) => (body as Json).task_id,
  async poll(t, id) {
    const body = await pollJson(await get(t, `/minimax/v2/query/video_generation/${id}`, bearer));
    assert.equal(body.base_resp.status_code, 0);
    if (body.status === 'succeeded') return { state: 'done', body };
    if (body.status === 'failed' || body.status === 'cancelled') return { state: 'failed', body };
    assert.ok(['queued', 'running'].includes(body.status));
    return { state: 'pending' };
  },
  download: (t, _id, done) => get(t, (done as Json).content.url),
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  // MiniMax reports failures in base_resp, with HTTP 200
  authRefused(status, body) {
    assert.equal(status, 200);
    assert.equal((body as Json).base_resp.status_code, 1004);
  },
  invalidBody: { duration: 16 },
  invalidRefused(status, body) {
    assert.equal(status, 200);
    assert.equal((body as Json).base_resp.status_code, 2013);
  },
  refusal: {
    atCreate(status, body) {
      assert.equal(status, 200);
      assert.equal((body as Json).base_resp.status_code, 1026);
    },
  },
  expected: { seconds: 4, width: 1366, height: 768, fps: 24, audio: true },
};

export const dashscope: Driver = {
  name: 'dashscope',
  create: (t, extra) =>
    post(
      t,
      '/dashscope/api/v1/services/aigc/video-generation/video-synthesis',
      { ...bearer, 'x-dashscope-async': 'enable', ...extra?.headers },
      {
        model: 'wan2.6-t2v',
        input: { prompt: 'a kite over a beach' },
        parameters: { size: '1280*720', duration: 5, audio: false, ...extra?.body },
      },
    ),
  idOf: (body) => (body as Json).output.task_id,
  async poll(t, id) {
    const body = await pollJson(await get(t, `/dashscope/api/v1/tasks/${id}`, bearer));
    const status = body.output.task_status;
    if (status === 'SUCCEEDED') return { state: 'done', body };
    if (['FAILED', 'CANCELED', 'UNKNOWN'].includes(status)) return { state: 'failed', body };
    assert.ok(['PENDING', 'RUNNING'].includes(status));
    return { state: 'pending' };
  },
  download: (t, _id, done) => get(t, (done as Json).output.video_url),
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal((body as Json).code, 'InvalidApiKey');
  },
  invalidBody: { duration: 7 },
  invalidRefused(status, body) {
    assert.equal(status, 400);
    assert.equal((body as Json).code, 'InvalidParameter');
  },
  refusal: {
    atCreate(status, body) {
      assert.equal(status, 400);
      assert.equal((body as Json).code, 'DataInspectionFailed');
    },
  },
  expected: { seconds: 5, width: 1280, height: 720, fps: 24, audio: false },
};

export const ltx: Driver = {
  name: 'ltx',
  create: (t, extra) =>
    post(
      t,
      '/ltx/v2/text-to-video',
      { ...bearer, ...extra?.headers },
      {
        prompt: 'a hummingbird at a feeder',
        model: 'ltx-2-3-fast',
        duration: 6,
        resolution: '1920x1080',
        fps: 25,
        generate_audio: false,
        ...extra?.body,
      },
    ),
  idOf: (body) => (body as Json).id,
  async poll(t, id) {
    const body = await pollJson(await get(t, `/ltx/v2/text-to-video/${id}`, bearer));
    if (body.status === 'completed') return { state: 'done', body };
    if (body.status === 'failed') return { state: 'failed', body };
    assert.ok(['pending', 'processing'].includes(body.status));
    return { state: 'pending' };
  },
  download: (t, _id, done) => get(t, (done as Json).result.video_url),
  badAuth: () => ({ authorization: 'Bearer bad-key' }),
  authRefused(status, body) {
    assert.equal(status, 401);
    assert.equal((body as Json).error.type, 'authentication_error');
  },
  invalidBody: { fps: 30 },
  invalidRefused(status, body) {
    assert.equal(status, 400);
    assert.equal((body as Json).error.type, 'invalid_request_error');
  },
  refusal: 'end',
  expected: { seconds: 6, width: 1920, height: 1080, fps: 25, audio: false },
};

export const DRIVERS: Driver[] = [
  openai,
  google,
  vertex,
  klingDriver,
  runway,
  luma,
  byteplus,
  fal,
  replicate,
  comfyui,
  minimax,
  dashscope,
  ltx,
];
