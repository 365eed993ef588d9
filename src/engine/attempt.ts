/**
 * One attempt: one logical start at a provider, from reserving its cost to a kept clip.
 *
 *   reserve budget → take a provider slot → write the attempt (idempotency key) and the
 *   reservation → doStart with the key (retrying 429/5xx with the same key) → write the
 *   operation handle → poll → download at once → verify → keep by content → settle the cost.
 *
 * A start whose reply was lost (connection dropped, timeout, or the process died before the
 * handle was written) is never sent blindly again: the provider's reconcile method says whether
 * the job exists (poll it), certainly does not (send the same start with the same key), or
 * cannot be known (give up on the attempt and count its cost as spent).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { JSONValue } from '@ai-sdk/provider';
import { ShotrouterError } from '../errors.ts';
import type { ProbeInfo } from '../media/probe.ts';
import { type ClipCheck, clipChecks, type VerificationDetails } from '../media/verify.ts';
import {
  isProviderErrorCode,
  providerError,
  providerErrors,
  toProviderError,
} from '../providers/errors.ts';
import type { ResolvedRoute } from '../providers/registry.ts';
import {
  type CompletedStatus,
  IDEMPOTENCY_HEADER,
  type VideoCallOptions,
  watchesStatus,
} from '../providers/types.ts';
import { type Check, passed } from '../qc/index.ts';
import type { AttemptRow, Store } from '../store/store.ts';
import { splitMicro, toMicro } from '../util/money.ts';
import { backoffDelay } from './backoff.ts';
import { callOptions, describeRequest, type ExtendFrom, segmentsOf } from './call-options.ts';
import {
  type ClipFacts,
  type EngineContext,
  type ExpectedClip,
  finalError,
  type LiveJob,
  mediaRow,
} from './context.ts';
import { downloadVideo } from './download.ts';
import type { RouteSpec } from './job-spec.ts';
import { localFault } from './local-fault.ts';
import { PollWait } from './poll-wait.ts';
import { runTakeChecks } from './take-checks.ts';

export interface AttemptTarget {
  routeIndex: number;
  route: RouteSpec;
  resolved: ResolvedRoute;
  segment: number;
  extendFrom?: ExtendFrom;
}

export interface KeptClip {
  sha256: string;
  /** relative to the run folder */
  path: string;
  facts: ClipFacts;
}

interface Live {
  id: string;
  key: string;
  sentAt: string;
  sends: number;
  /** micro-USD held by the ledger for this attempt */
  reserved: number;
}

/**
 * Runs one attempt to a kept clip, or resumes `open` (an attempt a previous process left
 * `starting` or `running`). Throws a ShotrouterError whose `retryable` says whether a new
 * attempt on the same route may help.
 */
export async function runAttempt(
  ctx: EngineContext,
  job: LiveJob,
  target: AttemptTarget,
  open?: AttemptRow,
): Promise<KeptClip> {
  const { provider } = target.resolved;
  const options = callOptions(job.spec, target.route, target.segment, target.extendFrom);
  const limits = ctx.limits(provider);
  let live: Live;
  let operation: JSONValue;
  let releaseSlot: () => void;

  if (open) {
    const entry = await ctx.store.ledgerEntry(open.id);
    live = {
      id: open.id,
      key: open.idempotency_key,
      sentAt: open.created_at,
      sends: open.sends,
      reserved: entry?.state === 'reserved' ? entry.reserved_micro : 0,
    };
    // the provider may be running this job already: it counts against the limit at once
    releaseSlot = await limits.slots.acquireForResume(ctx.signal);
    try {
      operation =
        open.state === 'running' && open.operation_json !== null
          ? (JSON.parse(open.operation_json) as JSONValue)
          : await reconcile(ctx, job, target, options, live);
    } catch (error) {
      releaseSlot();
      throw error;
    }
  } else {
    // each segment's share of the route's price, the shares adding up to it exactly
    const reserved = provider.free
      ? 0
      : splitMicro(toMicro(target.route.estimateUsd), segmentsOf(target.route))[target.segment]!;
    await ctx.budget.reserve(
      reserved,
      `shot ${job.spec.unit} on ${target.route.model}`,
      ctx.signal,
    );
    try {
      releaseSlot = await limits.slots.acquire(ctx.signal);
    } catch (error) {
      ctx.budget.settle(reserved, 0);
      throw error;
    }
    live = { id: '', key: randomUUID(), sentAt: ctx.at(), sends: 0, reserved };
    try {
      // the provider may have refused our key while this attempt waited for its slot
      const disabled = ctx.disabled.get(provider.id);
      if (disabled) {
        ctx.budget.settle(reserved, 0);
        throw new ShotrouterError('unsatisfiable', `skipped: ${disabled}`);
      }
      try {
        await begin(ctx, job, target, live);
      } catch (error) {
        // nothing was stored, nothing will be sent: the money is free again
        ctx.budget.settle(reserved, 0);
        throw error;
      }
      operation = await start(ctx, job, target, options, live);
    } catch (error) {
      releaseSlot();
      throw error;
    }
  }

  let completed: CompletedStatus;
  try {
    // a generation left in flight by an earlier process is asked about at once
    completed = await poll(ctx, job, target, operation, live, open !== undefined);
  } finally {
    releaseSlot();
  }
  return keep(ctx, job, target, operation, completed, live);
}

/** Writes the attempt, its idempotency key and its reservation before anything is sent. */
async function begin(
  ctx: EngineContext,
  job: LiveJob,
  target: AttemptTarget,
  live: Live,
): Promise<void> {
  const number = job.row.attempts + 1;
  live.id = `${job.row.id}/${String(number).padStart(3, '0')}`;
  const patch = {
    route_index: target.routeIndex,
    model: target.route.model,
    provider: target.route.provider,
  };
  await ctx.commit(
    async (tx) => {
      await tx.insertAttempt({
        id: live.id,
        job_id: job.row.id,
        idempotency_key: live.key,
        route_index: target.routeIndex,
        segment: target.segment,
        provider: target.route.provider,
        executor: target.resolved.provider.id,
        model: target.route.model,
        request_json: JSON.stringify(
          describeRequest(job.spec, target.route, target.segment, target.extendFrom),
        ),
        operation_json: null,
        state: 'starting',
        sends: 0,
        media_sha256: null,
        error_code: null,
        error_message: null,
        created_at: live.sentAt,
        updated_at: live.sentAt,
        finished_at: null,
      });
      await tx.reserve({
        attempt_id: live.id,
        job_id: job.row.id,
        run_id: ctx.runId,
        reserved_micro: live.reserved,
      });
      await tx.countAttempt(job.row.id, { ...patch, state: 'starting' });
    },
    [
      ctx.jobEvent({ ...job, row: { ...job.row, ...patch, attempts: number } }, 'starting'),
      ...(live.reserved > 0 ? [ctx.spendEvent()] : []),
    ],
  );
  Object.assign(job.row, patch, { state: 'starting', attempts: number });
}

/** Sends the start (same key on every send) until the provider answers. */
async function start(
  ctx: EngineContext,
  job: LiveJob,
  target: AttemptTarget,
  options: VideoCallOptions,
  live: Live,
): Promise<JSONValue> {
  const { model, provider } = target.resolved;
  for (;;) {
    await ctx.limits(provider).rate?.take(ctx.signal);
    live.sends++;
    try {
      // no abort signal: a start in flight finishes, so its handle can be written
      const result = await model.doStart!({
        ...options,
        headers: { ...options.headers, [IDEMPOTENCY_HEADER]: live.key },
      });
      const warnings = result.warnings.map(warningText);
      await recordOperation(ctx, job, live, result.operation, warnings);
      return result.operation;
    } catch (thrown) {
      const error = toProviderError(thrown, {
        provider: provider.id,
        apiKeyEnv: provider.apiKeyEnv,
      });
      if (error.code === 'connection_dropped' || error.code === 'timeout') {
        return reconcile(ctx, job, target, options, live, error);
      }
      if (error.retryable && live.sends < ctx.retry.maxSends) {
        try {
          await retryWait(ctx, job, error, live.sends - 1);
        } catch (stopped) {
          // Stopped between sends: every send so far was answered with an error, so no job
          // exists; end the attempt owing nothing rather than leave it for a reconcile that
          // some providers cannot do (and would then count as spent).
          if (ctx.signal.aborted)
            await endAttempt(ctx, job, live, 'failed', finalError(error, live.sends), 0);
          throw stopped;
        }
        continue;
      }
      if (error.code === 'authentication' || error.code === 'out_of_credit') {
        // before the slot frees: no other attempt may start there after this answer
        ctx.disabled.set(provider.id, error.message);
      }
      // the provider answered with an error: no job was created, nothing is owed
      await endAttempt(ctx, job, live, 'failed', finalError(error, live.sends), 0);
      throw finalError(error, live.sends);
    }
  }
}

/** Establishes what became of a start whose reply was lost. */
async function reconcile(
  ctx: EngineContext,
  job: LiveJob,
  target: AttemptTarget,
  options: VideoCallOptions,
  live: Live,
  /** the error that lost the reply, when this process saw it (none after a crash) */
  lost?: ShotrouterError,
): Promise<JSONValue> {
  const { model, provider } = target.resolved;
  for (let failures = 0; ; ) {
    let result: Awaited<ReturnType<typeof provider.reconcileStart>>;
    try {
      result = await provider.reconcileStart({
        model,
        idempotencyKey: live.key,
        request: options,
        sentAt: live.sentAt,
        abortSignal: ctx.signal,
      });
    } catch (thrown) {
      if (ctx.signal.aborted) throw thrown;
      const error = toProviderError(thrown, {
        provider: provider.id,
        apiKeyEnv: provider.apiKeyEnv,
      });
      if (error.retryable && ++failures < ctx.retry.maxPollFailures) {
        await retryWait(ctx, job, error, failures - 1);
        continue;
      }
      result = { status: 'unknown', reason: error.message };
    }
    if (result.status === 'started') {
      await recordOperation(ctx, job, live, result.operation, []);
      return result.operation;
    }
    if (result.status === 'not_started') {
      if (!lost) return start(ctx, job, target, options, live);
      // the request never arrived: send it again (same key) after a pause, a bounded number of times
      if (live.sends < ctx.retry.maxSends) {
        await retryWait(ctx, job, lost, live.sends - 1);
        return start(ctx, job, target, options, live);
      }
      const final = finalError(lost, live.sends);
      await endAttempt(ctx, job, live, 'failed', final, 0);
      throw final;
    }
    // Unknown: it may be running and billing. Never send it again; count it as spent.
    const error = new ShotrouterError(
      'connection_dropped',
      `${provider.id}: could not tell whether the start reached the provider (${result.reason}); not sent again`,
    );
    await endAttempt(ctx, job, live, 'unknown', error, live.reserved);
    throw error;
  }
}

async function recordOperation(
  ctx: EngineContext,
  job: LiveJob,
  live: Live,
  operation: JSONValue,
  warnings: string[],
): Promise<void> {
  const merged = mergeWarnings(job.row.warnings_json, warnings);
  await ctx.setJob(job, 'running', { warnings_json: merged }, undefined, (tx) =>
    tx.updateAttempt(live.id, {
      state: 'running',
      operation_json: JSON.stringify(operation),
      sends: live.sends,
    }),
  );
}

/** Polls until the provider finishes. The provider slot is held meanwhile (caller releases). */
async function poll(
  ctx: EngineContext,
  job: LiveJob,
  target: AttemptTarget,
  operation: JSONValue,
  live: Live,
  resumed = false,
): Promise<CompletedStatus> {
  const { model, provider } = target.resolved;
  const { width, height, seconds } = target.route.generate;
  const kind = `${provider.id}/${target.route.model}/${seconds}s/${width}x${height}/${target.segment}`;
  const startedAt = ctx.clock.now();
  /** ms from the start to the last poll that found the job pending */
  let lastPending: number | undefined;
  // a provider that pushes news (ComfyUI's websocket) ends a wait early: the poll follows at once
  const wait = new PollWait();
  const unwatch = watchesStatus(model) ? model.watchStatus(operation, wait.nudge) : undefined;
  try {
    for (let failures = 0, first = true, nudged = false; ; first = false) {
      if (!(first && resumed)) {
        const ms = first
          ? ctx.pace.firstPollMs(kind, provider.pollIntervalMs)
          : provider.pollIntervalMs;
        nudged = await wait.sleep(ctx.clock, ms, ctx.signal);
      }
      await ctx.limits(provider).rate?.take(ctx.signal);
      const askedAt = ctx.clock.now();
      let status: Awaited<ReturnType<NonNullable<typeof model.doStatus>>>;
      try {
        status = await model.doStatus!({ operation, abortSignal: ctx.signal });
      } catch (thrown) {
        if (ctx.signal.aborted) throw thrown;
        const error = toProviderError(thrown, {
          provider: provider.id,
          apiKeyEnv: provider.apiKeyEnv,
        });
        if (error.retryable && ++failures < ctx.retry.maxPollFailures) {
          await retryWait(ctx, job, error, failures - 1);
          continue;
        }
        // we lose sight of a job that may still run and bill: count it as spent
        const final = finalError(error, failures + 1);
        await endAttempt(ctx, job, live, 'failed', final, live.reserved);
        throw final;
      }
      failures = 0;
      if (status.status === 'pending') {
        lastPending = askedAt - startedAt;
        continue;
      }
      if (status.status === 'completed') {
        // a resumed job ran for an unknown time before: it says nothing of how long jobs take
        if (resumed) return status;
        // found done just after the provider said it ended: it ran until about then
        if (nudged) ctx.pace.sawPending(kind, askedAt - startedAt);
        else if (lastPending === undefined) ctx.pace.doneAtFirstPoll(kind);
        else ctx.pace.sawPending(kind, lastPending);
        return status;
      }
      const error = generationError(provider.id, status.error, status.providerMetadata);
      // a failed generation is not billed by the providers we know of
      await endAttempt(ctx, job, live, 'failed', error, 0);
      throw error;
    }
  } finally {
    unwatch?.();
  }
}

/** Downloads, checks and keeps the clip, then settles the cost. */
async function keep(
  ctx: EngineContext,
  job: LiveJob,
  target: AttemptTarget,
  operation: JSONValue,
  completed: CompletedStatus,
  live: Live,
): Promise<KeptClip> {
  const { provider } = target.resolved;
  const cost = provider.free
    ? 0
    : Math.round((provider.actualCostUsd?.(completed) ?? live.reserved / 1e6) * 1e6);
  await ctx.setJob(job, 'downloading');
  const release = await ctx.downloads.acquire(ctx.signal);
  try {
    const expected = {
      ...target.route.generate,
      seconds: segmentsOf(target.route)[target.segment]!,
      fpsMustMatch: job.spec.exactFps,
    };
    for (let failures = 0; ; ) {
      let tempFile: string | undefined;
      try {
        const video = completed.videos[0];
        if (!video) {
          throw providerErrors.malformedResponse(provider.id, 'completed without a video');
        }
        const downloaded = await downloadVideo(video, ctx.media, {
          provider: provider.id,
          fetch: ctx.fetch,
          signal: ctx.signal,
        });
        tempFile = downloaded.tempFile;
        let facts: ClipFacts;
        try {
          facts = await ctx.tools.inspect(tempFile, expected, ctx.signal);
        } catch (checkError) {
          if (!ShotrouterError.is(checkError) || checkError.code !== 'verification_failed') {
            throw checkError;
          }
          // paid for: the take is kept with its verdict, never thrown away and bought again
          const file = tempFile;
          tempFile = undefined;
          throw await keepFailedTake(ctx, job, live, cost, checkError, {
            file,
            downloaded,
          });
        }
        // the take checks, on the probe just made: a failing take is kept and marked like one
        // that failed its container facts
        let checks: Check[] | undefined;
        try {
          checks = await runTakeChecks(ctx, job, target, tempFile, facts);
        } catch (qcError) {
          if (!ShotrouterError.is(qcError) || qcError.code !== 'verification_failed') {
            throw qcError;
          }
          const file = tempFile;
          tempFile = undefined;
          throw await keepFailedTake(
            ctx,
            job,
            live,
            cost,
            undecodable(qcError),
            { file, downloaded },
            facts,
          );
        }
        if (checks !== undefined && !passed(checks)) {
          const file = tempFile;
          tempFile = undefined;
          const failing = checks.filter((c) => !c.ok).map(checkText);
          const qcError = new ShotrouterError('verification_failed', failing.join('; '), {
            details: { playable: true, checks, mismatches: failing },
          });
          throw await keepFailedTake(ctx, job, live, cost, qcError, { file, downloaded }, facts);
        }
        // another frame rate is kept (and paid for): the assembly converts it; the report says so
        const rateWarning =
          Math.abs(facts.fps - expected.fps) > 0.01
            ? mergeWarnings(job.row.warnings_json, [
                `${target.route.model} delivered ${Number(facts.fps.toFixed(3))} fps, not the ${expected.fps} fps asked; converted at assembly`,
              ])
            : null;
        const path = ctx.media.keep(tempFile, downloaded.sha256, downloaded.extension);
        tempFile = undefined;
        const clip = { sha256: downloaded.sha256, path, facts };
        const verdict = JSON.stringify(checks ?? passedChecks(facts, expected));
        await endAttempt(ctx, job, live, 'completed', null, cost, async (tx) => {
          await tx.putMedia(
            mediaRow(
              {
                sha256: clip.sha256,
                path,
                bytes: downloaded.bytes,
                mediaType: downloaded.mediaType,
              },
              facts,
              ctx.at(),
            ),
          );
          await tx.updateAttempt(live.id, { media_sha256: clip.sha256, verdict_json: verdict });
          if (rateWarning) await tx.updateJob(job.row.id, { warnings_json: rateWarning });
        });
        if (rateWarning) job.row.warnings_json = rateWarning;
        return clip;
      } catch (thrown) {
        if (tempFile) fs.rmSync(tempFile, { force: true });
        if (ctx.signal.aborted) throw thrown;
        if (isPaidTakeError(thrown)) throw thrown;
        // the disk, the folder or the database failed: the attempt stays `running` with its
        // handle, so the next run polls and downloads it again without paying again
        const fault = localFault(thrown, ctx.media.root);
        if (fault) {
          ctx.halt(fault);
          throw fault;
        }
        const error = ShotrouterError.is(thrown)
          ? thrown
          : new ShotrouterError('internal', `keeping the clip failed: ${String(thrown)}`, {
              cause: thrown,
            });
        if (error.retryable && ++failures < ctx.retry.maxPollFailures) {
          await retryWait(ctx, job, error, failures - 1);
          // an expired link: ask again for a fresh one
          if (error.code === 'expired_url') {
            completed = await refreshed(ctx, target, operation, completed);
          }
          continue;
        }
        // generated (and billed) but it could not be fetched: paid and unusable, not bought again
        const final = finalError(error, failures + 1);
        const unusable = new ShotrouterError(
          'unusable_clip',
          `paid, but the clip could not be kept: ${final.message}`,
          { cause: final, details: { paidTake: true } },
        );
        await endAttempt(ctx, job, live, 'unusable', unusable, cost, async (tx) => {
          await tx.updateAttempt(live.id, {
            verdict_json: JSON.stringify([
              {
                code: 'downloaded',
                ok: false,
                value: false,
                limit: true,
                message: final.message,
              },
            ]),
          });
        });
        throw unusable;
      }
    }
  } finally {
    release();
  }
}

async function refreshed(
  ctx: EngineContext,
  target: AttemptTarget,
  operation: JSONValue,
  previous: CompletedStatus,
): Promise<CompletedStatus> {
  await ctx.limits(target.resolved.provider).rate?.take(ctx.signal);
  try {
    const status = await target.resolved.model.doStatus!({ operation, abortSignal: ctx.signal });
    return status.status === 'completed' ? status : previous;
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    // the next download try counts against the same bound; never start the job again for this
    return previous;
  }
}

/**
 * A paid clip that failed its checks. A playable one is kept in the media folder (by content)
 * as a `rejected` take; an unreadable one is recorded `unusable`. Either way its verdict and its
 * cost are stored, and the error returned says so (`verification_failed` / `unusable_clip`,
 * with `details.paidTake`): the job ends there unless the retake policy buys another.
 */
async function keepFailedTake(
  ctx: EngineContext,
  job: LiveJob,
  live: Live,
  cost: number,
  checkError: ShotrouterError,
  clip: { file: string; downloaded: Awaited<ReturnType<typeof downloadVideo>> },
  /** the clip's facts when its container check passed (a take that failed the take checks) */
  passedFacts?: ClipFacts,
): Promise<ShotrouterError> {
  const details = (checkError.details ?? {}) as Partial<VerificationDetails>;
  const checks: ClipCheck[] = details.checks ?? [
    { code: 'checks', ok: false, value: null, limit: null, message: checkError.message },
  ];
  const failed = checks.filter((c) => !c.ok).map(checkText);
  const probe = details.probe;
  const facts: ClipFacts | undefined =
    passedFacts ??
    (probe && {
      duration: probe.durationSeconds,
      width: probe.width,
      height: probe.height,
      fps: probe.fps,
      audio: probe.hasAudio,
    });
  if (details.playable !== false && facts !== undefined) {
    const { downloaded } = clip;
    const kept = ctx.media.keep(clip.file, downloaded.sha256, downloaded.extension);
    const error = new ShotrouterError(
      'verification_failed',
      `paid take kept (${kept}) but it failed its checks: ${failed.join('; ')}`,
      { details: { paidTake: true, checks } },
    );
    await endAttempt(ctx, job, live, 'rejected', error, cost, async (tx) => {
      await tx.putMedia(
        mediaRow(
          {
            sha256: downloaded.sha256,
            path: kept,
            bytes: downloaded.bytes,
            mediaType: downloaded.mediaType,
          },
          facts,
          ctx.at(),
        ),
      );
      await tx.updateAttempt(live.id, {
        media_sha256: downloaded.sha256,
        verdict_json: JSON.stringify(checks),
      });
    });
    return error;
  }
  fs.rmSync(clip.file, { force: true });
  const error = new ShotrouterError(
    'unusable_clip',
    `paid, but the clip is unusable: ${failed.join('; ') || checkError.message}`,
    { details: { paidTake: true, checks } },
  );
  await endAttempt(ctx, job, live, 'unusable', error, cost, (tx) =>
    tx.updateAttempt(live.id, { verdict_json: JSON.stringify(checks) }),
  );
  return error;
}

/** A failing check in words, led by its code (scripts and people both read the error). */
function checkText(check: ClipCheck): string {
  return check.message.startsWith(check.code) ? check.message : `${check.code}: ${check.message}`;
}

/**
 * A clip whose container passed but that the take checks could not decode through: kept as a
 * failing take (its probe said it plays; what fails may be a frame image), never thrown away.
 */
function undecodable(error: ShotrouterError): ShotrouterError {
  const details: VerificationDetails = {
    playable: true,
    checks: [{ code: 'playable', ok: false, value: false, limit: true, message: error.message }],
    mismatches: [error.message],
  };
  return new ShotrouterError('verification_failed', error.message, { cause: error, details });
}

/** The verdict of a clip that passed: each check the media layer makes, all ok. */
function passedChecks(facts: ClipFacts, expected: ExpectedClip): ClipCheck[] {
  return clipChecks(
    {
      durationSeconds: facts.duration,
      width: facts.width,
      height: facts.height,
      fps: facts.fps,
      hasAudio: facts.audio,
    } as ProbeInfo,
    expected,
  ).map((check) => ({ ...check, ok: true }));
}

/** An error that ends a job with a paid take kept: not a reason to fall back or start again. */
export function isPaidTakeError(error: unknown): error is ShotrouterError {
  return (
    ShotrouterError.is(error) &&
    (error.details as { paidTake?: unknown } | undefined)?.paidTake === true
  );
}

/** Ends an attempt: its state, error, and the settled cost, in one transaction. */
async function endAttempt(
  ctx: EngineContext,
  job: LiveJob,
  live: Live,
  state: 'completed' | 'failed' | 'unknown' | 'rejected' | 'unusable',
  error: ShotrouterError | null,
  spentMicro: number,
  extra: (tx: Store) => Promise<void> = async () => {},
): Promise<void> {
  ctx.budget.settle(live.reserved, spentMicro);
  const reserved = live.reserved;
  live.reserved = 0;
  const drafts = reserved > 0 || spentMicro > 0 ? [ctx.spendEvent()] : [];
  await ctx.commit(async (tx) => {
    await extra(tx);
    await tx.updateAttempt(live.id, {
      state,
      sends: live.sends,
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
      finished_at: ctx.at(),
    });
    await tx.settle(live.id, spentMicro);
    await tx.addJobSpend(job.row.id, spentMicro);
  }, drafts);
  job.row.spend_micro += spentMicro;
}

export async function retryWait(
  ctx: EngineContext,
  job: LiveJob,
  error: ShotrouterError,
  retry: number,
): Promise<void> {
  const delayMs = backoffDelay(retry, ctx.retry, ctx.random, error.retryAfterSeconds);
  await ctx.commit(async () => {}, [
    {
      type: 'retry',
      jobId: job.row.id,
      key: job.spec.key,
      code: error.code,
      message: error.message,
      delayMs,
    },
  ]);
  await ctx.clock.sleep(delayMs, ctx.signal);
}

/** A failed generation, with the code the adapter put in `providerMetadata.shotrouter.code`. */
function generationError(provider: string, message: string, metadata: unknown): ShotrouterError {
  const code = (metadata as { shotrouter?: { code?: unknown } } | undefined)?.shotrouter?.code;
  if (typeof code === 'string' && isProviderErrorCode(code)) {
    return providerError(code, `${provider}: ${message}`);
  }
  // unexplained failures are usually transient on the provider's side: try once more
  return providerError('server_error', `${provider}: the generation failed: ${message}`);
}

function warningText(warning: {
  type: string;
  feature?: string;
  details?: string;
  message?: string;
}): string {
  const what = warning.feature ?? warning.message ?? warning.type;
  return warning.details ? `${what}: ${warning.details}` : what;
}

function mergeWarnings(json: string, more: string[]): string {
  if (more.length === 0) return json;
  const list = JSON.parse(json) as string[];
  for (const w of more) if (!list.includes(w)) list.push(w);
  return JSON.stringify(list);
}
