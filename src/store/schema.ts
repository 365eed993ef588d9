/**
 * The run database, table by table (Kysely types). One database per run folder (SQLite) or one
 * shared database (PostgreSQL, later). Types are portable: text, integer, bigint, double
 * precision. Timestamps are ISO-8601 UTC text; JSON is text; money is integer micro-USD
 * (1 USD = 1,000,000) so sums are exact; booleans are integers 0/1.
 */
import type { Generated } from 'kysely';

export interface Database {
  run: RunTable;
  job: JobTable;
  attempt: AttemptTable;
  event: EventTable;
  ledger: LedgerTable;
  media: MediaTable;
  take_pick: TakePickTable;
  worker: WorkerTable;
  job_lease: JobLeaseTable;
  provider_slot: ProviderSlotTable;
  provider_pace: ProviderPaceTable;
  budget_hold: BudgetHoldTable;
  shot_review: ShotReviewTable;
  take_comment: TakeCommentTable;
  app_user: AppUserTable;
  still: StillTable;
}

/**
 * `starting`: the start is about to be sent (its money reserved); `running`: the provider has it
 * (`operation_json`); `done`: kept (`media_sha256`); `failed`: ended without an image;
 * `lost`: the start's reply never came and the provider cannot be asked, so it is not sent again.
 */
export type StillState = 'starting' | 'running' | 'done' | 'failed' | 'lost';

/** A still of `images:`, by the digest of its generate request (engine/stills.ts). */
export interface StillTable {
  request_sha256: string;
  /** the run that bought it */
  run_id: string;
  /** its name under `images:` when it was bought */
  name: string;
  model: string;
  provider: string;
  provider_model: string;
  idempotency_key: string;
  state: StillState;
  operation_json: string | null;
  reserved_micro: number;
  spent_micro: number;
  media_sha256: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
}

export type RunState = 'active' | 'finished' | 'superseded';

/** One plan being carried out. A new run starts when the plan changes; the old one is superseded. */
export interface RunTable {
  id: string;
  created_at: string;
  updated_at: string;
  title: string;
  storyboard_file: string;
  /** sha256 of the storyboard file's bytes */
  storyboard_sha256: string;
  /** sha256 of plan_json plus everything else that shapes the jobs (e.g. preview mode) */
  plan_sha256: string;
  plan_json: string;
  /** null: no budget */
  budget_micro: number | null;
  /** `preview` or `providers`: which provider set makes the clips */
  executor: string;
  state: RunState;
  /**
   * Runs of one space supersede each other, as the runs of one run folder do. A SQLite database
   * is one folder, so its only space is ''; a shared PostgreSQL database has one space per
   * project (see openStore).
   */
  space: Generated<string>;
}

/**
 * Job states, in order. `queued`: nothing at a provider. `starting`: an attempt's idempotency key
 * is written and the start call is out. `running`: the provider has the job (handle stored).
 * `downloading`: the provider finished; fetching and checking the clip. `done`/`failed` are final
 * for this run (a failed job is queued again by the next `run`). `standby`: the job of one shot
 * of a multi-shot group, run only if the group's generation fails; `skipped` when it did not.
 * `superseded`: its attempts and result moved to the job of a newer run with the same cache key.
 */
export type JobState =
  | 'standby'
  | 'queued'
  | 'starting'
  | 'running'
  | 'downloading'
  | 'done'
  | 'failed'
  | 'skipped'
  | 'superseded';

/** One take of one shot. */
export interface JobTable {
  id: string;
  run_id: string;
  shot_id: string;
  /** the shot's position in the storyboard (0-based) */
  shot_index: number;
  /** 0-based take index */
  take: number;
  /** hash of what determines the clip (see engine/job-spec.ts); equal keys share one clip */
  cache_key: string;
  state: JobState;
  /** index into [primary route, ...fallback routes] of the route in use */
  route_index: number;
  model: string | null;
  provider: string | null;
  /** logical starts made for this job, across retries and fallbacks */
  attempts: number;
  /** settled spend of this job's attempts (or, for a cached job, of the clip it reuses) */
  spend_micro: number;
  media_sha256: string | null;
  /** 1 when the clip came from an earlier run (no new spend) */
  cached: number;
  /** JSON array of strings: provider warnings and engine notes (fallbacks, retries) */
  warnings_json: string;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  /**
   * For a shot with `first_frame_from`: JSON `FirstFrameSource` (store/picks.ts), the take and
   * frame it started from; null otherwise, and until that frame is known.
   */
  first_frame_json: string | null;
}

/**
 * Attempt states. `starting`: key written, start call sent or about to be; outcome unknown until
 * the reply. `running`: operation handle stored. `completed`: clip kept. `failed`: definitely
 * over (error recorded). `unknown`: the start's outcome could not be established. `rejected`:
 * paid, and its playable clip is kept, but it failed a check (its verdict says which).
 * `unusable`: paid, and nothing usable came of it (not a readable video, or not downloadable).
 */
export type AttemptState =
  | 'starting'
  | 'running'
  | 'completed'
  | 'failed'
  | 'unknown'
  | 'rejected'
  | 'unusable';

/**
 * Job error codes that mean "a paid take is kept": the job is not started again by the next
 * run of the same plan unless the user asks (`run --retry-failed`).
 */
export const PAID_TAKE_CODES = ['verification_failed', 'unusable_clip'] as const;

/** One logical start at a provider: one idempotency key, however many times the call is sent. */
export interface AttemptTable {
  id: string;
  job_id: string;
  idempotency_key: string;
  route_index: number;
  /** which generation of the route's chain (0 without a chain) */
  segment: number;
  /** the route's provider (catalog id) */
  provider: string;
  /** the provider that actually ran it (`preview` in preview mode) */
  executor: string;
  model: string;
  /** what was asked, JSON (file contents replaced by their sha256) */
  request_json: string;
  /** the provider's operation handle, JSON; null until the start returned */
  operation_json: string | null;
  state: AttemptState;
  /** how many times the start request was sent with this key (retries of 429/5xx) */
  sends: number;
  /** the kept clip, once completed (or rejected: kept, but failing a check) */
  media_sha256: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /** JSON list of the checks the clip was held to (media/verify.ts ClipCheck); null before */
  verdict_json: string | null;
}

/** Append-only: every state change of a run, job or attempt, and every spend movement. */
export interface EventTable {
  id: Generated<number>;
  run_id: string;
  job_id: string | null;
  attempt_id: string | null;
  type: string;
  data_json: string;
  at: string;
}

export type LedgerState = 'reserved' | 'settled';

/** Money per attempt: reserved before the start, settled (reservation released) after. */
export interface LedgerTable {
  attempt_id: string;
  job_id: string;
  run_id: string;
  reserved_micro: number;
  spent_micro: number;
  state: LedgerState;
  updated_at: string;
}

/** Kept clips, by content. */
export interface MediaTable {
  sha256: string;
  /** relative to the run folder, e.g. media/<sha256>.mp4 */
  path: string;
  bytes: number;
  media_type: string;
  duration: number;
  width: number;
  height: number;
  fps: number;
  audio: number;
  created_at: string;
}

/**
 * The take an editor chose for a shot (`shotrouter pick`). A pick names the take by index and
 * by the cache key of the job that made it, so it survives a new run of the same clips and is
 * dropped when the shot was regenerated differently.
 */
export interface TakePickTable {
  run_id: string;
  shot_id: string;
  /** 0-based take index */
  take: number;
  /** cache_key of the job whose clip the take is (a multi-shot group's job for its shots) */
  cache_key: string;
  picked_at: string;
  /** who picked it (a named user); null: the single-user default or the CLI */
  author: string | null;
}

/**
 * The tables below coordinate worker processes on one PostgreSQL database (src/queue/). Their
 * `*_ms` times are epoch milliseconds read from the database's clock.
 */

export type WorkerState = 'running' | 'draining' | 'stopped';

/** A `shotrouter worker` process: alive while its heartbeat is recent. */
export interface WorkerTable {
  id: string;
  host: string;
  pid: number;
  /** JSON array of the local providers it serves (e.g. ["comfyui"]) */
  serves_json: string;
  /** jobs it takes at once */
  concurrency: number;
  state: WorkerState;
  started_at: string;
  heartbeat_ms: number;
}

/** Which worker acts for a job; another may take it over once that worker's heartbeat is stale. */
export interface JobLeaseTable {
  job_id: string;
  worker_id: string;
  taken_ms: number;
}

/** One unit of a provider's concurrency; held by a job (and the worker acting for it) or free. */
export interface ProviderSlotTable {
  provider: string;
  slot: number;
  job_id: string | null;
  worker_id: string | null;
  taken_ms: number | null;
}

/** The shared request-rate limiter: the provider's next theoretical send time. */
export interface ProviderPaceTable {
  provider: string;
  next_ms: number;
}

/** Money a job reserved before its attempt is written to the ledger (at most one per job). */
export interface BudgetHoldTable {
  job_id: string;
  run_id: string;
  worker_id: string;
  reserved_micro: number;
}

/**
 * A shot's review verdict in a space (a run folder, or a project of the shared database): the
 * newest one stands. Who gave it, by name (null: the single-user default).
 */
export interface ShotReviewTable {
  space: string;
  shot_id: string;
  /** `approved` or `needs_changes` */
  verdict: string;
  note: string | null;
  author: string | null;
  at: string;
}

/** A time-coded comment on one take of a shot (the clip it was made on, by its sha256). */
export interface TakeCommentTable {
  id: string;
  space: string;
  shot_id: string;
  /** 1-based, as people count takes */
  take: number;
  /** the clip commented on; null when the take had none yet */
  media_sha256: string | null;
  /** seconds into the shot as it plays in the cut */
  at_seconds: number;
  text: string;
  author: string | null;
  created_at: string;
}

/**
 * A named user of the server (`shotrouter users`): a role, and the SHA-256 of their token (the
 * token itself is shown once, never kept). Not in any space: one list for the whole server.
 */
export interface AppUserTable {
  name: string;
  /** `viewer`, `editor` or `producer` */
  role: string;
  token_sha256: string;
  created_at: string;
  created_by: string | null;
}
