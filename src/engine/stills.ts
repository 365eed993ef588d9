/**
 * The stills of a storyboard's `images:` (docs/storyboard.md "Stills"): each generated image
 * is made once, before the shots that use it, by the image model the plan chose, and kept in
 * the media folder by content. A still is a paid start like a clip: its money is reserved
 * before the start, its row is written before the request is sent (so a crash never buys it
 * twice), and its result is kept. Rows are keyed by the digest of the generate request, so a
 * later run of the same folder reuses the still and buys nothing.
 *
 * A job that uses a still waits for it the way a `first_frame_from` job waits for its source
 * shot (engine/start-frame.ts): the engine asks `Stills.get` before the job starts, and the
 * still's bytes become the job's reference in its role (first frame, last frame, reference).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ERROR_CODES, type ErrorCode, ShotrouterError } from '../errors.ts';
import { providerErrors, toProviderError } from '../providers/errors.ts';
import type { ResolvedImageRoute } from '../providers/registry.ts';
import type { ImageOutput } from '../providers/types.ts';
import type { StillRow } from '../store/store.ts';
import { checkImage } from '../util/image-check.ts';
import { toMicro } from '../util/money.ts';
import { backoffDelay } from './backoff.ts';
import type { EngineContext, LiveJob } from './context.ts';
import type { MadeStill, StillSpec } from './still-spec.ts';
import { sha256 } from './still-spec.ts';

const POLL_MS = 1000;
/** Start errors after which the provider may have the request all the same. */
const UNKNOWN_OUTCOME: ReadonlySet<string> = new Set(['connection_dropped', 'timeout']);
const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

/** Makes each still of a run at most once, when the first job asks for it. */
export class Stills {
  readonly #ctx: EngineContext;
  readonly #specs: ReadonlyMap<string, StillSpec>;
  readonly #made = new Map<string, Promise<MadeStill>>();

  constructor(ctx: EngineContext, specs: readonly StillSpec[]) {
    this.#ctx = ctx;
    this.#specs = new Map(specs.map((s) => [s.name, s]));
  }

  /** The still named `name`, made (or found kept) once for the whole run. */
  get(name: string): Promise<MadeStill> {
    let made = this.#made.get(name);
    if (!made) {
      const spec = this.#specs.get(name);
      made = spec
        ? this.#make(spec)
        : Promise.reject(
            new ShotrouterError('unsatisfiable', `images.${name} is not in the run's plan`),
          );
      this.#made.set(name, made);
    }
    return made;
  }

  async #make(spec: StillSpec): Promise<MadeStill> {
    const ctx = this.#ctx;
    const row = await ctx.store.still(spec.key);
    const kept = row?.state === 'done' ? await this.#kept(spec, row) : undefined;
    if (kept) return kept;
    const route = this.#route(spec);
    const free = route.provider.free;
    if (row?.state === 'starting' && !free) {
      // an earlier run sent the start and stopped before its reply was stored: the provider may
      // have it, and the image APIs cannot be asked by key, so it is never sent again
      await ctx.commit(
        (tx) =>
          tx.updateStill(spec.key, {
            state: 'lost',
            reserved_micro: 0,
            error_code: 'connection_dropped',
            error_message: 'the start was sent but its reply was never stored',
          }),
        [],
      );
    }
    if (row?.state === 'lost' || (row?.state === 'starting' && !free)) {
      throw new ShotrouterError(
        'unsatisfiable',
        `images.${spec.name}: an earlier start's reply was lost and ${spec.provider} cannot be asked whether it made the image, so it is not bought again; give the image as { file: PATH } or change its prompt`,
      );
    }
    const reserved = free ? 0 : toMicro(spec.estimateUsd);
    let operation: unknown;
    if (row?.state === 'running' && row.operation_json !== null) {
      // bought by an earlier run that stopped before it was kept: poll it, never start again
      operation = JSON.parse(row.operation_json);
      await ctx.budget.reserve(Number(row.reserved_micro), `images.${spec.name}`, ctx.signal);
    } else {
      await ctx.budget.reserve(reserved, `images.${spec.name}`, ctx.signal);
      const idempotencyKey = `still-${spec.key.slice(0, 32)}-${row ? 'again' : 'first'}`;
      const fields = {
        run_id: ctx.runId,
        name: spec.name,
        model: spec.model,
        provider: route.provider.id,
        provider_model: spec.providerModel,
        idempotency_key: idempotencyKey,
        state: 'starting' as const,
        operation_json: null,
        reserved_micro: reserved,
        spent_micro: 0,
        media_sha256: null,
        error_code: null,
        error_message: null,
      };
      // written before the request leaves: a crash after it is never bought again
      await ctx.commit(
        (tx) =>
          row
            ? tx.updateStill(spec.key, fields)
            : tx.insertStill({ ...fields, request_sha256: spec.key, created_at: ctx.at() }),
        [{ type: 'still', name: spec.name, state: 'starting', model: spec.model }],
      );
      try {
        operation = await this.#start(spec, route, idempotencyKey);
      } catch (error) {
        if (ctx.signal.aborted) {
          ctx.budget.settle(reserved, 0);
          throw error;
        }
        if (ShotrouterError.is(error) && UNKNOWN_OUTCOME.has(error.code)) {
          // the request may have reached the provider: never sent again (see `lost`)
          await this.#end(spec, reserved, 0, 'lost', error);
          throw this.#failure(spec, error);
        }
        // refused before it started (bad request, auth, rate limit after retries): not bought
        await this.#end(spec, reserved, 0, 'failed', error);
        throw this.#failure(spec, error);
      }
      await ctx.commit(
        (tx) =>
          tx.updateStill(spec.key, {
            state: 'running',
            operation_json: JSON.stringify(operation),
          }),
        [],
      );
    }
    try {
      const image = await this.#poll(route, operation);
      const made = await this.#keep(spec, image.image);
      const spent = free ? 0 : toMicro(image.costUsd ?? spec.estimateUsd);
      await ctx.commit(
        (tx) =>
          tx.updateStill(spec.key, {
            state: 'done',
            media_sha256: made.sha256,
            reserved_micro: 0,
            spent_micro: spent,
          }),
        [{ type: 'still', name: spec.name, state: 'done', model: spec.model }],
      );
      ctx.budget.settle(reserved, spent);
      await ctx.commit(async () => {}, [ctx.spendEvent()]);
      return made;
    } catch (error) {
      if (ctx.signal.aborted) {
        // stays `running` with its handle: the next run polls it
        ctx.budget.settle(reserved, 0);
        throw error;
      }
      // a failed generation is not billed by these providers; the list price is kept as
      // spent only when the image was made and then lost (download, bad bytes)
      const paid = ShotrouterError.is(error) && error.code === 'malformed_response';
      await this.#end(spec, reserved, paid && !free ? reserved : 0, 'failed', error);
      throw this.#failure(spec, error);
    }
  }

  /** Sends the start; a rate limit or a server error answered is waited out and sent again. */
  async #start(spec: StillSpec, route: ResolvedImageRoute, idempotencyKey: string) {
    const ctx = this.#ctx;
    for (let retry = 0; ; retry++) {
      try {
        const started = await route.model.start({
          prompt: spec.prompt,
          width: spec.width,
          height: spec.height,
          idempotencyKey,
          label: { name: spec.name, model: spec.model },
          abortSignal: ctx.signal,
        });
        return started.operation;
      } catch (error) {
        const answered =
          ShotrouterError.is(error) &&
          (error.code === 'rate_limited' || error.code === 'server_error');
        if (!answered || retry + 1 >= ctx.retry.maxSends) throw error;
        await ctx.clock.sleep(
          backoffDelay(retry, ctx.retry, ctx.random, error.retryAfterSeconds),
          ctx.signal,
        );
      }
    }
  }

  #route(spec: StillSpec): ResolvedImageRoute {
    const registry = this.#ctx.registry;
    if (!registry.resolveImage) {
      throw new ShotrouterError(
        'unsatisfiable',
        `images.${spec.name}: this run's registry makes no images`,
      );
    }
    return registry.resolveImage(spec.provider, spec.providerModel);
  }

  async #poll(route: ResolvedImageRoute, operation: unknown) {
    const ctx = this.#ctx;
    for (;;) {
      const status = await route.model.status(
        operation as Parameters<typeof route.model.status>[0],
        ctx.signal,
      );
      if (status.status === 'completed') return status;
      if (status.status === 'error')
        throw new ShotrouterError(errorCode(status.code), status.message);
      await ctx.clock.sleep(route.provider.pollIntervalMs || POLL_MS, ctx.signal);
    }
  }

  /** Writes the image into the media folder, after checking it is a whole image. */
  async #keep(spec: StillSpec, output: ImageOutput): Promise<MadeStill> {
    const ctx = this.#ctx;
    const { data, mediaType } = await fetchImage(output, spec.provider, ctx);
    const verdict = checkImage(data);
    if (!verdict.ok) {
      throw providerErrors.malformedResponse(
        spec.provider,
        `images.${spec.name}: ${verdict.reason}`,
      );
    }
    const sha = sha256(data);
    const extension = EXTENSIONS[mediaType] ?? 'png';
    const temp = ctx.media.tempPath(extension);
    fs.writeFileSync(temp, data);
    const relative = ctx.media.keep(temp, sha, extension);
    await ctx.commit(
      (tx) =>
        tx.putMedia({
          sha256: sha,
          path: relative,
          bytes: data.length,
          media_type: mediaType,
          duration: 0,
          width: verdict.width,
          height: verdict.height,
          fps: 0,
          audio: 0,
          created_at: ctx.at(),
        }),
      [],
    );
    return { name: spec.name, sha256: sha, data, mediaType };
  }

  /** A kept still whose file is still in the media folder (else it is made again). */
  async #kept(spec: StillSpec, row: StillRow): Promise<MadeStill | undefined> {
    const media = row.media_sha256 ? await this.#ctx.store.media(row.media_sha256) : undefined;
    if (!media) return undefined;
    const file = this.#ctx.media.absolute(media.path);
    if (!fs.existsSync(file)) return undefined;
    return {
      name: spec.name,
      sha256: media.sha256,
      data: new Uint8Array(fs.readFileSync(file)),
      mediaType: media.media_type,
    };
  }

  async #end(
    spec: StillSpec,
    reserved: number,
    spent: number,
    state: 'failed' | 'lost',
    error: unknown,
  ): Promise<void> {
    const ctx = this.#ctx;
    const failure = this.#failure(spec, error);
    await ctx.commit(
      (tx) =>
        tx.updateStill(spec.key, {
          state,
          reserved_micro: 0,
          spent_micro: spent,
          error_code: failure.code,
          error_message: failure.message,
        }),
      [
        {
          type: 'still',
          name: spec.name,
          state: 'failed',
          model: spec.model,
          reason: failure.message,
        },
      ],
    );
    ctx.budget.settle(reserved, spent);
  }

  #failure(spec: StillSpec, error: unknown): ShotrouterError {
    if (ShotrouterError.is(error)) {
      return error.message.startsWith(`images.${spec.name}`)
        ? error
        : new ShotrouterError(error.code, `images.${spec.name}: ${error.message}`, {
            cause: error,
          });
    }
    return new ShotrouterError('internal', `images.${spec.name}: ${String(error)}`, {
      cause: error,
    });
  }
}

/**
 * Waits for the stills `job` uses and puts their bytes into its references. `ready`: every
 * still is in; `failed`: the job was failed with the reason; `aborted`: the run is stopping.
 */
export async function useStills(
  ctx: EngineContext,
  job: LiveJob,
  stills: Stills,
): Promise<'ready' | 'failed' | 'aborted'> {
  const names = [...new Set(job.spec.references.flatMap((r) => (r.still ? [r.still] : [])))];
  const made = new Map<string, MadeStill>();
  for (const name of names) {
    try {
      made.set(name, await stills.get(name));
    } catch (error) {
      if (ctx.signal.aborted) return 'aborted';
      const why = error instanceof Error ? error.message : String(error);
      const message = `its still could not be made: ${why}`;
      await ctx.setJob(
        job,
        'failed',
        { error_code: 'unsatisfiable', error_message: message },
        message,
      );
      return 'failed';
    }
  }
  job.spec = {
    ...job.spec,
    references: job.spec.references.map((ref) => {
      const still = ref.still === undefined ? undefined : made.get(ref.still);
      // named by content from here on, as a frame of another shot is (the cache key already
      // names the still by its request)
      return still
        ? { ...ref, id: still.sha256, file: { data: still.data, mediaType: still.mediaType } }
        : ref;
    }),
  };
  return 'ready';
}

async function fetchImage(
  output: ImageOutput,
  provider: string,
  ctx: EngineContext,
): Promise<{ data: Uint8Array; mediaType: string }> {
  if ('data' in output) return output;
  let response: Response;
  try {
    response = await (ctx.fetch ?? fetch)(output.url, { signal: ctx.signal });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    throw toProviderError(error, { provider });
  }
  if ([401, 403, 404, 410].includes(response.status)) throw providerErrors.expiredUrl(provider);
  if (!response.ok || !response.body) {
    throw toProviderError(
      { statusCode: response.status, message: response.statusText },
      { provider },
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of Readable.fromWeb(response.body as WebReadableStream<Uint8Array>))
    chunks.push(Buffer.from(chunk));
  const mediaType = (response.headers.get('content-type') ?? 'image/png').split(';')[0]!.trim();
  return { data: new Uint8Array(Buffer.concat(chunks)), mediaType };
}

/** A provider's failure code as one of the library's (`server_error` when it names none). */
function errorCode(code: string): ErrorCode {
  return ERROR_CODES.some((e) => e.code === code) ? (code as ErrorCode) : 'server_error';
}
