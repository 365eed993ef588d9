/**
 * What each Seedance model on BytePlus ModelArk accepts (BytePlus's ModelArk video-generation API
 * reference and model list, as of late 2026). Volcengine's `doubao-…` ids are the same models.
 * An id that is not here (an Endpoint ID such as `ep-…`) is sent as asked, without checks.
 */

export interface SeedanceModel {
  /** whole seconds */
  minSeconds: number;
  maxSeconds: number;
  resolutions: readonly string[];
  /** has `generate_audio` (2.x, 1.5 pro) */
  audio: boolean;
  /** takes reference images and videos (2.x omni-reference) */
  references: boolean;
  /** takes a last frame (1.0 pro fast animates from a first frame only) */
  lastFrame: boolean;
  /** takes `ratio: adaptive` for text-to-video (1.0 does not) */
  adaptive: boolean;
}

const SEEDANCE_2: SeedanceModel = {
  minSeconds: 4,
  maxSeconds: 15,
  resolutions: ['480p', '720p', '1080p', '4k'],
  audio: true,
  references: true,
  lastFrame: true,
  adaptive: true,
};

/** Longest id prefix first: `…-2-0-fast` before `…-2-0`. */
const MODELS: [prefix: string, model: SeedanceModel][] = [
  // 2.5 Flash's resolutions are not published; 480p/720p assumed as for 2.0 fast (catalog card)
  ['seedance-2-5-flash', { ...SEEDANCE_2, maxSeconds: 30, resolutions: ['480p', '720p'] }],
  ['seedance-2-5', { ...SEEDANCE_2, maxSeconds: 30, resolutions: ['480p', '720p', '1080p'] }],
  ['seedance-2-0-fast', { ...SEEDANCE_2, resolutions: ['480p', '720p'] }],
  ['seedance-2-0-mini', { ...SEEDANCE_2, resolutions: ['480p', '720p'] }],
  ['seedance-2-0', SEEDANCE_2],
  [
    'seedance-1-5-pro',
    { ...SEEDANCE_2, maxSeconds: 12, resolutions: ['480p', '720p', '1080p'], references: false },
  ],
  [
    'seedance-1-0-pro-fast',
    {
      minSeconds: 2,
      maxSeconds: 12,
      resolutions: ['480p', '720p', '1080p'],
      audio: false,
      references: false,
      lastFrame: false,
      adaptive: false,
    },
  ],
  [
    'seedance-1-0',
    {
      minSeconds: 2,
      maxSeconds: 12,
      resolutions: ['480p', '720p', '1080p'],
      audio: false,
      references: false,
      lastFrame: true,
      adaptive: false,
    },
  ],
];

/** The model's facts from its id (`dreamina-seedance-2-0-260128`, `doubao-seedance-1-5-pro-251215`). */
export function seedanceModel(modelId: string): SeedanceModel | undefined {
  const bare = modelId.replace(/^(?:dreamina|doubao|bytedance)-/, '');
  return MODELS.find(([prefix]) => bare.startsWith(prefix))?.[1];
}

export const SEEDANCE_RATIOS = ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9'] as const;

/** Seedance renders every model at 24 fps. */
export const SEEDANCE_FPS = 24;
