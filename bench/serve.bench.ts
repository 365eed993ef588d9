/**
 * bench:serve — the HTTP API's event streams under load: 100 clients follow one 200-shot run
 * over server-sent events. The server runs in a child process on a loopback port (as
 * `shotrouter serve` would), with a stand-in provider whose jobs take 0.2–1.5 s of real time and
 * clips trusted as asked (no ffmpeg, no assembly), so the engine, the store, the event hub and
 * the sockets are what is measured.
 *
 * Reported: the latency of each event at each client (from the engine's timestamp, taken before
 * it stores the change, to the client's receipt) as p50/p95/max, events delivered, and the
 * server's memory (RSS before the clients connect, peak during the run; heap after).
 *
 * Then, on a second server with the real preview renderer and assembly: the time of a pick (the
 * cut, timelines and reports made again, over HTTP) on a small previewed project, and the
 * server's memory while it is sent uploads: one 190 MiB image part (refused at the 20 MiB
 * limit) and ten 18 MiB images (accepted, each streamed to disk and decoded).
 *
 * Last, the board's first screen on a 100-shot project that has run (a third server, serving the
 * built board from dist/web): Debian's Chromium (playwright-core) opens the project's page five
 * times; the time from navigation to the first screen (the summary and the first shot cards) and
 * to every shot card rendered is reported, with the size and time of the snapshot route the page
 * loads first.
 *
 * Run: node bench/serve.bench.ts [--clients 100] [--shots 200]
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    shots: { type: 'string', default: '200' },
    child: { type: 'boolean', default: false },
  },
});

/** shots of the project whose picks are timed */
const PICK_SHOTS = 8;
/** shots of the project whose first screen is timed */
const SCREEN_SHOTS = 100;
/** shot cards the board renders with its first screen (src/web/project.ts FIRST_CARDS) */
const FIRST_CARDS = 12;
const CHROMIUM = '/usr/bin/chromium';
const WEB = fileURLToPath(new URL('../dist/web', import.meta.url));

interface Ready {
  type: 'ready';
  url: string;
  project: string;
  /** the server with the real preview renderer and assembly (picks, uploads) */
  reviewUrl: string;
  /** the server with the built board, and its SCREEN_SHOTS-shot project */
  boardUrl: string;
  boardProject: string;
}
interface Memory {
  type: 'memory';
  rssBefore: number;
  rssPeak: number;
  heapUsed: number;
}

if (values.child) await child(Number(values.shots));
else await parent(Number(values.clients), Number(values.shots));

/** The server: a project of `shots` shots on a stand-in provider, memory sampled every 50 ms. */
async function child(shots: number): Promise<void> {
  const { listen } = await import('../src/server/listen.ts');
  const { createStandInRegistry } = await import('../src/providers/registry.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-serve-'));
  const runner = (): import('../src/server/supervisor.ts').RunnerSeams => {
    const registry = createStandInRegistry(standInProvider());
    return {
      registry: () => registry,
      tools: {
        inspect: async (_file, e) => ({
          duration: e.seconds,
          width: e.width,
          height: e.height,
          fps: e.fps,
          audio: e.audio,
        }),
        join: async (inputs, output) => fs.copyFileSync(inputs[0]!, output),
      },
      assemble: false,
    };
  };
  const server = await listen({ projectsDir: dir, port: 0, webDir: null, runner: runner() });
  const create = async (url: string, count: number) => {
    const form = new FormData();
    form.append('storyboard', new Blob([storyboardYaml(count)]), 'bench.yaml');
    const made = await fetch(`${url}api/projects`, { method: 'POST', body: form });
    return ((await made.json()) as { project: { id: string } }).project.id;
  };
  const created = { project: { id: await create(server.url, shots) } };
  const boardDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-board-'));
  const board = await listen({ projectsDir: boardDir, port: 0, webDir: WEB, runner: runner() });
  const boardProject = await create(board.url, SCREEN_SHOTS);
  const reviewDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-review-'));
  const review = await listen({ projectsDir: reviewDir, port: 0, webDir: null, env: {} });
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 10);
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'reset-peak') {
      global.gc?.();
      rssPeak = process.memoryUsage().rss;
      process.send!({ type: 'peak-reset', rss: rssPeak });
    } else if (message.type === 'memory') {
      const reply: Memory = {
        type: 'memory',
        rssBefore,
        rssPeak,
        heapUsed: process.memoryUsage().heapUsed,
      };
      process.send!(reply);
    } else if (message.type === 'stop') {
      clearInterval(sampler);
      await server.close();
      await review.close();
      await board.close();
      fs.rmSync(boardDir, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(reviewDir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  const ready: Ready = {
    type: 'ready',
    url: server.url,
    project: created.project.id,
    reviewUrl: review.url,
    boardUrl: board.url,
    boardProject,
  };
  process.send!(ready);
}

/** 100 clients on the event stream of one run; latencies and the server's memory. */
async function parent(clients: number, shots: number): Promise<void> {
  const server = fork(fileURLToPath(import.meta.url), ['--child', '--shots', String(shots)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (message: { type: string }) => {
        if (message.type !== type) return;
        server.off('message', on);
        resolve(message as T);
      };
      server.on('message', on);
    });
  const ready = await next<Ready>('ready');
  const events = `${ready.url}api/projects/${ready.project}/events`;

  const latencies: number[] = [];
  let delivered = 0;
  const follow = async () => {
    const response = await fetch(events);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const now = Date.now();
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!type || !data) continue;
        delivered++;
        const at = (JSON.parse(data) as { at?: string }).at;
        if (at) latencies.push(now - Date.parse(at));
        if (type === 'ended') {
          await reader.cancel();
          return;
        }
      }
    }
  };
  const followers = Array.from({ length: clients }, follow);
  // every client is connected (hello received) before the run starts
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = Date.now();
  const run = await fetch(`${ready.url}api/projects/${ready.project}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ preview: true }),
  });
  if (run.status !== 202) throw new Error(`the run did not start: ${await run.text()}`);
  await Promise.all(followers);
  const seconds = (Date.now() - started) / 1000;
  server.send({ type: 'memory' });
  const memory = await next<Memory>('memory');
  const picks = await pickTimes(ready.reviewUrl);
  const uploads: Array<{ label: string; status: number; before: number; peak: number }> = [];
  for (const [label, send] of [
    ['one 190 MiB part (limit 20 MiB)', () => uploadOneHugePart(ready.reviewUrl)],
    ['ten 18 MiB images', () => uploadTenImages(ready.reviewUrl)],
  ] as const) {
    server.send({ type: 'reset-peak' });
    const before = (await next<{ rss: number }>('peak-reset')).rss;
    const status = await send();
    server.send({ type: 'memory' });
    uploads.push({ label, status, before, peak: (await next<Memory>('memory')).rssPeak });
  }
  const screen = await firstScreen(ready.boardUrl, ready.boardProject);
  server.send({ type: 'stop' });

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const perClient = Math.round(delivered / clients);
  console.log(
    `bench:serve — ${clients} event-stream clients, one ${shots}-shot run (${seconds.toFixed(1)} s)`,
  );
  console.log(
    `  events:  ${delivered} delivered (${perClient} per client), ${latencies.length} timed`,
  );
  console.log(
    `  latency: p50 ${pct(50)} ms · p95 ${pct(95)} ms · max ${latencies.at(-1)} ms (engine timestamp → client)`,
  );
  console.log(
    `  server:  RSS ${mb(memory.rssBefore)} before the run, peak ${mb(memory.rssPeak)}; heap ${mb(memory.heapUsed)} after`,
  );
  console.log(
    `  pick:    ${picks.map((ms) => `${ms} ms`).join(' · ')} (take 2, then take 1 again, of a ${PICK_SHOTS}-shot preview: cut, timelines and reports made again)`,
  );
  for (const u of uploads) {
    console.log(
      `  upload:  ${u.label}: HTTP ${u.status}, RSS ${mb(u.before)} → peak ${mb(u.peak)} (+${mb(u.peak - u.before)})`,
    );
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  console.log(
    `  board:   first screen of a ${SCREEN_SHOTS}-shot project that has run: median ${median(screen.loads)} ms (${screen.loads.join(' · ')} ms; navigation → the summary and the first ${FIRST_CARDS} shot cards rendered, Chromium)`,
  );
  console.log(
    `  board:   every card: median ${median(screen.everyCard)} ms (${screen.everyCard.join(' · ')} ms; navigation → all ${SCREEN_SHOTS} shot cards rendered)`,
  );
  console.log(
    `  board:   snapshot GET /api/projects/{id}: ${(screen.snapshotBytes / 1024).toFixed(0)} KB, median ${median(screen.snapshotMs)} ms`,
  );
}

/**
 * The board's first screen: the project's page opened five times in Chromium, each timed from
 * navigation (performance's time origin) to the moment every shot card is in the page (seen by
 * a MutationObserver, installed before the page's own scripts). The project is run first, so its
 * cards carry takes. Also the snapshot route the page reads first: its size and time.
 */
async function firstScreen(
  url: string,
  project: string,
): Promise<{ loads: number[]; everyCard: number[]; snapshotBytes: number; snapshotMs: number[] }> {
  const base = `${url}api/projects/${project}`;
  const started = await fetch(`${base}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ preview: true }),
  });
  if (started.status !== 202)
    throw new Error(`the board's run did not start: ${await started.text()}`);
  for (;;) {
    const overview = (await (await fetch(base)).json()) as { run: { active: boolean } };
    if (!overview.run.active) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const snapshotMs: number[] = [];
  let snapshotBytes = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const body = await (await fetch(base)).arrayBuffer();
    snapshotMs.push(Math.round(performance.now() - t0));
    snapshotBytes = body.byteLength;
  }
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const loads: number[] = [];
  const everyCard: number[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.addInitScript(`(() => {
      const seen = () => {
        const cards = document.querySelectorAll('article.shot').length;
        if (cards >= ${FIRST_CARDS} && !window.__firstScreen) window.__firstScreen = performance.now();
        if (cards >= ${SCREEN_SHOTS}) {
          window.__allCards = performance.now();
          return true;
        }
        return false;
      };
      const watch = new MutationObserver(() => seen() && watch.disconnect());
      document.addEventListener('DOMContentLoaded', () =>
        watch.observe(document.body, { childList: true, subtree: true }),
      );
    })()`);
    for (let i = 0; i < 5; i++) {
      await page.goto('about:blank');
      await page.goto(`${url}?project=${project}`);
      const end = Date.now() + 30_000;
      let at = await page.evaluate('[window.__firstScreen, window.__allCards]');
      while (!(at as number[])[1]) {
        if (Date.now() > end) throw new Error('the shot list never rendered');
        await new Promise((resolve) => setTimeout(resolve, 20));
        at = await page.evaluate('[window.__firstScreen, window.__allCards]');
      }
      const [first, all] = at as number[];
      loads.push(Math.round(first!));
      everyCard.push(Math.round(all!));
      if (process.env.BENCH_DIAG) {
        console.log(
          await page.evaluate(
            `JSON.stringify(performance.getEntries().map((e) => [e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.responseEnd ?? e.duration)]))`,
          ),
        );
      }
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return { loads, everyCard, snapshotBytes, snapshotMs };
}

/** A previewed project of PICK_SHOTS shots (the first with two takes); two picks timed. */
async function pickTimes(url: string): Promise<number[]> {
  const lines = [
    'version: 1',
    'title: Pick bench',
    'as_of: 2026-11-26',
    'deliver: { resolution: 640x360, fps: 24, audio: true }',
    'shots:',
  ];
  for (let i = 0; i < PICK_SHOTS; i++) {
    lines.push(
      `  - { id: p${i + 1}, prompt: "Shot ${i + 1}, a quiet street", duration: 2${i === 0 ? ', takes: 2' : ''} }`,
    );
  }
  const form = new FormData();
  form.append('storyboard', new Blob([`${lines.join('\n')}\n`]), 'pick.yaml');
  const created = (await (
    await fetch(`${url}api/projects`, { method: 'POST', body: form })
  ).json()) as { project: { id: string } };
  const base = `${url}api/projects/${created.project.id}`;
  const started = await fetch(`${base}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ preview: true }),
  });
  if (started.status !== 202) throw new Error(`the preview did not start: ${await started.text()}`);
  for (;;) {
    const overview = (await (await fetch(base)).json()) as { run: { state: string } };
    if (overview.run.state === 'finished') break;
    if (['failed', 'aborted'].includes(overview.run.state)) throw new Error('the preview failed');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const times: number[] = [];
  for (const take of [2, 1]) {
    const at = performance.now();
    const picked = await fetch(`${base}/shots/p1/pick`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ take }),
    });
    if (picked.status !== 200) throw new Error(`the pick failed: ${await picked.text()}`);
    await picked.arrayBuffer();
    times.push(Math.round(performance.now() - at));
  }
  return times;
}

/** One image part of 190 MiB, sent chunked as fast as the server takes it. */
async function uploadOneHugePart(url: string): Promise<number> {
  const boundary = 'bench-boundary-5f0c';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="storyboard"; filename="s.yaml"\r\n\r\nversion: 1\ntitle: x\nshots: []\n\r\n--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const total = 190 * 1024 * 1024;
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    let answered = false;
    let sent = 0;
    const req = request(
      `${url}api/projects`,
      {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      },
      (response) => {
        answered = true;
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    req.on('error', (error) => (answered ? undefined : reject(error)));
    req.write(head);
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end(Buffer.from(`\r\n--${boundary}--\r\n`));
    };
    pump();
  });
}

/** Ten valid 18 MiB PNGs (stored, not compressed), each a shot's reference. */
async function uploadTenImages(url: string): Promise<number> {
  const lines = [
    'version: 1',
    'title: Upload bench',
    'as_of: 2026-11-26',
    'deliver: { resolution: 1280x720, fps: 24 }',
    'shots:',
  ];
  const form = new FormData();
  for (let i = 0; i < 10; i++) {
    lines.push(
      `  - { id: u${i + 1}, prompt: "Shot ${i + 1}", duration: 2, references: [refs/u${i + 1}.png] }`,
    );
  }
  form.append('storyboard', new Blob([`${lines.join('\n')}\n`]), 'upload.yaml');
  for (let i = 0; i < 10; i++) {
    // each image its own grey, so none is stored as another's duplicate
    form.append('files', new Blob([storedPng(2500, 2500, 0x40 + i)]), `refs/u${i + 1}.png`);
  }
  const response = await fetch(`${url}api/projects`, { method: 'POST', body: form });
  await response.arrayBuffer();
  return response.status;
}

/** A grey RGB PNG whose image data is stored uncompressed (deflate level 0). */
function storedPng(width: number, height: number, grey: number): Buffer {
  const { deflateSync } = zlib;
  const row = Buffer.alloc(1 + width * 3, grey);
  row[0] = 0;
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 0 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A provider whose jobs finish 0.2–1.5 s (real time) after they start, 24 at once. */
function standInProvider() {
  const jobs = new Map<string, { doneAt: number; shot: string }>();
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  return {
    info: {
      id: 'bench',
      concurrency: 24,
      requestsPerMinute: null,
      pollIntervalMs: 100,
      free: true,
      reconcileMethod: 'lookup' as const,
      reconcileStart: async () => ({ status: 'not_started' as const }),
    },
    model: (modelId: string) => ({
      specificationVersion: 'v4' as const,
      provider: 'bench',
      modelId,
      maxVideosPerCall: 1,
      async doGenerate(): Promise<never> {
        throw new Error('start and poll only');
      },
      async doStart(options: {
        headers?: Record<string, string | undefined>;
        providerOptions: Record<string, unknown>;
      }) {
        const key = options.headers?.['idempotency-key'] ?? String(jobs.size);
        const shot = (options.providerOptions.shotrouter as { shotId: string }).shotId;
        if (!jobs.has(key)) jobs.set(key, { doneAt: Date.now() + 200 + random() * 1300, shot });
        return {
          operation: { key },
          warnings: [],
          response: { timestamp: new Date(), modelId, headers: undefined },
        };
      },
      async doStatus(options: { operation: unknown }) {
        const job = jobs.get((options.operation as { key: string }).key)!;
        const response = { timestamp: new Date(), modelId, headers: undefined };
        if (Date.now() < job.doneAt) return { status: 'pending' as const, response };
        return {
          status: 'completed' as const,
          videos: [
            {
              type: 'binary' as const,
              data: Buffer.from(`clip of ${job.shot}`),
              mediaType: 'video/mp4',
            },
          ],
          warnings: [],
          response,
        };
      },
    }),
  } as unknown as import('../src/providers/types.ts').Provider;
}

function storyboardYaml(shots: number): string {
  const tags = ['b-roll', 'establishing', 'product', 'cinematic', 'action'];
  const lines = [
    'version: 1',
    'title: Event stream bench',
    'as_of: 2026-11-26',
    'deliver: { resolution: 1280x720, fps: 24, audio: false }',
    'shots:',
  ];
  for (let i = 0; i < shots; i++) {
    lines.push(
      `  - { id: s${String(i + 1).padStart(3, '0')}, prompt: "Shot ${i + 1} of the bench, a quiet street", duration: ${2 + (i % 4)}, tags: [${tags[i % tags.length]}] }`,
    );
  }
  return `${lines.join('\n')}\n`;
}
