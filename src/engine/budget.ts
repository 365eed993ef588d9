/**
 * The budget gate, in integer micro-USD so sums are exact. A start first reserves its estimated
 * cost; the reservation is settled (released, and the real cost recorded) when the attempt ends.
 * A reservation is granted only while reserved + spent + amount ≤ budget. A request that does
 * not fit waits for other reservations to settle, and fails at once when it can never fit (what
 * is spent never comes back) or when no reservation is left that could free money.
 */
import { ShotrouterError } from '../errors.ts';
import { abortReason } from './clock.ts';

export { MICRO, toMicro, toUsd } from '../util/money.ts';

import { toUsd } from '../util/money.ts';

export interface BudgetSnapshot {
  budgetMicro: number | null;
  reservedMicro: number;
  spentMicro: number;
}

export class BudgetGate {
  readonly budgetMicro: number | null;
  #reserved: number;
  #spent: number;
  readonly #waiters = new Set<() => void>();
  readonly #onChange: ((snapshot: BudgetSnapshot) => void) | undefined;

  constructor(options: {
    budgetMicro: number | null;
    reservedMicro?: number;
    spentMicro?: number;
    onChange?: (snapshot: BudgetSnapshot) => void;
  }) {
    this.budgetMicro = options.budgetMicro;
    this.#reserved = options.reservedMicro ?? 0;
    this.#spent = options.spentMicro ?? 0;
    this.#onChange = options.onChange;
  }

  snapshot(): BudgetSnapshot {
    return {
      budgetMicro: this.budgetMicro,
      reservedMicro: this.#reserved,
      spentMicro: this.#spent,
    };
  }

  /**
   * Whether `amount` fits in what the budget leaves now, counting what is held reserved
   * (reserves nothing): a retake is bought only when it does. Read from `snapshot()`, so a gate
   * shared through the database answers from its latest totals; `reserve` stays the gate.
   */
  covers(amount: number): boolean {
    const { budgetMicro, reservedMicro, spentMicro } = this.snapshot();
    return (
      budgetMicro === null || amount === 0 || spentMicro + reservedMicro + amount <= budgetMicro
    );
  }

  /** Reserves `amount` if it fits now. */
  tryReserve(amount: number): boolean {
    if (amount < 0 || !Number.isInteger(amount)) throw new RangeError(`bad amount ${amount}`);
    if (!this.#fits(amount, this.#reserved)) return false;
    this.#reserved += amount;
    this.#changed();
    return true;
  }

  /**
   * Reserves `amount`, waiting for other reservations to settle if needed. Throws `over_budget`
   * when it can never fit; `aborted` when the signal fires first.
   */
  async reserve(amount: number, what: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      if (this.tryReserve(amount)) return;
      if (!this.#fits(amount, 0) || this.#reserved === 0) throw this.#refusal(amount, what);
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          this.#waiters.delete(wake);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.#waiters.delete(wake);
          reject(abortReason(signal!));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#waiters.add(wake);
      });
    }
  }

  /** Ends a reservation: `reserved` is released and `spent` recorded. */
  settle(reserved: number, spent: number): void {
    this.#reserved -= reserved;
    this.#spent += spent;
    this.#changed();
    for (const wake of [...this.#waiters]) wake();
  }

  #fits(amount: number, reserved: number): boolean {
    if (this.budgetMicro === null || amount === 0) return true;
    return this.#spent + reserved + amount <= this.budgetMicro;
  }

  #refusal(amount: number, what: string): ShotrouterError {
    const usd = (micro: number) => `$${toUsd(micro).toFixed(2)}`;
    const budget = this.budgetMicro ?? 0;
    return new ShotrouterError(
      'over_budget',
      `${what} would cost up to ${usd(amount)}, but only ${usd(Math.max(0, budget - this.#spent - this.#reserved))} of the ${usd(budget)} budget is left (${usd(this.#spent)} spent${this.#reserved ? `, ${usd(this.#reserved)} reserved` : ''})`,
    );
  }

  #changed(): void {
    this.#onChange?.(this.snapshot());
  }
}
