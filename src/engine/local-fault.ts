/**
 * Faults of this machine, not of a provider or a take: the disk is full or read-only, the run
 * folder was removed, the database is locked or cannot be written. None is cured by another
 * attempt or another model, and every new start would buy a clip that cannot be kept. So the
 * engine halts on the first one: no new starts, work in flight left as it is stored (an attempt
 * whose clip could not be written stays `running` with its handle, so the next run polls and
 * downloads it without paying again), and the run ends with one `environment` error.
 */
import { ShotrouterError } from '../errors.ts';

const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO']);

/** The environment error for a local fault, or undefined when `error` is not one. */
export function localFault(error: unknown, runFolder: string): ShotrouterError | undefined {
  if (ShotrouterError.is(error) && error.code === 'environment') return error;
  const found = findCause(error);
  if (found === undefined) return undefined;
  const resume =
    'then run the same command again: what was paid for is kept and fetched without paying again';
  switch (found.kind) {
    case 'disk':
      return new ShotrouterError(
        'environment',
        `the run stopped: ${found.code === 'EROFS' ? 'the disk became read-only' : found.code === 'EIO' ? 'the disk failed to write' : 'the disk is full'} in ${runFolder} (${found.code}). Free some space, ${resume}`,
        { cause: error },
      );
    case 'gone':
      return new ShotrouterError(
        'environment',
        `the run stopped: the run folder ${runFolder} (or its media folder) was removed while the run was writing to it. Nothing more was started; restore the folder or run again into a new one`,
        { cause: error },
      );
    case 'locked':
      return new ShotrouterError(
        'environment',
        `the run stopped: the run database in ${runFolder} is locked by another process (another run in the same folder?). Wait for it to end, ${resume}`,
        { cause: error },
      );
    case 'full':
      return new ShotrouterError(
        'environment',
        `the run stopped: the run database in ${runFolder} cannot be written (the disk is full). Free some space, ${resume}`,
        { cause: error },
      );
  }
}

type Found = { kind: 'disk'; code: string } | { kind: 'gone' | 'locked' | 'full' };

/** Walks an error and its causes for a local fault. */
function findCause(error: unknown): Found | undefined {
  for (let at: unknown = error, depth = 0; at != null && depth < 8; depth++) {
    const code = (at as NodeJS.ErrnoException).code;
    const message = at instanceof Error ? at.message : String(at);
    if (typeof code === 'string' && DISK_CODES.has(code)) return { kind: 'disk', code };
    if (code === 'ENOENT' && /\bmedia\b|\.tmp|shotrouter/.test(message)) return { kind: 'gone' };
    if (/SQLITE_FULL|database or disk is full/i.test(message)) return { kind: 'full' };
    if (/SQLITE_BUSY|database is locked/i.test(message)) return { kind: 'locked' };
    if (/SQLITE_READONLY|readonly database/i.test(message)) return { kind: 'disk', code: 'EROFS' };
    at = (at as { cause?: unknown }).cause;
  }
  return undefined;
}
