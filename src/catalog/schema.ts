/**
 * The model card schema (see docs/catalog.md).
 *
 * Every fact is wrapped as `{ value, source, unconfirmed? }`: `source` names an entry of the
 * card's `sources` map (URL and the date the fact was true); `unconfirmed` is present, with a
 * short reason, when no primary source confirms the fact. The loader refuses a card whose fact
 * names a source it does not define, so a fact without provenance cannot enter the catalog.
 */
import { z } from 'zod';

export const PROVIDERS = [
  'openai',
  'google',
  'vertex',
  'kling',
  'runway',
  'luma',
  'byteplus',
  'fal',
  'replicate',
  'comfyui',
  'minimax',
  'dashscope',
  'ltx',
] as const;
export type ProviderId = (typeof PROVIDERS)[number];

/** Providers that run on the user's own machine. */
export const LOCAL_PROVIDERS: ReadonlySet<ProviderId> = new Set(['comfyui']);

export const TIERS = ['360p', '480p', '540p', '720p', '1080p', '1440p', '4k'] as const;
export type Tier = (typeof TIERS)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const size = z.string().regex(/^\d{2,5}x\d{2,5}$/, 'WIDTHxHEIGHT, e.g. 1920x1080');
const sourceId = z.string().min(1);

/** Wraps a fact with its provenance. */
export function fact<T extends z.ZodType>(value: T) {
  return z.strictObject({
    value,
    source: sourceId,
    /** why the fact is not confirmed by a primary source (absent when it is) */
    unconfirmed: z.string().min(1).optional(),
  });
}
export type Fact<T> = { value: T; source: string; unconfirmed?: string | undefined };

export const DurationsSchema = z.union([
  z.strictObject({ values: z.array(z.number().positive()).min(1) }),
  z.strictObject({
    min: z.number().positive(),
    max: z.number().positive(),
    step: z.number().positive(),
  }),
]);
export type Durations = z.infer<typeof DurationsSchema>;

export const AudioSupportSchema = z.enum(['none', 'optional', 'always']);
export type AudioSupport = z.infer<typeof AudioSupportSchema>;

/**
 * A capability that changes under a condition, e.g. Veo allows only 8 s with reference images,
 * Kling 2.6 makes no audio with an end frame, Luma Ray 3.2 does 10 s only without frame images.
 */
export const ConditionSchema = z.strictObject({
  when: z.strictObject({
    references: z.boolean().optional(),
    first_frame: z.boolean().optional(),
    last_frame: z.boolean().optional(),
    /** the condition holds at this tier and above */
    min_tier: z.enum(TIERS).optional(),
    audio: z.boolean().optional(),
    /** a reference image shows a real person (storyboard `real_person`) */
    real_person: z.boolean().optional(),
  }),
  // biome-ignore lint/suspicious/noThenProperty: the card format's field name; its value is never a function
  then: z.strictObject({
    durations: DurationsSchema.optional(),
    audio: AudioSupportSchema.optional(),
    orientations: z.array(z.enum(['landscape', 'portrait', 'square'])).optional(),
    /** the lowest tier that can be ordered (e.g. Kling 2.6 makes audio only in pro mode, 1080p) */
    min_tier: z.enum(TIERS).optional(),
    /** the highest tier that can be ordered */
    max_tier: z.enum(TIERS).optional(),
    /** at most this many reference images (0: references cannot be combined with the condition) */
    reference_images: z.number().int().nonnegative().optional(),
  }),
  source: sourceId,
  unconfirmed: z.string().min(1).optional(),
  note: z.string().optional(),
});
export type Condition = z.infer<typeof ConditionSchema>;

export const PriceRuleSchema = z.discriminatedUnion('unit', [
  /** per second of generated video */
  z.strictObject({
    unit: z.literal('second'),
    usd: z.number().nonnegative(),
    tier: z.enum(TIERS).optional(),
    audio: z.boolean().optional(),
  }),
  /** per clip of a fixed length (billed as whole clips) */
  z.strictObject({
    unit: z.literal('clip'),
    seconds: z.number().positive(),
    usd: z.number().nonnegative(),
    tier: z.enum(TIERS).optional(),
    audio: z.boolean().optional(),
  }),
  /** per million tokens, tokens = width × height × fps × seconds / 1024 (ByteDance's formula) */
  z.strictObject({
    unit: z.literal('token'),
    usd_per_million: z.number().nonnegative(),
    tier: z.enum(TIERS).optional(),
    audio: z.boolean().optional(),
  }),
]);
export type PriceRule = z.infer<typeof PriceRuleSchema>;

export const RouteSchema = z.strictObject({
  provider: z.enum(PROVIDERS),
  /** the provider's own model id (or workflow template name for comfyui) */
  model: z.string().min(1),
  /** rows are matched by tier and audio; a tier with no row cannot be ordered on this route */
  price: fact(z.array(PriceRuleSchema).min(1)),
  /** typical seconds from start to downloadable result for a ~5 s clip */
  latency_seconds: fact(z.number().positive()),
  /** when this route stops working, if it differs from the model's */
  retired_on: fact(isoDate).optional(),
  /**
   * local routes: GPU memory in GB this route's runtime needs (e.g. fp8 weights under ComfyUI);
   * `policy.max_vram_gb` is checked against it (default: open_weights.min_vram_gb)
   */
  vram_gb: fact(z.number().positive()).optional(),
  /**
   * the most reference images this route can send, where it is fewer than the model takes
   * (e.g. an API that wants references registered beforehand); default: the model's own limit
   */
  reference_images: fact(z.number().int().nonnegative()).optional(),
  /** the model of this catalog that replaces this route where it retires (e.g. on the same API) */
  replacement: z.string().optional(),
  /** tiers this route can order; default: every tier of the model */
  tiers: z.array(z.enum(TIERS)).optional(),
  note: z.string().optional(),
});
export type Route = z.infer<typeof RouteSchema>;

export const StrengthSchema = z.strictObject({
  /** 0..1: how well the model serves shots with this tag */
  weight: z.number().min(0).max(1),
  reason: z.string().min(1),
  source: sourceId,
  unconfirmed: z.string().min(1).optional(),
});

/**
 * What a model does: `generate` makes new video (the default, and the only kind the router
 * considers); `edit` transforms a video the user already has (e.g. Runway Aleph). Edit models
 * are recorded so that their facts and prices are on file, and never routed for generation.
 */
export const MODEL_KINDS = ['generate', 'edit'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/**
 * One figure of a public human-preference arena (Artificial Analysis Video Arena): the model's
 * score with its confidence interval (±), rank and the leaderboard's snapshot date. The router
 * maps the score onto its 0..1 scale (router/quality.ts, docs/catalog.md#measured-quality).
 */
export const ArenaFigureSchema = z.strictObject({
  score: z.number().positive(),
  /** half-width of the confidence interval, in score points */
  ci: z.number().nonnegative(),
  rank: z.number().int().positive().optional(),
  /** the date of the leaderboard snapshot */
  snapshot: isoDate,
  /** the arena's own name for the entry, when it differs from the card's (e.g. "Kling 3.0 Pro") */
  entry: z.string().min(1).optional(),
  source: sourceId,
  unconfirmed: z.string().min(1).optional(),
});
export type ArenaFigure = z.infer<typeof ArenaFigureSchema>;

export const MODALITIES = ['text_to_video', 'image_to_video'] as const;
export type Modality = (typeof MODALITIES)[number];

export const ModelCardSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  name: z.string().min(1),
  kind: z.enum(MODEL_KINDS).default('generate'),
  vendor: z.string().min(1),
  family: z.string().min(1),
  released: fact(isoDate.nullable()),
  lifecycle: z.strictObject({
    status: fact(z.enum(['active', 'preview', 'deprecated', 'retired'])),
    deprecated_on: fact(isoDate).optional(),
    retired_on: fact(isoDate).optional(),
    replacement: z.string().optional(),
  }),
  capabilities: z.strictObject({
    durations: fact(DurationsSchema),
    /** native output sizes, WIDTHxHEIGHT */
    sizes: fact(z.array(size).min(1)),
    fps: fact(z.array(z.number().positive()).min(1)),
    audio: fact(AudioSupportSchema),
    /** non-frame reference ("ingredient") images; 0 when not supported */
    reference_images: fact(z.number().int().nonnegative()),
    first_frame: fact(z.boolean()),
    last_frame: fact(z.boolean()),
    /** image-to-video only: a first frame is required */
    image_required: fact(z.boolean()),
    multi_shot: fact(
      z
        .strictObject({ max_cuts: z.number().int().min(2), max_seconds: z.number().positive() })
        .nullable(),
    ),
    extension: fact(
      z
        .strictObject({ step_seconds: z.number().positive(), max_seconds: z.number().positive() })
        .nullable(),
    ),
    camera_control: fact(z.boolean()),
    /** the longest prompt the API takes, in characters; absent: not documented (a global limit applies) */
    max_prompt_chars: fact(z.number().int().positive()).optional(),
    conditions: z.array(ConditionSchema).default([]),
  }),
  /** 0..1, the model's general output quality, the base of every shot's score */
  quality: z.strictObject({
    value: z.number().min(0).max(1),
    reason: z.string().min(1),
    source: sourceId,
    unconfirmed: z.string().min(1).optional(),
  }),
  /** measured quality per modality; absent modalities fall back to the judged `quality` */
  arena: z
    .strictObject({
      text_to_video: ArenaFigureSchema.optional(),
      image_to_video: ArenaFigureSchema.optional(),
    })
    .optional(),
  strengths: z.record(z.string(), StrengthSchema).default({}),
  open_weights: z
    .strictObject({
      license: fact(z.string().min(1)),
      min_vram_gb: fact(z.number().positive()),
      serving: z.array(z.string()).default([]),
    })
    .nullable()
    .default(null),
  routes: z.array(RouteSchema).min(1),
  sources: z.record(
    sourceId,
    z.strictObject({
      url: z.string().min(1),
      /** the date the source states the fact, or the date it was read */
      as_of: isoDate,
      /** the date a maintainer last re-read the source and found the facts citing it still there */
      read_on: isoDate.optional(),
      title: z.string().optional(),
    }),
  ),
  notes: z.array(z.string()).default([]),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;

// ---------------------------------------------------------------------------------------------
// Judges: vision models that look at a take's frames and say whether it shows its prompt

/** Providers shotrouter has a judge adapter for (src/providers/vision-judge.ts). */
export const JUDGE_PROVIDERS = ['openai', 'google'] as const satisfies readonly ProviderId[];
export type JudgeProviderId = (typeof JUDGE_PROVIDERS)[number];

/**
 * A judge's list price: dollars per million input tokens (text and images alike, as both
 * vendors bill them) and per million output tokens (reasoning or thinking tokens included).
 */
export const JudgePriceSchema = z.strictObject({
  input_usd_per_million: z.number().nonnegative(),
  output_usd_per_million: z.number().nonnegative(),
});
export type JudgePrice = z.infer<typeof JudgePriceSchema>;

export const JudgeRouteSchema = z.strictObject({
  provider: z.enum(JUDGE_PROVIDERS),
  /** the provider's own model id */
  model: z.string().min(1),
  price: fact(JudgePriceSchema),
  /**
   * input tokens one sampled frame (JPEG, at most 384 px on its long side) costs: what the
   * estimate before a call counts; the bill comes from the reply's usage figures
   */
  tokens_per_image: fact(z.number().int().positive()),
  retired_on: fact(isoDate).optional(),
  replacement: z.string().optional(),
  note: z.string().optional(),
});
export type JudgeRoute = z.infer<typeof JudgeRouteSchema>;

/**
 * A judge card (`kind: judge`): no video capabilities, quality or strengths; identity,
 * lifecycle, how many images one request takes, and its routes with their prices.
 */
export const JudgeCardSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  name: z.string().min(1),
  kind: z.literal('judge'),
  vendor: z.string().min(1),
  family: z.string().min(1),
  released: fact(isoDate.nullable()),
  lifecycle: z.strictObject({
    status: fact(z.enum(['active', 'preview', 'deprecated', 'retired'])),
    deprecated_on: fact(isoDate).optional(),
    retired_on: fact(isoDate).optional(),
    replacement: z.string().optional(),
  }),
  capabilities: z.strictObject({
    /** most images one request may carry */
    max_images: fact(z.number().int().positive()),
    /** the reply can be held to a JSON schema (structured output) */
    structured_output: fact(z.boolean()),
  }),
  routes: z.array(JudgeRouteSchema).min(1),
  sources: ModelCardSchema.shape.sources,
  notes: z.array(z.string()).default([]),
});
export type JudgeCard = z.infer<typeof JudgeCardSchema>;

// ---------------------------------------------------------------------------------------------
// Voices: text-to-speech models that read a shot's narration (storyboard `narration`, `voices`)

/** Providers shotrouter has a text-to-speech adapter for. */
export const TTS_PROVIDERS = ['openai', 'elevenlabs', 'google', 'minimax'] as const;
export type TtsProviderId = (typeof TTS_PROVIDERS)[number];

/**
 * A voice's list price: per million characters of text sent (how OpenAI's tts-1, ElevenLabs,
 * Google Cloud and MiniMax bill), or per minute of speech made (how OpenAI bills
 * gpt-4o-mini-tts, estimated from the text's length before the call).
 */
export const TtsPriceSchema = z.discriminatedUnion('unit', [
  z.strictObject({ unit: z.literal('character'), usd_per_million: z.number().nonnegative() }),
  z.strictObject({ unit: z.literal('minute'), usd: z.number().nonnegative() }),
]);
export type TtsPrice = z.infer<typeof TtsPriceSchema>;

export const TtsRouteSchema = z.strictObject({
  provider: z.enum(TTS_PROVIDERS),
  /** the provider's own model id */
  model: z.string().min(1),
  price: fact(TtsPriceSchema),
  /** the voice used when the storyboard names none */
  default_voice: fact(z.string().min(1)),
  retired_on: fact(isoDate).optional(),
  replacement: z.string().optional(),
  note: z.string().optional(),
});
export type TtsRoute = z.infer<typeof TtsRouteSchema>;

/**
 * A text-to-speech card (`kind: tts`): the voices it offers, the languages it reads, the
 * longest text one request takes, and its routes with their prices.
 */
export const TtsCardSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  name: z.string().min(1),
  kind: z.literal('tts'),
  vendor: z.string().min(1),
  family: z.string().min(1),
  released: fact(isoDate.nullable()),
  lifecycle: JudgeCardSchema.shape.lifecycle,
  capabilities: z.strictObject({
    /** the voices by name (an empty list: any voice id of the account, e.g. cloned voices) */
    voices: fact(z.array(z.string().min(1))),
    /** languages it reads, as BCP 47 tags (`multi`: many, listed by the source) */
    languages: fact(z.array(z.string().min(1)).min(1)),
    /** the longest text one request takes, in characters */
    max_chars: fact(z.number().int().positive()),
    /** it takes delivery instructions (`voices.<speaker>.notes`) */
    instructions: fact(z.boolean()),
  }),
  /** 0..1, how natural it sounds: the default voice is the best one within the budget */
  quality: ModelCardSchema.shape.quality,
  routes: z.array(TtsRouteSchema).min(1),
  sources: ModelCardSchema.shape.sources,
  notes: z.array(z.string()).default([]),
});
export type TtsCard = z.infer<typeof TtsCardSchema>;

// Image models: stills made before the shots that use them (storyboard `images:`)

/** Providers an image card may route to (each has an image-generation API). */
export const IMAGE_PROVIDERS = [
  'fal',
  'replicate',
  'openai',
  'google',
  'byteplus',
] as const satisfies readonly ProviderId[];
export type ImageProviderId = (typeof IMAGE_PROVIDERS)[number];

/**
 * An image's list price: a flat `image` price, or per `megapixel` of output with a part of a
 * megapixel billed as a whole one (as fal bills FLUX).
 */
export const ImagePriceSchema = z.strictObject({
  unit: z.enum(['image', 'megapixel']),
  usd: z.number().nonnegative(),
});
export type ImagePrice = z.infer<typeof ImagePriceSchema>;

export const ImageRouteSchema = z.strictObject({
  provider: z.enum(IMAGE_PROVIDERS),
  /** the provider's own model id (or endpoint, on fal and Replicate) */
  model: z.string().min(1),
  price: fact(ImagePriceSchema),
  retired_on: fact(isoDate).optional(),
  replacement: z.string().optional(),
  note: z.string().optional(),
});
export type ImageRoute = z.infer<typeof ImageRouteSchema>;

/**
 * An image card (`kind: image`): a model that makes a still from a prompt. Identity,
 * lifecycle, the largest and smallest image it makes, and its routes with their prices.
 */
export const ImageCardSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  name: z.string().min(1),
  kind: z.literal('image'),
  vendor: z.string().min(1),
  family: z.string().min(1),
  released: fact(isoDate.nullable()),
  lifecycle: JudgeCardSchema.shape.lifecycle,
  capabilities: z.strictObject({
    /** the largest image it makes, in megapixels (a larger ask is made at this size) */
    max_megapixels: fact(z.number().positive()),
    /** the smallest side in pixels it accepts (0: none stated) */
    min_side: fact(z.number().int().nonnegative()),
  }),
  routes: z.array(ImageRouteSchema).min(1),
  sources: ModelCardSchema.shape.sources,
  notes: z.array(z.string()).default([]),
});
export type ImageCard = z.infer<typeof ImageCardSchema>;

/** Any card of the catalog folder: a video model (generate or edit), a judge, a voice or an image model. */
export type AnyCard = ModelCard | JudgeCard | TtsCard | ImageCard;

export function isJudgeCard(card: AnyCard): card is JudgeCard {
  return card.kind === 'judge';
}

export function isTtsCard(card: AnyCard): card is TtsCard {
  return card.kind === 'tts';
}

export function isImageCard(card: AnyCard): card is ImageCard {
  return card.kind === 'image';
}
