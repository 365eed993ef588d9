/**
 * A provider's concurrency and request rate, held across every worker on the database instead of
 * per process. They stand in for the engine's in-process Semaphore and RateLimiter (and extend
 * them, so the engine takes them unchanged).
 *
 * Slots are rows, one per unit of the provider's concurrency. A slot is held by a job (and the
 * worker acting for it) from before its start until its poll ends, as in-process. What makes it
 * safe across machines:
 * - a job taken over from a dead worker inherits the slot that job held, so its generation, still
 *   running at the provider, keeps counting;
 * - a dead worker's slot is reclaimed only when its job has no attempt in flight;
 * - a job handed back (aborted) while its attempt is in flight keeps its slot for the next owner.
 */
import { sql } from 'kysely';
import { abortReason, type Clock } from '../engine/clock.ts';
import { RateLimiter, type Release, Semaphore } from '../engine/limits.ts';
import { DB_NOW_MS, type Db, workerAlive } from './leases.ts';

export interface SlotOwner {
  jobId: string;
  workerId: string;
  /** the job's signal: a release after it fired keeps the slot while the attempt is in flight */
  signal: AbortSignal;
}

export interface SharedSlotsOptions {
  db: Db;
  provider: string;
  capacity: number;
  owner: SlotOwner;
  leaseMs: number;
  clock: Clock;
  /** how long to wait between looks for a free slot, ms */
  pollMs: number;
  /** a release that failed (the slot stays with the job until the worker stops) */
  onReleaseError?: (error: unknown) => void;
}

const OPEN_ATTEMPT = sql<boolean>`exists (select 1 from attempt a where a.job_id = provider_slot.job_id and a.state in ('starting', 'running'))`;

export class SharedSlots extends Semaphore {
  readonly #options: SharedSlotsOptions;

  constructor(options: SharedSlotsOptions) {
    super(options.capacity);
    this.#options = options;
  }

  override async acquire(signal?: AbortSignal): Promise<Release> {
    const { db, provider, capacity, clock, pollMs } = this.#options;
    await db
      .insertInto('provider_slot')
      .columns(['provider', 'slot'])
      .expression(
        db.selectNoFrom([
          sql.lit(provider).as('provider'),
          sql<number>`generate_series(0, ${capacity - 1})`.as('slot'),
        ]),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    for (let wait = pollMs / 4; ; wait = Math.min(pollMs, wait * 2)) {
      if (signal?.aborted) throw abortReason(signal);
      const slot = (await this.#inherit()) ?? (await this.#take());
      if (slot !== undefined) {
        return () => {
          this.#release(slot).catch((error) => this.#options.onReleaseError?.(error));
        };
      }
      // jitter, so that waiting workers do not all look at the same moment
      await clock.sleep(wait * (0.5 + Math.random()), signal);
    }
  }

  /** Across workers a resumed job inherits the slot its dead owner held (see #inherit). */
  override acquireForResume(signal?: AbortSignal): Promise<Release> {
    return this.acquire(signal);
  }

  /** The slot this job already holds (a previous owner of the job died holding it). */
  async #inherit(): Promise<number | undefined> {
    const { db, provider, owner } = this.#options;
    const row = await db
      .updateTable('provider_slot')
      .set({ worker_id: owner.workerId, taken_ms: DB_NOW_MS })
      .where('provider', '=', provider)
      .where('job_id', '=', owner.jobId)
      .returning('slot')
      .executeTakeFirst();
    return row?.slot;
  }

  async #take(): Promise<number | undefined> {
    const { db, provider, capacity, owner, leaseMs } = this.#options;
    const free = db
      .selectFrom('provider_slot')
      .select('slot')
      .where('provider', '=', provider)
      .where('slot', '<', capacity)
      .where((eb) =>
        eb.or([
          eb('job_id', 'is', null),
          eb.and([eb.not(workerAlive('provider_slot.worker_id', leaseMs)), eb.not(OPEN_ATTEMPT)]),
        ]),
      )
      .orderBy('slot')
      .limit(1)
      .forUpdate()
      .skipLocked();
    const row = await db
      .updateTable('provider_slot')
      .set({ job_id: owner.jobId, worker_id: owner.workerId, taken_ms: DB_NOW_MS })
      .where('provider', '=', provider)
      .where('slot', '=', (eb) => eb.selectFrom(free.as('f')).select('f.slot'))
      .returning('slot')
      .executeTakeFirst();
    return row?.slot;
  }

  async #release(slot: number): Promise<void> {
    const { db, provider, owner } = this.#options;
    let query = db
      .updateTable('provider_slot')
      .set({ job_id: null, worker_id: null, taken_ms: null })
      .where('provider', '=', provider)
      .where('slot', '=', slot)
      .where('job_id', '=', owner.jobId)
      .where('worker_id', '=', owner.workerId);
    // handed back mid-generation: the generation still runs at the provider and keeps the slot
    if (owner.signal.aborted) query = query.where((eb) => eb.not(OPEN_ATTEMPT));
    await query.execute();
  }
}

/**
 * Requests per minute with a small burst across every worker: the generic cell rate algorithm of
 * the in-process limiter, with its one number (the next theoretical send time) in a row that
 * each request moves forward in one statement.
 */
export class SharedPace extends RateLimiter {
  readonly #db: Db;
  readonly #provider: string;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;

  constructor(db: Db, provider: string, requestsPerMinute: number, clock: Clock) {
    super(requestsPerMinute, clock);
    this.#db = db;
    this.#provider = provider;
    this.#clock = clock;
    this.#intervalMs = 60_000 / requestsPerMinute;
    this.#toleranceMs = Math.max(0, Math.ceil(requestsPerMinute / 10) - 1) * this.#intervalMs;
  }

  override async take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortReason(signal);
    const interval = Math.round(this.#intervalMs);
    const { rows } = await sql<{ wait_ms: number }>`
      with n as (select ${DB_NOW_MS} as now)
      insert into provider_pace (provider, next_ms)
      select ${this.#provider}, n.now + ${interval} from n
      on conflict (provider) do update
        set next_ms = greatest(provider_pace.next_ms, (select now from n)) + ${interval}
      returning next_ms - ${interval} - ${Math.round(this.#toleranceMs)} - (select now from n) as wait_ms
    `.execute(this.#db);
    const wait = Number(rows[0]?.wait_ms ?? 0);
    if (wait > 0) await this.#clock.sleep(wait, signal);
  }
}
