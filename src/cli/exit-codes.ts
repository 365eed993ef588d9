/** The only place where errors become exit codes (docs/cli.md). */
import { type ErrorCode, ShotrouterError } from '../errors.ts';

export const EXIT = {
  ok: 0,
  invalid: 1,
  unsatisfiable: 2,
  shotsFailed: 3,
  /** `qc`: a check failed */
  checksFailed: 3,
  usage: 64,
  internal: 70,
} as const;

const byCode: Partial<Record<ErrorCode, number>> = {
  invalid_storyboard: EXIT.invalid,
  invalid_catalog: EXIT.invalid,
  invalid_timeline: EXIT.invalid,
  unsatisfiable: EXIT.unsatisfiable,
  over_budget: EXIT.unsatisfiable,
  shots_failed: EXIT.shotsFailed,
  usage: EXIT.usage,
  aborted: 130,
};

/**
 * Where a command gives a code its own meaning: for `qc`, whose subject is a file, a file that
 * is not a readable video is its bad input (exit 1), not a fault of the program.
 */
const byCommand: Record<string, Partial<Record<ErrorCode, number>>> = {
  qc: { verification_failed: EXIT.invalid },
};

export function exitCodeFor(error: unknown, command?: string): number {
  if (!ShotrouterError.is(error)) return EXIT.internal;
  const own = command === undefined ? undefined : byCommand[command]?.[error.code];
  return own ?? byCode[error.code] ?? EXIT.internal;
}
