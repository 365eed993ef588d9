/**
 * A worker conforms the clips it keeps (engine/landing-conform.ts): right after a job is done,
 * as its message asks, into the shared folder's `conformed/`, a few at a time on this machine.
 * It holds the job's lease meanwhile, so the coordinator waits for the clip rather than conform
 * it too. A conform that fails costs only time: the coordinator conforms the clip itself.
 */
import path from 'node:path';
import { LandingConforms } from '../engine/landing-conform.ts';
import type { JobRow, Store } from '../store/store.ts';
import { errorText, type Logger } from './log.ts';
import type { JobMessage } from './pg-queue.ts';

/** Conforms a done job's clip as its message asks; never throws. */
export type ConformLanded = (
  message: JobMessage,
  row: JobRow,
  log: Logger,
  signal: AbortSignal,
) => Promise<void>;

export function workerConforms(store: Store, mediaRoot: string): ConformLanded {
  const conforms = new LandingConforms(mediaRoot);
  return async (message, row, log, signal) => {
    const orders = message.conform?.[row.route_index];
    if (row.state !== 'done' || !row.media_sha256 || !orders?.length) return;
    try {
      const media = await store.media(row.media_sha256);
      if (!media) return;
      await conforms.conform(
        orders,
        { file: path.join(mediaRoot, media.path), sha256: media.sha256 },
        signal,
      );
      log.log('info', 'clip conformed', { clips: orders.length });
    } catch (error) {
      log.log('warn', 'the clip was not conformed here; the run conforms it', {
        error: errorText(error),
      });
    }
  };
}
