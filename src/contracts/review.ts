/**
 * Review: a verdict per shot and time-coded comments on takes. The API, the board and the MCP
 * tools take and give these shapes; lib/review.ts keeps them in the run's database.
 */
import { z } from 'zod';
import { ID_PATTERN, isReservedName } from '../util/reserved-names.ts';

const ShotIdSchema = z
  .string()
  .regex(ID_PATTERN, "letters, digits, '-' and '_' (at most 128)")
  .refine((id) => !isReservedName(id), { message: 'is a reserved name' });

export const VerdictSchema = z.enum(['approved', 'needs_changes']);

export const ReviewInputSchema = z.strictObject({
  shot: ShotIdSchema,
  verdict: VerdictSchema,
  note: z.string().max(2000).nullable().default(null).describe('what to change, in words'),
});
export type ReviewInput = z.input<typeof ReviewInputSchema>;

export const ShotReviewSchema = z.object({
  shot: z.string(),
  verdict: VerdictSchema,
  note: z.string().nullable(),
  by: z.string().nullable().describe('who gave it (null: the single-user default)'),
  at: z.string(),
});
export type ShotReview = z.output<typeof ShotReviewSchema>;

export const CommentInputSchema = z.strictObject({
  shot: ShotIdSchema,
  take: z.number().int().min(1).describe('1-based'),
  at_seconds: z.number().nonnegative().describe('seconds into the shot as it plays in the cut'),
  text: z.string().trim().min(1).max(2000),
});
export type CommentInput = z.input<typeof CommentInputSchema>;

export const TakeCommentSchema = z.object({
  id: z.string(),
  shot: z.string(),
  take: z.number().int(),
  at_seconds: z.number(),
  text: z.string(),
  by: z.string().nullable(),
  at: z.string().describe('when it was written'),
});
export type TakeComment = z.output<typeof TakeCommentSchema>;

export const ReviewStateSchema = z.object({
  reviews: z.array(ShotReviewSchema),
  comments: z.array(TakeCommentSchema),
});
export type ReviewState = z.output<typeof ReviewStateSchema>;

/** A shot's history: every run that planned it, newest first, with the takes each made. */
export const ShotHistorySchema = z.object({
  shot: z.string(),
  runs: z.array(
    z.object({
      run: z.string(),
      created_at: z.string(),
      state: z.string().describe('as stored: active, finished or superseded'),
      preview: z.boolean(),
      takes: z.array(
        z.object({
          take: z.number().int().describe('1-based'),
          state: z.string(),
          model: z.string().nullable(),
          provider: z.string().nullable(),
          spend_usd: z.number(),
          cached: z.boolean(),
          media_sha256: z.string().nullable(),
        }),
      ),
    }),
  ),
});
export type ShotHistory = z.output<typeof ShotHistorySchema>;
