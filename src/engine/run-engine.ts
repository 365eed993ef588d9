/**
 * The durable run: drives every job of a prepared run to a kept clip or a failure, all at once,
 * each as far as its provider's limits and the budget allow (no batches: a job starts as soon as
 * a slot frees). A job tries its routes best first (the plan's model, then its fallbacks); on
 * each route it makes the route's segments (one, or a chain) through attempts. Everything is
 * stored before and after each side effect, so a later call resumes: done is kept, in flight is
 * polled, the rest is started. Aborting stops new work and leaves that resumable state.
 */
import fs from 'node:fs';
import { ShotrouterError } from '../errors.ts';
import type { ProviderRegistry, ResolvedRoute } from '../providers/registry.ts';
import type { MediaFolder } from '../store/media-folder.ts';
import { sha256OfFile } from '../store/media-folder.ts';
import type { AttemptRow, JobRow, Store } from '../store/store.ts';
import { toMicro } from '../util/money.ts';
import {
  type AttemptTarget,
  isPaidTakeError,
  type KeptClip,
  retryWait,
  runAttempt,
} from './attempt.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './backoff.ts';
import { BudgetGate } from './budget.ts';
import { segmentsOf } from './call-options.ts';
import { type Clock, systemClock } from './clock.ts';
import {
  type ClipTools,
  EngineContext,
  finalError,
  isAbort,
  type LiveJob,
  mediaRow,
  type TakeJudge,
} from './context.ts';
import { EngineEvents } from './events.ts';
import type { JobSpec, RouteSpec } from './job-spec.ts';
import type { ConformsElsewhere } from './landing-conform.ts';
import { localFault } from './local-fault.ts';
import { failingCodes, type RetakePolicy } from './retake-policy.ts';
import { startFromFrame } from './start-frame.ts';
import type { StillSpec } from './still-spec.ts';
import { Stills, useStills } from './stills.ts';

export interface EngineOptions {
  store: Store;
  runId: string;
  /** the run's jobs, as built for it (see prepareRun) */
  specs: JobSpec[];
  registry: ProviderRegistry;
  media: MediaFolder;
  tools: ClipTools;
  clock?: Clock;
  /** [0, 1); for backoff jitter */
  random?: () => number;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  /** for downloads (default: global fetch) */
  fetch?: typeof fetch;
  events?: EngineEvents;
  /** downloads and checks at once (default 4) */
  downloads?: number;
  /** what may be bought after a paid take fails its checks (default: each job's `policy.qc`) */
  retakePolicy?: RetakePolicy;
  /**
   * Looks at each take after its checks when the job's `policy.qc.judge` names a model (a
   * vision judge); absent: the judge is not called, the checks alone decide.
   */
  judge?: TakeJudge;
  /**
   * Makes one job's clip, trying its routes (default `produceJob`, in this process). The
   * distributed executor (src/queue/) hands the job to a worker and waits for its outcome here.
   * Called for jobs that lead their cache key and are not stand-bys waiting on their group.
   */
  produce?: JobProducer;
  /**
   * The stills of the storyboard's `images:` (engine/still-spec.ts): made once, when the
   * first job that uses one is about to start; that job and every other using it wait for it.
   */
  stills?: StillSpec[];
  /**
   * The run's landing conforms (assemble/landing.ts): an executor whose workers keep the clips
   * (the distributed one) has them conform each clip there, as this says; runEngine keeps its
   * clips here, where the run conforms them, and ignores it.
   */
  conformsElsewhere?: ConformsElsewhere;
}

/** Drives one job to `done` or `failed` (its row says which), or throws when aborted. */
export type JobProducer = (ctx: EngineContext, job: LiveJob) => Promise<void>;

export type JobOutcome = 'done' | 'failed' | 'skipped' | 'aborted';

export interface EngineOutcome {
  state: 'finished' | 'aborted';
  done: number;
  failed: number;
  jobs: JobRow[];
}

export async function runEngine(options: EngineOptions): Promise<EngineOutcome> {
  const { store, runId } = options;
  const run = await store.run(runId);
  if (!run) throw new ShotrouterError('internal', `run ${runId} not found`);
  const rows = new Map((await store.jobs(runId)).map((row) => [`${row.shot_id}#${row.take}`, row]));
  const ledger = await store.ledgerTotals(runId);
  // a still is no job: what this run paid for its stills is on their rows
  const stillSpend = (await store.stills(runId)).reduce(
    (sum, row) => sum + Number(row.spent_micro),
    0,
  );
  const cachedSpend = [...rows.values()]
    .filter((row) => row.cached === 1)
    .reduce((sum, row) => sum + row.spend_micro, 0);

  const signal = options.signal ?? new AbortController().signal;
  const ctx = new EngineContext({
    store,
    runId,
    registry: options.registry,
    media: options.media,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    signal,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    tools: options.tools,
    fetch: options.fetch,
    events: options.events ?? new EngineEvents(),
    budget: new BudgetGate({
      budgetMicro: run.budget_micro,
      reservedMicro: ledger.reservedMicro,
      spentMicro: ledger.spentMicro + cachedSpend + stillSpend,
    }),
    downloads: options.downloads ?? 4,
    ...(options.retakePolicy ? { retakePolicy: options.retakePolicy } : {}),
    ...(options.judge ? { judge: options.judge } : {}),
  });
  options.media.removeLeftovers();
  const stills = new Stills(ctx, options.stills ?? []);

  const jobs: LiveJob[] = options.specs.map((spec) => {
    const row = rows.get(spec.key);
    if (!row) throw new ShotrouterError('internal', `job ${spec.key} is not in run ${runId}`);
    return { spec, row };
  });
  const outcomes = new Map(jobs.map((job) => [job.spec.key, deferred<JobOutcome>()]));
  const leaders = new Map<string, string>();
  for (const job of jobs) {
    if (!leaders.has(job.spec.cacheKey)) leaders.set(job.spec.cacheKey, job.spec.key);
  }

  const count = (state: string) => jobs.filter((job) => job.row.state === state).length;
  const runEvent = (state: 'started' | 'finished' | 'aborted') =>
    ctx.commit(async () => {}, [
      { type: 'run', state, jobs: jobs.length, done: count('done'), failed: count('failed') },
    ]);
  await runEvent('started');
  await ctx.commit(async () => {}, [ctx.spendEvent()]);

  let broken: unknown;
  await Promise.all(
    jobs.map(async (job) => {
      const outcome = outcomes.get(job.spec.key)!;
      try {
        const producer = options.produce ?? produceJob;
        outcome.resolve(await driveJob(ctx, job, jobs, outcomes, leaders, producer, stills));
      } catch (error) {
        outcome.resolve(isAbort(error, signal) ? 'aborted' : 'failed');
        // the store itself failed: let every other job finish, then report it
        if (!isAbort(error, signal)) broken ??= error;
      }
    }),
  );
  // halted by a local fault: nothing more is written (the disk or database may be what failed)
  if (ctx.fault) throw ctx.fault;
  if (broken !== undefined) throw broken;

  const aborted = signal.aborted && jobs.some((job) => !isFinal(job.row.state));
  if (!aborted) await store.setRunState(runId, 'finished');
  await runEvent(aborted ? 'aborted' : 'finished');
  return {
    state: aborted ? 'aborted' : 'finished',
    done: count('done'),
    failed: count('failed'),
    jobs: await store.jobs(runId),
  };
}

const isFinal = (state: string) => state === 'done' || state === 'failed' || state === 'skipped';

async function driveJob(
  ctx: EngineContext,
  job: LiveJob,
  jobs: readonly LiveJob[],
  outcomes: Map<string, Deferred<JobOutcome>>,
  leaders: Map<string, string>,
  producer: JobProducer,
  stills: Stills,
): Promise<JobOutcome> {
  const { spec } = job;
  // final for this run; prepareRun queues failed jobs again for the next `run`
  if (job.row.state === 'done' || job.row.state === 'skipped' || job.row.state === 'failed') {
    return job.row.state;
  }

  if (spec.standbyFor) {
    const lead = await outcomes.get(spec.standbyFor)!.promise;
    if (lead === 'aborted') return 'aborted';
    if (lead === 'done') {
      await ctx.setJob(job, 'skipped', {}, 'the group generation made this shot');
      return 'skipped';
    }
    if (job.row.state === 'standby') {
      await ctx.setJob(
        job,
        'queued',
        {},
        'the group generation failed; making the shot on its own',
      );
    }
  }

  // waits for the stills it uses (first frame, last frame, references), as for a shot below
  if (spec.references.some((ref) => ref.still !== undefined)) {
    const ready = await useStills(ctx, job, stills);
    if (ready !== 'ready') return ready;
  }

  // waits for the shot it starts from, then carries that take's frame as its first frame
  if (spec.firstFrameFrom) {
    const ready = await startFromFrame(ctx, job, jobs, (key) => outcomes.get(key)!.promise);
    if (ready !== 'ready') return ready;
  }

  const leader = leaders.get(spec.cacheKey)!;
  if (leader !== spec.key) return follow(ctx, job, leader, outcomes);

  await producer(ctx, job);
  return (job.row.state as string) === 'done' ? 'done' : 'failed';
}

/**
 * Makes a job's clip in this process, from where its row stands (kept segments are reused,
 * attempts in flight are polled): the job ends `done` or `failed`; throws only when aborted.
 */
export async function produceJob(ctx: EngineContext, job: LiveJob): Promise<void> {
  try {
    await produce(ctx, job);
  } catch (error) {
    if (isAbort(error, ctx.signal)) throw error;
    // a fault of this machine (disk, folder, database): the whole run halts, resumable
    const fault = localFault(error, ctx.media.root);
    if (fault) {
      ctx.halt(fault);
      throw fault;
    }
    // a bug or a broken store: this job fails, the others go on
    const message = error instanceof Error ? error.message : String(error);
    await ctx.setJob(job, 'failed', { error_code: 'internal', error_message: message }, message);
  }
}

/** A job with the same cache key as an earlier job of the run uses that job's clip. */
async function follow(
  ctx: EngineContext,
  job: LiveJob,
  leaderKey: string,
  outcomes: Map<string, Deferred<JobOutcome>>,
): Promise<JobOutcome> {
  const outcome = await outcomes.get(leaderKey)!.promise;
  if (outcome === 'aborted') return 'aborted';
  const leader = (await ctx.store.jobs(ctx.runId)).find(
    (row) => `${row.shot_id}#${row.take}` === leaderKey,
  )!;
  if (leader.state === 'done') {
    await ctx.setJob(
      job,
      'done',
      {
        media_sha256: leader.media_sha256,
        cached: 1,
        model: leader.model,
        provider: leader.provider,
      },
      `same request as ${leaderKey}`,
    );
    return 'done';
  }
  await ctx.setJob(
    job,
    'failed',
    {
      error_code: leader.error_code,
      error_message: leader.error_message,
      // the leader's best failing take, when every take failed its checks
      media_sha256: leader.media_sha256,
    },
    `same request as ${leaderKey}, which failed`,
  );
  return 'failed';
}

/** Tries the job's routes, best first, from where it stands. */
async function produce(ctx: EngineContext, job: LiveJob): Promise<void> {
  const { spec } = job;
  const reasons: string[] = [];
  let lastError: ShotrouterError | undefined;
  let failedTakes = 0;
  /** the latest paid take that failed its checks, once one did */
  let paidFailure: ShotrouterError | undefined;
  for (let r = job.row.route_index; r < spec.routes.length; r++) {
    const route = spec.routes[r]!;
    // a fallback preflight ruled out (no credentials, prompt too long) is passed over, unless
    // this job already has work on it from an earlier run (that is polled as stored)
    if (route.unusable !== undefined && !(r === job.row.route_index && job.row.attempts > 0)) {
      reasons.push(`${route.model} (${route.provider}): not used: ${route.unusable}`);
      continue;
    }
    if (r !== job.row.route_index) {
      await ctx.setJob(job, 'queued', {
        route_index: r,
        model: route.model,
        provider: route.provider,
      });
    }
    try {
      const resolved = ctx.registry.resolve(route.provider, route.model);
      const disabled = ctx.disabled.get(resolved.provider.id);
      if (disabled) throw new ShotrouterError('unsatisfiable', `skipped: ${disabled}`);
      const clip = await produceRoute(ctx, job, r, route, resolved);
      await ctx.setJob(job, 'done', {
        media_sha256: clip.sha256,
        error_code: null,
        error_message: null,
      });
      return;
    } catch (thrown) {
      if (isAbort(thrown, ctx.signal)) throw thrown;
      // no fallback for a fault of this machine: every route would fail the same way
      if (localFault(thrown, ctx.media.root)) throw thrown;
      const error = ShotrouterError.is(thrown)
        ? thrown
        : new ShotrouterError('internal', String(thrown), { cause: thrown });
      // a retake or fallback the budget could not cover after all: the kept take stands
      if (paidFailure && error.code === 'over_budget') {
        await endWithKeptTakes(ctx, job, paidFailure, error.message);
        return;
      }
      lastError = error;
      if (isPaidTakeError(error)) {
        failedTakes++;
        paidFailure = error;
        const decision = ctx.retakePolicy.afterFailedTake({
          spec,
          routeIndex: r,
          failedTakes,
          error,
        });
        const nextRoute = decision === 'retake' ? route : nextUsable(spec, r);
        const unaffordable =
          decision !== 'keep' &&
          nextRoute !== undefined &&
          !ctx.budget.covers(priceOf(ctx, nextRoute))
            ? `no retake: another take on ${nextRoute.model} would pass the budget`
            : undefined;
        if (decision === 'keep' || nextRoute === undefined || unaffordable) {
          await endWithKeptTakes(ctx, job, error, unaffordable);
          return;
        }
        if (decision === 'retake') {
          // told as a retry of the job: the same route once more, for the checks it failed
          await ctx.commit(async () => {}, [
            {
              type: 'retry',
              jobId: job.row.id,
              key: spec.key,
              code: error.code,
              message: `retake ${failedTakes} of ${spec.qc?.retake ?? failedTakes} on ${route.model}, for ${failingCodes(error).join(', ')}`,
              delayMs: 0,
            },
          ]);
        }
        if (decision === 'retake' && failedTakes <= ctx.retry.maxStarts) {
          r--;
          continue;
        }
      }
      reasons.push(`${route.model} (${route.provider}): ${error.message}`);
      const next = spec.routes[r + 1];
      const note = next
        ? `fell back from ${route.model} to ${next.model}: ${error.message}`
        : `${route.model} failed: ${error.message}`;
      const warnings = JSON.parse(job.row.warnings_json) as string[];
      warnings.push(note);
      await ctx.commit(
        (tx) => tx.updateJob(job.row.id, { warnings_json: JSON.stringify(warnings) }),
        [
          {
            type: 'fallback',
            jobId: job.row.id,
            key: spec.key,
            from: route.model,
            to: next?.model ?? null,
            reason: error.message,
          },
        ],
      );
      job.row.warnings_json = JSON.stringify(warnings);
    }
  }
  const message =
    spec.routes.length === 0
      ? 'no model can make this shot on its own'
      : `failed on every allowed model: ${reasons.join('; ')}`;
  if (paidFailure) {
    // the routes after a failing take failed too: the best kept take still goes in the cut
    await endWithKeptTakes(ctx, job, new ShotrouterError(paidFailure.code, message));
    return;
  }
  await ctx.setJob(
    job,
    'failed',
    { error_code: lastError?.code ?? 'unsatisfiable', error_message: message },
    message,
  );
}

/** What a take on `route` reserves: nothing on a free (local, preview) provider. */
function priceOf(ctx: EngineContext, route: RouteSpec): number {
  try {
    if (ctx.registry.resolve(route.provider, route.model).provider.free) return 0;
  } catch {
    // unresolvable: the attempt will say so; count its list price meanwhile
  }
  return toMicro(route.estimateUsd);
}

/** The next route after `r` that may be used in this run. */
function nextUsable(spec: JobSpec, r: number): RouteSpec | undefined {
  return spec.routes.slice(r + 1).find((route) => route.unusable === undefined);
}

/**
 * Ends a job whose paid takes all failed their checks: `failed`, naming the failed checks, with
 * its best kept take (bestTake) as the job's clip, so the cut shows it, marked, rather than a
 * slate. `--retry-failed` buys the job again.
 */
async function endWithKeptTakes(
  ctx: EngineContext,
  job: LiveJob,
  error: ShotrouterError,
  note?: string,
): Promise<void> {
  const best = bestTake(await ctx.store.attempts(job.row.id), job.spec.qc?.on);
  const message = note ? `${error.message} (${note})` : error.message;
  await ctx.setJob(
    job,
    'failed',
    {
      error_code: error.code,
      error_message: message,
      ...(best ? { media_sha256: best.media_sha256 } : {}),
    },
    message,
  );
}

/**
 * The take that goes in the cut when every take failed: among kept (rejected) takes, the one
 * with the fewest failing checks that buy retakes (`policy.qc.on`), then the fewest failing
 * checks, then the latest.
 */
export function bestTake(
  attempts: readonly AttemptRow[],
  on: readonly string[] = [],
): AttemptRow | undefined {
  const score = (a: AttemptRow) => {
    const checks = JSON.parse(a.verdict_json ?? '[]') as Array<{ code: string; ok: boolean }>;
    const failing = checks.filter((c) => !c.ok);
    return [failing.filter((c) => on.includes(c.code)).length, failing.length] as const;
  };
  let best: AttemptRow | undefined;
  let bestScore: readonly [number, number] = [Infinity, Infinity];
  // attempts come in the order they were made: on a tie, the later one wins
  for (const a of attempts) {
    if (a.state !== 'rejected' || a.media_sha256 === null) continue;
    const s = score(a);
    if (s[0] < bestScore[0] || (s[0] === bestScore[0] && s[1] <= bestScore[1])) {
      best = a;
      bestScore = s;
    }
  }
  return best;
}

/** Makes every segment of a route (reusing those already kept) and joins them. */
async function produceRoute(
  ctx: EngineContext,
  job: LiveJob,
  routeIndex: number,
  route: RouteSpec,
  resolved: ResolvedRoute,
): Promise<{ sha256: string; path: string }> {
  const previous = (await ctx.store.attempts(job.row.id)).filter(
    (a) => a.route_index === routeIndex,
  );
  const segments = segmentsOf(route);
  const clips: Array<{ sha256: string; path: string }> = [];
  for (let segment = 0; segment < segments.length; segment++) {
    const kept = previous.find(
      (a) => a.segment === segment && a.state === 'completed' && a.media_sha256,
    );
    const media = kept ? await ctx.store.media(kept.media_sha256!) : undefined;
    if (media) {
      clips.push({ sha256: media.sha256, path: media.path });
      continue;
    }
    const before = clips[segment - 1];
    const target: AttemptTarget = {
      routeIndex,
      route,
      resolved,
      segment,
      ...(route.chain?.kind === 'extend' && before
        ? {
            extendFrom: {
              data: fs.readFileSync(ctx.media.absolute(before.path)),
              sha256: before.sha256,
            },
          }
        : {}),
    };
    const open = previous.find(
      (a) => a.segment === segment && (a.state === 'starting' || a.state === 'running'),
    );
    clips.push(await produceSegment(ctx, job, target, open));
  }
  return clips.length === 1 ? clips[0]! : joinSegments(ctx, route, clips);
}

/** One segment: attempts until one keeps a clip, a new logical start after each retryable failure. */
async function produceSegment(
  ctx: EngineContext,
  job: LiveJob,
  target: AttemptTarget,
  open: AttemptRow | undefined,
): Promise<KeptClip> {
  for (let starts = 1; ; starts++) {
    try {
      return await runAttempt(ctx, job, target, open);
    } catch (thrown) {
      open = undefined;
      if (isAbort(thrown, ctx.signal) || !ShotrouterError.is(thrown) || !thrown.retryable)
        throw thrown;
      if (starts >= ctx.retry.maxStarts) throw finalError(thrown, starts);
      await retryWait(ctx, job, thrown, starts - 1);
    }
  }
}

/** The segments of a chain, joined into the route's one clip and kept like any clip. */
async function joinSegments(
  ctx: EngineContext,
  route: RouteSpec,
  clips: Array<{ sha256: string; path: string }>,
): Promise<{ sha256: string; path: string }> {
  const release = await ctx.downloads.acquire(ctx.signal);
  const temp = ctx.media.tempPath('mp4');
  try {
    await ctx.tools.join(
      clips.map((c) => ctx.media.absolute(c.path)),
      temp,
      ctx.signal,
    );
    const expected = { ...route.generate, seconds: segmentsOf(route).reduce((a, b) => a + b, 0) };
    const facts = await ctx.tools.inspect(temp, expected, ctx.signal);
    const sha256 = await sha256OfFile(temp);
    const path = ctx.media.keep(temp, sha256, 'mp4');
    const bytes = fs.statSync(ctx.media.absolute(path)).size;
    await ctx.commit(
      (tx) =>
        tx.putMedia(mediaRow({ sha256, path, bytes, mediaType: 'video/mp4' }, facts, ctx.at())),
      [],
    );
    return { sha256, path };
  } finally {
    fs.rmSync(temp, { force: true });
    release();
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
