/**
 * `startSandbox`: one node:http server on 127.0.0.1 that routes `/<provider>/…` to each
 * provider stand-in, applies the request faults, and serves `/_sandbox/stats`,
 * `/_sandbox/jobs` and `/_sandbox/reset`.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type ProviderSpec, SandboxCore } from './core.ts';
import {
  isoTime,
  isReply,
  json,
  type Outcome,
  type Reply,
  RequestProblem,
  SandboxRequest,
  sendReply,
} from './http.ts';
import { JobStore } from './jobs.ts';
import { MediaStore } from './media.ts';
import { byteplusProvider } from './providers/byteplus.ts';
import { type ComfyUiSpec, comfyuiProvider } from './providers/comfyui.ts';
import { dashscopeProvider } from './providers/dashscope.ts';
import { elevenlabsProvider } from './providers/elevenlabs.ts';
import { falProvider } from './providers/fal.ts';
import { googleProvider } from './providers/google.ts';
import { klingProvider } from './providers/kling.ts';
import { ltxProvider } from './providers/ltx.ts';
import { lumaProvider } from './providers/luma.ts';
import { minimaxProvider } from './providers/minimax.ts';
import { openaiProvider } from './providers/openai.ts';
import { replicateProvider } from './providers/replicate.ts';
import { runwayProvider } from './providers/runway.ts';
import { vertexProvider } from './providers/vertex.ts';
import { Dice } from './random.ts';
import {
  PROVIDER_NAMES,
  type ProviderName,
  type SandboxHandle,
  type SandboxJob,
  type SandboxOptions,
} from './types.ts';

export const DEFAULT_LATENCY_MS: [number, number] = [1000, 3000];
export const DEFAULT_KLING_KEYS = { accessKey: 'sandbox-ak', secretKey: 'sandbox-sk' };

/** ComfyUI runs one prompt at a time on its one GPU unless told otherwise. */
const DEFAULT_CONCURRENCY: Partial<Record<ProviderName, number>> = { comfyui: 1 };

function concurrencyLimits(options: SandboxOptions): Record<ProviderName, number> {
  const limits = {} as Record<ProviderName, number>;
  for (const name of PROVIDER_NAMES) {
    const limit = options.concurrency?.[name] ?? DEFAULT_CONCURRENCY[name];
    limits[name] = limit !== undefined && limit > 0 ? limit : Number.POSITIVE_INFINITY;
  }
  return limits;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const seed = options.seed ?? randomInt(2 ** 31);
  const ownMediaDir = options.mediaDir === undefined;
  const mediaDir = options.mediaDir ?? mkdtempSync(join(tmpdir(), 'shotrouter-sandbox-'));

  const jobs = new JobStore(now, concurrencyLimits(options));
  const media = new MediaStore({ dir: mediaDir, maxSize: options.maxSize, now, log });
  const dice = new Dice(seed, options.faults ?? {});
  const core = new SandboxCore({
    jobs,
    media,
    dice,
    now,
    latencyMs: options.latencyMs ?? DEFAULT_LATENCY_MS,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    log,
  });

  const comfyui: ComfyUiSpec = comfyuiProvider(core);
  const specs: Record<ProviderName, ProviderSpec> = {
    openai: openaiProvider(core),
    google: googleProvider(core),
    vertex: vertexProvider(core),
    kling: klingProvider(core, options.kling ?? DEFAULT_KLING_KEYS),
    runway: runwayProvider(core),
    luma: lumaProvider(core),
    byteplus: byteplusProvider(core),
    fal: falProvider(core),
    replicate: replicateProvider(core),
    comfyui,
    minimax: minimaxProvider(core),
    dashscope: dashscopeProvider(core),
    ltx: ltxProvider(core),
    elevenlabs: elevenlabsProvider(core),
  };

  /** Requests held open by the `timeout` fault; ended on close. */
  const held = new Set<ServerResponse>();

  function stats() {
    return { providers: jobs.stats() };
  }

  function jobList(): SandboxJob[] {
    return PROVIDER_NAMES.flatMap((name) =>
      jobs.list(name).map((job) => ({
        provider: name,
        id: job.id,
        model: job.model,
        key: job.key ?? null,
        phase: job.phase,
        created_at: isoTime(job.createdAt),
        seconds: job.render.seconds,
        width: job.render.width,
        height: job.render.height,
        fps: job.render.fps,
        audio: job.render.audio,
        samples: job.samples,
        billable_seconds: job.phase === 'succeeded' ? job.render.seconds * job.samples : 0,
        request: job.request ?? null,
      })),
    );
  }

  function reset() {
    jobs.reset();
    core.speeches.length = 0;
    media.clearUploads();
    dice.restart();
  }

  async function dispatch(spec: ProviderSpec, req: SandboxRequest): Promise<Outcome> {
    // HEAD is a GET without the body (clients probe downloads with it)
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    let allowedElsewhere = false;
    for (const route of spec.routes) {
      const match = route.path.exec(req.path);
      if (match === null) continue;
      if (route.method !== method) {
        allowedElsewhere = true;
        continue;
      }
      const params = match.slice(1).map((p) => (p === undefined ? '' : decodeURIComponent(p)));
      if (!route.open) {
        const refusal = spec.authenticate(req);
        if (refusal !== undefined) return refusal;
      }
      if (route.kind === 'create' || route.kind === 'poll' || route.kind === 'call') {
        if (core.fault(spec, '429')) return spec.errors.rateLimited(core.retryAfterSeconds);
        if (core.fault(spec, '5xx')) return spec.errors.serverError();
        if (core.fault(spec, 'timeout')) return { hold: true };
      }
      try {
        const outcome = await route.handle(req, params);
        if (
          (route.kind === 'poll' || route.kind === 'call') &&
          isReply(outcome) &&
          outcome.json !== undefined &&
          outcome.status < 300
        ) {
          if (core.fault(spec, 'malformed')) outcome.malformed = true;
        }
        return outcome;
      } catch (error) {
        if (error instanceof RequestProblem) {
          if (error.kind === 'invalid') return spec.errors.invalid(error.message, error.field);
          if (error.kind === 'unknown_model') return spec.errors.unknownModel(error.message);
          return spec.errors.notFound(error.message);
        }
        log(`sandbox: ${spec.name} ${req.method} ${req.path} failed: ${String(error)}`);
        return spec.errors.serverError();
      }
    }
    if (allowedElsewhere)
      return {
        ...spec.errors.notFound(`${req.method} is not allowed on ${req.path}`),
        status: 405,
      };
    return spec.errors.notFound(`no route for ${req.method} ${req.path}`);
  }

  async function handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(raw.url ?? '/', `http://${raw.headers.host ?? '127.0.0.1'}`);
    const slash = url.pathname.indexOf('/', 1);
    const prefix = slash < 0 ? url.pathname : url.pathname.slice(0, slash);
    const rest = slash < 0 ? '/' : url.pathname.slice(slash);
    if (prefix === '/_sandbox') {
      const own = new SandboxRequest(raw, url, prefix, rest);
      if (rest === '/stats' && raw.method === 'GET') return sendReply(own, res, json(200, stats()));
      if (rest === '/jobs' && raw.method === 'GET')
        return sendReply(own, res, json(200, { jobs: jobList() }));
      if (rest === '/speech' && raw.method === 'GET')
        return sendReply(own, res, json(200, { speech: core.speeches }));
      if (rest === '/reset' && raw.method === 'POST') {
        reset();
        return sendReply(own, res, json(200, { ok: true }));
      }
      return sendReply(
        own,
        res,
        json(404, { error: 'unknown sandbox endpoint; try GET /_sandbox/stats or /_sandbox/jobs' }),
      );
    }
    const spec = specs[prefix.slice(1) as ProviderName] as ProviderSpec | undefined;
    if (spec === undefined) {
      const names = PROVIDER_NAMES.map((n) => `/${n}`).join(', ');
      return sendReply(
        undefined,
        res,
        json(404, { error: `unknown provider prefix ${prefix}; known: ${names}` }),
      );
    }
    const req = new SandboxRequest(raw, url, prefix, rest);
    const outcome = await dispatch(spec, req);
    if ('drop' in outcome) {
      raw.socket.destroy();
      return;
    }
    if ('hold' in outcome) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    await sendReply(req, res, outcome as Reply);
  }

  const server = createServer((raw, res) => {
    handle(raw, res).catch((error: unknown) => {
      log(`sandbox: ${raw.method} ${raw.url} crashed: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('sandbox internal error');
    });
  });
  server.on('upgrade', (raw: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(raw.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/comfyui/ws' || path === '/comfyui/api/ws') comfyui.upgrade(raw, socket, head);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    jobs: jobList,
    reset,
    speech: () => [...core.speeches],
    async close() {
      comfyui.shutdown();
      media.shutdown();
      for (const res of held) res.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (ownMediaDir) await rm(mediaDir, { recursive: true, force: true });
    },
  };
}
