/**
 * Review, kept in the run's database (the project's space of a shared one): a verdict per shot
 * (approved, or needs changes with a note) and time-coded comments on a take. The API, the
 * board, the MCP tools and the package read and write them through these functions; every
 * entry records who made it (`by`: a user's name, or null for the single-user default).
 */
import { randomUUID } from 'node:crypto';
import { parseStoredPlan } from '../contracts/plan.ts';
import {
  type CommentInput,
  CommentInputSchema,
  type ReviewInput,
  ReviewInputSchema,
  type ReviewState,
  type ShotHistory,
  type ShotReview,
  type TakeComment,
} from '../contracts/review.ts';
import { ShotrouterError } from '../errors.ts';
import type { PlannedShot } from '../router/types.ts';
import type { ShotReviewRow, Store, TakeCommentRow } from '../store/store.ts';

/** Gives a shot its verdict (replacing the one before). */
export async function reviewShot(
  store: Store,
  input: ReviewInput,
  by: string | null,
): Promise<ShotReview> {
  const { shot, verdict, note } = ReviewInputSchema.parse(input);
  await plannedShot(store, shot);
  return reviewOf(await store.setReview({ shot_id: shot, verdict, note, author: by }));
}

/** Adds a comment at a time of a take. */
export async function commentOnTake(
  store: Store,
  input: CommentInput,
  by: string | null,
): Promise<TakeComment> {
  const { shot, take, at_seconds, text } = CommentInputSchema.parse(input);
  const { planned, runId } = await plannedShot(store, shot);
  if (take > planned.takes) {
    throw new ShotrouterError(
      'usage',
      `shot '${shot}' has ${planned.takes} take${planned.takes === 1 ? '' : 's'}, not ${take}`,
      { details: { takes: planned.takes } },
    );
  }
  const seconds = planned.trim?.seconds ?? planned.generate?.seconds ?? 3600;
  const longest = seconds * Math.max(1, planned.slowmo ? 8 : 1);
  if (at_seconds > longest) {
    throw new ShotrouterError('usage', `${at_seconds} s is past the end of shot '${shot}'`, {
      details: { seconds: longest },
    });
  }
  const job = (await store.jobs(runId)).find(
    (j) => j.shot_id === shot && j.take === take - 1 && j.state !== 'superseded',
  );
  const row = await store.addComment({
    id: randomUUID(),
    shot_id: shot,
    take,
    media_sha256: job?.media_sha256 ?? null,
    at_seconds,
    text,
    author: by,
  });
  return commentOf(row);
}

/** Every verdict and comment of the newest run's space. */
export async function reviewState(store: Store): Promise<ReviewState> {
  return {
    reviews: (await store.reviews()).map(reviewOf),
    comments: (await store.comments()).map(commentOf),
  };
}

/** Every run of the shot's space that made it, newest first, with its takes (what was tried). */
export async function shotHistory(store: Store, shot: string): Promise<ShotHistory> {
  const jobs = await store.jobsOfShot(shot);
  const runs = [];
  for (const run of await store.runs()) {
    const made = jobs.filter((j) => j.run_id === run.id);
    if (made.length === 0) continue;
    runs.push({
      run: run.id,
      created_at: run.created_at,
      state: run.state,
      preview: run.executor === 'preview',
      takes: made.map((j) => ({
        take: j.take + 1,
        state: j.state,
        model: j.model,
        provider: j.provider,
        spend_usd: j.spend_micro / 1e6,
        cached: j.cached === 1,
        media_sha256: j.media_sha256,
      })),
    });
  }
  return { shot, runs };
}

/** The newest run's plan of a shot; a `usage` error names the shots when it has none. */
async function plannedShot(
  store: Store,
  shot: string,
): Promise<{ planned: PlannedShot; runId: string }> {
  const run = await store.latestRun();
  if (!run) throw new ShotrouterError('usage', 'nothing to review yet: run the project first');
  const plan = parseStoredPlan(run.plan_json);
  const planned = plan.shots.find((s) => s.id === shot);
  if (!planned) {
    throw new ShotrouterError('usage', `no shot '${shot}' in this run`, {
      details: { shot },
    });
  }
  return { planned, runId: run.id };
}

function reviewOf(row: ShotReviewRow): ShotReview {
  return {
    shot: row.shot_id,
    verdict: row.verdict as ShotReview['verdict'],
    note: row.note,
    by: row.author,
    at: row.at,
  };
}

function commentOf(row: TakeCommentRow): TakeComment {
  return {
    id: row.id,
    shot: row.shot_id,
    take: row.take,
    at_seconds: row.at_seconds,
    text: row.text,
    by: row.author,
    at: row.created_at,
  };
}
