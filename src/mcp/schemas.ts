/**
 * The MCP tools' structured results. The plan and the run status are the command line's JSON,
 * defined once in contracts/; the rest are small summaries of lib/ results.
 */
import { z } from 'zod';
import {
  PackageResultSchema,
  PlanSchema,
  RunStatusSchema,
  ShotJobSchema,
  ShotReviewSchema,
  TakeCommentSchema,
} from '../contracts/index.ts';

export const McpOutputs = {
  validation: z.object({
    ok: z.boolean(),
    shots: z.number().int(),
    problems: z.array(z.string()).describe('each with file:line:col'),
  }),
  plan: PlanSchema,
  estimate: z.object({
    usd: z.number().describe('what the run would still spend at list prices'),
    jobs: z.number().int(),
    done: z.number().int(),
    max_usd: z
      .number()
      .nullable()
      .describe(
        'the cap the person set for paid runs (`mcp --max-usd`); null over HTTP, where the user’s role and the project’s budget decide',
      ),
    allowed: z.boolean().describe('a run of this estimate is within the cap'),
  }),
  run: z.object({
    state: z.enum(['finished', 'aborted', 'failed']),
    dir: z.string(),
    final: z.string().nullable(),
    spend_usd: z.number(),
    shots: z.number().int(),
    done: z.number().int(),
    failed: z.array(z.string()),
  }),
  status: RunStatusSchema,
  takes: z.object({
    shots: z.array(
      z.object({
        id: z.string(),
        jobs: z.array(ShotJobSchema),
        takes: z.array(
          z.object({
            take: z.number().int(),
            model: z.string().nullable(),
            file: z.string(),
            sha256: z.string(),
            inCut: z.boolean(),
            picked: z.boolean(),
            pickedBy: z
              .string()
              .nullable()
              .describe('who picked the take in the cut (a named user); null: no one named'),
            failedChecks: z
              .array(z.string())
              .describe("the take's failing checks, `code: message`; empty: it passed"),
          }),
        ),
      }),
    ),
  }),
  pick: z.object({
    shot: z.string(),
    take: z.number().int(),
    model: z.string().nullable(),
    provider: z.string().nullable(),
    assembled: z.boolean(),
    final: z.string().nullable(),
  }),
  review: ShotReviewSchema,
  comment: TakeCommentSchema,
  package: PackageResultSchema.extend({
    url: z.string().nullable().describe('over HTTP: where to download the zip'),
  }),
  importEdit: z.object({
    storyboard: z.string().describe('the storyboard the edit is written to'),
    written: z.boolean().describe('false: nothing to change, or write was not asked for'),
    changes: z.array(z.string()).describe('what the edit changes, one line each'),
    regenerate: z
      .array(
        z.object({
          shot: z.string(),
          needs: z.number().describe('seconds of the shot the edit asks for'),
          has: z.number().describe('seconds its kept clip has'),
          model: z.string().nullable(),
          estimate_usd: z.number().nullable().describe('making it again that long, about'),
        }),
      )
      .describe('trims past the kept media: kept to the clip; a longer shot needs a regeneration'),
    notes: z.array(z.string()),
    final: z.string().nullable(),
  }),
};
