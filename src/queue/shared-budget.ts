/**
 * The budget gate across workers. The in-process gate keeps reserved and spent money in memory;
 * here the database is the only truth, so that no two workers can both take the last dollars.
 *
 * Money a run has committed = its ledger (reserved + spent) + the spend of clips it reused +
 * the holds of its jobs. A hold is money a job has reserved and not yet written into the ledger
 * (between `reserve` and the attempt's first write); writing the ledger row ends the hold in the
 * same transaction (Store.reserve), so every amount is counted exactly once at every moment. A
 * reservation locks the run's row, adds up, and writes the hold in one transaction.
 *
 * One gate serves one job, and a job has at most one reservation open at a time, so a hold is
 * named by its job: a worker taking over a job replaces the hold the dead worker left.
 */
import { sql } from 'kysely';
import { BudgetGate, type BudgetSnapshot, toUsd } from '../engine/budget.ts';
import { abortReason, type Clock } from '../engine/clock.ts';
import { ShotrouterError } from '../errors.ts';
import type { Db } from './leases.ts';

export interface SharedBudgetOptions {
  db: Db;
  runId: string;
  jobId: string;
  workerId: string;
  budgetMicro: number | null;
  clock: Clock;
  /** how long to wait between looks when the money is reserved by others, ms */
  pollMs: number;
  onError?: (error: unknown) => void;
}

interface Totals {
  spent: number;
  /** reserved by the run's other jobs */
  reserved: number;
}

export class SharedBudget extends BudgetGate {
  readonly #options: SharedBudgetOptions;
  #last: BudgetSnapshot;
  /** the hold's removal, which the next reservation of the job waits for */
  #settling: Promise<void> = Promise.resolve();

  constructor(options: SharedBudgetOptions) {
    super({ budgetMicro: options.budgetMicro });
    this.#options = options;
    this.#last = { budgetMicro: options.budgetMicro, reservedMicro: 0, spentMicro: 0 };
  }

  override snapshot(): BudgetSnapshot {
    return { ...this.#last };
  }

  override tryReserve(): boolean {
    throw new ShotrouterError('internal', 'the shared budget reserves asynchronously only');
  }

  override async reserve(amount: number, what: string, signal?: AbortSignal): Promise<void> {
    if (amount < 0 || !Number.isInteger(amount)) throw new RangeError(`bad amount ${amount}`);
    await this.#settling;
    const { budgetMicro, clock, pollMs } = this.#options;
    if (budgetMicro === null || amount === 0) return;
    for (let wait = pollMs / 4; ; wait = Math.min(pollMs, wait * 2)) {
      if (signal?.aborted) throw abortReason(signal);
      const totals = await this.#tryHold(amount, budgetMicro);
      if (totals === 'held') return;
      if (totals.spent + amount > budgetMicro || totals.reserved === 0) {
        throw this.#refusal(amount, what, totals, budgetMicro);
      }
      await clock.sleep(wait * (0.5 + Math.random()), signal);
    }
  }

  /** Ends the job's reservation. The ledger's own settlement happens in the engine's transaction. */
  override settle(reserved: number, spent: number): void {
    const { db, jobId, budgetMicro, onError } = this.#options;
    this.#last = {
      ...this.#last,
      reservedMicro: Math.max(0, this.#last.reservedMicro - reserved),
      spentMicro: this.#last.spentMicro + spent,
    };
    // a run without a budget holds nothing, in any job (reserve returns before holding)
    if (budgetMicro === null) return;
    this.#settling = this.#settling
      .then(async () => {
        await db.deleteFrom('budget_hold').where('job_id', '=', jobId).execute();
      })
      .catch((error) => onError?.(error));
  }

  async #tryHold(amount: number, budgetMicro: number): Promise<'held' | Totals> {
    const { db, runId, jobId, workerId } = this.#options;
    return db.transaction().execute(async (tx) => {
      await sql`select id from run where id = ${runId} for update`.execute(tx);
      const { rows } = await sql<{ spent: number; reserved: number }>`
        select
          (select coalesce(sum(spent_micro), 0) from ledger where run_id = ${runId})
            + (select coalesce(sum(spend_micro), 0) from job where run_id = ${runId} and cached = 1)
            as spent,
          (select coalesce(sum(reserved_micro), 0) from ledger where run_id = ${runId})
            + (select coalesce(sum(reserved_micro), 0) from budget_hold
                 where run_id = ${runId} and job_id <> ${jobId})
            as reserved
      `.execute(tx);
      const totals = { spent: Number(rows[0]!.spent), reserved: Number(rows[0]!.reserved) };
      this.#last = {
        budgetMicro,
        reservedMicro: totals.reserved,
        spentMicro: totals.spent,
      };
      if (totals.spent + totals.reserved + amount > budgetMicro) return totals;
      await tx
        .insertInto('budget_hold')
        .values({ job_id: jobId, run_id: runId, worker_id: workerId, reserved_micro: amount })
        .onConflict((oc) =>
          oc.column('job_id').doUpdateSet({ reserved_micro: amount, worker_id: workerId }),
        )
        .execute();
      this.#last.reservedMicro += amount;
      return 'held';
    });
  }

  #refusal(amount: number, what: string, totals: Totals, budget: number): ShotrouterError {
    const usd = (micro: number) => `$${toUsd(micro).toFixed(2)}`;
    const left = Math.max(0, budget - totals.spent - totals.reserved);
    return new ShotrouterError(
      'over_budget',
      `${what} would cost up to ${usd(amount)}, but only ${usd(left)} of the ${usd(budget)} budget is left (${usd(totals.spent)} spent${totals.reserved ? `, ${usd(totals.reserved)} reserved` : ''})`,
    );
  }
}
