/**
 * The HTTP API's shapes, as zod schemas: requests are validated with them and the OpenAPI
 * document (/openapi.json) is generated from them, so the two cannot drift apart. Every schema
 * that appears in the document is registered in `apiSchemas` under its component name. The plan
 * and the error body are defined once in ../contracts/ and only registered here.
 */
import { z } from 'zod';
import {
  CommentInputSchema,
  PlannedShotSchema as ContractPlannedShotSchema,
  PlanSchema as ContractPlanSchema,
  ProblemSchema as ContractProblemSchema,
  ReviewStateSchema as ContractReviewStateSchema,
  ShotHistorySchema as ContractShotHistorySchema,
  ShotReviewSchema as ContractShotReviewSchema,
  TakeCommentSchema as ContractTakeCommentSchema,
  ErrorBodySchema,
  PackagedClipSchema,
  PlanWarningSchema,
  RejectionReasonSchema,
  ReviewInputSchema,
  RunStatusSchema,
  ShotJobSchema,
  SpendSchema,
} from '../contracts/index.ts';
import { RoleSchema } from '../contracts/users.ts';
import { TAGS } from '../storyboard/types.ts';
import { ID_PATTERN, isReservedName } from '../util/reserved-names.ts';

export const apiSchemas = z.registry<{ id: string }>();

/** A shot's (or user's) id wherever the API takes one: the storyboard's id rules, no reserved name. */
export const IdSchema = z
  .string()
  .regex(ID_PATTERN, "letters, digits, '-' and '_' (at most 128)")
  .refine((id) => !isReservedName(id), { message: 'is a reserved name' });

/** Registers a schema under its component name; the description goes into the document. */
function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  const described = description ? schema.describe(description) : schema;
  apiSchemas.add(described, { id });
  return described;
}

// errors and the plan: their one definition is in ../contracts/

export const ProblemSchema = named('Problem', ContractProblemSchema);

export const ErrorSchema = named('Error', ErrorBodySchema);

named('RejectionReason', RejectionReasonSchema);
named('PlanWarning', PlanWarningSchema);
export const PlannedShotSchema = named('PlannedShot', ContractPlannedShotSchema);
export const PlanSchema = named('Plan', ContractPlanSchema);

// plan changes

export const ShotChangeSchema = named(
  'ShotChange',
  z.strictObject({
    model: z.string().min(1).nullable().optional().describe('pin to a catalog model; null unpins'),
    tags: z.array(z.enum(TAGS)).max(TAGS.length).optional(),
    priority: z.enum(['hero', 'normal', 'draft']).optional(),
    prompt: z
      .string()
      .trim()
      .min(1)
      .max(4000)
      .optional()
      .describe(
        'a new prompt: the next run makes this shot again (estimated and confirmed as any run) and reuses every other kept clip',
      ),
  }),
);

export const PlanChangesSchema = named(
  'PlanChanges',
  z.strictObject({
    budget_usd: z
      .number()
      .positive()
      .max(1_000_000)
      .nullable()
      .optional()
      .describe('null removes the budget'),
    optimize: z.enum(['quality', 'cost', 'speed', 'balanced']).optional(),
    shots: z.record(IdSchema, ShotChangeSchema).optional(),
  }),
  "Changes tried on a project's storyboard without editing it",
);

export const SpendEstimateSchema = named(
  'SpendEstimate',
  z.object({
    usd: z.number().describe('still to spend at list prices (0 for a preview)'),
    jobs: z.number().int().describe('jobs still to make'),
    done: z.number().int().describe('jobs whose clip is already kept'),
  }),
);

export const PlanResponseSchema = named(
  'PlanResponse',
  z.object({
    plan: PlanSchema,
    estimate: SpendEstimateSchema,
    changes: PlanChangesSchema,
  }),
);

// projects

export const ProjectSchema = named(
  'Project',
  z.object({
    id: z.string(),
    title: z.string(),
    created_at: z.string(),
    storyboard_name: z.string(),
    uploads: z.array(
      z.object({
        name: z.string(),
        file: z.string(),
        bytes: z.number().int(),
        media_type: z.string(),
        url: z.string().optional(),
      }),
    ),
    changes: PlanChangesSchema,
    changed_by: z
      .string()
      .nullable()
      .describe('who committed the changes (null: the single-user default, or never changed)'),
    changed_at: z.string().nullable().describe('when the changes were committed (null: never)'),
    created_by: z
      .string()
      .nullable()
      .describe('who created the project (null: the single-user default)'),
    activity: z
      .array(
        z.object({
          at: z.string(),
          by: z.string().nullable().describe('a named user; null: the single-user default'),
          what: z.enum(['run_started', 'run_stopped', 'packaged']),
          preview: z.boolean().optional(),
          confirmed_usd: z.number().optional().describe('a real run: the spend the user confirmed'),
        }),
      )
      .describe(
        'runs started and stopped and packages made, with who did it, oldest first (the last 200)',
      ),
  }),
);

export const ProjectListSchema = named(
  'ProjectList',
  z.object({ projects: z.array(ProjectSchema) }),
);

export const JobSchema = ShotJobSchema;

export const TakeSchema = z.object({
  take: z.number().int().describe('1-based'),
  model: z.string().nullable(),
  url: z.string().describe('the clip, served with range requests'),
  picked: z.boolean().describe('the take the cut uses'),
  picked_by: z
    .string()
    .nullable()
    .describe('who picked it into the cut (a named user); null: no pick, the default, or the CLI'),
  failed_checks: z
    .array(z.string())
    .describe("the take's failing checks, `code: message` (docs/qc.md); empty: it passed"),
  poster_url: z
    .string()
    .describe('a still from the middle of the clip (JPEG, made once, cached by content)'),
  strip_url: z.string().describe('thumbnails across the clip, side by side (JPEG)'),
});

export const ShotReferenceSchema = z.object({
  role: z
    .enum(['reference', 'first_frame', 'last_frame'])
    .describe("where the storyboard names the image: the shot's references or its frames"),
  url: z.string().describe('the image as uploaded with the project'),
});

export const ShotCardSchema = named(
  'ShotCard',
  z.object({
    id: z.string(),
    index: z.number().int(),
    prompt: z.string(),
    duration: z.number(),
    tags: z.array(z.string()),
    priority: z.enum(['hero', 'normal', 'draft']),
    pinned: z.string().nullable(),
    jobs: z.array(JobSchema),
    takes: z.array(TakeSchema),
    references: z
      .array(ShotReferenceSchema)
      .describe("the shot's own images that were uploaded with the project (URLs left out)"),
  }),
  'A shot as the board shows it: the storyboard, the newest run’s jobs, the takes made',
);

export const RunInfoSchema = named(
  'RunInfo',
  z.object({
    id: z.string().nullable(),
    state: z.enum(['idle', 'preparing', 'running', 'assembling', 'finished', 'aborted', 'failed']),
    preview: z.boolean(),
    active: z.boolean().describe('running in this server now'),
    jobs: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  }),
);

export { SpendSchema };

export const DeliverableSchema = z.object({
  name: z.string(),
  label: z.string(),
  url: z.string(),
  bytes: z.number().int(),
  version: z
    .string()
    .describe('a tag of the content (SHA-256, 16 hex): add ?v=<version> to the URL to cache-bust'),
});

export const CutPicturesSchema = z.object({
  strip_url: z.string().describe('thumbnails across final.mp4 in order (JPEG, cached by content)'),
  seconds: z.number().describe('length of the cut'),
  shots: z
    .array(z.object({ id: z.string(), start: z.number(), seconds: z.number() }))
    .describe('the shots in playing order on the cut’s timeline: the strip’s shot boundaries'),
});

export const SpendPointSchema = z.object({
  at: z.string().describe('ISO 8601'),
  usd: z.number().describe('spent by then, in all'),
});

const RunnableSchema = z.object({
  ok: z.boolean(),
  reason: z.string().nullable().describe('why not, in words'),
});

export const OverviewSchema = named(
  'ProjectOverview',
  z.object({
    project: ProjectSchema,
    plan: PlanSchema,
    estimate: SpendEstimateSchema,
    run: RunInfoSchema,
    spend: SpendSchema.nullable(),
    shots: z.array(ShotCardSchema),
    deliverables: z.array(DeliverableSchema),
    runnable: z.object({
      preview: RunnableSchema,
      real: RunnableSchema,
    }),
    seq: z.number().int().describe('the last event id sent on /events when this was read'),
    review: ContractReviewStateSchema.describe('every shot’s verdict and every comment on a take'),
    cut: CutPicturesSchema.nullable().describe('the cut’s strip and shots; null: no cut yet'),
    spend_over_time: z
      .array(SpendPointSchema)
      .describe('the newest run’s settled spend, cumulative, from its start; empty: no run'),
  }),
);

export const ExampleListSchema = named(
  'ExampleList',
  z.object({
    examples: z.array(
      z.object({ name: z.string(), title: z.string(), shots: z.number().int(), about: z.string() }),
    ),
  }),
);

export const ModelListSchema = named(
  'ModelList',
  z.object({
    models: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        vendor: z.string(),
        providers: z.array(z.string()),
      }),
    ),
  }),
);

export const StatusSchema = named(
  'RunStatus',
  RunStatusSchema,
  'Same as `shotrouter status --json`',
);

// requests

export const ProjectIdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{12}$/) });

export const EventsQuery = z.object({
  since: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('the `seq` of the overview the page read: events after it are sent first'),
});

export const FromExampleSchema = named(
  'FromExample',
  z.strictObject({ name: z.string().regex(/^[a-z0-9-]{1,64}$/) }),
);

export const PlanRequestSchema = named(
  'PlanRequest',
  z.strictObject({ changes: PlanChangesSchema.default({}) }),
);

export const StartRunSchema = named(
  'StartRun',
  z.strictObject({
    preview: z.boolean().describe('true: render placeholders locally, spend nothing'),
    confirm_usd: z
      .number()
      .nonnegative()
      .optional()
      .describe('the estimate the user agreed to spend; required when a real run may spend'),
  }),
);

export const StartedRunSchema = named(
  'StartedRun',
  z.object({ run: RunInfoSchema, estimate: SpendEstimateSchema }),
);

export const PickSchema = named(
  'Pick',
  z.strictObject({ take: z.number().int().min(1).describe('1-based take number') }),
);

export const ShotParams = z.object({
  id: ProjectIdParams.shape.id,
  shot: IdSchema,
});

export const MediaParams = z.object({
  id: ProjectIdParams.shape.id,
  file: z.string().regex(/^[0-9a-f]{64}\.(mp4|mov)$/),
});

export const CutStripQuery = z.object({
  v: z
    .string()
    .optional()
    .describe('the cut’s version (its deliverable’s `version`): cache-busting'),
});

export const RefParams = z.object({
  id: ProjectIdParams.shape.id,
  file: z.string().regex(/^[0-9a-f]{64}\.(png|jpg|gif|webp)$/),
});

export const DeliverableParams = z.object({
  id: ProjectIdParams.shape.id,
  name: z.enum([
    'final.mp4',
    'final.mov',
    'report.json',
    'report.html',
    'timeline.otio',
    'timeline.fcpxml',
    'timeline.edl',
  ]),
});

export const PackageMadeSchema = named(
  'PackageMade',
  z.object({
    url: z.string().describe('the zip to download'),
    bytes: z.number().int(),
    clips: z.array(PackagedClipSchema),
    files: z.array(z.string()).describe('the package’s files, relative to it'),
  }),
);

// review (the one definition is in ../contracts/review.ts)

export const ShotReviewSchema = named('ShotReview', ContractShotReviewSchema);
export const TakeCommentSchema = named('TakeComment', ContractTakeCommentSchema);
export const ReviewStateSchema = named('ReviewState', ContractReviewStateSchema);
export const ShotHistorySchema = named('ShotHistory', ContractShotHistorySchema);
export const ReviewBodySchema = named(
  'ReviewBody',
  ReviewInputSchema.omit({ shot: true }),
  'A verdict on a shot',
);
export const CommentBodySchema = named(
  'CommentBody',
  CommentInputSchema.omit({ shot: true, take: true }),
  'A comment at a time of a take',
);
export const TakeParams = z.object({
  id: ProjectIdParams.shape.id,
  shot: IdSchema,
  take: z.coerce.number().int().min(1).max(1000),
});

export const IdentitySchema = named(
  'Identity',
  z.object({
    name: z
      .string()
      .nullable()
      .describe('the named user; null: the single-user default or SHOTROUTER_TOKEN'),
    role: RoleSchema,
  }),
  'Who the request is from, and what their role allows',
);

export const HealthSchema = named(
  'Health',
  z.object({ ok: z.literal(true), version: z.string(), auth: z.boolean() }),
);
