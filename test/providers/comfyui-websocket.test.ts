/**
 * The ComfyUI adapter hears a prompt's end on ComfyUI's websocket, and the engine polls the
 * history at once instead of at its next poll. On the sandbox over loopback, in real time, with
 * a poll interval far longer than the GPU's work: a job that ends well inside one interval was
 * ended by the socket. Behind a proxy that refuses the socket, or drops it mid-wait, the polls
 * alone finish the job. Every run ends with no socket open.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { systemClock } from '../../src/engine/clock.ts';
import {
  type ComfyUiVideoModel,
  createComfyUiProvider,
} from '../../src/providers/comfyui/index.ts';
import { endedPrompt } from '../../src/providers/comfyui/messages.ts';
import type { SandboxOptions } from '../../src/sandbox/types.ts';
import { harness, route, spec } from '../engine/helpers.ts';
import { callOptions, completed, sandbox, sandboxCredentials, withKey } from './adapter-harness.ts';

const TEMPLATE = 'wan-2.1-t2v-1.3b';
/** the GPU's time per prompt, ms of real time */
const GPU_MS = 300;
/** long enough that a job ending within half of it cannot have been seen by a poll */
const LONG_POLL_MS = 60_000;

interface Proxy {
  url: string;
  /** websocket handshakes the proxy was asked for */
  upgrades: number;
}

/**
 * A reverse proxy in front of the sandbox that passes HTTP, and either refuses websockets (as
 * a proxy without them does) or lets one open and drops it soon after.
 */
async function proxy(target: string, websocket: 'refuse' | 'drop'): Promise<Proxy> {
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    const forwarded = http.request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    req.pipe(forwarded);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => sockets.add(socket));
  const state: Proxy = { url: '', upgrades: 0 };
  server.on('upgrade', (req, socket: net.Socket, head: Buffer) => {
    state.upgrades += 1;
    if (websocket === 'refuse') {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(to.port), to.hostname, () => {
      const headers = Object.entries(req.headers).map(([name, value]) => `${name}: ${value}\r\n`);
      upstream.write(`GET ${req.url} HTTP/1.1\r\n${headers.join('')}\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    // the handshake and the first message pass; then the connection goes, long before the end
    upstream.once('data', () =>
      setTimeout(() => {
        upstream.destroy();
        socket.destroy();
      }, 20),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** One shot on the sandbox's ComfyUI through the engine, in real time; the job and its time. */
async function runShot(setup: {
  pollIntervalMs: number;
  sandbox?: SandboxOptions;
  websocket?: 'refuse' | 'drop';
}) {
  const t = await sandbox({ now: Date.now, latencyMs: [GPU_MS, GPU_MS], ...setup.sandbox });
  const credentials = sandboxCredentials('comfyui', t);
  const front = setup.websocket
    ? await proxy(t.sb.url, setup.websocket)
    : { url: t.sb.url, upgrades: 0 };
  const baseUrl = `${front.url}/comfyui`;
  const provider = createComfyUiProvider({
    credentials: { ...credentials, baseUrl, values: { url: baseUrl } },
    pollIntervalMs: setup.pollIntervalMs,
  });
  const model = provider.model(TEMPLATE) as ComfyUiVideoModel;
  const h = await harness({
    providers: [provider],
    specs: [spec('s1', [route('comfyui', TEMPLATE, 0, 1)])],
  });
  try {
    const started = performance.now();
    const outcome = await h.run({ clock: systemClock });
    const ms = performance.now() - started;
    const job = outcome.jobs[0];
    assert.ok(job);
    return { job, ms, model, proxy: front };
  } finally {
    await h.close();
  }
}

describe('ComfyUI: the websocket ends the wait', () => {
  test('a prompt that ends is polled at once, not at the next poll; no socket stays open', async () => {
    const { job, ms, model } = await runShot({ pollIntervalMs: LONG_POLL_MS });
    assert.equal(job.state, 'done', job.error_message ?? '');
    // polling alone would have asked first after LONG_POLL_MS
    assert.ok(ms < LONG_POLL_MS / 2, `done after ${ms.toFixed(0)} ms`);
    assert.equal(model.messages?.open, 0, 'the socket closed when nothing waited');
  });

  test('an execution_error ends the wait with the error the history gives', async () => {
    const pushed = await runShot({
      pollIntervalMs: LONG_POLL_MS,
      sandbox: { faults: { refuse: 1 } },
    });
    assert.ok(pushed.ms < LONG_POLL_MS / 2, `failed after ${pushed.ms.toFixed(0)} ms`);
    // the same prompt failing with polls only (the socket refused)
    const polled = await runShot({
      pollIntervalMs: 100,
      sandbox: { faults: { refuse: 1 } },
      websocket: 'refuse',
    });
    const withoutIds = (text: string | null) => text?.replace(/[0-9a-f-]{36}/g, '<id>');
    assert.equal(pushed.job.state, 'failed');
    assert.equal(polled.job.state, 'failed');
    assert.match(pushed.job.error_message ?? '', /failed in KSampler.*OutOfMemoryError/);
    assert.equal(withoutIds(pushed.job.error_message), withoutIds(polled.job.error_message));
    assert.equal(pushed.job.error_code, polled.job.error_code);
    assert.equal(pushed.model.messages?.open, 0);
  });

  for (const websocket of ['refuse', 'drop'] as const) {
    test(`a socket the proxy ${websocket === 'refuse' ? 'refuses' : 'drops mid-wait'}: the polls finish the job`, async () => {
      const { job, model, proxy } = await runShot({ pollIntervalMs: 100, websocket });
      assert.equal(job.state, 'done', job.error_message ?? '');
      assert.ok(proxy.upgrades >= 1, 'the adapter tried the socket');
      assert.equal(model.messages?.open, 0);
    });
  }

  test('one socket for the provider: each prompt hears its own end; it closes when none waits', async () => {
    // the sandbox's clock moves only when told: a prompt ends when the test says
    const t = await sandbox();
    const provider = createComfyUiProvider({ credentials: sandboxCredentials('comfyui', t) });
    const model = provider.model(TEMPLATE) as ComfyUiVideoModel;
    const first = await model.doStart!(withKey(callOptions({ duration: 1 }), 'ws-1'));
    const second = await model.doStart!(withKey(callOptions({ duration: 1 }), 'ws-2'));
    const heard: string[] = [];
    const ended = (name: string) => {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      const stop = model.watchStatus(name === 'first' ? first.operation : second.operation, () => {
        heard.push(name);
        resolve();
      });
      return { promise, stop };
    };
    const one = ended('first');
    const two = ended('second');
    assert.equal(model.messages?.open, 1, 'one socket for both prompts');
    t.clock.advance(1000); // the GPU runs one prompt at a time: the first ends, the second starts
    await one.promise;
    assert.deepEqual(new Set(heard), new Set(['first']));
    completed(await model.doStatus!({ operation: first.operation }));
    one.stop();
    assert.equal(model.messages?.open, 1, 'still open: the second waits');
    t.clock.advance(1000);
    await two.promise;
    two.stop();
    assert.equal(model.messages?.open, 0);
    completed(await model.doStatus!({ operation: second.operation }));
  });
});

test('the messages that end a prompt, and nothing else, even from a broken server', () => {
  const id = 'p-1';
  const ends = [
    { type: 'executing', data: { node: null, prompt_id: id } },
    { type: 'execution_success', data: { prompt_id: id, timestamp: 1 } },
    { type: 'execution_error', data: { prompt_id: id, exception_message: 'x' } },
    { type: 'execution_interrupted', data: { prompt_id: id } },
  ];
  for (const message of ends) assert.equal(endedPrompt(JSON.stringify(message)), id);
  const others = [
    JSON.stringify({ type: 'executing', data: { node: '7', prompt_id: id } }),
    JSON.stringify({ type: 'progress', data: { value: 3, max: 20, prompt_id: id } }),
    JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: 0 } } } }),
    JSON.stringify({ type: 'executing', data: { node: null } }),
    'null',
    '5',
    '{"type":"execution_success","data":null}',
    'not json',
    new Uint8Array([1, 2]),
  ];
  for (const message of others) assert.equal(endedPrompt(message), undefined);
});
