/**
 * The server's long-lived work: at most one run or pick per project at a time, the run's live
 * summary kept up to date from its events, every event fanned out to the project's event
 * stream, and stopping (one run from the API, or every run when the server stops). Route
 * handlers ask the supervisor; they never hold a run themselves.
 */
import type { z } from 'zod';
import { ShotrouterError } from '../errors.ts';
import type { Catalog } from '../lib/catalog.ts';
import { assertRunnable } from '../lib/plan.ts';
import type { Project } from '../lib/projects.ts';
import type { ProviderRegistry } from '../lib/providers.ts';
import {
  type Assembler,
  estimateRun,
  type RunOptions,
  type RunProgressEvent,
  run,
  type SpendEstimate,
} from '../lib/run.ts';
import type { statusFromStore } from '../lib/status.ts';
import { pickTake } from '../lib/takes.ts';
import type { Plan } from '../router/types.ts';
import { ApiError, errorResponse } from './errors.ts';
import { EventHub } from './hub.ts';
import type { RunInfoSchema } from './schemas.ts';
import type { ProjectStores } from './stores.ts';

/** a confirmation may round the estimate to the cent */
const CENT = 0.005;

export type RunInfo = z.output<typeof RunInfoSchema>;
export type RegistryFor = (preview: boolean, plan: Plan) => ProviderRegistry;

/** Who makes clips and how they are assembled (tests and benchmarks replace them). */
export interface RunnerSeams {
  registry?: RegistryFor;
  tools?: RunOptions['tools'];
  assemble?: Assembler | false;
}

/** A shared database (PostgreSQL) whose `shotrouter worker`s make the clips. */
export type SharedDatabase = Required<Pick<RunOptions, 'openStore' | 'execute'>>;

export interface SupervisorOptions {
  catalog: Catalog;
  env: Record<string, string | undefined>;
  registryFor: RegistryFor;
  stores: ProjectStores;
  runner?: RunnerSeams | undefined;
  shared?: SharedDatabase | undefined;
  /** server-side log lines (errors that are not the client's) */
  log: (line: string) => void;
  /** keep-alive comments on event streams */
  heartbeatMs: number;
}

/** How a run ended here (the newest one of each project is kept). */
export interface RunEnded {
  runId: string | null;
  state: 'finished' | 'aborted' | 'failed';
  error: RunInfo['error'];
}

/** A caller following one run: every event, then how it ended. */
export interface RunFollower {
  onEvent(event: RunProgressEvent): void;
  onEnded(ended: RunEnded): void;
}

/** A run or a pick in progress (one at a time per project). */
interface Busy {
  kind: 'run' | 'pick';
  controller: AbortController;
  done: Promise<void>;
  info: RunInfo;
  doneBefore: number;
  states: Map<string, string>;
}

/** What is going on in one project, in this server. */
interface Live {
  hub: EventHub;
  busy: Busy | null;
  /** how the last run in this server ended, until the next starts */
  ended: RunEnded | null;
}

type StoredStatus = Awaited<ReturnType<typeof statusFromStore>>;

export class RunSupervisor {
  readonly #options: SupervisorOptions;
  readonly #lives = new Map<string, Live>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#heartbeat = setInterval(() => {
      for (const live of this.#lives.values()) live.hub.heartbeat();
    }, options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** The number of the project's last event (an overview read after it includes it). */
  seq(project: Project): number {
    return this.#live(project).hub.seq;
  }

  /**
   * Refuses a change while a run or a pick is in flight, with a plain reason the board can show
   * (`details.lock`: what holds the project).
   */
  assertUnlocked(project: Project, what: string): void {
    const busy = this.#live(project).busy;
    if (!busy) return;
    throw new ApiError(
      'run_in_progress',
      busy.kind === 'run'
        ? `a run is in progress: ${what} once it has ended (or stop it)`
        : `a take is being picked and the cut assembled: ${what} in a moment`,
      { details: { lock: busy.kind } },
    );
  }

  /** Whether a run of the project is in progress in this server. */
  running(project: Project): boolean {
    return this.#live(project).busy?.kind === 'run';
  }

  /** Sends an event to every client following the project. */
  publish(project: Project, type: string, data: unknown): void {
    this.#live(project).hub.publish(type, data);
  }

  /** A new client's event stream, replaying what it missed after `lastEventId`. */
  stream(project: Project, lastEventId?: number): ReadableStream<Uint8Array> {
    return this.#live(project).hub.stream(lastEventId);
  }

  /**
   * Starts a run after checking the plan and the spend: a real run that may spend is refused
   * unless `confirmUsd` covers the estimate. Returns at once; the run goes on here.
   */
  async start(
    project: Project,
    how: {
      preview: boolean;
      confirmUsd: number | undefined;
      /** a caller following the run itself (the MCP tool): its events, and how it ended */
      follow?: RunFollower;
    },
  ): Promise<{ run: RunInfo; estimate: SpendEstimate }> {
    const live = this.#live(project);
    if (live.busy) throw new ApiError('run_in_progress', 'a run is already in progress');
    const storyboard = project.storyboard();
    const plan = project.plan({}, this.#options.env);
    assertRunnable(plan, { preview: how.preview });
    const registry = this.#options.registryFor(how.preview, plan);
    const estimate = await estimateRun({
      storyboard,
      plan,
      dir: project.runDir,
      preview: how.preview,
      registry,
      ...this.#options.stores.seam,
    });
    const confirmed = how.confirmUsd ?? 0;
    if (!how.preview && estimate.usd > 0 && confirmed + CENT < estimate.usd) {
      throw new ApiError(
        'confirmation_required',
        `this run may spend up to $${estimate.usd.toFixed(2)}: send confirm_usd of at least that to agree`,
        { details: { estimate_usd: estimate.usd } },
      );
    }
    // another request may have started a run while the estimate was read
    if (live.busy) throw new ApiError('run_in_progress', 'a run is already in progress');
    const info = this.#launch(project, live, {
      preview: how.preview,
      storyboard,
      plan,
      registry,
      confirmed,
      follow: how.follow,
    });
    return { run: info, estimate };
  }

  /** Stops the run in progress (what is done is kept; starting again resumes). */
  stop(project: Project): RunInfo {
    const live = this.#live(project);
    if (live.busy?.kind !== 'run') throw new ApiError('not_found', 'no run in progress');
    live.busy.controller.abort(new ShotrouterError('aborted', 'stopped from the API'));
    return live.busy.info;
  }

  /** Puts another take of a shot in the cut (the cut and reports are made again). */
  async pick(
    project: Project,
    shot: string,
    take: number,
    by: string | null = null,
  ): Promise<Awaited<ReturnType<typeof pickTake>>> {
    const live = this.#live(project);
    this.assertUnlocked(project, 'pick a take');
    if (!this.#options.stores.hasRun(project)) {
      throw new ApiError('not_found', 'this project has not run yet');
    }
    const controller = new AbortController();
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    live.busy = {
      kind: 'pick',
      controller,
      done,
      info: idleInfo(),
      doneBefore: 0,
      states: new Map(),
    };
    let picked: Awaited<ReturnType<typeof pickTake>>;
    try {
      picked = await pickTake(project.runDir, shot, take, {
        signal: controller.signal,
        by,
        ...this.#options.stores.seam,
      });
    } finally {
      live.busy = null;
      finish();
    }
    live.hub.publish('picked', { shot, take, by });
    return picked;
  }

  /** The run to show: the one in progress, else the newest stored one and how it ended here. */
  runInfo(project: Project, status: StoredStatus | null): RunInfo {
    const live = this.#live(project);
    if (live.busy?.kind === 'run') return live.busy.info;
    if (!status) return idleInfo(live.ended?.error ?? null, live.ended?.state);
    const jobs = status.jobs.filter((j) => j.state !== 'standby');
    const ended = live.ended?.runId === status.run.id ? live.ended : null;
    return {
      id: status.run.id,
      // a run left active by a stopped server is resumable: it was interrupted
      state: ended?.state ?? (status.run.activity === 'finished' ? 'finished' : 'aborted'),
      preview: status.run.executor === 'preview',
      active: false,
      jobs: jobs.length,
      done: jobs.filter((j) => j.state === 'done' || j.state === 'skipped').length,
      failed: jobs.filter((j) => j.state === 'failed').length,
      error: ended?.error ?? null,
    };
  }

  /** Forgets a project about to be deleted; refused while it runs. */
  forget(projectId: string): void {
    const live = this.#lives.get(projectId);
    if (live?.busy) throw new ApiError('run_in_progress', 'stop the run first');
    live?.hub.close();
    this.#lives.delete(projectId);
  }

  /** Resolves when no run or pick is in progress. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.#lives.values()].flatMap((l) => (l.busy ? [l.busy.done] : []));
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }

  /** Stops every run (resumable) and ends every event stream. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const live of this.#lives.values()) {
      live.busy?.controller.abort(new ShotrouterError('aborted', 'the server is stopping'));
    }
    await this.idle();
    for (const live of this.#lives.values()) live.hub.close();
  }

  #live(project: Project): Live {
    let live = this.#lives.get(project.id);
    if (!live) {
      live = { hub: new EventHub(), busy: null, ended: null };
      this.#lives.set(project.id, live);
    }
    return live;
  }

  #launch(
    project: Project,
    live: Live,
    how: {
      preview: boolean;
      storyboard: ReturnType<Project['storyboard']>;
      plan: Plan;
      registry: ProviderRegistry;
      confirmed: number;
      follow?: RunFollower | undefined;
    },
  ): RunInfo {
    const { catalog, runner, shared, log } = this.#options;
    const controller = new AbortController();
    const busy: Busy = {
      kind: 'run',
      controller,
      done: Promise.resolve(),
      info: { ...idleInfo(), state: 'preparing', preview: how.preview, active: true },
      doneBefore: 0,
      states: new Map(),
    };
    live.busy = busy;
    live.ended = null;
    live.hub.publish('state', busy.info);
    const onEvent = (event: RunProgressEvent) => {
      track(busy, event);
      how.follow?.onEvent(event);
      if (event.type === 'assembled') {
        live.hub.publish('assembled', { runId: event.runId, final: event.report.final });
      } else {
        live.hub.publish(event.type, event);
      }
    };
    busy.done = run({
      storyboard: how.storyboard,
      catalog,
      plan: how.plan,
      dir: project.runDir,
      preview: how.preview,
      registry: how.registry,
      signal: controller.signal,
      onEvent,
      confirmSpend: ({ usd }) => how.preview || usd <= how.confirmed + CENT,
      ...(shared ? shared : {}),
      ...(runner?.tools ? { tools: runner.tools } : {}),
      ...(runner?.assemble !== undefined ? { assemble: runner.assemble } : {}),
    })
      .then(
        (result) => {
          live.ended = { runId: result.runId, state: result.state, error: null };
        },
        (error: unknown) => {
          const { body } = errorResponse(error);
          if (!ShotrouterError.is(error))
            log(
              `run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
            );
          live.ended = {
            runId: busy.info.id,
            state: 'failed',
            error: { code: body.error.code, message: body.error.message },
          };
        },
      )
      .finally(() => {
        live.busy = null;
        const ended = live.ended!;
        how.follow?.onEnded(ended);
        live.hub.publish('ended', {
          ...busy.info,
          state: ended.state,
          active: false,
          error: ended.error,
        });
      });
    return busy.info;
  }
}

/** Keeps a run's live summary up to date from its events. */
function track(busy: Busy, event: RunProgressEvent): void {
  const info = busy.info;
  if (event.type === 'prepared') {
    info.id = event.runId;
    info.jobs = event.jobs;
    info.done = event.done;
    busy.doneBefore = event.done;
    info.state = 'running';
  } else if (event.type === 'job') {
    busy.states.set(event.jobId, event.state);
    let done = 0;
    let failed = 0;
    for (const state of busy.states.values()) {
      if (state === 'done' || state === 'skipped') done++;
      else if (state === 'failed') failed++;
    }
    info.done = busy.doneBefore + done;
    info.failed = failed;
  } else if (event.type === 'assembling') {
    info.state = 'assembling';
  }
}

function idleInfo(error: RunInfo['error'] = null, state: RunInfo['state'] = 'idle'): RunInfo {
  return { id: null, state, preview: false, active: false, jobs: 0, done: 0, failed: 0, error };
}
