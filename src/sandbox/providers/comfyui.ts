/**
 * A ComfyUI server under `/comfyui` (every route also under `/comfyui/api`): POST /prompt with
 * an API-format workflow → prompt_id; GET /prompt, GET/POST /queue, POST /interrupt,
 * GET/POST /history[/{id}], GET /view?filename=…, GET /system_stats, and the websocket /ws with
 * status, execution_start, executing, progress, executed, execution_success / execution_error /
 * execution_interrupted, then `executing` with no node (the prompt is in the history).
 * POST /upload/image (multipart `image`, `type`, `subfolder`, `overwrite`) → `{name, subfolder,
 * type}`, served back by /view. The clip's size, length, fps and audio are read from the
 * workflow's nodes. ComfyUI has no auth, rate limit or moderation: the `429` fault does not
 * apply, and the `refuse` fault stands for a prompt that fails while it runs (an
 * `execution_error`, as when the GPU runs out of memory); an `Authorization: Bearer bad-key`
 * header is refused as an auth proxy in front would.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProviderSpec, SandboxCore } from '../core.ts';
import { invalid, json, notFound, type Reply, type SandboxRequest } from '../http.ts';
import type { Job, JobPhase } from '../jobs.ts';
import { progressOf } from '../jobs.ts';
import { acceptWebSocket, type WebSocketPeer } from '../websocket.ts';

export interface ComfyUiSpec extends ProviderSpec {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  shutdown(): void;
}

type Workflow = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

interface OutputFile {
  node: string;
  /** the key of the node's ui output: `images` for core SaveVideo, `gifs` for VHS_VideoCombine */
  key: 'images' | 'gifs';
  filename: string;
  subfolder: string;
}

interface PromptData {
  number: number;
  workflow: Workflow;
  clientId: string | undefined;
  extraData: Record<string, unknown>;
  outputs: OutputFile[];
  /** the node that shows sampler progress */
  samplerNode: string | undefined;
  lastStep: number;
}

const OUTPUT_NODES = new Set([
  'SaveVideo',
  'SaveWEBM',
  'VHS_VideoCombine',
  'SaveAnimatedWEBP',
  'SaveAnimatedPNG',
]);
const SAMPLER = /sampler/i;
const SAMPLER_STEPS = 20;
const TICK_MS = 25;
const DEFAULT_SIZE = { width: 848, height: 480 };

function invalidPrompt(
  type: string,
  message: string,
  details = '',
  nodeErrors: unknown = {},
): Reply {
  return json(400, { error: { type, message, details, extra_info: {} }, node_errors: nodeErrors });
}

function firstNumber(workflow: Workflow, names: readonly string[]): number | undefined {
  for (const node of Object.values(workflow)) {
    for (const name of names) {
      const value = node.inputs[name];
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
    }
  }
  return undefined;
}

/** The clip a workflow makes, read from the usual latent, conditioning and save nodes. */
function clipOfWorkflow(workflow: Workflow) {
  const width = firstNumber(workflow, ['width']) ?? DEFAULT_SIZE.width;
  const height = firstNumber(workflow, ['height']) ?? DEFAULT_SIZE.height;
  const fps = firstNumber(workflow, ['fps', 'frame_rate', 'frames_per_second']) ?? 24;
  const frames = firstNumber(workflow, ['length', 'num_frames', 'frame_count', 'video_frames']);
  const seconds = frames === undefined ? 5 : frames / fps;
  const nodes = Object.values(workflow);
  const audio = nodes.some((n) => /audio/i.test(n.class_type));
  const prompt =
    nodes.map((n) => n.inputs.text).find((t): t is string => typeof t === 'string') ?? '';
  const model =
    nodes
      .map((n) => n.inputs.ckpt_name ?? n.inputs.unet_name ?? n.inputs.model_name)
      .find((m): m is string => typeof m === 'string') ?? 'comfyui';
  return { seconds, width, height, fps, audio, prompt, model };
}

/** Checks the shape ComfyUI's validate_prompt checks first; returns the error reply or the workflow. */
function checkWorkflow(value: unknown): Workflow | Reply {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalidPrompt('invalid_prompt', 'Invalid prompt: the prompt must be an object of nodes');
  }
  const workflow = value as Record<string, unknown>;
  for (const [id, node] of Object.entries(workflow)) {
    const entry = node as { class_type?: unknown; inputs?: unknown } | null;
    if (entry === null || typeof entry !== 'object' || typeof entry.class_type !== 'string') {
      return invalidPrompt(
        'invalid_prompt',
        'Cannot execute because a node is missing the class_type property.',
        `Node ID '#${id}'`,
      );
    }
    if (typeof entry.inputs !== 'object' || entry.inputs === null) {
      return invalidPrompt(
        'invalid_prompt',
        `Cannot execute because node ${id} has no inputs.`,
        `Node ID '#${id}'`,
      );
    }
  }
  const typed = workflow as Workflow;
  const nodeErrors: Record<string, unknown> = {};
  for (const [id, node] of Object.entries(typed)) {
    for (const [name, input] of Object.entries(node.inputs)) {
      if (!Array.isArray(input)) continue;
      const [source, slot] = input as unknown[];
      if (
        input.length !== 2 ||
        typeof source !== 'string' ||
        typeof slot !== 'number' ||
        typeof typed[source] !== 'object'
      ) {
        nodeErrors[id] = {
          errors: [
            {
              type: 'bad_linked_input',
              message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
              details: name,
              extra_info: { input_name: name, input_config: null, received_value: input },
            },
          ],
          dependent_outputs: [],
          class_type: node.class_type,
        };
      }
    }
  }
  if (Object.keys(nodeErrors).length > 0) {
    return invalidPrompt(
      'prompt_outputs_failed_validation',
      'Prompt outputs failed validation',
      '',
      nodeErrors,
    );
  }
  if (!Object.values(typed).some((node) => OUTPUT_NODES.has(node.class_type))) {
    return invalidPrompt('prompt_no_outputs', 'Prompt has no outputs');
  }
  return typed;
}

function isReplyValue(value: Workflow | Reply): value is Reply {
  return typeof (value as Reply).status === 'number' && 'json' in value;
}

export function comfyuiProvider(core: SandboxCore): ComfyUiSpec {
  const peers = new Map<string, WebSocketPeer>();
  const counters = new Map<string, number>();
  let promptNumber = 0;
  let ticker: NodeJS.Timeout | undefined;

  const route = (pattern: string) => new RegExp(`^(?:/api)?${pattern}$`);
  const text = (status: number, body: string): Reply => ({ status, text: body });

  const spec: ComfyUiSpec = {
    name: 'comfyui',
    immuneTo: ['429'],
    authenticate(req) {
      return req.credential('Bearer') === 'bad-key' ? text(401, '401: Unauthorized') : undefined;
    },
    errors: {
      invalid: (message) => invalidPrompt('invalid_prompt', message),
      notFound: () => text(404, '404: Not Found'),
      unknownModel: (model) => invalidPrompt('invalid_prompt', `Unknown model ${model}`),
      rateLimited: () => text(503, '503: Service Unavailable'),
      serverError: () => text(500, '500 Internal Server Error\n\nServer got itself in trouble'),
      expired: () => text(404, '404: Not Found'),
    },
    routes: [
      { method: 'POST', path: route('/prompt'), kind: 'create', handle: submit },
      { method: 'GET', path: route('/prompt'), kind: 'poll', handle: () => json(200, queueInfo()) },
      { method: 'GET', path: route('/queue'), kind: 'poll', handle: queue },
      { method: 'POST', path: route('/queue'), kind: 'other', handle: editQueue },
      { method: 'POST', path: route('/interrupt'), kind: 'other', handle: interrupt },
      {
        method: 'GET',
        path: route('/history'),
        kind: 'poll',
        handle: (req) => history(req, undefined),
      },
      {
        method: 'GET',
        path: route('/history/([^/]+)'),
        kind: 'poll',
        handle: (req, [id]) => history(req, id),
      },
      { method: 'POST', path: route('/history'), kind: 'other', handle: editHistory },
      { method: 'GET', path: route('/view'), kind: 'download', handle: view },
      { method: 'POST', path: route('/upload/image'), kind: 'other', handle: uploadImage },
      { method: 'GET', path: route('/system_stats'), kind: 'other', handle: systemStats },
    ],
    upgrade(req, socket) {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const peer = acceptWebSocket(req, socket);
      if (peer === undefined) return;
      const clientId = url.searchParams.get('clientId') ?? randomUUID().replaceAll('-', '');
      peers.get(clientId)?.close();
      peers.set(clientId, peer);
      peer.onClose = () => {
        if (peers.get(clientId) === peer) peers.delete(clientId);
        if (peers.size === 0) stopTicker();
      };
      peer.sendText(
        JSON.stringify({ type: 'status', data: { ...queueInfoStatus(), sid: clientId } }),
      );
      startTicker();
    },
    shutdown() {
      stopTicker();
      for (const peer of peers.values()) peer.close();
      peers.clear();
    },
  };

  core.jobs.onPhase((job, from) => {
    if (job.provider !== 'comfyui' || peers.size === 0) return;
    announce(job as Job<PromptData>, from);
  });

  function queueInfo() {
    const jobs = core.jobs.list('comfyui');
    return {
      exec_info: {
        queue_remaining: jobs.filter((j) => j.phase === 'queued' || j.phase === 'running').length,
      },
    };
  }

  function queueInfoStatus() {
    return { status: queueInfo() };
  }

  /** Messages about a prompt go to the client that queued it, or to everyone when it gave none. */
  function send(job: Job<PromptData>, type: string, data: Record<string, unknown>): void {
    const message = JSON.stringify({ type, data });
    const own = job.data.clientId === undefined ? undefined : peers.get(job.data.clientId);
    if (job.data.clientId !== undefined) {
      own?.sendText(message);
      return;
    }
    for (const peer of peers.values()) peer.sendText(message);
  }

  function broadcastStatus(): void {
    const message = JSON.stringify({ type: 'status', data: queueInfoStatus() });
    for (const peer of peers.values()) peer.sendText(message);
  }

  function announce(job: Job<PromptData>, from: JobPhase): void {
    const promptId = job.id;
    const timestamp = core.now();
    if (job.phase === 'running') {
      send(job, 'execution_start', { prompt_id: promptId, timestamp });
      send(job, 'execution_cached', { nodes: [], prompt_id: promptId, timestamp });
    } else if (job.phase === 'succeeded') {
      progress(job, 1);
      for (const file of job.data.outputs) {
        send(job, 'executing', { node: file.node, display_node: file.node, prompt_id: promptId });
        send(job, 'executed', {
          node: file.node,
          display_node: file.node,
          output: outputOf([file])[file.node],
          prompt_id: promptId,
        });
      }
      send(job, 'execution_success', { prompt_id: promptId, timestamp });
      finished(job);
    } else if (job.phase === 'failed') {
      send(job, 'execution_error', errorDetails(job, timestamp));
      finished(job);
    } else if (job.phase === 'canceled' && from === 'running') {
      send(job, 'execution_interrupted', {
        prompt_id: promptId,
        node_id: job.data.samplerNode ?? null,
        node_type:
          job.data.samplerNode === undefined
            ? null
            : job.data.workflow[job.data.samplerNode]?.class_type,
        executed: [],
        timestamp,
      });
      finished(job);
    }
    broadcastStatus();
  }

  /**
   * ComfyUI's prompt worker, once the prompt is in the history however it ended, says so to the
   * client that queued it (to nobody when it gave no client id): `executing` with no node.
   */
  function finished(job: Job<PromptData>): void {
    if (job.data.clientId === undefined) return;
    send(job, 'executing', { node: null, prompt_id: job.id });
  }

  function errorDetails(job: Job<PromptData>, timestamp: number): Record<string, unknown> {
    const node = job.data.samplerNode ?? job.data.outputs[0]?.node ?? null;
    return {
      prompt_id: job.id,
      node_id: node,
      node_type: node === null ? null : job.data.workflow[node]?.class_type,
      executed: [],
      // a `refuse`d prompt fails the way prompts really fail on a GPU box
      exception_message: job.failure ?? 'Allocation on device',
      exception_type: job.failure === undefined ? 'torch.OutOfMemoryError' : 'RuntimeError',
      traceback: [],
      current_inputs: {},
      current_outputs: {},
      timestamp,
    };
  }

  /** Sends sampler progress when the step changed. */
  function progress(job: Job<PromptData>, fraction: number): void {
    const node = job.data.samplerNode;
    if (node === undefined) return;
    const step = Math.floor(fraction * SAMPLER_STEPS);
    if (step === job.data.lastStep) return;
    if (job.data.lastStep < 0)
      send(job, 'executing', { node, display_node: node, prompt_id: job.id });
    job.data.lastStep = step;
    send(job, 'progress', { value: step, max: SAMPLER_STEPS, prompt_id: job.id, node });
  }

  /**
   * While a client listens, the clock is replayed (which fires the phase messages) every tick, for
   * progress, and at the moment a running prompt is due to end, so that its end is said when it
   * happens, as ComfyUI says it, not up to a tick later.
   */
  function startTicker(): void {
    if (ticker !== undefined) return;
    const tick = () => {
      const jobs = core.jobs.list('comfyui') as Job<PromptData>[];
      const now = core.now();
      let next = now + TICK_MS;
      for (const job of jobs) {
        if (job.phase !== 'running') continue;
        progress(job, progressOf(job, now));
        // a prompt past its end (not replayed yet) waits for the next tick, not a 1 ms spin
        const due = (job.startedAt ?? now) + job.runMs;
        if (due > now) next = Math.min(next, due);
      }
      if (ticker === undefined) return;
      ticker = setTimeout(tick, Math.max(1, next - now));
      ticker.unref();
    };
    ticker = setTimeout(tick, 0);
    ticker.unref();
  }

  function stopTicker(): void {
    if (ticker !== undefined) clearTimeout(ticker);
    ticker = undefined;
  }

  function outputOf(files: OutputFile[]): Record<string, Record<string, unknown>> {
    const outputs: Record<string, Record<string, unknown>> = {};
    for (const file of files) {
      const entry = { filename: file.filename, subfolder: file.subfolder, type: 'output' };
      outputs[file.node] =
        file.key === 'gifs'
          ? { gifs: [{ ...entry, format: 'video/h264-mp4' }] }
          : { images: [entry], animated: [true] };
    }
    return outputs;
  }

  function planOutputs(workflow: Workflow): OutputFile[] {
    const files: OutputFile[] = [];
    for (const [node, { class_type: type, inputs }] of Object.entries(workflow)) {
      if (!OUTPUT_NODES.has(type)) continue;
      const prefix =
        typeof inputs.filename_prefix === 'string' ? inputs.filename_prefix : 'ComfyUI';
      const slash = prefix.lastIndexOf('/');
      const subfolder = slash < 0 ? '' : prefix.slice(0, slash);
      const base = slash < 0 ? prefix : prefix.slice(slash + 1);
      const count = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, count);
      files.push({
        node,
        key: type === 'VHS_VideoCombine' ? 'gifs' : 'images',
        filename: `${base}_${String(count).padStart(5, '0')}_.mp4`,
        subfolder,
      });
    }
    return files;
  }

  async function submit(req: SandboxRequest) {
    const body = await req.json();
    const checked = checkWorkflow(body.prompt);
    if (isReplyValue(checked)) return checked;
    const workflow = checked;
    const clip = clipOfWorkflow(workflow);
    const clientId =
      typeof body.client_id === 'string' && body.client_id !== '' ? body.client_id : undefined;
    const extraData =
      typeof body.extra_data === 'object' && body.extra_data !== null
        ? (body.extra_data as Record<string, unknown>)
        : {};
    if (clientId !== undefined) extraData.client_id = clientId;
    promptNumber += 1;
    const number = promptNumber;
    const samplerNode = Object.entries(workflow).find(([, node]) =>
      SAMPLER.test(node.class_type),
    )?.[0];
    return core.create<PromptData>(
      spec,
      req,
      {
        id: randomUUID(),
        model: clip.model,
        render: clip,
        data: {
          number,
          workflow,
          clientId,
          extraData,
          outputs: planOutputs(workflow),
          samplerNode,
          lastStep: -1,
        },
      },
      (job) => json(200, { prompt_id: job.id, number: job.data.number, node_errors: {} }),
    );
  }

  function queueEntry(job: Job<PromptData>): unknown[] {
    return [
      job.data.number,
      job.id,
      job.data.workflow,
      job.data.extraData,
      job.data.outputs.map((o) => o.node),
    ];
  }

  function queue(): Reply {
    const jobs = core.jobs.list('comfyui') as Job<PromptData>[];
    return json(200, {
      queue_running: jobs.filter((j) => j.phase === 'running').map(queueEntry),
      queue_pending: jobs.filter((j) => j.phase === 'queued').map(queueEntry),
    });
  }

  async function editQueue(req: SandboxRequest): Promise<Reply> {
    const body = await req.json();
    const pending = core.jobs.list('comfyui').filter((j) => j.phase === 'queued');
    if (body.clear === true) for (const job of pending) core.jobs.cancel(job);
    if (Array.isArray(body.delete)) {
      for (const job of pending) if (body.delete.includes(job.id)) core.jobs.cancel(job);
    }
    return { status: 200 };
  }

  function interrupt(): Reply {
    // only what runs now: the next prompt, started by the freed slot, is left alone
    const running = core.jobs.list('comfyui').filter((j) => j.phase === 'running');
    for (const job of running) core.jobs.cancel(job);
    return { status: 200 };
  }

  function historyEntry(job: Job<PromptData>): Record<string, unknown> {
    const started = ['execution_start', { prompt_id: job.id, timestamp: job.startedAt }];
    const cached = ['execution_cached', { nodes: [], prompt_id: job.id, timestamp: job.startedAt }];
    let status: Record<string, unknown>;
    let outputs: Record<string, unknown> = {};
    if (job.phase === 'succeeded') {
      outputs = outputOf(job.data.outputs);
      status = {
        status_str: 'success',
        completed: true,
        messages: [
          started,
          cached,
          ['execution_success', { prompt_id: job.id, timestamp: job.endedAt }],
        ],
      };
    } else if (job.phase === 'failed') {
      status = {
        status_str: 'error',
        completed: false,
        messages: [
          started,
          cached,
          ['execution_error', errorDetails(job, job.endedAt ?? core.now())],
        ],
      };
    } else {
      const interrupted = [
        'execution_interrupted',
        { prompt_id: job.id, node_id: null, executed: [], timestamp: job.endedAt },
      ];
      status = { status_str: 'error', completed: false, messages: [started, interrupted] };
    }
    const meta: Record<string, unknown> = {};
    for (const file of job.data.outputs) {
      meta[file.node] = {
        node_id: file.node,
        display_node: file.node,
        parent_node: null,
        real_node_id: file.node,
      };
    }
    return { prompt: queueEntry(job), outputs, status, meta };
  }

  async function history(req: SandboxRequest, id: string | undefined): Promise<Reply> {
    const done = (core.jobs.list('comfyui') as Job<PromptData>[]).filter(
      (j) => (id === undefined || j.id === id) && j.phase !== 'queued' && j.phase !== 'running',
    );
    const maxItems = Number(req.url.searchParams.get('max_items') ?? Number.POSITIVE_INFINITY);
    const entries: Record<string, unknown> = {};
    for (const job of done.slice(-Math.max(1, maxItems))) {
      if (job.phase === 'succeeded') await core.clipOf(job);
      entries[job.id] = historyEntry(job);
    }
    return json(200, entries);
  }

  async function editHistory(req: SandboxRequest): Promise<Reply> {
    const body = await req.json();
    const done = core.jobs
      .list('comfyui')
      .filter((j) => j.phase !== 'queued' && j.phase !== 'running');
    for (const job of done) {
      if (body.clear === true || (Array.isArray(body.delete) && body.delete.includes(job.id)))
        core.jobs.forget(job);
    }
    return { status: 200 };
  }

  /** Where an uploaded file lives in the media store's uploads. */
  const uploadKey = (type: string, subfolder: string, name: string) =>
    `comfyui:${type}/${subfolder}/${name}`;

  /** ComfyUI keeps names safe to join to its folders: no separators, no `..`. */
  const unsafeName = (name: string) => name === '' || /[\\/]|\.\./.test(name);

  async function uploadImage(req: SandboxRequest): Promise<Reply> {
    if (!req.isMultipart()) return text(400, 'Bad Request');
    const form = await req.form();
    const image = form.get('image');
    if (image === null || typeof image === 'string') return text(400, 'Bad Request');
    const type = String(form.get('type') ?? 'input') || 'input';
    if (!['input', 'temp', 'output'].includes(type)) return text(400, 'Bad Request');
    const subfolder = String(form.get('subfolder') ?? '');
    if (subfolder.split('/').some((part) => part === '..') || subfolder.startsWith('/'))
      return text(400, 'Bad Request');
    const overwrite = ['true', '1'].includes(String(form.get('overwrite') ?? '').toLowerCase());
    const bytes = Buffer.from(await image.arrayBuffer());
    let name = image.name;
    if (unsafeName(name)) return text(400, 'Bad Request');
    if (!overwrite) {
      // a different file under a taken name gets ` (1)`, ` (2)`, …; the same file keeps its name
      const dot = name.lastIndexOf('.');
      const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
      for (let i = 1; ; i++) {
        const existing = core.media.getUpload(uploadKey(type, subfolder, name));
        if (existing === undefined || existing.bytes.equals(bytes)) break;
        name = `${stem} (${i})${extension}`;
      }
    }
    core.media.putUpload(
      uploadKey(type, subfolder, name),
      bytes,
      image.type || 'application/octet-stream',
    );
    return json(200, { name, subfolder, type });
  }

  async function view(req: SandboxRequest): Promise<Reply> {
    const filename = req.url.searchParams.get('filename') ?? '';
    const subfolder = req.url.searchParams.get('subfolder') ?? '';
    const type = req.url.searchParams.get('type') ?? 'output';
    if (filename === '' || filename.includes('..') || subfolder.includes('..'))
      throw invalid('invalid filename');
    const upload = core.media.getUpload(uploadKey(type, subfolder, filename));
    if (upload !== undefined) {
      return { status: 200, bytes: upload.bytes, contentType: upload.contentType };
    }
    if (type !== 'output') throw notFound('not found');
    const job = (core.jobs.list('comfyui') as Job<PromptData>[]).find((j) =>
      j.data.outputs.some((o) => o.filename === filename && o.subfolder === subfolder),
    );
    if (job === undefined || job.phase !== 'succeeded') throw notFound('not found');
    if (core.media.takeExpiredDownload(job)) return spec.errors.expired();
    const file = await core.clipOf(job);
    if (file === undefined) throw notFound('not found');
    return {
      status: 200,
      file,
      contentType: 'video/mp4',
      headers: { 'content-disposition': `filename="${filename}"` },
    };
  }

  function systemStats(): Reply {
    return json(200, {
      system: {
        os: process.platform,
        python_version: 'sandbox',
        embedded_python: false,
        comfyui_version: 'sandbox',
      },
      devices: [
        {
          name: 'sandbox',
          type: 'cpu',
          index: 0,
          vram_total: 0,
          vram_free: 0,
          torch_vram_total: 0,
          torch_vram_free: 0,
        },
      ],
    });
  }

  return spec;
}
