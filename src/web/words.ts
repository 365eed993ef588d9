/**
 * The board's words for the plan's reasons and notes, made from their structured fields
 * (src/contracts/reasons.ts): the contract's `message` is written for the CLI and names policy
 * keys and scores, which mean nothing to someone reviewing shots. An unknown code (a newer
 * server) falls back to the message.
 */
import type { z } from 'zod';
// the schema itself, not ./api.ts: the tests read these words outside a browser
import type { PlannedShotSchema } from '../server/schemas.ts';

type PlannedShot = z.output<typeof PlannedShotSchema>;

type RejectionReason = PlannedShot['rejected'][number]['reasons'][number];
type PlanWarning = PlannedShot['warnings'][number];

const s = (n: number) => `${Math.round(n * 10) / 10} s`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const shape = { landscape: 'landscape', portrait: 'portrait (tall)', square: 'square' };

/** Why a model cannot make a shot, in a reviewer's words. */
export function reasonWords(r: RejectionReason): string {
  switch (r.code) {
    case 'not_in_allow_list':
      return 'not among the models this storyboard allows';
    case 'denied_by_policy':
      return 'excluded by this storyboard';
    case 'pinned_to_other_model':
      return `the shot is set to use ${r.asked}`;
    case 'not_in_catalog':
      return `${r.asked} is not a model shotrouter knows`;
    case 'retired':
      return `retired${r.date ? ` on ${r.date}` : ''}${r.replacement ? `; its maker suggests ${r.replacement}` : ''}`;
    case 'not_released':
      return `not released yet${r.date ? ` (due ${r.date})` : ''}`;
    case 'closed_weights':
      return 'its weights are not open, and this storyboard asks for open weights';
    case 'licence_not_allowed':
      return `its licence (${r.asked}) is not one this storyboard accepts`;
    case 'route_retired':
      return `${r.provider} no longer offers it${r.date ? ` (since ${r.date})` : ''}`;
    case 'route_too_few_references':
      return `${r.provider} would send ${r.limit === 0 ? 'none' : `only ${r.limit}`} of the shot’s ${r.asked} reference images`;
    case 'no_local_route':
      return 'it cannot run on your own machine, and this storyboard asks for local models';
    case 'gpu_not_declared':
      return `it runs on your own GPU (${r.provider}), and no GPU is set up for this storyboard`;
    case 'vram_too_small':
      return `it needs ${r.asked} GB of GPU memory; ${r.limit} GB is available`;
    case 'no_credentials':
      return `no account is set up for ${r.provider}`;
    case 'no_usable_route':
      return 'no provider can run it for this shot';
    case 'catalog_condition':
      return `${r.when ? `${r.when}, ` : ''}it makes only some sizes, none of them this shot’s${r.note ? ` (${r.note})` : ''}`;
    case 'orientation_unavailable':
      return `it makes no ${shape[r.asked]} clips`;
    case 'orientation_not_with_inputs':
      return `it makes no ${shape[r.asked]} clips from this shot’s images`;
    case 'size_too_small':
      return `too small: it makes at most ${r.limit}, the cut is ${r.asked}`;
    case 'fps_too_low':
      return `its frame rate (${r.limit} fps) is too low for ${r.slowmo}× slow motion`;
    case 'no_native_audio':
      return 'it makes no sound, and the shot has dialogue';
    case 'too_many_references':
      return r.limit === 0
        ? `it takes no reference images; the shot has ${r.asked}`
        : `it takes at most ${plural(r.limit, 'reference image')}; the shot has ${r.asked}`;
    case 'no_first_frame_input':
      return 'it cannot start from the shot’s first frame';
    case 'no_last_frame_input':
      return 'it cannot end on the shot’s last frame';
    case 'image_to_video_only':
      return 'it needs a first frame to start from, and the shot has none';
    case 'duration_too_long':
      return `too long for this model: it makes ${s(r.limit)} in one go${
        r.extension_max !== null ? ` and ${s(r.extension_max)} with extensions` : ''
      }, the shot needs ${s(r.asked)}${r.continuous ? ' unbroken' : ''}`;
    case 'route_tier_unavailable':
      return `${r.provider} does not offer it at ${r.asked}`;
    case 'no_price':
      return `${r.provider} lists no price for it at ${r.asked}${r.audio ? ' with sound' : ''}`;
    case 'feasible_not_chosen':
      return 'it can make this shot; the chosen model suits it better';
    default:
      return (r as { message: string }).message;
  }
}

/** What a reviewer can change so a model is allowed again (none: nothing on the board helps). */
export function adviceWords(r: RejectionReason): string | null {
  switch (r.code) {
    case 'retired':
      return 'allow retired models in the storyboard';
    case 'size_too_small':
      return 'allow upscaling, or lower the resolution';
    case 'fps_too_low':
      return 'less slow motion';
    case 'no_native_audio':
      return 'drop the dialogue';
    case 'too_many_references':
    case 'route_too_few_references':
      return 'fewer reference images';
    case 'duration_too_long':
      return 'split or shorten the shot';
    case 'no_credentials':
      return `set up an account for ${r.provider}`;
    default:
      return null;
  }
}

/** What the plan changed or assumed to make a shot, in a reviewer's words. */
export function warningWords(w: PlanWarning): string {
  switch (w.code) {
    case 'retired_allowed':
      return `${w.model} is retired${w.date ? ` (${w.date})` : ''}; this storyboard allows it`;
    case 'deprecated':
      return `${w.model} is being phased out${w.date ? ` (since ${w.date})` : ''}${w.replacement ? `; its maker suggests ${w.replacement}` : ''}`;
    case 'upscaled':
      return `made at ${w.generated} and scaled up to ${w.asked}`;
    case 'reshaped':
      return w.how === 'pad'
        ? `made at ${w.generated}: black bars at the ${w.edges === 'top_bottom' ? 'top and bottom' : 'sides'} to fit the ${w.asked} frame`
        : `made at ${w.generated}: cropped at the ${w.edges === 'top_bottom' ? 'top and bottom' : 'sides'} to fill the ${w.asked} frame`;
    case 'fps_converted':
      return `made at ${w.generated} fps and converted to ${w.asked} fps`;
    case 'silent_ambient':
      return 'this model makes no sound: the shot’s ambient sound will be silent';
    case 'silent_at_tier':
      return `${w.provider} makes no sound at ${w.asked}: the shot’s ambient sound will be silent`;
    case 'extension_chain':
      return `${s(w.asked)} is longer than one generation (${s(w.limit)}): made with ${plural(w.extensions, 'extension')} of ${s(w.step)}`;
    case 'split_into_clips':
      return `${s(w.asked)} is longer than one generation (${s(w.limit)}): made as ${w.clips} clips of ${s(w.clip_seconds)}, cut together`;
    case 'duration_snapped':
      return `the model makes ${s(w.generated)}, trimmed to ${s(w.asked)}`;
    case 'unconfirmed_facts':
      return `some of ${w.model}’s listed facts are not confirmed by its maker (${w.facts.join(', ')})`;
    case 'negative_prompt_dropped':
      return `${w.model} on ${w.provider} cannot be told what to avoid: say it in the prompt instead`;
    case 'prompt_truncated':
      return `the prompt is ${w.asked} characters; ${w.model} reads ${w.limit}, the rest is cut`;
    default:
      return (w as { message: string }).message;
  }
}
