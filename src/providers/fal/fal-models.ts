/**
 * One table of the fal video families shotrouter routes to and how each writes its input:
 * which endpoint serves text-, image-, first-last-frame- and reference-to-video, how the
 * duration is written (`"5"` for Kling, `"8s"` for Veo, `"auto"|"4".."15"` for Seedance 2.0,
 * numbers for LTX-2.3 and Pika, a frame count for Wan and LTX-2), and the image field names
 * (`image_url`, `start_image_url` + `end_image_url`, `first_frame_url` + `last_frame_url`,
 * `tail_image_url`, `image_urls`). Facts from fal's own endpoint types (`@fal-ai/client`
 * `types/endpoints.ts` at 381105e, 2026-08-02), which win over older pages.
 *
 * A model id may name a family (`fal-ai/kling-video/v3`, as the catalog does; the adapter picks
 * the endpoint) or one endpoint (`fal-ai/pika/v2.2/text-to-video`).
 */
import type { JSONValue } from '@ai-sdk/provider';
import { type FrameSize, nearestTier } from '../adapter-kit.ts';

export type FalMode = 'text' | 'image' | 'frames' | 'references';

export const FAL_MODES: readonly FalMode[] = ['text', 'image', 'frames', 'references'];

/** Duration as whole seconds from a list, written the family's way. */
export interface SecondsField {
  values: readonly number[];
  encode(seconds: number): JSONValue;
}

/** Duration as a frame count (`num_frames`) at a frame rate: Wan and LTX-2 19B. */
export interface FramesField {
  /** frame counts are step·k + 1 (Wan 4, LTX 8) */
  step: number;
  min: number;
  max: number;
  /** the frame-rate field and its range */
  fpsField: string;
  fpsMin: number;
  fpsMax: number;
  defaultFps: number;
}

/** Image fields of one mode. */
export interface ImageFields {
  first?: string;
  last?: string;
  /** a list of reference image URLs */
  references?: string;
}

export interface FalFamily {
  /** what ids of this family start with */
  id: string;
  /** the endpoint of a mode; undefined when the family has none */
  endpoint(mode: FalMode, size: FrameSize | undefined): string | undefined;
  seconds?: (mode: FalMode) => SecondsField | undefined;
  frames?: (mode: FalMode) => FramesField | undefined;
  /** `resolution` tier names */
  resolutions?: readonly string[];
  /** `aspect_ratio` values of a mode (undefined: the mode has no such field) */
  ratios?(mode: FalMode): readonly string[] | undefined;
  images(mode: FalMode): ImageFields;
  /** has `generate_audio` */
  audio: boolean;
  /** makes sound whatever is asked, and has no field for it (Kling 4.0) */
  alwaysAudio?: boolean;
  /** has `seed` (in the modes that take it) */
  seed: boolean | ((mode: FalMode) => boolean);
  /** has `fps` from a list (LTX-2.3) */
  fpsValues?: readonly number[];
  /** takes `video_size: {width, height}` (LTX-2 19B) */
  videoSize?: boolean;
  /** the frame rate it delivers when the request cannot set one */
  nativeFps?: number;
  /** has `negative_prompt` */
  negativePrompt?: boolean;
}

const strings = (values: readonly number[]): SecondsField => ({ values, encode: (s) => String(s) });
const suffixed = (values: readonly number[]): SecondsField => ({ values, encode: (s) => `${s}s` });
const numbers = (values: readonly number[]): SecondsField => ({ values, encode: (s) => s });
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

const TEXT_IMAGE = (family: string, mode: FalMode, frames = false): string | undefined => {
  if (mode === 'text') return `${family}/text-to-video`;
  if (mode === 'image' || (frames && mode === 'frames')) return `${family}/image-to-video`;
  return undefined;
};

function veo(id: string, resolutions: readonly string[], references: boolean): FalFamily {
  return {
    id,
    endpoint: (mode) =>
      mode === 'text'
        ? id
        : mode === 'image'
          ? `${id}/image-to-video`
          : mode === 'frames'
            ? `${id}/first-last-frame-to-video`
            : references
              ? `${id}/reference-to-video`
              : undefined,
    // reference-to-video makes 8-s clips only
    seconds: (mode) => suffixed(mode === 'references' ? [8] : [4, 6, 8]),
    resolutions,
    ratios: () => ['16:9', '9:16'],
    images: (mode) =>
      mode === 'frames'
        ? { first: 'first_frame_url', last: 'last_frame_url' }
        : mode === 'references'
          ? { references: 'image_urls' }
          : { first: 'image_url' },
    audio: true,
    seed: (mode) => mode !== 'references',
    nativeFps: 24,
    negativePrompt: true,
  };
}

const KLING_TIERS: Record<string, string> = { '720p': 'standard', '1080p': 'pro', '4k': '4k' };

function klingV3(): FalFamily {
  const id = 'fal-ai/kling-video/v3';
  return {
    id,
    // std is 720p, pro 1080p, 4k 4K; an id naming the tier (`…/v3/pro`) keeps it
    endpoint: (mode, size) => {
      const tier = size ? KLING_TIERS[nearestTier(size, ['720p', '1080p', '4k'])] : 'pro';
      return TEXT_IMAGE(`${id}/${tier}`, mode, true);
    },
    seconds: () => strings(range(3, 15)),
    ratios: (mode) => (mode === 'text' ? ['16:9', '9:16', '1:1'] : undefined),
    images: () => ({ first: 'start_image_url', last: 'end_image_url' }),
    audio: true,
    seed: false,
    nativeFps: 24,
    negativePrompt: true,
  };
}

/**
 * Kling 4.0: 3-30 s at 720p or 1080p, sound always on. The endpoint ids and the image field
 * follow fal's Kling naming; fal's guide writes them `kling/v4/…` (UNCONFIRMED, see the card).
 */
function klingV4(): FalFamily {
  const id = 'fal-ai/kling-video/v4';
  return {
    id,
    endpoint: (mode) => TEXT_IMAGE(id, mode),
    seconds: () => strings(range(3, 30)),
    resolutions: ['720p', '1080p'],
    ratios: (mode) => (mode === 'text' ? ['16:9', '9:16', '1:1', '21:9'] : undefined),
    images: () => ({ first: 'image_url' }),
    audio: false,
    alwaysAudio: true,
    seed: false,
    nativeFps: 24,
    negativePrompt: true,
  };
}

function klingV2(id: string, audio: boolean, images: ImageFields): FalFamily {
  return {
    id,
    endpoint: (mode) => TEXT_IMAGE(id, mode, images.last !== undefined),
    seconds: () => strings([5, 10]),
    ratios: (mode) => (mode === 'text' ? ['16:9', '9:16', '1:1'] : undefined),
    images: () => images,
    audio,
    seed: false,
    nativeFps: 24,
    negativePrompt: true,
  };
}

const SEEDANCE_RATIOS = ['21:9', '16:9', '4:3', '1:1', '3:4', '9:16'];

function seedance2(id: string, resolutions: readonly string[]): FalFamily {
  return {
    id,
    endpoint: (mode) =>
      mode === 'references' ? `${id}/reference-to-video` : TEXT_IMAGE(id, mode, true),
    // "auto" or "4".."15"; the adapter always sends the planned length
    seconds: () => strings(range(4, 15)),
    resolutions,
    ratios: () => SEEDANCE_RATIOS,
    images: (mode) =>
      mode === 'references'
        ? { references: 'image_urls' }
        : { first: 'image_url', last: 'end_image_url' },
    audio: true,
    // fal's Seedance 2.0 endpoints take no seed
    seed: false,
    nativeFps: 24,
  };
}

function seedance1(
  id: string,
  seconds: readonly number[],
  audio: boolean,
  lastFrame: boolean,
): FalFamily {
  return {
    id,
    endpoint: (mode) => TEXT_IMAGE(id, mode, lastFrame),
    seconds: () => strings(seconds),
    resolutions: ['480p', '720p', '1080p'],
    ratios: () => SEEDANCE_RATIOS,
    images: () =>
      lastFrame ? { first: 'image_url', last: 'end_image_url' } : { first: 'image_url' },
    audio,
    seed: true,
    nativeFps: 24,
  };
}

function wan(
  id: string,
  resolutions: readonly string[],
  defaultFps: number,
  image: { endpoint: string; frames: boolean },
): FalFamily {
  // Wan's frame counts are 4n+1; fal takes 17..161
  const frames: FramesField = {
    step: 4,
    min: 17,
    max: 161,
    fpsField: 'frames_per_second',
    fpsMin: 4,
    fpsMax: 60,
    defaultFps,
  };
  return {
    id,
    endpoint: (mode) =>
      mode === 'text' ? `${id}/text-to-video` : mode === 'image' ? image.endpoint : undefined,
    frames: (mode) => (mode === 'text' || image.frames ? frames : undefined),
    resolutions,
    ratios: () => ['16:9', '9:16', '1:1'],
    images: () => ({ first: 'image_url' }),
    audio: false,
    seed: true,
  };
}

function ltx2(id: string): FalFamily {
  return {
    id,
    endpoint: (mode) => TEXT_IMAGE(id, mode, true),
    // LTX frame counts are 8k+1
    frames: () => ({
      step: 8,
      min: 9,
      max: 481,
      fpsField: 'fps',
      fpsMin: 1,
      fpsMax: 60,
      defaultFps: 25,
    }),
    videoSize: true,
    images: () => ({ first: 'image_url', last: 'end_image_url' }),
    audio: true,
    seed: true,
  };
}

function ltx23(id: string, fast: boolean): FalFamily {
  const base = 'fal-ai/ltx-2.3';
  return {
    id,
    // the fast variant is a suffix after the mode: fal-ai/ltx-2.3/text-to-video/fast
    endpoint: (mode) => {
      const endpoint = TEXT_IMAGE(base, mode, true);
      return endpoint && fast ? `${endpoint}/fast` : endpoint;
    },
    // fast goes to 20 s (above 10 s only at 1080p and 25 fps)
    seconds: () => numbers(fast ? [6, 8, 10, 12, 14, 16, 18, 20] : [6, 8, 10]),
    resolutions: ['1080p', '1440p', '2160p'],
    ratios: () => ['16:9', '9:16'],
    images: () => ({ first: 'image_url', last: 'end_image_url' }),
    audio: true,
    seed: false,
    fpsValues: [24, 25, 48, 50],
  };
}

function pika(id: string, resolutions: readonly string[]): FalFamily {
  return {
    id,
    endpoint: (mode) => TEXT_IMAGE(id, mode),
    seconds: () => strings([5, 10]),
    resolutions,
    ratios: (mode) =>
      mode === 'text' ? ['16:9', '9:16', '1:1', '4:5', '5:4', '3:2', '2:3'] : undefined,
    images: () => ({ first: 'image_url' }),
    audio: false,
    seed: true,
    // no frame rate in the sources (research §8); 24 assumed as the catalog does
    nativeFps: 24,
    negativePrompt: true,
  };
}

/** Longest ids first, so that a family id never shadows a longer one. */
export const FAL_FAMILIES: readonly FalFamily[] = [
  veo('fal-ai/veo3.1/fast', ['720p', '1080p', '4k'], false),
  veo('fal-ai/veo3.1/lite', ['720p', '1080p'], false),
  veo('fal-ai/veo3.1', ['720p', '1080p', '4k'], true),
  klingV4(),
  klingV3(),
  klingV2('fal-ai/kling-video/v2.6/pro', true, { first: 'start_image_url', last: 'end_image_url' }),
  klingV2('fal-ai/kling-video/v2.5-turbo/pro', false, {
    first: 'image_url',
    last: 'tail_image_url',
  }),
  seedance2('bytedance/seedance-2.0/fast', ['480p', '720p']),
  seedance2('bytedance/seedance-2.0/mini', ['480p', '720p']),
  seedance2('bytedance/seedance-2.0', ['480p', '720p', '1080p', '4k']),
  seedance1('fal-ai/bytedance/seedance/v1/pro/fast', range(2, 12), false, false),
  seedance1('fal-ai/bytedance/seedance/v1/pro', range(2, 12), false, true),
  seedance1('fal-ai/bytedance/seedance/v1.5/pro', range(4, 12), true, true),
  // A14B image-to-video is served by the turbo endpoint only, which sets its own length
  wan('fal-ai/wan/v2.2-a14b', ['480p', '580p', '720p'], 16, {
    endpoint: 'fal-ai/wan/v2.2-a14b/image-to-video/turbo',
    frames: false,
  }),
  wan('fal-ai/wan/v2.2-5b', ['580p', '720p'], 24, {
    endpoint: 'fal-ai/wan/v2.2-5b/image-to-video',
    frames: true,
  }),
  ltx2('fal-ai/ltx-2-19b/distilled'),
  ltx2('fal-ai/ltx-2-19b'),
  ltx23('fal-ai/ltx-2.3/fast', true),
  ltx23('fal-ai/ltx-2.3', false),
  pika('fal-ai/pika/v2.2', ['720p', '1080p']),
  pika('fal-ai/pika/v2.5', ['480p', '720p', '1080p']),
];

export interface FalTarget {
  family: FalFamily;
  /** set when the model id names one endpoint: it is used as is, for the modes it serves */
  endpoint?: { id: string; modes: readonly FalMode[] };
}

/**
 * The family of a model id, and the endpoint when the id names one. Kling 3's tier may be in
 * the id (`fal-ai/kling-video/v3/pro`); undefined for ids outside the table.
 */
export function falTarget(modelId: string): FalTarget | undefined {
  const family = FAL_FAMILIES.find((f) => modelId === f.id);
  if (family) return { family };
  const klingTier = /^fal-ai\/kling-video\/v3\/(standard|pro|4k)$/.exec(modelId)?.[1];
  if (klingTier) {
    const kling = klingV3();
    return {
      family: { ...kling, endpoint: (mode) => kling.endpoint(mode, TIER_SIZES[klingTier]) },
    };
  }
  for (const candidate of FAL_FAMILIES) {
    const modes = FAL_MODES.filter((mode) =>
      PROBE_SIZES.some((size) => candidate.endpoint(mode, size) === modelId),
    );
    if (modes.length > 0) return { family: candidate, endpoint: { id: modelId, modes } };
  }
  return undefined;
}

/** Sizes that make each Kling 3 tier (to recognise its endpoint ids). */
const TIER_SIZES: Record<string, FrameSize> = {
  standard: { width: 1280, height: 720 },
  pro: { width: 1920, height: 1080 },
  '4k': { width: 3840, height: 2160 },
};
const PROBE_SIZES: readonly (FrameSize | undefined)[] = [undefined, ...Object.values(TIER_SIZES)];

/** The app id of an endpoint, which status/result/cancel URLs use: `owner/alias`. */
export function falAppOf(endpoint: string): string {
  const parts = endpoint.split('/');
  // fal's workflow and comfy apps are namespaced one level deeper
  const namespaced = parts[0] === 'workflows' || parts[0] === 'comfy';
  return parts.slice(0, namespaced ? 3 : 2).join('/');
}
