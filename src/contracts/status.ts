/**
 * Where a run stands: `shotrouter status --json`, the API's `/status`, and the MCP `status` and
 * `takes` tools all answer with these shapes.
 */
import { z } from 'zod';

export const SpendSchema = z.object({
  spent_usd: z.number(),
  reserved_usd: z.number(),
  budget_usd: z.number().nullable(),
  /** every run in the folder, this one included */
  folder_spent_usd: z.number(),
});

/**
 * One check of a take's verdict as stored (docs/qc.md). The code is any string here: verdicts
 * stored before the take checks, and takes that could not be read, carry `playable` or
 * `downloaded`; src/qc/checks.ts has the take checks' own codes.
 */
export const VerdictCheckSchema = z.object({
  code: z.string(),
  ok: z.boolean(),
  value: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  limit: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  message: z.string(),
  at: z.number().optional().describe('seconds into the clip where the (first) defect starts'),
});
export type VerdictCheck = z.infer<typeof VerdictCheckSchema>;

/** One job (a shot's take, or a multi-shot group's) as a status lists it. */
const jobFields = {
  take: z.number().int().describe('1-based'),
  state: z
    .string()
    .describe(
      'standby, queued, starting, running, downloading, done, failed, skipped; interrupted: in flight when its run stopped (the next run resumes it)',
    ),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  attempts: z.number().int(),
  spend_usd: z.number(),
  cached: z.boolean().describe('the clip came from an earlier run in the folder'),
  error: z.string().nullable(),
  verdict: z
    .array(VerdictCheckSchema)
    .nullable()
    .describe(
      "the checks of the job's clip: its take that passed, or the best of takes that all failed; null without one",
    ),
  failed_takes: z.number().int().describe('paid takes of the job that failed their checks'),
};

/** A job of the run, keyed by the shot (or group) it makes. */
export const JobStatusSchema = z.object({
  shot: z.string().describe('the shot id, or the multi-shot group id'),
  ...jobFields,
});

/** A job serving one shot, keyed by the unit whose generation serves it. */
export const ShotJobSchema = z.object({
  unit: z.string().describe('the shot, or the multi-shot group whose generation serves it'),
  ...jobFields,
});

/**
 * What a run is doing, the one answer the status, the overview, the event stream and the CLI
 * give: `running` (a process is carrying it out), `stopped` (stopped or interrupted before the
 * end: starting it again resumes), `finished`, `superseded` (a newer plan replaced it).
 */
export const RunActivitySchema = z.enum(['running', 'stopped', 'finished', 'superseded']);
export type RunActivity = z.output<typeof RunActivitySchema>;

export const RunStatusSchema = z.object({
  run: z.object({
    id: z.string(),
    title: z.string(),
    state: z
      .string()
      .describe('as stored: active (not finished: running or resumable), finished, superseded'),
    activity: RunActivitySchema.describe(
      'what the run is doing now; a job of a run that is not running is never shown in flight',
    ),
    executor: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  }),
  jobs: z.array(JobStatusSchema),
  spend: SpendSchema,
  left: z.object({ jobs: z.number().int(), estimate_usd: z.number() }),
  stale: z
    .array(
      z.object({
        shot: z.string(),
        take: z.number().int().describe('1-based'),
        from_shot: z.string().describe('the shot its first frame came from'),
        from_take: z.number().int().describe('the take of it the frame came from (1-based)'),
        picked_take: z
          .number()
          .int()
          .nullable()
          .describe('the take of it the cut uses now; null: none is made'),
        estimate_usd: z.number().describe('what making this take again would cost'),
        message: z.string(),
      }),
    )
    .optional()
    .describe(
      'takes made from a frame of another shot whose pick has changed since (`first_frame_from`); never made again by themselves',
    ),
});

export type RunStatus = z.output<typeof RunStatusSchema>;
export type JobStatus = z.output<typeof JobStatusSchema>;
