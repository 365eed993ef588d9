/**
 * The fal endpoints the sandbox knows, each with the input schema fal validates (enums, ranges,
 * required image fields, defaults) and the clip the input makes. Facts from fal's endpoint
 * types and model pages (the endpoint types of fal's JS client).
 */
import type { InputField, InputSchema } from '../input-schema.ts';
import { sizeFor } from '../sizes.ts';

export interface FalClip {
  seconds: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
}

export interface FalModel extends InputSchema {
  /** the clip made from the validated input (defaults filled in) */
  clip(input: Record<string, unknown>): FalClip;
}

const PROMPT: InputField = { type: 'string', required: true };
const OPTIONAL_TEXT: InputField = { type: 'string' };
const IMAGE: InputField = { type: 'string', required: true };
const SEED: InputField = { type: 'integer' };
const AUDIO_ON: InputField = { type: 'boolean', default: true };

function seconds(value: unknown): number {
  return Number.parseInt(String(value), 10);
}

function text(value: unknown): string {
  return String(value);
}

/** 3..15 as strings, Kling v3's durations. */
const KLING_V3_DURATIONS = Array.from({ length: 13 }, (_, i) => String(i + 3));
const SEEDANCE_2_DURATIONS = ['auto', ...Array.from({ length: 12 }, (_, i) => String(i + 4))];

function veo(
  resolutions: readonly string[],
  image: 'none' | 'image' | 'frames' | 'references',
): FalModel {
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    aspect_ratio: {
      enum: image === 'image' ? ['auto', '16:9', '9:16'] : ['16:9', '9:16'],
      default: image === 'image' ? 'auto' : '16:9',
    },
    duration: { enum: image === 'references' ? ['8s'] : ['4s', '6s', '8s'], default: '8s' },
    resolution: { enum: resolutions, default: '720p' },
    generate_audio: AUDIO_ON,
    negative_prompt: OPTIONAL_TEXT,
    seed: SEED,
  };
  if (image === 'image') fields.image_url = IMAGE;
  if (image === 'frames') {
    fields.first_frame_url = IMAGE;
    fields.last_frame_url = IMAGE;
  }
  if (image === 'references') fields.image_urls = { type: 'array', required: true };
  return {
    fields,
    clip: (input) => {
      const aspect = input.aspect_ratio === 'auto' ? '16:9' : text(input.aspect_ratio);
      return {
        seconds: seconds(input.duration),
        ...sizeFor(text(input.resolution), aspect),
        fps: 24,
        audio: input.generate_audio === true,
      };
    },
    check: (input) =>
      input.resolution !== '720p' && input.duration !== '8s'
        ? ['duration', `resolution ${text(input.resolution)} needs duration '8s'`]
        : undefined,
  };
}

/** Kling's image fields: the start image, and the end (tail) image where the endpoint has one. */
interface KlingImages {
  first: string;
  last?: string;
}

function kling(
  resolution: string,
  durations: readonly string[],
  audio: boolean,
  images?: KlingImages,
): FalModel {
  const fields: Record<string, InputField> = {
    // image-to-video and Kling 3 multi-shot can go without a prompt
    prompt: images === undefined && durations !== KLING_V3_DURATIONS ? PROMPT : OPTIONAL_TEXT,
    duration: { enum: durations, default: '5' },
    negative_prompt: OPTIONAL_TEXT,
    cfg_scale: { type: 'number', min: 0, max: 1, default: 0.5 },
  };
  // image-to-video takes its frame from the image: fal's types have no aspect_ratio there
  if (images === undefined)
    fields.aspect_ratio = { enum: ['16:9', '9:16', '1:1'], default: '16:9' };
  if (audio) fields.generate_audio = AUDIO_ON;
  if (images !== undefined) {
    fields[images.first] = IMAGE;
    if (images.last !== undefined) fields[images.last] = OPTIONAL_TEXT;
  }
  if (durations === KLING_V3_DURATIONS) {
    fields.multi_prompt = { type: 'array' };
    fields.shot_type = { enum: ['customize', 'intelligent'] };
  }
  return {
    fields,
    clip: (input) => ({
      seconds: seconds(input.duration),
      ...sizeFor(resolution, text(input.aspect_ratio ?? '16:9')),
      fps: 24,
      audio: input.generate_audio === true,
    }),
    check: (input) => {
      if (images === undefined && input.prompt === undefined && input.multi_prompt === undefined) {
        return ['prompt', 'Field required'];
      }
      const shots = input.multi_prompt;
      if (!Array.isArray(shots)) return undefined;
      const total = shots.reduce(
        (sum: number, shot) => sum + seconds((shot as Record<string, unknown>)?.duration),
        0,
      );
      return total === seconds(input.duration)
        ? undefined
        : [
            'multi_prompt',
            `the shot durations add up to ${total}, not the duration ${text(input.duration)}`,
          ];
    },
  };
}

/** Kling 4.0: "3".."30" s, 720p or 1080p, sound always (fal's Kling guide). */
function klingV4(imageField?: string): FalModel {
  const fields: Record<string, InputField> = {
    prompt: imageField === undefined ? PROMPT : OPTIONAL_TEXT,
    duration: { enum: Array.from({ length: 28 }, (_, i) => String(i + 3)), default: '5' },
    resolution: { enum: ['720p', '1080p'], default: '1080p' },
    negative_prompt: OPTIONAL_TEXT,
  };
  if (imageField === undefined)
    fields.aspect_ratio = { enum: ['16:9', '9:16', '1:1', '21:9'], default: '16:9' };
  else fields[imageField] = IMAGE;
  return {
    fields,
    clip: (input) => ({
      seconds: seconds(input.duration),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio ?? '16:9')),
      fps: 24,
      audio: true,
    }),
  };
}

function seedance2(resolutions: readonly string[], imageField?: string): FalModel {
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    aspect_ratio: { enum: ['auto', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'], default: 'auto' },
    duration: { enum: SEEDANCE_2_DURATIONS, default: 'auto' },
    resolution: { enum: resolutions, default: '720p' },
    generate_audio: AUDIO_ON,
    // no `seed` here: fal's Seedance 2.0 inputs have none (the output still reports one)
  };
  if (imageField === 'image_urls') fields.image_urls = { type: 'array', required: true };
  else if (imageField !== undefined) fields[imageField] = IMAGE;
  return {
    fields,
    clip: (input) => ({
      // "auto" lets the model pick; the sandbox picks 5 s
      seconds: input.duration === 'auto' ? 5 : seconds(input.duration),
      ...sizeFor(
        text(input.resolution),
        input.aspect_ratio === 'auto' ? '16:9' : text(input.aspect_ratio),
      ),
      fps: 24,
      audio: input.generate_audio === true,
    }),
  };
}

function seedance1(durations: readonly string[], audio: boolean, imageField?: string): FalModel {
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    aspect_ratio: { enum: ['21:9', '16:9', '4:3', '1:1', '3:4', '9:16'], default: '16:9' },
    duration: { enum: durations, default: '5' },
    resolution: { enum: ['480p', '720p', '1080p'], default: '1080p' },
    camera_fixed: { type: 'boolean' },
    seed: SEED,
  };
  if (audio) fields.generate_audio = AUDIO_ON;
  if (imageField !== undefined) fields[imageField] = IMAGE;
  return {
    fields,
    clip: (input) => ({
      seconds: seconds(input.duration),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio)),
      fps: 24,
      audio: input.generate_audio === true,
    }),
  };
}

function wan(
  resolutions: readonly string[],
  defaultFrames: number,
  defaultFps: number,
  imageField?: string,
): FalModel {
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    num_frames: { type: 'integer', min: 17, max: 161, default: defaultFrames },
    frames_per_second: { type: 'integer', min: 4, max: 60, default: defaultFps },
    resolution: { enum: resolutions, default: '720p' },
    aspect_ratio: { enum: ['16:9', '9:16', '1:1'], default: '16:9' },
    negative_prompt: OPTIONAL_TEXT,
    seed: SEED,
  };
  if (imageField !== undefined) fields[imageField] = IMAGE;
  return {
    fields,
    clip: (input) => ({
      seconds: Number(input.num_frames) / Number(input.frames_per_second),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio)),
      fps: Number(input.frames_per_second),
      audio: false,
    }),
  };
}

/**
 * Wan 2.2 A14B turbo: no frame count or frame rate in its input (fal's types), so it makes the
 * A14B defaults, 81 frames at 16 fps (research §1.3; the turbo length itself is undocumented).
 */
function wanTurbo(imageField?: string): FalModel {
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    resolution: { enum: ['480p', '580p', '720p'], default: '720p' },
    aspect_ratio:
      imageField === undefined
        ? { enum: ['16:9', '9:16', '1:1'], default: '16:9' }
        : { enum: ['auto', '16:9', '9:16', '1:1'], default: 'auto' },
    acceleration: { enum: ['none', 'regular'], default: 'regular' },
    video_quality: { enum: ['low', 'medium', 'high', 'maximum'], default: 'high' },
    video_write_mode: { enum: ['fast', 'balanced', 'small'], default: 'balanced' },
    seed: SEED,
  };
  if (imageField !== undefined) {
    fields[imageField] = IMAGE;
    fields.end_image_url = OPTIONAL_TEXT;
  }
  return {
    fields,
    clip: (input) => ({
      seconds: 81 / 16,
      ...sizeFor(
        text(input.resolution),
        input.aspect_ratio === 'auto' ? '16:9' : text(input.aspect_ratio),
      ),
      fps: 16,
      audio: false,
    }),
  };
}

function ltx23(durations: readonly number[], imageField?: string): FalModel {
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    duration: { enum: durations, default: 6 },
    fps: { enum: [24, 25, 48, 50], default: 25 },
    resolution: { enum: ['1080p', '1440p', '2160p'], default: '1080p' },
    aspect_ratio: { enum: ['16:9', '9:16'], default: '16:9' },
    generate_audio: AUDIO_ON,
    seed: SEED,
  };
  if (imageField !== undefined) fields[imageField] = IMAGE;
  return {
    fields,
    clip: (input) => ({
      seconds: Number(input.duration),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio)),
      fps: Number(input.fps),
      audio: input.generate_audio === true,
    }),
    check: (input) =>
      Number(input.duration) > 10 && (input.resolution !== '1080p' || Number(input.fps) !== 25)
        ? ['duration', 'durations above 10 s need resolution 1080p and fps 25']
        : undefined,
  };
}

/** fal's named sizes, in pixels. */
const LTX2_SIZES: Record<string, { width: number; height: number }> = {
  landscape_16_9: { width: 1024, height: 576 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  portrait_4_3: { width: 768, height: 1024 },
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
};

/**
 * LTX-2 19B: `video_size` is a named size or `{width, height}` (fal's `ImageSize`); text-to-video
 * defaults to `landscape_4_3`, image-to-video to `auto` (the image's frame, 16:9 here).
 */
function ltx2(imageField?: string): FalModel {
  const named = Object.keys(LTX2_SIZES);
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    num_frames: { type: 'integer', min: 9, max: 481, default: 121 },
    fps: { type: 'number', min: 1, max: 60, default: 25 },
    video_size:
      imageField === undefined
        ? { enum: named, default: 'landscape_4_3', size: true }
        : { enum: ['auto', ...named], default: 'auto', size: true },
    generate_audio: AUDIO_ON,
    seed: SEED,
  };
  if (imageField !== undefined) {
    fields[imageField] = IMAGE;
    fields.end_image_url = OPTIONAL_TEXT;
  }
  return {
    fields,
    clip: (input) => {
      const size = input.video_size;
      return {
        seconds: Number(input.num_frames) / Number(input.fps),
        ...(typeof size === 'object' && size !== null
          ? (size as { width: number; height: number })
          : (LTX2_SIZES[text(size)] ?? LTX2_SIZES.landscape_16_9!)),
        fps: Number(input.fps),
        audio: input.generate_audio === true,
      };
    },
  };
}

/** Pika 2.2 takes `duration` `"5"` | `"10"` (fal's types); 2.5's page gives 5 | 10. */
function pika(
  resolutions: readonly string[],
  durations: readonly (string | number)[],
  imageField?: string,
): FalModel {
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    duration: { enum: durations, default: durations[0] },
    resolution: { enum: resolutions, default: '720p' },
    negative_prompt: OPTIONAL_TEXT,
    seed: SEED,
  };
  if (imageField === undefined) {
    fields.aspect_ratio = {
      enum: ['16:9', '9:16', '1:1', '4:5', '5:4', '3:2', '2:3'],
      default: '16:9',
    };
  } else {
    fields[imageField] = IMAGE;
  }
  return {
    fields,
    clip: (input) => ({
      seconds: Number(input.duration),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio ?? '16:9')),
      fps: 24,
      audio: false,
    }),
  };
}

function lumaRay(imageField?: string): FalModel {
  const fields: Record<string, InputField> = {
    prompt: PROMPT,
    aspect_ratio: { enum: ['16:9', '9:16', '4:3', '3:4', '21:9', '9:21', '1:1'], default: '16:9' },
    duration: { enum: ['5s', '9s'], default: '5s' },
    resolution: { enum: ['540p', '720p', '1080p'], default: '540p' },
    loop: { type: 'boolean' },
  };
  if (imageField !== undefined) fields[imageField] = IMAGE;
  return {
    fields,
    clip: (input) => ({
      seconds: seconds(input.duration),
      ...sizeFor(text(input.resolution), text(input.aspect_ratio)),
      fps: 24,
      audio: false,
    }),
  };
}

const VEO31 = ['720p', '1080p', '4k'];
const VEO31_LITE = ['720p', '1080p'];
const VEO3 = ['720p', '1080p'];
const FIVE_TEN = ['5', '10'];
/** Kling 3 and 2.6 image-to-video: `start_image_url` and `end_image_url` (fal's types). */
const START_END: KlingImages = { first: 'start_image_url', last: 'end_image_url' };
/** Kling 2.5 Turbo and 2.1 image-to-video: `image_url` and `tail_image_url`. */
const IMAGE_TAIL: KlingImages = { first: 'image_url', last: 'tail_image_url' };

export const FAL_MODELS: Record<string, FalModel> = {
  'fal-ai/veo3.1': veo(VEO31, 'none'),
  'fal-ai/veo3.1/image-to-video': veo(VEO31, 'image'),
  'fal-ai/veo3.1/first-last-frame-to-video': veo(VEO31, 'frames'),
  'fal-ai/veo3.1/reference-to-video': veo(VEO31, 'references'),
  'fal-ai/veo3.1/fast': veo(VEO31, 'none'),
  'fal-ai/veo3.1/fast/image-to-video': veo(VEO31, 'image'),
  'fal-ai/veo3.1/fast/first-last-frame-to-video': veo(VEO31, 'frames'),
  'fal-ai/veo3.1/lite': veo(VEO31_LITE, 'none'),
  'fal-ai/veo3.1/lite/image-to-video': veo(VEO31_LITE, 'image'),
  'fal-ai/veo3': veo(VEO3, 'none'),
  'fal-ai/veo3/fast': veo(VEO3, 'none'),
  'fal-ai/veo3/image-to-video': veo(VEO3, 'image'),

  'fal-ai/kling-video/v4/text-to-video': klingV4(),
  'fal-ai/kling-video/v4/image-to-video': klingV4('image_url'),
  'fal-ai/kling-video/v3/standard/text-to-video': kling('720p', KLING_V3_DURATIONS, true),
  'fal-ai/kling-video/v3/standard/image-to-video': kling(
    '720p',
    KLING_V3_DURATIONS,
    true,
    START_END,
  ),
  'fal-ai/kling-video/v3/pro/text-to-video': kling('1080p', KLING_V3_DURATIONS, true),
  'fal-ai/kling-video/v3/pro/image-to-video': kling('1080p', KLING_V3_DURATIONS, true, START_END),
  'fal-ai/kling-video/v3/4k/text-to-video': kling('4k', KLING_V3_DURATIONS, true),
  'fal-ai/kling-video/v3/4k/image-to-video': kling('4k', KLING_V3_DURATIONS, true, START_END),
  'fal-ai/kling-video/v2.6/pro/text-to-video': kling('1080p', FIVE_TEN, true),
  'fal-ai/kling-video/v2.6/pro/image-to-video': kling('1080p', FIVE_TEN, true, START_END),
  'fal-ai/kling-video/v2.5-turbo/pro/text-to-video': kling('1080p', FIVE_TEN, false),
  'fal-ai/kling-video/v2.5-turbo/pro/image-to-video': kling('1080p', FIVE_TEN, false, IMAGE_TAIL),
  'fal-ai/kling-video/v2.1/standard/image-to-video': kling('720p', FIVE_TEN, false, IMAGE_TAIL),
  'fal-ai/kling-video/v2.1/pro/image-to-video': kling('1080p', FIVE_TEN, false, IMAGE_TAIL),
  'fal-ai/kling-video/v2.1/master/text-to-video': kling('1080p', FIVE_TEN, false),
  'fal-ai/kling-video/v2.1/master/image-to-video': kling('1080p', FIVE_TEN, false, IMAGE_TAIL),

  'bytedance/seedance-2.0/text-to-video': seedance2(['480p', '720p', '1080p', '4k']),
  'bytedance/seedance-2.0/image-to-video': seedance2(['480p', '720p', '1080p', '4k'], 'image_url'),
  'bytedance/seedance-2.0/reference-to-video': seedance2(
    ['480p', '720p', '1080p', '4k'],
    'image_urls',
  ),
  'bytedance/seedance-2.0/fast/text-to-video': seedance2(['480p', '720p']),
  'bytedance/seedance-2.0/fast/image-to-video': seedance2(['480p', '720p'], 'image_url'),
  'fal-ai/bytedance/seedance/v1/pro/text-to-video': seedance1(
    Array.from({ length: 11 }, (_, i) => String(i + 2)),
    false,
  ),
  'fal-ai/bytedance/seedance/v1/pro/image-to-video': seedance1(
    Array.from({ length: 11 }, (_, i) => String(i + 2)),
    false,
    'image_url',
  ),
  'fal-ai/bytedance/seedance/v1.5/pro/text-to-video': seedance1(
    Array.from({ length: 9 }, (_, i) => String(i + 4)),
    true,
  ),
  'fal-ai/bytedance/seedance/v1.5/pro/image-to-video': seedance1(
    Array.from({ length: 9 }, (_, i) => String(i + 4)),
    true,
    'image_url',
  ),

  'fal-ai/wan/v2.2-a14b/text-to-video': wan(['480p', '580p', '720p'], 81, 16),
  // A14B image-to-video is served only as `…/image-to-video/turbo` (fal's types), which takes
  // no frame count or rate
  'fal-ai/wan/v2.2-a14b/text-to-video/turbo': wanTurbo(),
  'fal-ai/wan/v2.2-a14b/image-to-video/turbo': wanTurbo('image_url'),
  'fal-ai/wan/v2.2-5b/text-to-video': wan(['580p', '720p'], 121, 24),
  'fal-ai/wan/v2.2-5b/image-to-video': wan(['580p', '720p'], 121, 24, 'image_url'),

  'fal-ai/ltx-2.3/text-to-video': ltx23([6, 8, 10]),
  'fal-ai/ltx-2.3/image-to-video': ltx23([6, 8, 10], 'image_url'),
  'fal-ai/ltx-2.3/text-to-video/fast': ltx23([6, 8, 10, 12, 14, 16, 18, 20]),
  'fal-ai/ltx-2.3/image-to-video/fast': ltx23([6, 8, 10], 'image_url'),
  'fal-ai/ltx-2-19b/text-to-video': ltx2(),
  'fal-ai/ltx-2-19b/image-to-video': ltx2('image_url'),

  'fal-ai/pika/v2.2/text-to-video': pika(['720p', '1080p'], FIVE_TEN),
  'fal-ai/pika/v2.2/image-to-video': pika(['720p', '1080p'], FIVE_TEN, 'image_url'),
  'fal-ai/pika/v2.5/text-to-video': pika(['480p', '720p', '1080p'], [5, 10]),
  'fal-ai/pika/v2.5/image-to-video': pika(['480p', '720p', '1080p'], [5, 10], 'image_url'),

  'fal-ai/luma-dream-machine': lumaRay(),
  'fal-ai/luma-dream-machine/image-to-video': lumaRay('image_url'),
  'fal-ai/luma-dream-machine/ray-2': lumaRay(),
  'fal-ai/luma-dream-machine/ray-2/image-to-video': lumaRay('image_url'),
  'fal-ai/luma-dream-machine/ray-2-flash': lumaRay(),
};
