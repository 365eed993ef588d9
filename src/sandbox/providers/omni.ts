/**
 * Gemini Omni Flash on Google's Interactions API, shared by the `/google` (Gemini API) and
 * `/vertex` (Agent Platform) stand-ins (docs/sandbox-providers.md, "google and vertex: Gemini
 * Omni Flash").
 *
 * Create: `{model, input, background: true, generation_config?: {duration_seconds,
 * aspect_ratio, resolution, seed?}}` where `input` is a prompt string or a list of parts
 * (`{type: "text", text}`, `{type: "image", data | uri, mime_type, role?}` with the roles
 * `first_frame`, `last_frame`, `reference`). A video takes minutes, so the sandbox refuses a
 * call without `background: true`. Get: `{id, model, status: in_progress | completed | failed
 * | cancelled, outputs?: [{type: "video", uri | data, mime_type}], error?}`.
 */
import { invalid } from '../http.ts';
import type { Job, RenderSpec } from '../jobs.ts';
import { sizeFor } from '../sizes.ts';

interface OmniModel {
  minSeconds: number;
  maxSeconds: number;
}

export const OMNI_MODELS: Record<string, OmniModel> = {
  'gemini-omni-1.1-flash': { minSeconds: 3, maxSeconds: 10 },
  'gemini-omni-1.2-flash': { minSeconds: 3, maxSeconds: 15 },
};

const RESOLUTIONS = ['360p', '720p', '1080p', '4k'];
const RATIOS = ['16:9', '9:16'];
const ROLES = ['first_frame', 'last_frame', 'reference'];
const DEFAULT_SECONDS = 8;
const FPS = 24;

export const OMNI_SAFETY_MESSAGE =
  'The request was blocked because the prompt or the output may violate the usage policies.';

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The clip an Interactions request for Omni asks for, or the problem with the request. */
export function parseOmniRequest(body: Record<string, unknown>, model: string): RenderSpec {
  const facts = OMNI_MODELS[model]!;
  if (body.background !== true) {
    throw invalid(
      'video generation runs as a background interaction: set background: true',
      'background',
    );
  }
  let prompt = '';
  const input = body.input;
  if (typeof input === 'string') prompt = input;
  else if (Array.isArray(input)) {
    for (const raw of input) {
      const part = record(raw);
      if (part?.type === 'text' && typeof part.text === 'string') prompt += part.text;
      else if (part?.type === 'image') {
        if (typeof part.data !== 'string' && typeof part.uri !== 'string')
          throw invalid('an image part needs data or uri', 'input');
        if (part.role !== undefined && !ROLES.includes(String(part.role)))
          throw invalid(
            `unknown image role ${String(part.role)}; use ${ROLES.join(', ')}`,
            'input',
          );
      } else throw invalid(`unknown input part type ${String(part?.type)}`, 'input');
    }
  } else throw invalid('input must be a prompt or a list of parts', 'input');
  if (prompt.trim() === '') throw invalid('input needs a non-empty text prompt', 'input');

  const config = record(body.generation_config) ?? {};
  const seconds = config.duration_seconds ?? DEFAULT_SECONDS;
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    seconds < facts.minSeconds ||
    seconds > facts.maxSeconds
  ) {
    throw invalid(
      `generation_config.duration_seconds must be a whole number from ${facts.minSeconds} to ${facts.maxSeconds}`,
      'duration_seconds',
    );
  }
  const resolution = String(config.resolution ?? '720p');
  if (!RESOLUTIONS.includes(resolution))
    throw invalid(
      `generation_config.resolution must be one of ${RESOLUTIONS.join(', ')}`,
      'resolution',
    );
  const ratio = String(config.aspect_ratio ?? '16:9');
  if (!RATIOS.includes(ratio))
    throw invalid(
      `generation_config.aspect_ratio must be one of ${RATIOS.join(', ')}`,
      'aspect_ratio',
    );
  return { seconds, ...sizeFor(resolution, ratio), fps: FPS, audio: true, model, prompt };
}

/** The interaction as GET answers it; `video` is the finished job's output part. */
export function interactionOf(
  job: Job,
  video: () => Record<string, unknown>,
): Record<string, unknown> {
  const base = { id: job.id, model: job.model };
  switch (job.phase) {
    case 'queued':
    case 'running':
      return { ...base, status: 'in_progress' };
    case 'canceled':
      return { ...base, status: 'cancelled' };
    case 'failed':
      return {
        ...base,
        status: 'failed',
        error:
          job.failure === undefined
            ? { code: 'SAFETY', message: OMNI_SAFETY_MESSAGE }
            : { code: 'INTERNAL', message: job.failure },
      };
    case 'succeeded':
      return {
        ...base,
        status: 'completed',
        outputs: [{ type: 'video', mime_type: 'video/mp4', ...video() }],
      };
  }
}
