/**
 * Why a model cannot make a shot (a rejection reason) and what the plan changed or assumed to
 * make it (a warning): objects with a stable `code`, the facts behind it (`limit`: what the model,
 * route or policy allows; `asked`: what the shot needs; `advice`: what the user can change) and a
 * `message` formatted from those facts here and nowhere else. Clients match on `code` and read the
 * fields; the message is for people and may be reworded.
 */
import { z } from 'zod';
import { PROVIDERS, TIERS } from '../catalog/schema.ts';
import { money, trimNumber } from './format.ts';

const provider = z.enum(PROVIDERS).describe('the route’s provider');
const tier = z.enum(TIERS);
const date = z.string().describe('YYYY-MM-DD');

/** One kind of reason or warning: its code, its facts, and what it means (for the docs). */
function kind<const C extends string, S extends z.ZodRawShape>(code: C, meaning: string, shape: S) {
  return z
    .object({
      code: z.literal(code),
      message: z.string().describe('the facts in words, for people; may be reworded'),
      ...shape,
      advice: z
        .string()
        .optional()
        .describe('what the user can change so that it no longer applies'),
    })
    .meta({ description: meaning });
}

// rejection reasons

const rejectionKinds = [
  kind('not_in_allow_list', 'The model is not in `policy.allow`.', {}),
  kind('denied_by_policy', 'The model is in `policy.deny`.', {}),
  kind('pinned_to_other_model', 'The shot is pinned to another model (`shots[].model`).', {
    asked: z.string().describe('the model the shot is pinned to'),
  }),
  kind('not_in_catalog', 'The shot is pinned to a model the catalog does not have.', {
    asked: z.string().describe('the pinned model'),
  }),
  kind('retired', 'The model is retired at `as_of` and `policy.allow_retired` is not set.', {
    date: date.nullable().describe('the retirement date, when known'),
    replacement: z.string().nullable().describe('the model its vendor names instead'),
  }),
  kind('not_released', 'The model is released after `as_of`.', {
    date: date.nullable().describe('the release date, when known'),
  }),
  kind('closed_weights', 'The model has no open weights and `policy.licenses` is set.', {
    limit: z.array(z.string()).describe('the licences policy.licenses allows'),
  }),
  kind('licence_not_allowed', 'The weights’ licence is not in `policy.licenses`.', {
    asked: z.string().describe('the model’s licence'),
    limit: z.array(z.string()).describe('the licences policy.licenses allows'),
  }),
  kind('route_retired', 'A route of the model is retired at `as_of`.', {
    provider,
    date: date.nullable().describe('the route’s retirement date'),
  }),
  kind(
    'route_too_few_references',
    'A route of the model sends fewer reference images than the shot has (it would drop them).',
    {
      provider,
      limit: z.number().int().describe('reference images the route sends'),
      asked: z.number().int().describe('reference images the shot has'),
    },
  ),
  kind('no_local_route', 'The model has no local route and `policy.local_only` is set.', {}),
  kind(
    'gpu_not_declared',
    'The route runs on the user’s GPU and neither `policy.max_vram_gb` nor `policy.local_only` is set.',
    { provider },
  ),
  kind('vram_too_small', 'The open weights need more GPU memory than `policy.max_vram_gb`.', {
    limit: z.number().describe('policy.max_vram_gb, GB'),
    asked: z.number().describe('GB of GPU memory the weights need'),
  }),
  kind(
    'no_credentials',
    'Credentials are set for some providers and not for this route’s: routing uses only the providers whose credentials are set.',
    { provider },
  ),
  kind('no_usable_route', 'No route of the model can be used.', {}),
  kind(
    'catalog_condition',
    'A condition of the model card (e.g. audio only in a 1080p mode) limits the sizes, and none fits the shot.',
    {
      note: z.string().nullable().describe('the condition’s note in the catalog'),
      when: z
        .string()
        .optional()
        .describe('when the condition holds, in words, e.g. "with audio, with a last frame"'),
      min_tier: tier.optional().describe('the smallest size tier the condition allows'),
      max_tier: tier.optional().describe('the largest size tier the condition allows'),
    },
  ),
  kind('orientation_unavailable', 'The model makes no clip of the shot’s orientation.', {
    asked: z.enum(['landscape', 'portrait', 'square']).describe('the shot’s orientation'),
    limit: z.array(z.string()).describe('the sizes the model makes, WIDTHxHEIGHT'),
  }),
  kind(
    'orientation_not_with_inputs',
    'The shot’s orientation is not available with its inputs (a condition of the model card).',
    { asked: z.enum(['landscape', 'portrait', 'square']).describe('the shot’s orientation') },
  ),
  kind('size_too_small', 'The model’s largest size is below the shot’s and upscaling is off.', {
    limit: z.string().describe('the largest size of that orientation, WIDTHxHEIGHT'),
    asked: z.string().describe('the size the cut needs, WIDTHxHEIGHT'),
  }),
  kind('fps_too_low', 'The model’s frame rates are too low for the shot’s slow motion.', {
    limit: z.number().describe('the highest frame rate, fps'),
    asked: z.number().describe('the frame rate the slow motion needs, fps'),
    slowmo: z.number().describe('the slow-motion factor'),
  }),
  kind('no_native_audio', 'The shot has dialogue and the model makes no sound.', {}),
  kind('too_many_references', 'The shot has more reference images than the model takes.', {
    limit: z.number().int().describe('reference images the model takes'),
    asked: z.number().int().describe('reference images the shot has'),
    note: z
      .string()
      .optional()
      .describe('the catalog condition that lowers the limit for this shot, when one does'),
  }),
  kind('no_first_frame_input', 'The shot has a first frame and the model takes none.', {}),
  kind('no_last_frame_input', 'The shot has a last frame and the model takes none.', {}),
  kind('image_to_video_only', 'The model needs a first frame and the shot has none.', {}),
  kind(
    'duration_too_long',
    'The shot is longer than one generation, an extension chain, or (for a `continuous` shot) any split can make.',
    {
      limit: z.number().describe('seconds of the longest single generation'),
      asked: z.number().describe('seconds of generated footage the shot needs'),
      continuous: z.boolean().describe('the shot may not be split into cuts'),
      extension_max: z
        .number()
        .nullable()
        .describe('seconds an extension chain reaches; null: the model cannot extend'),
    },
  ),
  kind('route_tier_unavailable', 'A route of the model does not offer the size tier.', {
    provider,
    asked: tier.describe('the size tier requested'),
  }),
  kind('no_price', 'A route of the model has no price for the request.', {
    provider,
    asked: tier.describe('the size tier requested'),
    audio: z.boolean().describe('audio was requested'),
  }),
  kind('feasible_not_chosen', 'The model can make the shot; another scored better.', {
    score: z.number().describe('this model’s score'),
    chosen_score: z.number().describe('the chosen model’s score'),
    usd: z
      .number()
      .optional()
      .describe('USD for every take on this model, when dearer than the chosen one'),
  }),
  kind(
    'unclassified',
    'Recorded before reasons and warnings had codes (a plan stored by an earlier version); only the message is known. The router never makes it.',
    {},
  ),
] as const;

export const RejectionReasonSchema = z
  .discriminatedUnion('code', rejectionKinds)
  .meta({ description: 'Why a model cannot make a shot (or was not chosen)' });
export type RejectionReason = z.infer<typeof RejectionReasonSchema>;
export type RejectionCode = RejectionReason['code'];

// warnings

const warningKinds = [
  kind('retired_allowed', 'The model is retired; it is used because of `policy.allow_retired`.', {
    model: z.string().describe('catalog model id'),
    date: date.nullable().describe('the retirement date, when known'),
  }),
  kind('deprecated', 'The model is deprecated at `as_of`.', {
    model: z.string().describe('catalog model id'),
    date: date.nullable().describe('the deprecation date, when known'),
    replacement: z.string().nullable().describe('the model its vendor names instead'),
  }),
  kind('upscaled', 'The clip is generated below the cut’s size and scaled up.', {
    generated: z.string().describe('the size generated, WIDTHxHEIGHT'),
    asked: z.string().describe('the size the cut needs, WIDTHxHEIGHT'),
  }),
  kind(
    'reshaped',
    'No size the model makes has the cut’s shape: the clip is generated at another shape and padded (`deliver.fit: fit`) or cropped (`fill`) into the frame at conform.',
    {
      generated: z.string().describe('the size generated, WIDTHxHEIGHT'),
      asked: z.string().describe('the cut’s frame, WIDTHxHEIGHT'),
      how: z.enum(['pad', 'crop']).describe('what conform does to make the clip fill the frame'),
      edges: z
        .enum(['top_bottom', 'sides'])
        .describe('where the bars (pad) or the cut-off picture (crop) are'),
    },
  ),
  kind('fps_converted', 'The clip is generated at another frame rate and converted.', {
    generated: z.number().describe('fps generated'),
    asked: z.number().describe('fps of the cut'),
  }),
  kind(
    'silent_ambient',
    'The model makes no sound, so the shot’s ambient sound or effects will be silent.',
    {},
  ),
  kind(
    'silent_at_tier',
    'The route has no audio price at this size, so the shot’s ambient sound or effects will be silent.',
    { provider, asked: tier.describe('the size tier generated') },
  ),
  kind('extension_chain', 'The shot is made by one generation and extensions of it.', {
    asked: z.number().describe('seconds the shot needs'),
    limit: z.number().describe('seconds of the longest single generation'),
    extensions: z.number().int().describe('how many extensions'),
    step: z.number().describe('seconds each extension adds'),
  }),
  kind('split_into_clips', 'The shot is made as several clips cut together.', {
    asked: z.number().describe('seconds the shot needs'),
    limit: z.number().describe('seconds of the longest single generation'),
    clips: z.number().int().describe('how many clips'),
    clip_seconds: z.number().describe('seconds of each clip'),
  }),
  kind(
    'duration_snapped',
    'The model cannot make the exact length: a longer clip is generated and trimmed.',
    {
      asked: z.number().describe('seconds the shot needs'),
      generated: z.number().describe('seconds generated (the next length the model allows)'),
    },
  ),
  kind('unconfirmed_facts', 'The choice relies on catalog facts no primary source confirms.', {
    model: z.string().describe('catalog model id'),
    facts: z.array(z.string()).describe('which facts, e.g. durations, price'),
  }),
  kind(
    'negative_prompt_dropped',
    'The shot has a negative prompt (`negative` or `style.negative`) and the route’s API takes none, so it is not sent.',
    { model: z.string().describe('catalog model id'), provider },
  ),
  kind(
    'prompt_truncated',
    'The assembled prompt is longer than the model’s API takes; it is cut at a word boundary.',
    {
      model: z.string().describe('catalog model id'),
      asked: z.number().int().describe('characters of the assembled prompt'),
      limit: z.number().int().describe('the most characters the API takes'),
    },
  ),
  kind(
    'soundtrack_length',
    'The `soundtrack` and the cut differ in length (on the cut’s last shot); `soundtrack.fit` says what is done about it.',
    {
      track: z.number().describe('seconds of the soundtrack'),
      cut: z
        .number()
        .describe('seconds of the cut as the storyboard writes it (before any stretch)'),
      fit: z
        .enum(['stretch_last', 'trim_track', 'none'])
        .describe(
          '`stretch_last`: the last shot was given the length that ends the cut with the track; `trim_track`: the track is faded out at the cut’s end; `none`: nothing',
        ),
      stretched_from: z
        .number()
        .nullable()
        .describe('with `stretch_last`: the last shot’s duration as written; null otherwise'),
    },
  ),
  kind(
    'unclassified',
    'Recorded before reasons and warnings had codes (a plan stored by an earlier version); only the message is known. The router never makes it.',
    {},
  ),
] as const;

export const PlanWarningSchema = z
  .discriminatedUnion('code', warningKinds)
  .meta({ description: 'What the plan changed or assumed to make a shot' });
export type PlanWarning = z.infer<typeof PlanWarningSchema>;
export type WarningCode = PlanWarning['code'];

/** Every code with its meaning, in the order above (for the docs and tests). */
export const REJECTION_CODES: ReadonlyArray<{ code: RejectionCode; meaning: string }> =
  rejectionKinds.map((k) => ({ code: k.shape.code.value, meaning: meaningOf(k) }));
export const WARNING_CODES: ReadonlyArray<{ code: WarningCode; meaning: string }> =
  warningKinds.map((k) => ({ code: k.shape.code.value, meaning: meaningOf(k) }));

function meaningOf(schema: z.ZodType): string {
  return schema.meta()?.description ?? '';
}

/** What the user can change, for the reasons where a change of storyboard or policy helps. */
export const REJECTION_ADVICE: Partial<Record<RejectionCode, string>> = {
  retired: 'set policy.allow_retired: true to use a retired model',
  closed_weights: 'widen policy.licenses',
  licence_not_allowed: 'widen policy.licenses',
  gpu_not_declared: 'check policy.local_only and policy.max_vram_gb',
  vram_too_small: 'check policy.local_only and policy.max_vram_gb',
  size_too_small: 'set policy.allow_upscale: true or lower the resolution',
  fps_too_low: 'lower slowmo, or allow a model with a higher frame rate',
  no_native_audio: 'allow a model with native audio, or drop the dialogue',
  too_many_references: 'use fewer reference images',
  route_too_few_references: 'use fewer reference images',
  duration_too_long: 'split the shot or shorten it',
  no_credentials:
    'set the credentials of a provider that serves a model it rules out (routing uses only the providers whose credentials are set; see the credentials_would_unlock warning)',
};

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RejectionFacts = DistributiveOmit<RejectionReason, 'message' | 'advice'>;
export type WarningFacts = DistributiveOmit<PlanWarning, 'message' | 'advice'>;

/** A rejection reason from its facts: the message and advice are added here. */
export function rejectionReason(facts: RejectionFacts): RejectionReason {
  // one object, keys in contract order: code, message, the facts, advice
  const reason = Object.assign({ code: facts.code, message: rejectionMessage(facts) }, facts);
  const advice = REJECTION_ADVICE[facts.code];
  return (advice ? Object.assign(reason, { advice }) : reason) as RejectionReason;
}

/** A warning from its facts: the message is added here. */
export function planWarning(facts: WarningFacts): PlanWarning {
  return Object.assign({ code: facts.code, message: warningMessage(facts) }, facts) as PlanWarning;
}

function rejectionMessage(r: RejectionFacts): string {
  switch (r.code) {
    case 'not_in_allow_list':
      return 'not in policy.allow';
    case 'denied_by_policy':
      return 'denied by policy.deny';
    case 'pinned_to_other_model':
      return `shot is pinned to ${r.asked}`;
    case 'not_in_catalog':
      return `${r.asked} is not in the catalog`;
    case 'retired':
      return `retired ${r.date ?? '(date unknown)'}; ${r.replacement ? `replacement: ${r.replacement}` : 'no replacement named'}`;
    case 'not_released':
      return `not released until ${r.date ?? '(date unknown)'}`;
    case 'closed_weights':
      return `closed weights; policy.licenses allows only ${r.limit.join(', ')}`;
    case 'licence_not_allowed':
      return `licence ${r.asked} not in policy.licenses (${r.limit.join(', ')})`;
    case 'route_retired':
      return `${r.provider} route retired ${r.date ?? '(date unknown)'}`;
    case 'route_too_few_references':
      return `the ${r.provider} route sends ${r.limit === 0 ? 'no' : `at most ${r.limit}`} reference images, shot has ${r.asked}`;
    case 'no_local_route':
      return 'no local route (policy.local_only)';
    case 'gpu_not_declared':
      return `${r.provider} runs on your GPU: set policy.max_vram_gb (or local_only) to use it`;
    case 'vram_too_small':
      return `needs ${r.asked} GB GPU memory, policy.max_vram_gb is ${r.limit}`;
    case 'no_credentials':
      return `${r.provider} route: no credentials for ${r.provider} (routing uses only the providers whose credentials are set)`;
    case 'no_usable_route':
      return 'no usable route';
    case 'catalog_condition':
      return `${r.when ?? 'under a catalog condition'}, it makes only ${describeRange(r.min_tier, r.max_tier)}${r.note ? ` (${r.note})` : ''}`;
    case 'orientation_unavailable':
      return `no ${r.asked} output (sizes: ${r.limit.join(', ')})`;
    case 'orientation_not_with_inputs':
      return `${r.asked} output not available with this shot's inputs`;
    case 'size_too_small':
      return `max ${r.limit} < ${r.asked} needed (set policy.allow_upscale to upscale)`;
    case 'fps_too_low':
      return `fps ${r.limit} < ${trimNumber(r.asked)} needed for ${trimNumber(r.slowmo)}x slow motion`;
    case 'no_native_audio':
      return 'no native audio; the shot has dialogue';
    case 'too_many_references': {
      const why = r.note ? ` (${r.note})` : '';
      return r.limit === 0
        ? `no reference images; shot has ${r.asked}${why}`
        : `${r.limit} reference image${r.limit === 1 ? '' : 's'} max, shot has ${r.asked}${why}`;
    }
    case 'no_first_frame_input':
      return 'no first-frame input';
    case 'no_last_frame_input':
      return 'no last-frame input';
    case 'image_to_video_only':
      return 'image-to-video only; the shot has no first_frame';
    case 'duration_too_long':
      return `longest generation ${trimNumber(r.limit)} s < ${trimNumber(r.asked)} s needed${
        r.continuous ? ' (shot is continuous, so it cannot be split)' : ''
      }${r.extension_max !== null ? `; extension reaches ${trimNumber(r.extension_max)} s` : '; no extension'}`;
    case 'route_tier_unavailable':
      return `${r.provider} route does not offer ${r.asked}`;
    case 'no_price':
      return `${r.provider} route has no price for ${r.asked}${r.audio ? ' with audio' : ''}`;
    case 'feasible_not_chosen':
      return `feasible, not chosen: score ${r.score} vs ${r.chosen_score}${r.usd !== undefined ? `, $${money(r.usd)}` : ''}`;
    case 'unclassified':
      return '(no details recorded)';
  }
}

function soundtrackMessage(w: Extract<WarningFacts, { code: 'soundtrack_length' }>): string {
  const track = `the soundtrack lasts ${trimNumber(w.track)} s`;
  const cut = `the shots ${trimNumber(w.cut)} s`;
  if (w.fit === 'stretch_last' && w.stretched_from !== null) {
    const to = w.stretched_from + (w.track - w.cut);
    return `${track} and ${cut}: this shot is made ${trimNumber(to)} s instead of ${trimNumber(w.stretched_from)} s so that the cut ends with the track (soundtrack.fit: stretch_last)`;
  }
  if (w.track > w.cut) {
    return w.fit === 'trim_track'
      ? `${track} and ${cut}: the track is faded out where the cut ends (soundtrack.fit: trim_track)`
      : `${track} and ${cut}: the track is cut off where the cut ends (set soundtrack.fit: stretch_last to lengthen this shot, or trim_track to fade the track out)`;
  }
  return `${track} and ${cut}: the last ${trimNumber(w.cut - w.track)} s of the cut have no soundtrack${w.fit === 'trim_track' ? ' (trim_track shortens only a longer track)' : ''} (set soundtrack.fit: stretch_last to shorten this shot)`;
}

/** `1920x1080` as `16:9`. */
function aspectText(size: string): string {
  const [w, h] = size.split('x').map(Number) as [number, number];
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const d = gcd(w, h) || 1;
  return `${w / d}:${h / d}`;
}

function warningMessage(w: WarningFacts): string {
  switch (w.code) {
    case 'retired_allowed':
      return `${w.model} is retired (${w.date ?? 'date unknown'}); used because policy.allow_retired`;
    case 'deprecated':
      return `${w.model} is deprecated since ${w.date ?? '(date unknown)'}${w.replacement ? `; replacement: ${w.replacement}` : ''}`;
    case 'upscaled':
      return `generated at ${w.generated}, upscaled to ${w.asked}`;
    case 'reshaped':
      return w.how === 'pad'
        ? `generated at ${w.generated} (${aspectText(w.generated)}), ${w.edges === 'top_bottom' ? 'letterboxed' : 'pillarboxed'} into the ${w.asked} (${aspectText(w.asked)}) frame with black bars (deliver.fit: fill would crop instead)`
        : `generated at ${w.generated} (${aspectText(w.generated)}), cropped at the ${w.edges === 'top_bottom' ? 'top and bottom' : 'sides'} to fill the ${w.asked} (${aspectText(w.asked)}) frame (deliver.fit: fit would pad instead)`;
    case 'fps_converted':
      return `generated at ${trimNumber(w.generated)} fps, converted to ${trimNumber(w.asked)} fps`;
    case 'silent_ambient':
      return 'no native audio: the ambient/sfx will be silent';
    case 'silent_at_tier':
      return `no audio at ${w.asked} on ${w.provider}: the ambient/sfx will be silent`;
    case 'extension_chain':
      return `${trimNumber(w.asked)} s exceeds one generation (${trimNumber(w.limit)} s): ${w.extensions} extension(s) of ${trimNumber(w.step)} s`;
    case 'split_into_clips':
      return `${trimNumber(w.asked)} s exceeds one generation (${trimNumber(w.limit)} s): split into ${w.clips} clips of ${trimNumber(w.clip_seconds)} s cut together`;
    case 'duration_snapped':
      return `${trimNumber(w.asked)} s snapped up to ${trimNumber(w.generated)} s, trimmed to ${trimNumber(w.asked)} s`;
    case 'unconfirmed_facts':
      return `relies on unconfirmed catalog facts of ${w.model}: ${w.facts.join(', ')} (see shotrouter models --json)`;
    case 'negative_prompt_dropped':
      return `${w.model} on ${w.provider} takes no negative prompt: the shot's negative prompt is not sent (say what to avoid in positive words in the prompt or style instead)`;
    case 'prompt_truncated':
      return `the prompt is ${w.asked} characters and ${w.model} takes at most ${w.limit}: the end is cut (shorten the shot's prompt, its characters' descriptions or the style)`;
    case 'soundtrack_length':
      return soundtrackMessage(w);
    case 'unclassified':
      return '(no details recorded)';
  }
}

function describeRange(min: string | undefined, max: string | undefined): string {
  if (min && max) return `sizes from ${min} to ${max}`;
  return min ? `${min} or larger` : `${max} or smaller`;
}
