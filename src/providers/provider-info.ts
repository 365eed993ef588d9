/**
 * The parts of `ProviderInfo` that adapters fill the same way: the engine-facing limits (the
 * adapter's defaults unless the options override them) and the three ways a lost start is
 * reconciled here (no way at all, a lookup by the provider, a lookup by the adapter's model).
 */
import type { JSONValue } from '@ai-sdk/provider';
import { type AdapterOptions, defaultSleep, lookUpLostStart, signalOf } from './adapter-kit.ts';
import type { ProviderInfo, ReconcileInput, VideoModel } from './types.ts';

type Limits = Pick<ProviderInfo, 'concurrency' | 'requestsPerMinute' | 'pollIntervalMs'>;

/** The limits in `defaults`, each replaced by the options' own when given (`null` rate: none). */
export function engineLimits(options: AdapterOptions, defaults: Limits): Limits {
  return {
    concurrency: options.concurrency ?? defaults.concurrency,
    requestsPerMinute:
      options.requestsPerMinute === undefined
        ? defaults.requestsPerMinute
        : options.requestsPerMinute,
    pollIntervalMs: options.pollIntervalMs ?? defaults.pollIntervalMs,
  };
}

/** For APIs with neither idempotency keys nor a job list: every lost start is `unknown`. */
export function cannotReconcile(
  reason: string,
): Pick<ProviderInfo, 'reconcileMethod' | 'reconcileStart'> {
  return {
    reconcileMethod: 'none',
    async reconcileStart() {
      return { status: 'unknown', reason };
    },
  };
}

/**
 * `reconcileStart` that looks the lost start up with `find` (see `lookUpLostStart`), waiting
 * the options' `reconcileSettleMs` (default `settleMs`) between its two looks.
 */
export function reconcileByLookup(
  options: AdapterOptions,
  find: (input: ReconcileInput) => Promise<JSONValue[]>,
  settleMs = 3000,
): ProviderInfo['reconcileStart'] {
  const sleep = options.sleep ?? defaultSleep;
  return (input) =>
    lookUpLostStart(() => find(input), {
      ms: options.reconcileSettleMs ?? settleMs,
      sleep,
      ...signalOf(input.abortSignal),
    });
}

/** A model that searches its provider's jobs for a lost start of its own. */
export interface LostStartFinder extends VideoModel {
  findLostStart(input: ReconcileInput): Promise<JSONValue[]>;
}

/**
 * `reconcileStart` for adapters whose models find their own lost starts: a model of another
 * class is `unknown` (named by `label`), as is one that `cannotLookUp` gives a reason for.
 */
export function reconcileThroughModel<M extends LostStartFinder>(
  options: AdapterOptions,
  modelClass: abstract new (...args: never[]) => M,
  label: string,
  settle: { settleMs?: number; cannotLookUp?: (model: M) => string | undefined } = {},
): ProviderInfo['reconcileStart'] {
  const lookUp = reconcileByLookup(
    options,
    (input) => (input.model as M).findLostStart(input),
    settle.settleMs,
  );
  return async (input) => {
    if (!(input.model instanceof modelClass)) {
      return { status: 'unknown', reason: `not a ${label} model of this provider` };
    }
    const reason = settle.cannotLookUp?.(input.model);
    if (reason !== undefined) return { status: 'unknown', reason };
    return lookUp(input);
  };
}
