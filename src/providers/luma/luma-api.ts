/**
 * Luma's two video APIs, as request builders and status readers (the lumaai SDK and
 * Luma's Agents API pages, as of late 2026):
 *
 * - Dream Machine API (`ray-2`, `ray-flash-2`, `ray-1-6`), `https://api.lumalabs.ai/dream-machine/v1`:
 *   `POST /generations/video` with `model`, `prompt`, `aspect_ratio`, `duration` (`5s` | `9s`),
 *   `resolution` (`540p` | `720p` | `1080p` | `4k`), `loop`, `keyframes.frame0/frame1`
 *   (`{type: 'image', url}`); `GET /generations/{id}`: `state` queued | dreaming | completed |
 *   failed, `assets.video`, `failure_reason`; `GET /generations` lists recent ones, each with
 *   its `request`. No seed, fps, negative prompt or audio.
 * - Agents API (`ray-3.2`, the Ray 3 family), `https://agents.lumalabs.ai/v1` (SDK
 *   `luma-agents` 0.3.0): `POST /generations` with `type: 'video'`, `model`, `prompt`,
 *   `aspect_ratio` and `video: {duration (5s | 10s), resolution (540p | 720p | 1080p),
 *   start_frame, end_frame, loop, hdr, exr_export}`; images as `{url}` or `{data, media_type}`;
 *   `GET /generations/{id}`: `state` queued | processing | completed | failed,
 *   `output[{type, url}]` (presigned, 1 hour), `failure_code`, `failure_reason`. 10-s clips are
 *   text-to-video only. There is no list endpoint.
 */
import type {
  JSONObject,
  JSONValue,
  Experimental_VideoModelV4File as VideoFile,
} from '@ai-sdk/provider';
import { z } from 'zod';
import {
  fileBytes,
  fileUrl,
  frameAnchors,
  mediaTypeOf,
  nearestTier,
  pickDuration,
  pickRatio,
  providerOptionsOf,
  requestedSize,
  unsupportedOptions,
  type Warning,
} from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import type { VideoCallOptions } from '../types.ts';

export const LUMA_PROVIDER = 'luma';

export type LumaApi = 'dream-machine' | 'agents';

/** Which API serves a model: the Ray 3 family is on the Agents API. */
export function lumaApiOf(modelId: string): LumaApi {
  return /^ray-3/.test(modelId) ? 'agents' : 'dream-machine';
}

export interface LumaModelFacts {
  durations: readonly number[];
  /** undefined: the model takes no resolution */
  resolutions?: readonly string[];
  ratios: readonly string[];
}

const DM_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '21:9', '9:21'] as const;
const RAY3_RATIOS = ['9:16', '3:4', '1:1', '4:3', '16:9', '21:9'] as const;

export function lumaModelFacts(modelId: string): LumaModelFacts {
  if (lumaApiOf(modelId) === 'agents') {
    return { durations: [5, 10], resolutions: ['540p', '720p', '1080p'], ratios: RAY3_RATIOS };
  }
  if (modelId === 'ray-1-6') return { durations: [5], ratios: DM_RATIOS };
  return { durations: [5, 9], resolutions: ['540p', '720p', '1080p', '4k'], ratios: DM_RATIOS };
}

/** Options the caller may add under `providerOptions.luma` (loop, HDR, concepts, …). */
const PASS_THROUGH: Record<LumaApi, readonly string[]> = {
  'dream-machine': ['loop', 'concepts', 'callback_url'],
  agents: ['loop', 'hdr', 'exr_export', 'user_id'],
};

export interface LumaRequest {
  path: string;
  body: Record<string, JSONValue>;
  warnings: Warning[];
}

/** The create request of either API for the call options. */
export function buildLumaRequest(modelId: string, options: VideoCallOptions): LumaRequest {
  const api = lumaApiOf(modelId);
  const facts = lumaModelFacts(modelId);
  const warnings: Warning[] = [];
  const { first, last } = frameAnchors(options);
  if (!options.prompt && !first) {
    throw providerErrors.invalidRequest(LUMA_PROVIDER, 'a prompt or a start frame is required');
  }
  let seconds: number | undefined;
  if (options.duration !== undefined) {
    // Ray 3 anchors images in 5-s clips only; a longer anchored clip cannot be made
    if (api === 'agents' && (first || last) && options.duration > 5) {
      throw providerErrors.invalidRequest(
        LUMA_PROVIDER,
        `${modelId} takes start/end frames in 5-s clips only; 10-s clips are text-to-video`,
      );
    }
    seconds = pickDuration(options.duration, facts.durations, warnings);
  }
  const size = requestedSize(LUMA_PROVIDER, options);
  const resolution = size && facts.resolutions ? nearestTier(size, facts.resolutions) : undefined;
  if (size && resolution === undefined) {
    warnings.push({
      type: 'unsupported',
      feature: 'resolution',
      details: `${modelId} has one fixed resolution`,
    });
  }
  const aspectRatio = pickRatio(LUMA_PROVIDER, options, facts.ratios, warnings);
  unsupportedOptions(
    options,
    ['seed', 'fps', 'generateAudio', 'inputReferences'],
    'Luma',
    warnings,
    24,
  );
  const extra = passThrough(api, options);

  if (api === 'dream-machine') {
    const keyframes: JSONObject = {};
    if (first) keyframes.frame0 = dmImage(first, warnings);
    if (last) keyframes.frame1 = dmImage(last, warnings);
    const body: Record<string, JSONValue> = {
      model: modelId,
      ...(options.prompt ? { prompt: options.prompt } : {}),
      ...(aspectRatio ? { aspect_ratio: aspectRatio } : {}),
      ...(seconds !== undefined ? { duration: `${seconds}s` } : {}),
      ...(resolution ? { resolution } : {}),
      ...(first || last ? { keyframes } : {}),
      ...extra,
    };
    return { path: '/dream-machine/v1/generations/video', body, warnings };
  }
  const video: JSONObject = {
    ...(seconds !== undefined ? { duration: `${seconds}s` } : {}),
    ...(resolution ? { resolution } : {}),
    ...(first ? { start_frame: agentsImage(first) } : {}),
    ...(last ? { end_frame: agentsImage(last) } : {}),
  };
  const { user_id: userId, ...videoExtra } = extra;
  const body: Record<string, JSONValue> = {
    type: 'video',
    model: modelId,
    // the Agents API requires a prompt
    prompt: options.prompt ?? '',
    ...(aspectRatio ? { aspect_ratio: aspectRatio } : {}),
    video: { ...video, ...videoExtra },
    ...(userId !== undefined ? { user_id: userId } : {}),
  };
  return { path: '/generations', body, warnings };
}

function passThrough(api: LumaApi, options: VideoCallOptions): Record<string, JSONValue> {
  const given = providerOptionsOf(options, LUMA_PROVIDER);
  const out: Record<string, JSONValue> = {};
  for (const name of PASS_THROUGH[api]) {
    const value = given[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Dream Machine keyframes are image URLs; inline images go as `data:` URIs (not documented). */
function dmImage(file: VideoFile, warnings: Warning[]): JSONObject {
  if (file.type !== 'url') {
    warnings.push({
      type: 'compatibility',
      feature: 'image',
      details:
        'the Dream Machine API documents keyframe image URLs; the image was sent as a data: URI',
    });
  }
  return { type: 'image', url: fileUrl(file) };
}

function agentsImage(file: VideoFile): JSONObject {
  const bytes = fileBytes(file);
  if (!bytes) return { url: fileUrl(file) };
  return { data: Buffer.from(bytes).toString('base64'), media_type: mediaTypeOf(file) };
}

// ---- replies ----

export const DreamMachineGenerationSchema = z.looseObject({
  id: z.string(),
  state: z.string(),
  failure_reason: z.string().nullish(),
  created_at: z.string().nullish(),
  model: z.string().nullish(),
  assets: z.looseObject({ video: z.string().nullish() }).nullish(),
  request: z.looseObject({}).nullish(),
});
export type DreamMachineGeneration = z.infer<typeof DreamMachineGenerationSchema>;

export const DreamMachineListSchema = z.looseObject({
  generations: z.array(DreamMachineGenerationSchema),
});

export const AgentsGenerationSchema = z.looseObject({
  id: z.string(),
  state: z.string(),
  failure_code: z.string().nullish(),
  failure_reason: z.string().nullish(),
  output: z.array(z.looseObject({ type: z.string().nullish(), url: z.string() })).nullish(),
});

/** What a generation's state means, the same for both APIs. */
export type LumaOutcome =
  | { state: 'pending' }
  | { state: 'completed'; url: string }
  | { state: 'failed'; message: string; code: string | undefined };

export function dreamMachineOutcome(generation: DreamMachineGeneration): LumaOutcome | undefined {
  switch (generation.state) {
    case 'queued':
    case 'dreaming':
      return { state: 'pending' };
    case 'completed': {
      const url = generation.assets?.video;
      if (!url)
        throw providerErrors.malformedResponse(
          LUMA_PROVIDER,
          `generation ${generation.id} completed without a video`,
        );
      return { state: 'completed', url };
    }
    case 'failed': {
      const reason = generation.failure_reason ?? 'no reason given';
      // the Dream Machine API gives words only; moderation says "content policy"
      const refused = /content polic|moderat|not allowed|safety|nsfw/i.test(reason);
      return { state: 'failed', message: reason, code: refused ? 'content_refused' : undefined };
    }
    default:
      return undefined;
  }
}

/** Agents API `failure_code`s (SDK `GenerationFailureCode`) as shotrouter codes. */
const AGENTS_FAILURES: Record<string, string> = {
  content_moderated: 'content_refused',
  budget_exhausted: 'out_of_credit',
  rate_limited: 'rate_limited',
  invalid_request: 'invalid_request',
  image_too_large: 'invalid_request',
  unsupported_format: 'invalid_request',
  corrupt_input: 'invalid_request',
};

export function agentsOutcome(
  generation: z.infer<typeof AgentsGenerationSchema>,
): LumaOutcome | undefined {
  switch (generation.state) {
    case 'queued':
    case 'processing':
      return { state: 'pending' };
    case 'completed': {
      const video = generation.output?.find((o) => o.type === 'video') ?? generation.output?.[0];
      if (!video)
        throw providerErrors.malformedResponse(
          LUMA_PROVIDER,
          `generation ${generation.id} completed without an output`,
        );
      return { state: 'completed', url: video.url };
    }
    case 'failed': {
      const code = generation.failure_code ?? undefined;
      const message =
        [generation.failure_reason, code && `(${code})`].filter(Boolean).join(' ') ||
        'no reason given';
      return { state: 'failed', message, code: code ? AGENTS_FAILURES[code] : undefined };
    }
    default:
      return undefined;
  }
}
