/**
 * The inputs of the Replicate video models shotrouter knows (Replicate's model pages). Each
 * model's schema is its own; a model not here gets the prompt, a start image and the caller's
 * own fields.
 */

export interface ReplicateInputs {
  /** `owner/name` */
  id: string;
  /** whole seconds the `duration` input takes */
  seconds?: readonly number[];
  /** `resolution` tier names */
  resolutions?: readonly string[];
  /** `aspect_ratio` values */
  ratios?: readonly string[];
  /** input names of the start image, the end image and the reference images */
  image?: string;
  lastImage?: string;
  references?: string;
  /** has `generate_audio` */
  audio?: boolean;
  /** has `seed` */
  seed?: boolean;
  /** the frame rate it delivers */
  nativeFps?: number;
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

const veo = (id: string): ReplicateInputs => ({
  id,
  seconds: [4, 6, 8],
  resolutions: ['720p', '1080p'],
  ratios: ['16:9', '9:16'],
  image: 'image',
  audio: true,
  seed: true,
  nativeFps: 24,
});

const kling = (id: string, audio: boolean): ReplicateInputs => ({
  id,
  seconds: [5, 10],
  ratios: ['16:9', '9:16', '1:1'],
  image: 'start_image',
  audio,
  nativeFps: 24,
});

export const REPLICATE_MODELS: readonly ReplicateInputs[] = [
  {
    id: 'bytedance/seedance-2.0',
    seconds: range(4, 15),
    resolutions: ['480p', '720p', '1080p'],
    ratios: ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9'],
    image: 'image',
    lastImage: 'last_frame_image',
    references: 'reference_images',
    audio: true,
    seed: true,
    nativeFps: 24,
  },
  veo('google/veo-3'),
  veo('google/veo-3-fast'),
  veo('google/veo-3.1'),
  veo('google/veo-3.1-fast'),
  kling('kwaivgi/kling-v2.5-turbo-pro', false),
  kling('kwaivgi/kling-v2.6', true),
  {
    id: 'lightricks/ltx-2-fast',
    // above 10 s only at 1080p
    seconds: [6, 8, 10, 12, 14, 16, 18, 20],
    resolutions: ['1080p', '1440p', '2160p'],
    ratios: ['16:9', '9:16'],
    image: 'image',
    audio: true,
    nativeFps: 25,
  },
  {
    id: 'wan-video/wan-2.5-t2v',
    seconds: [5, 10],
    resolutions: ['480p', '720p', '1080p'],
    ratios: ['16:9', '9:16', '1:1'],
    seed: true,
    nativeFps: 24,
  },
  { id: 'minimax/video-01', image: 'first_frame_image', nativeFps: 25 },
];

/** `owner/name` and the version of a model id (`owner/name` or `owner/name:version`). */
export function replicateModelRef(modelId: string): { model: string; version?: string } {
  const colon = modelId.indexOf(':');
  return colon < 0
    ? { model: modelId }
    : { model: modelId.slice(0, colon), version: modelId.slice(colon + 1) };
}

export function replicateInputs(modelId: string): ReplicateInputs | undefined {
  const { model } = replicateModelRef(modelId);
  return REPLICATE_MODELS.find((m) => m.id === model);
}
