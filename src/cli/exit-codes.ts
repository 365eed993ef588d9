/** The only place where errors become exit codes (../shared/spec/cli-and-plan.md). */
import { type ErrorCode, ShotrouterError } from '../errors.ts';

export const EXIT = {
  ok: 0,
  invalid: 1,
  unsatisfiable: 2,
  shotsFailed: 3,
  usage: 64,
  internal: 70,
  interrupted: 130,
} as const;

const byCode: Partial<Record<ErrorCode, number>> = {
  invalid_storyboard: EXIT.invalid,
  invalid_catalog: EXIT.invalid,
  invalid_timeline: EXIT.invalid,
  unsatisfiable: EXIT.unsatisfiable,
  over_budget: EXIT.unsatisfiable,
  environment: EXIT.unsatisfiable,
  shots_failed: EXIT.shotsFailed,
  usage: EXIT.usage,
  aborted: EXIT.interrupted,
};

export function exitCodeFor(error: unknown): number {
  if (ShotrouterError.is(error)) return byCode[error.code] ?? EXIT.internal;
  return EXIT.internal;
}
