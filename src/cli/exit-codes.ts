/** The only place where errors become exit codes (docs/cli.md). */
import { type ErrorCode, ShotrouterError } from '../errors.ts';
import { PROVIDER_ERROR_CODES } from '../providers/errors.ts';

export const EXIT = {
  ok: 0,
  invalid: 1,
  unsatisfiable: 2,
  shotsFailed: 3,
  /** `qc`: a check failed */
  checksFailed: 3,
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

/**
 * Where a command gives a code its own meaning: for `qc`, whose subject is a file, a file that
 * is not a readable video is its bad input (exit 1), not a fault of the program; and a vision
 * judge that could not be asked (`--judge`: no or refused credentials, the provider failing)
 * leaves the check unsatisfiable here and now (exit 2), not a bug.
 */
const byCommand: Record<string, Partial<Record<ErrorCode, number>>> = {
  qc: {
    verification_failed: EXIT.invalid,
    ...Object.fromEntries(PROVIDER_ERROR_CODES.map((code) => [code, EXIT.unsatisfiable])),
  },
};

export function exitCodeFor(error: unknown, command?: string): number {
  if (!ShotrouterError.is(error)) return EXIT.internal;
  const own = command === undefined ? undefined : byCommand[command]?.[error.code];
  return own ?? byCode[error.code] ?? EXIT.internal;
}
