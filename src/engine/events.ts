/**
 * Progress, as typed events. The engine stores each one in the run's event log and hands it to
 * listeners (the CLI's live view, `--json` lines, later the HTTP API's server-sent events).
 */
import { EventEmitter } from 'node:events';
import type { JobState } from '../store/schema.ts';

interface Base {
  /** ISO-8601, from the engine's clock */
  at: string;
  runId: string;
}

export interface JobEvent extends Base {
  type: 'job';
  jobId: string;
  /** `<unit>#<take>` */
  key: string;
  shotIds: string[];
  take: number;
  state: JobState;
  model: string | null;
  provider: string | null;
  /** logical starts so far */
  attempts: number;
  /** why: the error that failed a job, what a retry or fallback answers, `cached`, … */
  reason?: string;
}

export interface RetryEvent extends Base {
  type: 'retry';
  jobId: string;
  key: string;
  code: string;
  message: string;
  delayMs: number;
}

export interface FallbackEvent extends Base {
  type: 'fallback';
  jobId: string;
  key: string;
  from: string;
  to: string | null;
  reason: string;
}

export interface SpendEvent extends Base {
  type: 'spend';
  reservedUsd: number;
  spentUsd: number;
  budgetUsd: number | null;
}

export interface RunEvent extends Base {
  type: 'run';
  state: 'started' | 'finished' | 'aborted';
  jobs: number;
  done: number;
  failed: number;
}

/** A still of `images:` (engine/stills.ts): started, kept, or failed. */
export interface StillEvent extends Base {
  type: 'still';
  /** its name under `images:` */
  name: string;
  state: 'starting' | 'done' | 'failed';
  /** the catalog id of the image model */
  model: string;
  reason?: string;
}

export type EngineEvent =
  | JobEvent
  | RetryEvent
  | FallbackEvent
  | SpendEvent
  | RunEvent
  | StillEvent;

/** An EventEmitter with one typed event, `event`. */
export class EngineEvents {
  readonly #emitter = new EventEmitter();

  on(listener: (event: EngineEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }

  emit(event: EngineEvent): void {
    this.#emitter.emit('event', event);
  }
}
