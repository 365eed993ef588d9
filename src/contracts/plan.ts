/**
 * The plan: what the router decided, as data, before anything is spent. Its JSON form is the
 * public contract of `plan --json` and of the HTTP API; fields may be added, never renamed. Every
 * number is deterministic for the same storyboard, catalog and as_of. The TypeScript types are
 * inferred from these schemas; the OpenAPI document and docs/plan-fields.md are generated from them.
 */
import { z } from 'zod';
import { MODALITIES, PROVIDERS } from '../catalog/schema.ts';
import { PlanWarningSchema, RejectionReasonSchema } from './reasons.ts';

const ProviderSchema = z.enum(PROVIDERS);

export const GenerateRequestSchema = z
  .object({
    seconds: z
      .number()
      .describe('seconds requested from the model, after snapping up to an allowed duration'),
    width: z.number().int().describe('pixels'),
    height: z.number().int().describe('pixels'),
    fps: z.number().describe('frames per second generated'),
    audio: z.boolean().describe('the model makes the sound too'),
    references: z.number().int().describe('how many reference images travel with the request'),
  })
  .meta({ description: 'What is asked of the model for one generation' });
export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;

export const TrimSchema = z
  .object({
    from: z.number().describe('seconds into the generated clip where the kept part starts'),
    seconds: z.number().describe('seconds of generated footage kept (before slow-motion retiming)'),
  })
  .meta({ description: 'The part of the generated clip the cut keeps' });
export type Trim = z.infer<typeof TrimSchema>;

export const ChainSchema = z
  .object({
    kind: z
      .enum(['extend', 'split'])
      .describe(
        '`extend`: generate `segments[0]` then extend by each following step on the same model; `split`: separate clips cut together (never for a `continuous` shot)',
      ),
    segments: z.array(z.number()).describe('seconds of each step or clip'),
  })
  .meta({ description: 'How a shot longer than one generation is made' });
export type Chain = z.infer<typeof ChainSchema>;

export const EstimateSchema = z.object({
  usd: z.number().describe('USD at list price'),
  seconds: z.number().describe('seconds of wall time'),
});

export const PlanTotalSchema = EstimateSchema.extend({
  worst_case_usd: z
    .number()
    .describe(
      'USD if every take fails its checks and every retake `policy.qc.retake` allows is bought, each at the dearest route it may reach (a retake moves at most one model down the shot’s list; see docs/qc.md); the budget still bounds the run',
    ),
});

export const SlowmoPlanSchema = z
  .object({
    path: z
      .enum(['native', 'interpolate', 'prompt'])
      .describe(
        '`native`: generated at fps × slowmo and retimed frame for frame; `interpolate`: generated at the normal rate, missing frames synthesised at conform; `prompt`: generated at full length, the look asked in the prompt',
      ),
    fps_generated: z.number().describe('the frame rate the model is asked for'),
    reason: z.string().describe('why this path, in words'),
  })
  .meta({ description: 'The slow-motion path of a shot with slowmo > 1 on its model' });
export type SlowmoPlan = z.infer<typeof SlowmoPlanSchema>;

export const QualityUsedSchema = z
  .object({
    value: z.number().describe('0..1, after the tie rule'),
    basis: z
      .enum(['arena', 'judged'])
      .describe('an arena figure for the modality, or the card’s judged quality'),
    modality: z.enum(MODALITIES).describe('image-to-video with a first frame, else text-to-video'),
    arena: z
      .object({
        score: z.number(),
        ci: z.number().describe('half-width of the confidence interval, in score points'),
        rank: z.number().optional(),
        snapshot: z.string().describe('the date of the leaderboard snapshot'),
        entry: z.string().optional().describe('the arena’s own name for the entry'),
        source: z.string(),
        source_url: z.string(),
        source_title: z.string().optional(),
        unconfirmed: z.string().optional(),
      })
      .optional()
      .describe('the arena figure behind an `arena` value'),
    tied_with: z
      .array(z.string())
      .optional()
      .describe('measured models whose interval overlaps the best one’s: equal on quality'),
  })
  .meta({ description: 'The quality a score used, and where it came from' });
export type QualityUsed = z.infer<typeof QualityUsedSchema>;

export const PromptFormSchema = z
  .object({
    dialect: z
      .string()
      .describe(
        'how the prompt is written for the model’s family (docs/prompts.md): plain, veo, kling, runway, sora, seedance, wan or ltx',
      ),
    max_chars: z
      .number()
      .int()
      .nullable()
      .describe('the most characters the API takes (longer prompts are cut); null: not documented'),
    takes_negative: z.boolean().describe('the route’s API takes a negative prompt'),
  })
  .meta({ description: 'How a prompt is written and sent on a route' });
export type PromptForm = z.infer<typeof PromptFormSchema>;

export const PromptSchema = PromptFormSchema.extend({
  text: z
    .string()
    .describe('the exact prompt sent to the chosen model (for a multi-shot group: the group’s)'),
  negative: z
    .string()
    .nullable()
    .describe('the negative prompt sent; null: none, or the API takes none (see the warnings)'),
}).meta({ description: 'The prompt the chosen route is sent' });
export type Prompt = z.infer<typeof PromptSchema>;

export const RejectionSchema = z
  .object({
    model: z.string().describe('catalog model id'),
    reasons: z.array(RejectionReasonSchema).describe('every reason, each with a stable code'),
  })
  .meta({ description: 'A model not used for the shot, and why' });
export type Rejection = z.infer<typeof RejectionSchema>;

export const FallbackSchema = z
  .object({
    model: z.string().describe('catalog model id'),
    provider: ProviderSchema.nullable().describe('the route the fallback is generated through'),
    generate: GenerateRequestSchema.describe('what is asked of the fallback model'),
    trim: TrimSchema.describe('the part of its clip the cut keeps'),
    chain: ChainSchema.nullable().describe('extension chain or split; null: one generation'),
    estimate: EstimateSchema.describe('USD for every take; seconds of wall time for one take'),
    slowmo: SlowmoPlanSchema.nullable().describe('the slow-motion path; null without slow motion'),
    prompt: PromptFormSchema.optional().describe(
      'how the fallback’s prompt is written (absent only in plans stored before dialects)',
    ),
  })
  .meta({ description: 'One more way the engine may make the shot when the chosen model fails' });
export type Fallback = z.infer<typeof FallbackSchema>;

export const PlannedShotSchema = z
  .object({
    id: z.string().describe('the storyboard’s shot id'),
    model: z.string().nullable().describe('the chosen model; null: no model can make the shot'),
    provider: ProviderSchema.nullable().describe('the route the shot is generated through'),
    generate: GenerateRequestSchema.nullable().describe(
      'what is asked of the model; null: no model can make the shot',
    ),
    trim: TrimSchema.nullable().describe('the part of the generated clip the cut keeps'),
    group: z
      .string()
      .nullable()
      .describe('id shared by the shots one multi-shot generation makes together; null otherwise'),
    chain: ChainSchema.nullable().describe(
      'extension chain or split, when one generation is not long enough; null otherwise',
    ),
    estimate: EstimateSchema.describe(
      'USD for every take of the shot at the route’s list price; seconds of wall time for one take',
    ),
    takes: z.number().int().describe('takes to generate'),
    score: z.number().describe('the chosen model’s score for the shot, 0 to 1'),
    quality: QualityUsedSchema.nullable().describe(
      'the quality the score used: an arena figure for the shot’s modality, or the judged value',
    ),
    slowmo: SlowmoPlanSchema.nullable().describe(
      'with slowmo > 1: native frames, interpolation at conform, or the look asked in the prompt',
    ),
    prompt: PromptSchema.nullable()
      .optional()
      .describe(
        'the prompt the chosen model is sent, in its family’s dialect; null: no model can make the shot (absent only in plans stored before dialects)',
      ),
    reasons: z.array(z.string()).describe('why this model, in words'),
    warnings: z
      .array(PlanWarningSchema)
      .describe('what the plan changed or assumed to make the shot, each with a stable code'),
    fallbacks: z.array(z.string()).describe('the fallback models, best first'),
    fallback_routes: z
      .array(FallbackSchema)
      .describe('the full fallback requests, best first (the engine uses these)'),
    rejected: z
      .array(RejectionSchema)
      .describe('every other model, by id: ruled out, or feasible and not chosen'),
  })
  .meta({ description: 'One shot of the plan' });
export type PlannedShot = z.infer<typeof PlannedShotSchema>;

export const PLAN_PROBLEM_CODES = [
  {
    code: 'no_model',
    meaning: 'No allowed model can make the shot; the message says what to change.',
  },
  {
    code: 'pinned_model_cannot_make_shot',
    meaning: 'The shot is pinned to a model that cannot make it (a pin is never replaced).',
  },
  {
    code: 'over_budget',
    meaning: 'The plan, or even the cheapest plan, costs more than `budget_usd`.',
  },
  {
    code: 'missing_credentials',
    meaning: 'Shots route to a provider without credentials; the message names what enables it.',
  },
  {
    code: 'sequence_not_grouped',
    meaning: 'No allowed model can generate a `sequence` together; its shots are made separately.',
  },
  {
    code: 'sequence_split',
    meaning:
      'No allowed model can generate a whole `sequence` together (the message says why, model by model); its halves are tried as smaller groups.',
  },
  {
    code: 'credentials_would_unlock',
    meaning: 'A provider without credentials would give shots a better model (or any model).',
  },
  {
    code: 'route_retiring_soon',
    meaning: 'A chosen route retires within 30 days after `as_of`.',
  },
  {
    code: 'catalog_facts_may_be_stale',
    meaning: 'A chosen model’s newest source is over 120 days before `as_of`.',
  },
  {
    code: 'continuity_infeasible',
    meaning:
      'Under `policy.continuity: strict`, no one model family can make every shot of a continuity group.',
  },
  {
    code: 'no_voice',
    meaning:
      'A shot’s narration has no text-to-speech voice: the catalog has none usable (or none with credentials).',
  },
  {
    code: 'duration_estimated',
    meaning:
      'A `duration: auto` shot is planned on its narration’s length estimated from the words; the run measures the real length before the video is asked for.',
  },
  {
    code: 'unknown_voice',
    meaning:
      'A speaker’s `voices.<speaker>.voice` is not one of the voices its model’s card lists; the message lists them.',
  },
  {
    code: 'narration_too_long',
    meaning:
      'A shot’s narration, by the estimate from its words, lasts longer than the shot: it runs over the next shot (`duration: auto` fits the shot to it).',
  },
  {
    code: 'no_image_model',
    meaning:
      'No image model of the catalog can make a still of `images:` (or the one it names does not exist); the message says what to change.',
  },
  { code: 'warning', meaning: 'A shot’s warning (the same text as in `shots[].warnings`).' },
] as const;
export type PlanProblemCode = (typeof PLAN_PROBLEM_CODES)[number]['code'];

export const PlanProblemSchema = z
  .object({
    shot: z.string().nullable().describe('the shot it concerns; null: the whole plan'),
    severity: z.enum(['error', 'warning']).describe('an error means the plan cannot run as is'),
    code: z
      .enum(PLAN_PROBLEM_CODES.map((p) => p.code) as [PlanProblemCode, ...PlanProblemCode[]])
      .describe('stable: see the plan problem codes'),
    message: z.string().describe('what is wrong and what to change, for people'),
  })
  .meta({ description: 'Something the user should know before running the plan' });
export type PlanProblem = z.infer<typeof PlanProblemSchema>;

export const CatalogOriginSchema = z
  .object({
    source: z
      .enum(['built-in', 'bundle', 'folder'])
      .describe('the cards shipped with shotrouter, an installed signed bundle, or a folder'),
    digest: z.string().describe('`sha256:<hex>` over the cards’ file names and bytes'),
    published: z.string().optional().describe('a bundle’s published date (YYYY-MM-DD)'),
    key_name: z.string().optional().describe('the name of the trusted key that signed the bundle'),
    key: z.string().optional().describe('that key, `ed25519:<base64>`'),
    overlays: z
      .array(z.object({ file: z.string(), digest: z.string() }))
      .describe('overlays applied on top, in order: file name and `sha256:<hex>` of its bytes'),
  })
  .meta({ description: 'Where a catalog’s cards came from, and their digest' });

export const ContinuityGroupSchema = z
  .object({
    id: z.string().describe('`continuity-<n>`, numbered in storyboard order'),
    shots: z.array(z.string()).describe('its shots, in storyboard order'),
    characters: z.array(z.string()).describe('the characters two or more of its shots share'),
    locations: z.array(z.string()).describe('the locations two or more of its shots share'),
    family: z
      .string()
      .nullable()
      .describe(
        'the model family the group is kept on (`prefer`, `strict`); under `off` the family all its shots happen to share; null: none',
      ),
    kept: z.boolean().describe('every routed shot of the group is on `family` in this plan'),
    usd: z.number().describe('every take of the group’s shots in this plan'),
    unconstrained_usd: z
      .number()
      .describe('the same shots with every shot routed on its own (as `policy.continuity: off`)'),
    delta_usd: z
      .number()
      .describe('`usd − unconstrained_usd`: what keeping the group together costs (> 0) or saves'),
    score_delta: z
      .number()
      .describe('the mean score of its shots in this plan minus that when routed on their own'),
  })
  .meta({ description: 'Shots that share a character or a location' });

export const ContinuitySchema = z
  .object({
    policy: z.enum(['prefer', 'strict', 'off']).describe('the storyboard’s `policy.continuity`'),
    groups: z
      .array(ContinuityGroupSchema)
      .describe('groups of two or more shots linked by shared characters or locations'),
  })
  .meta({ description: 'Which shots stay on one model family, and what that costs' });
export const PlanEditSchema = z
  .object({
    scenes: z
      .array(
        z.object({
          heading: z.string().describe('the `scene:` heading'),
          shots: z.array(z.string()).describe('its shots in storyboard order'),
        }),
      )
      .describe('runs of shots under one `scene:` heading'),
    omitted: z
      .array(z.string())
      .describe('shots generated and kept as takes but left out of the cut (`omit: true`)'),
    reuses: z
      .array(
        z.object({
          id: z.string().describe('the reuse shot'),
          shot: z.string().describe('the shot whose clip it shows'),
          in: z.number().describe('seconds into that clip'),
          seconds: z.number().describe('seconds in the cut'),
        }),
      )
      .describe('shots that show a piece of another shot’s clip; nothing is generated for them'),
  })
  .meta({ description: 'How the storyboard edits the cut (docs/storyboard.md)' });
export type PlanEdit = z.infer<typeof PlanEditSchema>;

export const SpeechStepSchema = z
  .object({
    shot: z.string().describe('the shot whose narration (or dialogue line) this reads'),
    kind: z
      .enum(['narration', 'dialogue'])
      .describe(
        '`narration`: the shot’s narration; `dialogue`: a line of its `audio.dialogue`, voiced by TTS under `policy.dialogue_voice: tts`',
      ),
    line: z
      .number()
      .int()
      .optional()
      .describe('for `dialogue`: the line’s index in the shot’s `audio.dialogue`'),
    speaker: z.string().describe('who reads it: the narration’s `speaker` (default `narrator`)'),
    voice: z.string().describe('the provider’s voice name or id'),
    model: z.string().describe('the TTS model’s catalog id'),
    provider: z.string().describe('the provider the TTS step is bought from'),
    characters: z.number().int().describe('characters of text sent'),
    estimated_seconds: z
      .number()
      .describe('seconds of speech estimated from the words (an estimate until synthesised)'),
    cost_usd: z.number().describe('USD at list price (per character, or per minute estimated)'),
    reasons: z.array(z.string()).describe('why this model and voice: written, or chosen and why'),
  })
  .meta({ description: 'One text-to-speech step: a shot’s narration read by a voice' });
export type SpeechStep = z.infer<typeof SpeechStepSchema>;

export const PlannedImageSchema = z
  .object({
    name: z.string().describe('its name under the storyboard’s `images:`'),
    prompt: z.string().describe('what the image model is asked to make'),
    model: z
      .string()
      .nullable()
      .describe('the catalog id of the image model (`kind: image`); null: none can make it'),
    provider: z.string().nullable().describe('the provider it is bought from; null: none'),
    provider_model: z
      .string()
      .nullable()
      .describe('the provider’s own model id or endpoint; null: none'),
    size: z
      .object({ width: z.number(), height: z.number() })
      .describe('pixels asked for (`size`, else the deliverable’s)'),
    cost_usd: z.number().describe('its list price: bought once, however many shots use it'),
    reasons: z.array(z.string()).describe('why this model and route, for people'),
    used_by: z
      .array(z.string())
      .describe(
        'the shots that use it (first_frame, last_frame, references, or through a character, look or location), in storyboard order',
      ),
  })
  .meta({ description: 'A still made before the shots that use it (storyboard `images:`)' });
export type PlannedImage = z.infer<typeof PlannedImageSchema>;

export const PlanSchema = z
  .object({
    title: z.string().describe('the storyboard’s title'),
    as_of: z.string().describe('YYYY-MM-DD: the catalog facts used are those true on this day'),
    budget_usd: z.number().nullable().describe('null: no budget'),
    policy: z.string().describe('what the plan optimises: quality, cost, speed or balanced'),
    providers: z
      .array(z.string())
      .nullable()
      .describe(
        'the providers whose credentials were set when the plan was made (routing used only these); null: not considered',
      ),
    shots: z.array(PlannedShotSchema).describe('in storyboard order'),
    images: z
      .array(PlannedImageSchema)
      .optional()
      .describe(
        'the stills to generate (storyboard `images:` with `generate`), in the order written; absent when there are none',
      ),
    total: PlanTotalSchema.describe(
      'USD of every take of every shot, of every still in `images` and of every step in `speech`; estimated wall time of the whole run',
    ),
    cost_range: z
      .object({
        cheapest_usd: z.number().describe('every shot at its cheapest feasible choice'),
        best_usd: z.number().describe('every shot at its best choice without a budget'),
      })
      .describe('the range in which a budget changes the plan'),
    problems: z
      .array(PlanProblemSchema)
      .describe('errors (the plan cannot run as is) and warnings, plan-wide and per shot'),
    continuity: ContinuitySchema.optional().describe(
      'continuity groups and their cost (absent only in plans stored before continuity existed)',
    ),
    edit: PlanEditSchema.optional().describe(
      'the storyboard’s scenes and edit-only fields, when it has any (they change the cut, never a generation)',
    ),
    catalog: CatalogOriginSchema.optional().describe(
      'the catalog the plan was made with (absent only in plans stored before catalogs were recorded)',
    ),
    speech: z
      .array(SpeechStepSchema)
      .optional()
      .describe(
        'every text-to-speech step, one per narrated shot, in storyboard order; their cost is in `total` and the budget (absent: no narration)',
      ),
  })
  .meta({ description: 'What the router decided, before anything is spent' });
export type Plan = z.infer<typeof PlanSchema>;

/**
 * A plan as a run stored it. Plans stored before reasons and warnings had codes hold them as
 * plain strings; those become `unclassified` entries with the same message, so the rest of the
 * program meets one shape. A partial plan (no shots, say) is read as far as it goes.
 */
export function parseStoredPlan(json: string): Plan {
  const plan = JSON.parse(json) as Plan;
  const legacy = <T>(item: T | string): T =>
    typeof item === 'string' ? ({ code: 'unclassified', message: item } as T) : item;
  // a run stored by another program through the library may hold a partial plan
  for (const shot of plan.shots ?? []) {
    shot.warnings = (shot.warnings ?? []).map(legacy);
    for (const r of shot.rejected ?? []) r.reasons = (r.reasons ?? []).map(legacy);
  }
  return plan;
}
