/**
 * The HTTP API's shapes, as zod schemas: requests are validated with them and the OpenAPI
 * document (/openapi.json) is generated from them, so the two cannot drift apart. Every schema
 * that appears in the document is registered in `apiSchemas` under its component name.
 */
import { z } from 'zod';
import { TAGS } from '../storyboard/types.ts';

export const apiSchemas = z.registry<{ id: string; description?: string }>();

function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  apiSchemas.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
}

// errors

export const ProblemSchema = named(
  'Problem',
  z.object({
    file: z.string(),
    line: z.number().int(),
    col: z.number().int(),
    path: z.string().describe('the field, e.g. shots[2].duration'),
    message: z.string(),
    expected: z.string().optional(),
    found: z.string().optional(),
    hint: z.string().optional(),
  }),
);

export const ErrorSchema = named(
  'Error',
  z.object({
    error: z.object({
      code: z.string().describe('stable: clients may match on it'),
      message: z.string(),
      problems: z.array(ProblemSchema).optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
  'Every error: JSON with a stable code',
);

// the plan (router/types.ts; the public contract of `plan --json`)

const GenerateSchema = z.object({
  seconds: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  fps: z.number(),
  audio: z.boolean(),
  references: z.number().int(),
});
const TrimSchema = z.object({ from: z.number(), seconds: z.number() });
const ChainSchema = z.object({
  kind: z.enum(['extend', 'split']),
  segments: z.array(z.number()),
});
const EstimateSchema = z.object({ usd: z.number(), seconds: z.number() });

const SlowmoPlanSchema = z.object({
  path: z.enum(['native', 'interpolate', 'prompt']),
  fps_generated: z.number(),
  reason: z.string(),
});

export const PlannedShotSchema = named(
  'PlannedShot',
  z.object({
    id: z.string(),
    model: z.string().nullable(),
    provider: z.string().nullable(),
    generate: GenerateSchema.nullable(),
    trim: TrimSchema.nullable(),
    group: z.string().nullable(),
    chain: ChainSchema.nullable(),
    estimate: EstimateSchema,
    takes: z.number().int(),
    score: z.number(),
    /** the quality the score used: an arena figure for the shot's modality, or the judged value */
    quality: z
      .object({
        value: z.number(),
        basis: z.enum(['arena', 'judged']),
        modality: z.enum(['text_to_video', 'image_to_video']),
        arena: z
          .object({
            score: z.number(),
            ci: z.number(),
            rank: z.number().optional(),
            snapshot: z.string(),
            entry: z.string().optional(),
            source: z.string(),
            source_url: z.string(),
            source_title: z.string().optional(),
            unconfirmed: z.string().optional(),
          })
          .optional(),
        tied_with: z.array(z.string()).optional(),
      })
      .nullable(),
    slowmo: SlowmoPlanSchema.nullable(),
    reasons: z.array(z.string()),
    warnings: z.array(z.string()),
    fallbacks: z.array(z.string()),
    fallback_routes: z.array(
      z.object({
        model: z.string(),
        provider: z.string().nullable(),
        generate: GenerateSchema,
        trim: TrimSchema,
        chain: ChainSchema.nullable(),
        estimate: EstimateSchema,
        slowmo: SlowmoPlanSchema.nullable(),
      }),
    ),
    rejected: z.array(z.object({ model: z.string(), reasons: z.array(z.string()) })),
  }),
);

export const PlanSchema = named(
  'Plan',
  z.object({
    title: z.string(),
    as_of: z.string(),
    budget_usd: z.number().nullable(),
    policy: z.string(),
    /** providers whose credentials were set when the plan was made; null: not considered */
    providers: z.array(z.string()).nullable(),
    shots: z.array(PlannedShotSchema),
    total: EstimateSchema,
    cost_range: z.object({ cheapest_usd: z.number(), best_usd: z.number() }),
    problems: z.array(
      z.object({
        shot: z.string().nullable(),
        severity: z.enum(['error', 'warning']),
        code: z.string(),
        message: z.string(),
      }),
    ),
    catalog: z
      .object({
        source: z.enum(['built-in', 'bundle', 'folder']),
        digest: z.string(),
        published: z.string().optional(),
        key_name: z.string().optional(),
        key: z.string().optional(),
        overlays: z.array(z.object({ file: z.string(), digest: z.string() })),
      })
      .optional()
      .describe('the catalog the plan was made with'),
  }),
  'What the router decided, before anything is spent',
);

// plan changes

export const ShotChangeSchema = named(
  'ShotChange',
  z.strictObject({
    model: z.string().min(1).nullable().optional().describe('pin to a catalog model; null unpins'),
    tags: z.array(z.enum(TAGS)).max(TAGS.length).optional(),
    priority: z.enum(['hero', 'normal', 'draft']).optional(),
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
    shots: z.record(z.string().max(128), ShotChangeSchema).optional(),
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
  }),
);

export const ProjectListSchema = named(
  'ProjectList',
  z.object({ projects: z.array(ProjectSchema) }),
);

export const JobSchema = z.object({
  take: z.number().int().describe('1-based'),
  unit: z.string().describe('the shot, or the multi-shot group whose generation serves it'),
  state: z.string(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  attempts: z.number().int(),
  spend_usd: z.number(),
  cached: z.boolean(),
  error: z.string().nullable(),
});

export const TakeSchema = z.object({
  take: z.number().int().describe('1-based'),
  model: z.string().nullable(),
  url: z.string().describe('the clip, served with range requests'),
  picked: z.boolean().describe('the take the cut uses'),
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

export const SpendSchema = z.object({
  spent_usd: z.number(),
  reserved_usd: z.number(),
  budget_usd: z.number().nullable(),
  folder_spent_usd: z.number(),
});

export const DeliverableSchema = z.object({
  name: z.string(),
  label: z.string(),
  url: z.string(),
  bytes: z.number().int(),
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
  z.object({
    run: z.object({
      id: z.string(),
      title: z.string(),
      state: z.string(),
      executor: z.string(),
      created_at: z.string(),
      updated_at: z.string(),
    }),
    jobs: z.array(
      z.object({
        shot: z.string(),
        take: z.number().int(),
        state: z.string(),
        model: z.string().nullable(),
        provider: z.string().nullable(),
        attempts: z.number().int(),
        spend_usd: z.number(),
        cached: z.boolean(),
        error: z.string().nullable(),
      }),
    ),
    spend: SpendSchema,
    left: z.object({ jobs: z.number().int(), estimate_usd: z.number() }),
  }),
  'Same as `shotrouter status --json`',
);

// requests

export const ProjectIdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{12}$/) });

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
  shot: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
});

export const MediaParams = z.object({
  id: ProjectIdParams.shape.id,
  file: z.string().regex(/^[0-9a-f]{64}\.(mp4|mov)$/),
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

export const HealthSchema = named(
  'Health',
  z.object({ ok: z.literal(true), version: z.string(), auth: z.boolean() }),
);
