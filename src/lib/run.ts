/**
 * Running a storyboard, as the library offers it: plan → jobs → the durable engine → the cut.
 * The CLI's `run` and the HTTP API's runs both come through here.
 *
 * Progress arrives as typed events (`onEvent`): the engine's own (job states, retries,
 * fallbacks, spend, run start/end) plus the stages around them (`prepared`, `assembling`,
 * `assembled`). Cancel with an `AbortSignal`: the engine stops starting work and leaves a state
 * that the same call resumes later. Money needs consent: when the run may spend, `confirmSpend`
 * is asked with the estimate before the first paid call; without it, the run refuses.
 *
 * Seams for other ways of carrying out a run: `openStore` (where the state lives, e.g. a shared
 * PostgreSQL) and `execute` (what drives the jobs, e.g. distributed workers taking them from a
 * queue); both default to this process.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  type AssemblyStep,
  assembleDelivery,
  checkSoundFiles,
  type DeliveryInput,
  LandingConformer,
  type RunReport,
  type ShotReport,
  writeReport,
} from '../assemble/index.ts';
import type { Catalog } from '../catalog/load.ts';
import {
  buildJobSpecs,
  type ClipTools,
  type Clock,
  type EngineEvent,
  EngineEvents,
  type EngineOptions,
  type EngineOutcome,
  ffmpegClipTools,
  type JobSpec,
  prepareRun,
  runEngine,
  type StillSpec,
  stillSpecs,
  type TakeJudge,
} from '../engine/index.ts';
import { ShotrouterError } from '../errors.ts';
import { even } from '../media/index.ts';
import {
  credentialsFor,
  isCredentialProvider,
  missingCredentialHint,
} from '../providers/credentials.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Plan } from '../router/types.ts';
import { MediaFolder } from '../store/media-folder.ts';
import { DATABASE_FILE, type JobRow, openStore, type Store } from '../store/store.ts';
import { hasNarration } from '../storyboard/narration.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { shownUsd, toMicro, toUsd } from '../util/money.ts';
import { catalogJudge } from './judge.ts';
import {
  type NarrationVoice,
  narrate,
  narrationToBuy,
  PREVIEW_VOICE,
  plannedVoices,
} from './narration.ts';
import { assertRunnable, plan as makePlan } from './plan.ts';
import {
  checkDisk,
  checkMedia,
  checkReachable,
  checkRoutes,
  checkStills,
  estimateMediaBytes,
  type PreflightProblem,
  preflightError,
  prepareFolder,
} from './preflight.ts';
import { adaptersFor, previewRegistry, providerRegistry } from './providers.ts';

/** What a run may still spend, at list prices, before it starts. */
export interface SpendEstimate {
  /**
   * USD of every job still to make, on its first route, and of the narration not made yet
   * (0 for a preview)
   */
  usd: number;
  /** jobs still to make (a narration to buy counts as one) */
  jobs: number;
  /** jobs whose clip (or narration) is already made (by this run or an earlier one in the folder) */
  done: number;
  /**
   * what `confirmSpend` is asked for: `narration`, the text to speech bought before any video
   * (asked first, on its own); absent: the generation
   */
  stage?: 'narration';
}

/** The run is in the database and about to start (sent before `confirmSpend` is asked). */
export interface PreparedEvent {
  type: 'prepared';
  at: string;
  runId: string;
  /** the run folder */
  dir: string;
  preview: boolean;
  /** the same plan was run here before: done work is kept, work in flight is polled */
  resumed: boolean;
  jobs: number;
  done: number;
  /** clips reused from earlier runs in this folder */
  reused: number;
  /** USD still to spend at list prices (0 for a preview) */
  toSpendUsd: number;
  /**
   * USD at most, if every take still to make fails its checks and every retake `policy.qc`
   * allows is bought at its dearest route (0 for a preview); the budget still bounds the run
   */
  worstCaseUsd: number;
  /** what preflight changed without stopping the run (e.g. fallbacks dropped for want of keys) */
  warnings: string[];
}

export interface AssemblingEvent {
  type: 'assembling';
  at: string;
  runId: string;
}

export interface AssembledEvent {
  type: 'assembled';
  at: string;
  runId: string;
  report: RunReport;
}

/**
 * What the assembly is doing: a clip being conformed (also while the run goes on, as clips
 * land), the join, the timelines, the report.
 */
export type AssemblyEvent = {
  type: 'assembly';
  at: string;
  runId: string;
} & AssemblyStep;

export type StageEvent = PreparedEvent | AssemblingEvent | AssemblyEvent | AssembledEvent;
export type RunProgressEvent = EngineEvent | StageEvent;

/** Makes the cut (and the files beside it) once every job is over. */
export type Assembler = (input: DeliveryInput) => Promise<{ report: RunReport; final: string }>;

export interface RunOptions {
  storyboard: Storyboard;
  catalog: Catalog;
  /** default: the plan of `storyboard` (see `plan`) */
  plan?: Plan;
  /** the run folder: database, media, the cut; created when missing */
  dir: string;
  /** render every shot locally as a labelled placeholder; nothing is spent */
  preview?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: RunProgressEvent) => void;
  /** asked once, when the run may spend, before the first paid call; resolve true to spend */
  confirmSpend?: (estimate: SpendEstimate) => boolean | Promise<boolean>;
  /** who makes the clips (default: the preview renderer, or the real adapters) */
  registry?: ProviderRegistry;
  /** where the real adapters read provider credentials (default: the process's environment) */
  env?: Record<string, string | undefined>;
  /** how clips are checked and joined (default: ffmpeg) */
  tools?: ClipTools;
  /** looks at each take after its checks when `policy.qc.judge` names a model (engine seam) */
  judge?: TakeJudge;
  clock?: Clock;
  /** where the run's state lives (default: SQLite in `dir`) */
  openStore?: (dir: string) => Promise<Store>;
  /** drives the prepared jobs (default: this process's engine) */
  execute?: (options: EngineOptions) => Promise<EngineOutcome>;
  /** default: the assembler; `false`: write report.json only */
  assemble?: Assembler | false;
  /**
   * Buy again the shots whose paid take failed its checks or was unusable (those are kept and
   * not bought again by default). Still within the budget.
   */
  retryFailed?: boolean;
  /** free bytes on the disk holding a folder (default: statfs); for tests */
  freeBytes?: (dir: string) => number | undefined;
}

export interface RunResult {
  runId: string;
  dir: string;
  state: 'finished' | 'aborted';
  report: RunReport;
  /** absolute path of the cut; null when none was assembled */
  final: string | null;
  /** shots without a clip after the run */
  failed: ShotReport[];
}

/**
 * Plans (unless given a plan), prepares the run in `dir` (resuming the same plan's run), asks
 * for consent to spend, generates every shot and assembles the cut. Throws `unsatisfiable` or
 * `over_budget` before anything is stored when the plan cannot run; returns `aborted` when the
 * signal stopped it (run it again to resume).
 */
export async function run(given: RunOptions): Promise<RunResult> {
  const options = await withNarration(given);
  const { storyboard, catalog } = options;
  const preview = options.preview === true;
  const plan = options.plan ?? makePlan(storyboard, catalog);
  assertRunnable(plan, { preview });
  const registry =
    options.registry ??
    (preview
      ? previewRegistry()
      : providerRegistry(catalog, plan, adaptersFor(catalog, options.env ?? process.env)));
  const dir = path.resolve(options.dir);
  const checked = await preflightRun(options, plan, registry, dir);
  // music the cut could not use fails now, before anything is stored or spent
  await checkSoundFiles(storyboard, options.signal);
  const specs = checked.specs;
  const store = await openRunStore(options.openStore ?? defaultStore, dir);
  const clock = options.clock;
  const at = () => new Date(clock ? clock.now() : Date.now()).toISOString();
  const emit = options.onEvent ?? (() => {});
  let landing: LandingConformer | undefined;
  try {
    const prepared = await prepareRun(
      store,
      {
        title: plan.title,
        storyboardFile: storyboard.file,
        storyboardSha256: createHash('sha256')
          .update(fs.readFileSync(storyboard.file))
          .digest('hex'),
        planJson: JSON.stringify(plan),
        // the narration is bought from the same budget: the engine's share is what it leaves
        budgetMicro:
          plan.budget_usd === null
            ? null
            : Math.max(0, Math.round(plan.budget_usd * 1e6) - speechMicro(plan)),
        executor: registry.executor,
      },
      specs,
      dir,
      { retryFailed: options.retryFailed === true },
    );
    const runId = prepared.run.id;
    const jobs = await store.jobs(runId);
    const done = jobs.filter((j) => j.state === 'done' || j.state === 'skipped').length;
    const stills = stillSpecs(plan, storyboard, registry.executor);
    const stillsUsd = preview ? 0 : toUsd(await stillsLeftMicro(store, stills));
    const toSpendUsd = preview ? 0 : toUsd(toMicro(estimateLeft(specs, jobs)) + toMicro(stillsUsd));
    const worstCaseUsd = preview
      ? 0
      : toUsd(toMicro(estimateLeft(specs, jobs, { retakes: true })) + toMicro(stillsUsd));
    const left = new Set(
      jobs.filter((j) => !isSettled(j.state)).map((j) => `${j.shot_id}#${j.take}`),
    );
    const disk = checkDisk(
      dir,
      estimateMediaBytes(
        specs.filter((s) => left.has(s.key)),
        storyboard,
      ),
      options.freeBytes,
    );
    if (disk !== null) throw preflightError([{ check: 'disk', message: disk }]);
    emit({
      type: 'prepared',
      at: at(),
      runId,
      dir,
      preview,
      resumed: prepared.resumed,
      jobs: jobs.length,
      done,
      reused: prepared.reused,
      toSpendUsd,
      worstCaseUsd,
      warnings: checked.warnings,
    });
    if (toSpendUsd > 0) {
      const estimate = { usd: toSpendUsd, jobs: jobs.length - done, done };
      const agreed = options.confirmSpend ? await options.confirmSpend(estimate) : false;
      if (!agreed) {
        throw new ShotrouterError(
          'aborted',
          `nothing spent: this run may spend up to ${shownUsd(toSpendUsd)} and that was not agreed to`,
        );
      }
    }

    const events = new EngineEvents();
    events.on(emit);
    const signal = options.signal ?? new AbortController().signal;
    const step = (what: AssemblyStep) => emit({ type: 'assembly', at: at(), runId, ...what });
    const assemble = options.assemble ?? assembleDelivery;
    // every clip is conformed as it lands, so after the last one only the join is left
    landing =
      assemble === false
        ? undefined
        : new LandingConformer({
            dir,
            store,
            storyboard,
            plan,
            specs,
            preview,
            signal,
            onConform: (shotId, take) => step({ step: 'conform', shotId, take }),
          });
    events.on((event) => {
      if (event.type === 'job' && event.state === 'done') landing?.landed(event.jobId);
    });
    const outcome = await (options.execute ?? runEngine)({
      store,
      runId,
      specs,
      registry,
      media: new MediaFolder(dir),
      stills,
      tools: options.tools ?? ffmpegClipTools,
      // the free preview never asks a paid judge
      ...(options.judge
        ? { judge: options.judge }
        : preview
          ? {}
          : { judge: catalogJudge(options.catalog, options.env ?? process.env) }),
      signal,
      events,
      ...(clock ? { clock } : {}),
      ...(landing ? { conformsElsewhere: landing.elsewhere } : {}),
    });

    const input: DeliveryInput = { dir, store, runId, storyboard, plan, specs, preview, signal };
    if (outcome.state === 'aborted' || assemble === false) {
      const report = await writeReport(input, null);
      return result(runId, dir, outcome.state, report, null);
    }
    emit({ type: 'assembling', at: at(), runId });
    await landing?.settled();
    const cut = await assemble({
      ...input,
      ...(landing ? { folder: landing.folder } : {}),
      onStep: step,
    });
    emit({ type: 'assembled', at: at(), runId, report: cut.report });
    return result(runId, dir, 'finished', cut.report, cut.final);
  } finally {
    // no conform may outlive the store it reads
    await landing?.settled();
    await store.close();
  }
}

/**
 * Narration is made before anything else (lib/narration.ts), so that a `duration: auto` shot is
 * planned, and its video asked for, at the narration's real length: the plan is made again on
 * the measured lengths, with the given plan's date, budget and providers.
 */
async function withNarration(options: RunOptions): Promise<RunOptions> {
  const { storyboard, catalog } = options;
  if (!hasNarration(storyboard)) return options;
  const preview = options.preview === true;
  const dir = path.resolve(options.dir);
  const estimated = options.plan ?? makePlan(storyboard, catalog);
  let voiceOf: (speaker: string) => NarrationVoice = () => PREVIEW_VOICE;
  if (!preview) {
    // nothing is bought for a plan that cannot run, nor without consent to spend
    assertRunnable(estimated);
    const env = options.env ?? process.env;
    const voices = plannedVoices(estimated, storyboard, catalog, env);
    const missing = [...new Set((estimated.speech ?? []).map((s) => s.provider))].filter(
      (provider) => !isCredentialProvider(provider) || credentialsFor(provider, env) === null,
    );
    if (missing.length > 0) {
      throw preflightError(
        missing.map((provider) => ({
          check: 'credentials',
          message: `narration is read on ${provider}, which has no credentials: ${isCredentialProvider(provider) ? missingCredentialHint(provider) : 'configure it'}`,
        })),
      );
    }
    const toBuy = narrationToBuy(estimated, storyboard, dir);
    if (toBuy.usd > 0) {
      const agreed = options.confirmSpend
        ? await options.confirmSpend({
            usd: toBuy.usd,
            jobs: toBuy.steps,
            done: toBuy.made,
            stage: 'narration',
          })
        : false;
      if (!agreed) {
        throw new ShotrouterError(
          'aborted',
          `nothing spent: the narration may cost up to ${shownUsd(toBuy.usd)} and that was not agreed to`,
        );
      }
    }
    voiceOf = (speaker) => voices.get(speaker)!;
  }
  const narrated = await narrate(storyboard, dir, voiceOf, options.signal);
  if (!narrated.storyboard.shots.some((shot) => shot.durationAuto !== undefined)) {
    return { ...options, storyboard: narrated.storyboard, plan: estimated };
  }
  const plan = makePlan(narrated.storyboard, catalog, {
    asOf: estimated.as_of,
    ...(estimated.budget_usd !== null ? { budgetUsd: estimated.budget_usd } : {}),
    ...(estimated.providers ? { providers: estimated.providers } : {}),
  });
  return { ...options, storyboard: narrated.storyboard, plan };
}

function result(
  runId: string,
  dir: string,
  state: RunResult['state'],
  report: RunReport,
  final: string | null,
): RunResult {
  return {
    runId,
    dir,
    state,
    report,
    final,
    failed: report.shots.filter((s) => s.state !== 'done'),
  };
}

const defaultStore = (dir: string) => openStore({ dir });

/** Micro-USD of the plan's text-to-speech steps at list price. */
const speechMicro = (plan: Plan) =>
  (plan.speech ?? []).reduce((sum, step) => sum + toMicro(step.cost_usd), 0);

const isSettled = (state: string) =>
  state === 'done' || state === 'skipped' || state === 'standby' || state === 'failed';

/**
 * Preflight (lib/preflight.ts), before anything is stored or spent: ffmpeg (unless the caller
 * brings its own clip tools), the run folder, and each route's credentials and prompt limit
 * (unless a preview, or a registry of the caller's). Throws `environment` with every problem.
 */
async function preflightRun(
  options: RunOptions,
  plan: Plan,
  registry: ProviderRegistry,
  dir: string,
): Promise<{ specs: JobSpec[]; warnings: string[] }> {
  const problems: PreflightProblem[] = [];
  if (options.tools === undefined) {
    const media = await checkMedia();
    if (!media.ok) problems.push({ check: 'media', message: media.problem ?? 'ffmpeg is missing' });
  }
  const folder = prepareFolder(dir);
  if (folder !== null) problems.push({ check: 'folder', message: folder });
  let specs = await buildJobSpecs(plan, options.storyboard, registry.executor);
  if (options.preview === true) specs = placeholderSized(specs, options.storyboard.deliver.size);
  let warnings: string[] = [];
  if (options.preview !== true) {
    const routes = checkRoutes(
      specs,
      options.storyboard,
      options.catalog,
      options.env ?? process.env,
      {
        credentials: options.registry === undefined,
      },
    );
    problems.push(...routes.problems);
    specs = routes.specs;
    warnings = routes.warnings;
    problems.push(
      ...checkStills(
        stillSpecs(plan, options.storyboard, registry.executor),
        registry,
        options.env ?? process.env,
        { credentials: options.registry === undefined },
      ),
    );
    if (options.registry === undefined) {
      const reach = await checkReachable(specs, options.env ?? process.env);
      problems.push(...reach.problems);
      specs = reach.specs;
      warnings.push(...reach.warnings);
    }
  }
  if (problems.length > 0) throw preflightError(problems);
  return { specs, warnings };
}

/**
 * A preview's placeholders are made no larger than the deliverable: a 4K request for a 1080p
 * cut would cost seconds to draw and encode and as many to scale down, for a card that shows
 * the same timing. The placeholder keeps its shape (scaled to fit, even sides) and its length,
 * rate and sound; the plan and the report still say what the real run would ask for.
 */
export function placeholderSized(
  specs: JobSpec[],
  deliver: { width: number; height: number },
): JobSpec[] {
  return specs.map((spec) => ({
    ...spec,
    routes: spec.routes.map((route) => {
      const { width, height } = route.generate;
      const scale = Math.min(1, deliver.width / width, deliver.height / height);
      if (scale === 1) return route;
      return {
        ...route,
        generate: { ...route.generate, width: even(width * scale), height: even(height * scale) },
      };
    }),
  }));
}

/** Opens the run's database; a failure is the environment's (locked, unreadable), said plainly. */
async function openRunStore(open: (dir: string) => Promise<Store>, dir: string): Promise<Store> {
  try {
    return await open(dir);
  } catch (error) {
    if (ShotrouterError.is(error) && error.code === 'environment') throw error;
    const cause =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    throw preflightError([
      {
        check: 'store',
        message: /locked|busy/i.test(cause)
          ? `the run database in ${dir} is locked by another process (another run in the same folder?): wait for it to end, or give --out another folder`
          : `cannot open the run database in ${dir}: ${cause}`,
      },
    ]);
  }
}

/**
 * The list price of every job still to make, on its first route. After `prepareRun` a job still
 * `failed` keeps a paid take and is not bought again.
 */
/**
 * USD of the jobs still to make, each on its first route; with `retakes`, plus every retake its
 * `policy.qc` allows at the dearest route it may reach (as total.worst_case_usd counts them).
 */
/**
 * Micro-USD of the stills not yet kept in the folder (nor given up after a lost start) at their
 * list prices: a still already made by any run of the folder is not bought again.
 */
async function stillsLeftMicro(store: Store, stills: readonly StillSpec[]): Promise<number> {
  let micro = 0;
  for (const still of stills) {
    const row = await store.still(still.key);
    if (row?.state !== 'done' && row?.state !== 'lost') micro += toMicro(still.estimateUsd);
  }
  return micro;
}

function estimateLeft(specs: JobSpec[], jobs: JobRow[], options = { retakes: false }): number {
  const pending = new Set(
    jobs.filter((j) => !isSettled(j.state)).map((j) => `${j.shot_id}#${j.take}`),
  );
  return toUsd(
    specs
      .filter((s) => pending.has(s.key))
      .reduce((sum, s) => {
        const first = toMicro(s.routes[0]?.estimateUsd ?? 0);
        if (!options.retakes || !s.qc) return sum + first;
        // a retake moves at most one model down the list
        const reach = s.routes.filter((r) => r.unusable === undefined).slice(0, s.qc.retake + 1);
        const dearest = Math.max(first, ...reach.map((r) => toMicro(r.estimateUsd)));
        return sum + first + s.qc.retake * dearest;
      }, 0),
  );
}

export interface EstimateOptions {
  storyboard: Storyboard;
  plan: Plan;
  dir: string;
  preview?: boolean;
  /** the registry the run would use (its executor is part of every cache key) */
  registry?: ProviderRegistry;
  openStore?: (dir: string) => Promise<Store>;
}

/**
 * What `run` would still spend in `dir`, without storing anything: every job whose clip is not
 * already kept there (by this plan's run or any earlier one) at its first route's list price.
 */
export async function estimateRun(options: EstimateOptions): Promise<SpendEstimate> {
  const executor =
    options.registry?.executor ?? (options.preview ? previewRegistry().executor : 'providers');
  const specs = (await buildJobSpecs(options.plan, options.storyboard, executor)).filter(
    (s) => s.standbyFor === null,
  );
  const dir = path.resolve(options.dir);
  const kept = new Set<string>();
  const stills = stillSpecs(options.plan, options.storyboard, executor);
  let stillsMicro = stills.reduce((sum, still) => sum + toMicro(still.estimateUsd), 0);
  if (options.openStore || fs.existsSync(path.join(dir, DATABASE_FILE))) {
    const store = await (options.openStore ?? defaultStore)(dir);
    try {
      stillsMicro = await stillsLeftMicro(store, stills);
      for (const spec of specs) {
        for (const job of await store.reusableJobs(spec.cacheKey, '')) {
          // a kept paid take that failed its checks is not bought again
          if (job.state === 'failed') {
            kept.add(spec.key);
            break;
          }
          const media =
            job.state === 'done' && job.media_sha256 && (await store.media(job.media_sha256));
          if (media && fs.existsSync(path.join(dir, media.path))) {
            kept.add(spec.key);
            break;
          }
        }
      }
    } finally {
      await store.close();
    }
  }
  const left = specs.filter((s) => !kept.has(s.key));
  const micro = options.preview
    ? 0
    : left.reduce((sum, s) => sum + toMicro(s.routes[0]?.estimateUsd ?? 0), stillsMicro);
  // the narration not made yet is bought too, before the video
  const speech = options.preview
    ? { usd: 0, steps: 0, made: 0 }
    : narrationToBuy(options.plan, options.storyboard, dir);
  return {
    usd: toUsd(micro + toMicro(speech.usd)),
    jobs: left.length + speech.steps,
    done: kept.size + speech.made,
  };
}
