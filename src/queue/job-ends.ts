/**
 * A worker's word that a job of a run is over: PostgreSQL NOTIFY on one channel, the run's id as
 * the payload. The coordinator following that run reads the store at once instead of at its next
 * poll: a run's end, the next segment of a chain and a clip conformed on a worker are seen
 * within milliseconds rather than up to a poll interval (250 ms by default) later. The store stays
 * the truth: a lost notification only leaves the coordinator to its poll.
 */
import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from './leases.ts';

const CHANNEL = 'shotrouter_job_ended';

/** Says that a job of `runId` ended (its row is final and its lease let go). */
export async function announceJobEnd(db: Db, runId: string): Promise<void> {
  await sql`select pg_notify(${CHANNEL}, ${runId})`.execute(db);
}

/**
 * Calls `onEnd` whenever a worker announces a job end of `runId`, on a connection of its own;
 * resolves with the function that stops listening. Rejects when the connection cannot be made
 * (the caller polls without it).
 */
export async function listenForJobEnds(
  url: string,
  runId: string,
  onEnd: () => void,
): Promise<() => Promise<void>> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'shotrouter-coordinator-listen',
    // the run goes on by polling rather than wait long for its wake-ups
    connectionTimeoutMillis: 5000,
  });
  // a dropped connection only costs the wake-ups: the coordinator still polls
  client.on('error', () => {});
  client.on('notification', (message) => {
    if (message.channel === CHANNEL && message.payload === runId) onEnd();
  });
  try {
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return () => client.end().catch(() => {});
}
