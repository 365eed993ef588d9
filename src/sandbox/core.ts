/**
 * What every provider stand-in shares: the job store, the dice, the media store, and the one
 * create path that applies idempotency keys and the create-time faults the same way for all.
 */
import type { Outcome, Reply, SandboxRequest } from './http.ts';
import type { Job, JobStore, RenderSpec } from './jobs.ts';
import type { MediaStore } from './media.ts';
import type { Dice } from './random.ts';
import { CLIP_DEFECTS, type FaultKind, type ProviderName, type SandboxSpeech } from './types.ts';

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: RegExp;
  /**
   * create, poll and call requests get the request faults (429, 5xx, timeout), polls and calls
   * also `malformed`; downloads only the `expired` one. A `call` is a model answered at once
   * (a vision judge): no job, nothing to download.
   */
  kind: 'create' | 'poll' | 'call' | 'download' | 'other';
  /** no auth check: signed download URLs, which carry their own proof */
  open?: boolean;
  handle(req: SandboxRequest, params: string[]): Promise<Outcome> | Outcome;
}

/** The provider's own error replies. */
export interface ProviderErrors {
  invalid(message: string, field: string | undefined): Reply;
  notFound(message: string): Reply;
  unknownModel(model: string): Reply;
  rateLimited(retryAfterSeconds: number): Reply;
  serverError(): Reply;
  /** moderation refusal of the create request; absent: the provider refuses at the job's end */
  refusedAtCreate?(): Reply;
  /** a download whose URL has expired */
  expired(): Reply;
}

export interface ProviderSpec {
  name: ProviderName;
  routes: Route[];
  /** the provider's own reply when the request is not authenticated, else undefined */
  authenticate(req: SandboxRequest): Reply | undefined;
  errors: ProviderErrors;
  /** fault kinds this kind of server never shows (ComfyUI has no rate limit or moderation) */
  immuneTo?: readonly FaultKind[];
}

export interface JobIntent<D> {
  id: string;
  model: string;
  render: RenderSpec;
  samples?: number;
  /** provider-native idempotency (Kling `external_task_id`); the header wins when both are sent */
  nativeKey?: string;
  data: D;
}

export interface CoreOptions {
  jobs: JobStore;
  media: MediaStore;
  dice: Dice;
  now: () => number;
  latencyMs: readonly [number, number];
  retryAfterSeconds: number;
  log: (line: string) => void;
}

export class SandboxCore {
  readonly jobs: JobStore;
  readonly media: MediaStore;
  readonly dice: Dice;
  readonly now: () => number;
  readonly retryAfterSeconds: number;
  readonly log: (line: string) => void;
  private readonly latencyMs: readonly [number, number];
  /** text-to-speech calls answered with audio (./providers/speech.ts) */
  readonly speeches: SandboxSpeech[] = [];

  constructor(options: CoreOptions) {
    this.jobs = options.jobs;
    this.media = options.media;
    this.dice = options.dice;
    this.now = options.now;
    this.latencyMs = options.latencyMs;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.log = options.log;
  }

  /** Records a text-to-speech call answered with audio: a purchase. */
  recordSpeech(entry: Omit<SandboxSpeech, 'created_at'>): void {
    this.speeches.push({ ...entry, created_at: new Date(this.now()).toISOString() });
  }

  /** Rolls a fault for this provider and counts it when it hits. */
  fault(spec: ProviderSpec, kind: FaultKind): boolean {
    if (spec.immuneTo?.includes(kind)) return false;
    const hit = this.dice.roll(kind);
    if (hit) this.jobs.countFault(spec.name, kind);
    return hit;
  }

  /**
   * Creates a job, or hands back the one created earlier with the same idempotency key.
   * A duplicate creates nothing and is answered like the original, fault free, so that a
   * client retrying after a dropped connection finds its job.
   */
  create<D>(
    spec: ProviderSpec,
    req: SandboxRequest,
    intent: JobIntent<D>,
    respond: (job: Job<D>) => Reply,
  ): Outcome {
    const key = req.header('idempotency-key') ?? intent.nativeKey;
    if (key !== undefined) {
      const existing = this.jobs.claimDuplicate<D>(spec.name, key);
      if (existing !== undefined) return respond(existing);
    }
    let fate: 'success' | 'refuse' = 'success';
    if (this.fault(spec, 'refuse')) {
      if (spec.errors.refusedAtCreate !== undefined) return spec.errors.refusedAtCreate();
      fate = 'refuse';
    }
    const expiredFault = this.fault(spec, 'expired');
    // kinds at probability 0 draw nothing, so configuring none keeps every other draw as it was
    const defect =
      fate === 'success' ? CLIP_DEFECTS.find((kind) => this.fault(spec, kind)) : undefined;
    const corruptFault = this.fault(spec, 'corrupt');
    const job = this.jobs.add<D>(spec.name, {
      id: intent.id,
      model: intent.model,
      key,
      render: defect === undefined ? intent.render : { ...intent.render, defect },
      samples: intent.samples ?? 1,
      fate,
      expiredFault,
      corruptFault,
      latencyMs: this.dice.latency(this.latencyMs),
      data: intent.data,
      request: req.recorded(),
    });
    this.media.prepare(job);
    if (this.fault(spec, 'drop')) return { drop: true };
    const reply = respond(job);
    if (this.fault(spec, 'malformed')) reply.malformed = true;
    return reply;
  }

  /** The job's clip, or undefined after marking the job failed when the render broke. */
  async clipOf(job: Job): Promise<string | undefined> {
    try {
      return await this.media.clip(job.render);
    } catch (error) {
      this.jobs.failAfterTheFact(job, `rendering the output failed: ${String(error)}`);
      return undefined;
    }
  }

  /** The download reply for a signed URL: the file, or the provider's expired/forbidden reply. */
  async serveSigned(spec: ProviderSpec, req: SandboxRequest, job: Job | undefined): Promise<Reply> {
    const verdict = this.media.verify(req.url);
    if (job === undefined || job.phase !== 'succeeded' || verdict === 'invalid') {
      return spec.errors.notFound('the file does not exist');
    }
    if (verdict === 'expired') return spec.errors.expired();
    // the `corrupt` fault: the provider bills the job and serves bytes no player can read
    const contentType = job.render.still === true ? 'image/png' : 'video/mp4';
    if (job.corruptFault) {
      return { status: 200, bytes: Buffer.from('sandbox: corrupt output\n'), contentType };
    }
    const file = await this.clipOf(job);
    if (file === undefined) return spec.errors.notFound('the file does not exist');
    return { status: 200, file, contentType };
  }
}

/** Accepts any non-empty key except the literal `bad-key`, the sandbox's one wrong key. */
export function acceptableKey(key: string | undefined): boolean {
  return key !== undefined && key !== '' && key !== 'bad-key';
}
