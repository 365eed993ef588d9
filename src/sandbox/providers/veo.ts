/**
 * Veo on Google's two surfaces (Gemini API under `/google`, Vertex AI under `/vertex`): the
 * shared request body (`instances` + `parameters`), its validation, and Google's error shape.
 */

import { invalid, json, type Reply } from '../http.ts';
import type { RenderSpec } from '../jobs.ts';
import { sizeFor } from '../sizes.ts';
import { retryAfter } from './common.ts';

interface VeoModel {
  durations: readonly number[];
  resolutions: readonly string[];
  /** Veo 3 makes sound; Veo 2 is silent */
  audio: boolean;
  /** resolutions above 720p need the longest duration */
  hdNeedsEight: boolean;
}

const VEO_2: VeoModel = {
  durations: [5, 6, 7, 8],
  resolutions: ['720p'],
  audio: false,
  hdNeedsEight: false,
};
const VEO_3: VeoModel = {
  durations: [4, 6, 8],
  resolutions: ['720p', '1080p'],
  audio: true,
  hdNeedsEight: true,
};
const VEO_31: VeoModel = {
  durations: [4, 6, 8],
  resolutions: ['720p', '1080p', '4k'],
  audio: true,
  hdNeedsEight: true,
};
const VEO_31_LITE: VeoModel = {
  durations: [4, 6, 8],
  resolutions: ['720p', '1080p'],
  audio: true,
  hdNeedsEight: true,
};

/**
 * Gemini API ids. The `-001` Veo 3.1 ids are Vertex ids, but clients (the AI SDK among them)
 * send them to the Gemini API too, so the sandbox accepts them on both surfaces.
 */
export const GEMINI_VEO_MODELS: Record<string, VeoModel> = {
  'veo-2.0-generate-001': VEO_2,
  'veo-3.0-generate-001': VEO_3,
  'veo-3.0-fast-generate-001': VEO_3,
  'veo-3.1-generate-preview': VEO_31,
  'veo-3.1-fast-generate-preview': VEO_31,
  'veo-3.1-lite-generate-preview': VEO_31_LITE,
  'veo-3.1-generate-001': VEO_31,
  'veo-3.1-fast-generate-001': VEO_31,
};

export const VERTEX_VEO_MODELS: Record<string, VeoModel> = {
  ...GEMINI_VEO_MODELS,
  'veo-3.1-lite-generate-001': VEO_31_LITE,
};

const ASPECT_RATIOS = ['16:9', '9:16'];
const PERSON_GENERATION = ['allow_all', 'allow_adult', 'dont_allow'];
/** Veo renders at 24 fps on both surfaces. */
const VEO_FPS = 24;
const MAX_REFERENCE_IMAGES = 3;

/** Parameters the Gemini API rejects (they exist on Vertex only). */
const VERTEX_ONLY = [
  'generateAudio',
  'storageUri',
  'fps',
  'pubsubTopic',
  'compressionQuality',
  'resizeMode',
];

export interface VeoRequest {
  render: RenderSpec;
  samples: number;
  /** Vertex `storageUri`: outputs go to GCS instead of inline bytes */
  storageUri: string | undefined;
}

export function googleError(
  code: number,
  status: string,
  message: string,
  details?: unknown[],
): Reply {
  return json(code, {
    error: details === undefined ? { code, message, status } : { code, message, status, details },
  });
}

export function googleRateLimited(seconds: number): Reply {
  return {
    ...googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', [
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
    ]),
    headers: retryAfter(seconds),
  };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function hasImage(value: unknown): boolean {
  const image = record(value);
  return (
    image !== undefined &&
    (typeof image.bytesBase64Encoded === 'string' || typeof image.gcsUri === 'string')
  );
}

/** Validates a predictLongRunning body the way Veo does and derives the clip it will make. */
export function parseVeoRequest(
  body: Record<string, unknown>,
  modelId: string,
  model: VeoModel,
  surface: 'gemini' | 'vertex',
): VeoRequest {
  const instances = body.instances;
  if (!Array.isArray(instances) || instances.length !== 1) {
    throw invalid('instances must hold exactly one instance.', 'instances');
  }
  const instance = record(instances[0]) ?? {};
  const parameters = record(body.parameters) ?? {};
  const prompt = typeof instance.prompt === 'string' ? instance.prompt : '';
  const image = instance.image;
  if (prompt.trim() === '' && !hasImage(image)) {
    throw invalid('A prompt or an image is required.', 'instances[0].prompt');
  }
  if (image !== undefined && !hasImage(image)) {
    throw invalid('image needs bytesBase64Encoded or gcsUri.', 'instances[0].image');
  }
  if (surface === 'gemini') {
    for (const name of VERTEX_ONLY) {
      if (parameters[name] !== undefined)
        throw invalid(`${name} parameter is not supported in Gemini API.`, name);
    }
    if (record(image)?.gcsUri !== undefined) {
      throw invalid('gcsUri images are not supported in Gemini API.', 'instances[0].image');
    }
  }

  const duration = parameters.durationSeconds ?? 8;
  if (typeof duration !== 'number' || !model.durations.includes(duration)) {
    throw invalid(
      `The value of durationSeconds (${JSON.stringify(duration)}) is not supported by ${modelId}; allowed: ${model.durations.join(', ')}.`,
      'durationSeconds',
    );
  }
  const aspectRatio = parameters.aspectRatio ?? '16:9';
  if (typeof aspectRatio !== 'string' || !ASPECT_RATIOS.includes(aspectRatio)) {
    throw invalid(`aspectRatio must be one of ${ASPECT_RATIOS.join(', ')}.`, 'aspectRatio');
  }
  const resolution = parameters.resolution ?? '720p';
  if (typeof resolution !== 'string' || !model.resolutions.includes(resolution)) {
    throw invalid(
      `resolution ${JSON.stringify(resolution)} is not supported by ${modelId}.`,
      'resolution',
    );
  }
  if (model.hdNeedsEight && resolution !== '720p' && duration !== 8) {
    throw invalid(
      `resolution ${resolution} is only supported with durationSeconds 8.`,
      'durationSeconds',
    );
  }
  const sampleCount = parameters.sampleCount ?? 1;
  if (
    typeof sampleCount !== 'number' ||
    !Number.isInteger(sampleCount) ||
    sampleCount < 1 ||
    sampleCount > 4
  ) {
    throw invalid('sampleCount must be an integer from 1 to 4.', 'sampleCount');
  }
  const person = parameters.personGeneration;
  if (person !== undefined && (typeof person !== 'string' || !PERSON_GENERATION.includes(person))) {
    throw invalid(
      `personGeneration must be one of ${PERSON_GENERATION.join(', ')}.`,
      'personGeneration',
    );
  }
  const references = instance.referenceImages;
  if (references !== undefined) {
    if (!Array.isArray(references) || references.length > MAX_REFERENCE_IMAGES) {
      throw invalid(
        `At most ${MAX_REFERENCE_IMAGES} reference images are supported.`,
        'referenceImages',
      );
    }
    if (hasImage(image) || instance.lastFrame !== undefined) {
      throw invalid(
        'referenceImages cannot be combined with image or lastFrame.',
        'referenceImages',
      );
    }
    if (duration !== 8)
      throw invalid('Reference images require durationSeconds 8.', 'durationSeconds');
  }
  const generateAudio = parameters.generateAudio;
  if (generateAudio !== undefined && typeof generateAudio !== 'boolean') {
    throw invalid('generateAudio must be a boolean.', 'generateAudio');
  }
  const storageUri = parameters.storageUri;
  if (
    storageUri !== undefined &&
    (typeof storageUri !== 'string' || !storageUri.startsWith('gs://'))
  ) {
    throw invalid('storageUri must be a gs:// URI.', 'storageUri');
  }
  const audio = model.audio && (generateAudio ?? true);
  return {
    render: {
      seconds: duration,
      ...sizeFor(resolution, aspectRatio),
      fps: VEO_FPS,
      audio,
      model: modelId,
      prompt,
    },
    samples: sampleCount,
    storageUri,
  };
}

/** The reasons Veo's responsible-AI filter gives when it removes every output. */
export const RAI_REASON =
  "Veo could not generate videos because the input prompt may violate Google's Responsible AI practices. Try rephrasing the prompt.";
