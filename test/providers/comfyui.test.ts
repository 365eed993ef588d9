import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  BUILT_IN_WORKFLOWS,
  type ComfyUiVideoModel,
  createComfyUiProvider,
  fillTemplate,
  frameCount,
  loadTemplate,
  parseTemplate,
} from '../../src/providers/comfyui/index.ts';
import type { ProviderCredentials } from '../../src/providers/credentials.ts';
import { renderedSize } from '../../src/sandbox/media.ts';
import type { SandboxOptions } from '../../src/sandbox/types.ts';
import { MAX_SIZE } from '../sandbox/helpers.ts';
import {
  callOptions,
  completed,
  downloadAndProbe,
  PNG_BASE64,
  pollToEnd,
  rejectsWith,
  sandbox,
  sandboxCredentials,
  statusCode,
  withKey,
} from './adapter-harness.ts';

const folders = [BUILT_IN_WORKFLOWS];
const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };

async function onSandbox(
  options: SandboxOptions = {},
  adapter: { timeoutMs?: number; workflowFolders?: string[] } = {},
) {
  const t = await sandbox(options);
  const provider = createComfyUiProvider({
    credentials: sandboxCredentials('comfyui', t),
    sleep: async () => {},
    reconcileSettleMs: 0,
    ...adapter,
  });
  return { t, provider };
}

describe('ComfyUI workflow templates', () => {
  test('every shipped template parses and names only nodes and inputs its graph has', () => {
    const names = readdirSync(BUILT_IN_WORKFLOWS).map((f) => f.replace(/\.json$/, ''));
    assert.deepEqual(names.sort(), [
      'ltx-2',
      'ltx-2.3',
      'minimax-h3',
      'wan-2.1-t2v-1.3b',
      'wan-2.2-a14b',
      'wan-2.2-ti2v-5b',
    ]);
    for (const name of names) {
      const template = loadTemplate(name, folders);
      assert.equal(template.name, name);
      // each output depends on a loader of every model file it names
      const graph = fillTemplate(template, {
        prompt: 'p',
        negativePrompt: 'n',
        width: 640,
        height: 352,
        frames: 9,
        fps: template.fps[0]!,
        seed: 1,
        audio: true,
        filenamePrefix: 'x/y',
      });
      assert.ok(Object.values(graph).some((n) => n.class_type === 'SaveVideo'));
    }
  });

  test('frame counts have the model’s form: Wan 4n+1, LTX 8k+1, within the template’s range', () => {
    const wan = loadTemplate('wan-2.2-ti2v-5b', folders);
    const ltx = loadTemplate('ltx-2', folders);
    assert.equal(frameCount(wan, 5, 24), 121);
    assert.equal(frameCount(loadTemplate('wan-2.2-a14b', folders), 5, 16), 81);
    assert.equal(frameCount(ltx, 5, 24), 121);
    assert.equal(frameCount(ltx, 4, 25), 105);
    assert.equal(frameCount(ltx, 60, 24), 257, 'capped at the template maximum');
  });

  test('text-to-video prunes the start-image nodes; a start image links them in (A14B swaps to its I2V experts)', () => {
    const a14b = loadTemplate('wan-2.2-a14b', folders);
    const params = {
      prompt: 'p',
      negativePrompt: 'n',
      width: 832,
      height: 480,
      frames: 81,
      fps: 16,
      seed: 7,
      audio: false,
      filenamePrefix: 'shotrouter/t',
    };
    const text = fillTemplate(a14b, params);
    assert.equal(
      Object.values(text).some((n) => n.class_type === 'LoadImage'),
      false,
    );
    assert.equal(text['1']?.class_type, 'UNETLoader');
    assert.equal(text['10']?.inputs.noise_seed, 7);
    assert.equal(text['9']?.inputs.width, 832);
    const withImage = fillTemplate(a14b, { ...params, startImage: 'shotrouter/abc.png' });
    assert.equal(withImage['22']?.inputs.image, 'shotrouter/abc.png');
    assert.deepEqual(withImage['5']?.inputs.model, ['20', 0]);
    assert.deepEqual(withImage['10']?.inputs.latent_image, ['23', 2]);
    assert.equal(withImage['1'], undefined, 'the T2V experts are not loaded');
    assert.equal(withImage['9'], undefined);
    assert.equal(withImage['23']?.inputs.length, 81);
    assert.equal(withImage['14']?.inputs.filename_prefix, 'shotrouter/t');
  });

  test('LTX-2 without audio drops the audio track and its decoder, keeps the joint sampling', () => {
    const ltx = loadTemplate('ltx-2', folders);
    const graph = fillTemplate(ltx, {
      prompt: 'p',
      negativePrompt: 'n',
      width: 1280,
      height: 704,
      frames: 121,
      fps: 25,
      seed: 1,
      audio: false,
      filenamePrefix: 'x',
    });
    assert.equal(graph['18']?.inputs.audio, undefined);
    assert.equal(graph['17'], undefined);
    assert.equal(graph['8']?.inputs.frames_number, 121);
    assert.equal(graph['8']?.inputs.frame_rate, 25);
    assert.equal(graph['6']?.inputs.frame_rate, 25);
  });

  test('a template that names a missing node or input is refused with where', () => {
    const template = JSON.parse(
      readFileSync(join(BUILT_IN_WORKFLOWS, 'wan-2.2-ti2v-5b.json'), 'utf8'),
    );
    template.inputs.seed = [['8', 'noise_seed']];
    assert.throws(() => parseTemplate(template, 'mine.json'), /inputs\.seed names 8\.noise_seed/);
    template.inputs.seed = [['99', 'seed']];
    assert.throws(() => parseTemplate(template, 'mine.json'), /node 99/);
    assert.throws(() => loadTemplate('no-such-template', folders), /no workflow template named/);
    assert.throws(() => loadTemplate('../etc/passwd', folders), /not a workflow template name/);
  });

  test('sizes snap to the template’s multiple, fps to its rates, with warnings; last frames are refused', () => {
    const model = createComfyUiProvider({ credentials: null }).model(
      'wan-2.2-a14b',
    ) as ComfyUiVideoModel;
    const { params, warnings } = model.plan(
      withKey(callOptions({ resolution: '1366x768', fps: 24, duration: 5 }), 'k'),
    );
    assert.deepEqual([params.width, params.height, params.fps, params.frames], [1360, 768, 16, 81]);
    assert.deepEqual(warnings.map((w) => ('feature' in w ? w.feature : '')).sort(), [
      'fps',
      'resolution',
    ]);
    assert.equal(
      params.seed,
      model.plan(withKey(callOptions(), 'k')).params.seed,
      'the seed follows the key',
    );
    assert.throws(
      () => model.plan(callOptions({ frameImages: [{ image, frameType: 'last_frame' }] })),
      /no last frame/,
    );
    const custom = model.plan(
      callOptions({ providerOptions: { comfyui: { negativePrompt: 'blurry' } } }),
    );
    assert.equal(custom.params.negativePrompt, 'blurry');
  });
});

describe('ComfyUI adapter on the sandbox', () => {
  const cases = [
    { template: 'wan-2.2-ti2v-5b', resolution: '1280x704', fps: 24, frames: 121, audio: false },
    { template: 'wan-2.2-a14b', resolution: '832x480', fps: 16, frames: 81, audio: false },
    { template: 'wan-2.1-t2v-1.3b', resolution: '832x480', fps: 16, frames: 81, audio: false },
    { template: 'ltx-2', resolution: '1280x704', fps: 24, frames: 121, audio: true },
    { template: 'ltx-2.3', resolution: '1920x1088', fps: 25, frames: 129, audio: true },
    { template: 'minimax-h3', resolution: '1376x768', fps: 24, frames: 120, audio: true },
  ] as const;
  for (const c of cases) {
    test(`${c.template}: queue, history, /view, a clip of ${c.frames} frames at ${c.fps} fps`, async () => {
      const { t, provider } = await onSandbox();
      assert.equal(provider.info.concurrency, 1);
      assert.equal(provider.info.free, true);
      const model = provider.model(c.template);
      const request = withKey(
        callOptions({ resolution: c.resolution, duration: 5, fps: c.fps, generateAudio: c.audio }),
        `k-${c.template}`,
      );
      const started = await model.doStart!(request);
      const waiting = await model.doStatus!({ operation: started.operation });
      assert.equal(waiting.status, 'pending');
      const done = completed(await pollToEnd(model, started.operation, t, 250));
      assert.match(
        (done.videos[0] as { url: string }).url,
        /\/view\?filename=.+&subfolder=shotrouter%2F/,
      );
      const info = await downloadAndProbe('comfyui', done);
      const [width, height] = c.resolution.split('x').map(Number) as [number, number];
      const size = renderedSize(width, height, MAX_SIZE);
      assert.ok(
        Math.abs(info.durationSeconds - c.frames / c.fps) < 0.1,
        `duration ${info.durationSeconds}`,
      );
      assert.deepEqual([info.width, info.height], [size.width, size.height]);
      assert.ok(Math.abs(info.fps - c.fps) < 0.01, `fps ${info.fps}`);
      assert.equal(info.hasAudio, c.audio);
    });
  }

  test('a graph ComfyUI rejects is invalid_request naming the node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shotrouter-comfy-templates-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const template = JSON.parse(
      readFileSync(join(BUILT_IN_WORKFLOWS, 'wan-2.2-ti2v-5b.json'), 'utf8'),
    );
    template.name = 'broken';
    template.graph['9'].inputs.samples = ['8', 0, 'extra'];
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(template));
    const { t, provider } = await onSandbox({}, { workflowFolders: [dir] });
    const error = await rejectsWith(
      provider.model('broken').doStart!(callOptions()),
      'invalid_request',
    );
    assert.match(error.message, /node 9 \(VAEDecode\): Bad linked input/);
    assert.equal(t.sb.stats().providers.comfyui.created, 0);
  });

  test('server errors, broken replies and our timeout are typed; the AbortSignal stops a poll', async () => {
    await rejectsWith(
      (await onSandbox({ faults: { '5xx': 1 } })).provider.model('wan-2.2-ti2v-5b').doStart!(
        callOptions(),
      ),
      'server_error',
    );
    await rejectsWith(
      (await onSandbox({ faults: { malformed: 1 } })).provider.model('wan-2.2-ti2v-5b').doStart!(
        callOptions(),
      ),
      'malformed_response',
    );
    await rejectsWith(
      (await onSandbox({ faults: { timeout: 1 } }, { timeoutMs: 100 })).provider.model(
        'wan-2.2-ti2v-5b',
      ).doStart!(callOptions()),
      'timeout',
    );
    const { provider } = await onSandbox();
    const model = provider.model('wan-2.2-ti2v-5b');
    const started = await model.doStart!(callOptions());
    const aborted = new AbortController();
    aborted.abort();
    await rejectsWith(
      model.doStatus!({ operation: started.operation, abortSignal: aborted.signal }),
      'aborted',
    );
  });

  test('the first /view fails as expired_url; the next poll’s link works', async () => {
    const { t, provider } = await onSandbox({ faults: { expired: 1 } });
    const model = provider.model('wan-2.2-ti2v-5b');
    const started = await model.doStart!(callOptions({ duration: 1 }));
    const done = completed(await pollToEnd(model, started.operation, t, 250));
    await rejectsWith(downloadAndProbe('comfyui', done), 'expired_url');
    const again = completed(await model.doStatus!({ operation: started.operation }));
    assert.ok((await downloadAndProbe('comfyui', again)).durationSeconds > 0);
  });

  test('a dropped start is found in the queue by its key; another key is not_started', async () => {
    const { t, provider } = await onSandbox({ faults: { drop: 1 } });
    const model = provider.model('wan-2.2-ti2v-5b');
    const request = callOptions({ duration: 1 });
    await rejectsWith(model.doStart!(withKey(request, 'lost-key')), 'connection_dropped');
    const sentAt = new Date(t.clock.now()).toISOString();
    const found = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'lost-key',
      request,
      sentAt,
    });
    assert.equal(found.status, 'started');
    assert.ok(found.status === 'started');
    const operation = found.operation as { promptId: string; clientId: string };
    // the client id it was queued under (the provider's websocket's), so its messages are heard
    type Entry = [number, string, unknown, { client_id: string }];
    const queue = (await (await fetch(`${t.sb.url}/comfyui/queue`)).json()) as {
      queue_running: Entry[];
      queue_pending: Entry[];
    };
    const entry = [...queue.queue_running, ...queue.queue_pending][0];
    assert.equal(operation.clientId, entry?.[3].client_id);
    assert.match(operation.clientId, /^shotrouter-[0-9a-f-]{36}$/);
    // and in the history once it has run
    completed(await pollToEnd(model, operation, t, 250));
    const again = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'lost-key',
      request,
      sentAt,
    });
    assert.deepEqual(again, found);
    const other = await provider.info.reconcileStart({
      model,
      idempotencyKey: 'other-key',
      request,
      sentAt,
    });
    assert.deepEqual(other, { status: 'not_started' });
  });

  test('a prompt the server forgot (restart) is a retryable failure, not an endless wait', async () => {
    const { t, provider } = await onSandbox();
    const model = provider.model('wan-2.2-ti2v-5b');
    const started = await model.doStart!(callOptions({ duration: 1 }));
    t.sb.reset();
    const status = await model.doStatus!({ operation: started.operation });
    assert.equal(status.status, 'error');
    assert.equal(statusCode(status), 'server_error');
  });
});

/**
 * The sandbox's ComfyUI has no /upload/image and never fails a run, so the start-image upload
 * and an execution error are checked against a small loopback fake.
 */
describe('ComfyUI start image and execution errors (loopback fake)', () => {
  const seen: { method: string; url: string; type: string; body: Buffer }[] = [];
  let history: unknown = {};
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      type: req.headers['content-type'] ?? '',
      body: Buffer.concat(chunks),
    });
    res.setHeader('content-type', 'application/json');
    if (req.url === '/upload/image')
      res.end(JSON.stringify({ name: 'uploaded.png', subfolder: 'shotrouter', type: 'input' }));
    else if (req.url === '/prompt')
      res.end(JSON.stringify({ prompt_id: 'p-1', number: 3, node_errors: {} }));
    else if (req.url?.startsWith('/history/')) res.end(JSON.stringify(history));
    else res.end(JSON.stringify({ queue_running: [], queue_pending: [] }));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function provider() {
    if (!server.listening)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const credentials: ProviderCredentials = {
      provider: 'comfyui',
      values: { url },
      baseUrl: url,
      apiKeyEnv: 'COMFYUI_URL',
      secrets: [],
      sandbox: false,
    };
    return createComfyUiProvider({ credentials });
  }

  test('the start image is uploaded under a content name and wired into the graph', async () => {
    const model = (await provider()).model('wan-2.2-ti2v-5b');
    const started = await model.doStart!(withKey(callOptions({ image }), 'key-img'));
    const { promptId, clientId } = started.operation as { promptId: string; clientId: string };
    assert.equal(promptId, 'p-1');
    // the provider's websocket's client id (the key goes in extra_data)
    assert.match(clientId, /^shotrouter-[0-9a-f-]{36}$/);
    const upload = seen.find((s) => s.url === '/upload/image');
    assert.ok(upload);
    assert.match(upload.type, /^multipart\/form-data/);
    const form = await new Request('http://x/', {
      method: 'POST',
      headers: { 'content-type': upload.type },
      body: upload.body,
    }).formData();
    const file = form.get('image') as File;
    assert.match(file.name, /^[0-9a-f]{24}\.png$/);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), Buffer.from(PNG_BASE64, 'base64'));
    assert.equal(form.get('subfolder'), 'shotrouter');
    const queued = JSON.parse(seen.find((s) => s.url === '/prompt')!.body.toString());
    assert.equal(queued.client_id, clientId);
    assert.deepEqual(queued.extra_data, {
      shotrouter: { idempotency_key: 'key-img', template: 'wan-2.2-ti2v-5b' },
    });
    assert.equal(queued.prompt['12'].inputs.image, 'shotrouter/uploaded.png');
    assert.deepEqual(queued.prompt['7'].inputs.start_image, ['12', 0]);
  });

  test('an execution error is an error status naming the node, not retried on this route', async () => {
    history = {
      'p-1': {
        prompt: [3, 'p-1', {}, {}, ['11']],
        outputs: {},
        status: {
          status_str: 'error',
          completed: false,
          messages: [
            ['execution_start', { prompt_id: 'p-1' }],
            [
              'execution_error',
              {
                prompt_id: 'p-1',
                node_id: '1',
                node_type: 'UNETLoader',
                exception_type: 'FileNotFoundError',
                exception_message: 'wan2.2_ti2v_5B_fp16.safetensors',
              },
            ],
          ],
        },
      },
    };
    const model = (await provider()).model('wan-2.2-ti2v-5b');
    const status = await model.doStatus!({ operation: { promptId: 'p-1', clientId: 'c' } });
    assert.equal(status.status, 'error');
    assert.equal(statusCode(status), 'invalid_request');
    assert.match(
      status.status === 'error' ? status.error : '',
      /UNETLoader \(node 1\): FileNotFoundError: wan2\.2_ti2v_5B_fp16/,
    );
  });
});
