/**
 * The call's options beyond the frame: the adapter's own `providerOptions` (checked against its
 * schema), and warnings for generic options an API has no field for (`unsupported`).
 */
import type { JSONObject, SharedV4Warning } from '@ai-sdk/provider';
import type { z } from 'zod';
import { parseProviderOptions } from '../http.ts';
import type { VideoCallOptions } from '../types.ts';

export type Warning = SharedV4Warning;

/** `providerOptions[name]` as a plain object ({} when absent). */
export function providerOptionsOf(options: VideoCallOptions, name: string): JSONObject {
  const value = options.providerOptions?.[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/**
 * `providerOptions[provider]` checked against the adapter's schema; a mismatch is the caller's
 * `invalid_request`, raised before anything is sent.
 */
export function ownProviderOptions<S extends z.ZodType>(
  options: VideoCallOptions,
  provider: string,
  schema: S,
): z.output<S> {
  return parseProviderOptions(provider, schema, providerOptionsOf(options, provider), provider);
}

/**
 * The shot's negative prompt, which the engine passes in `providerOptions.shotrouter` (the AI SDK
 * has no field for it): adapters of APIs with a negative prompt field send it there, after the
 * caller's own provider option of the same meaning.
 */
export function negativePromptOf(options: VideoCallOptions): string | undefined {
  const value = providerOptionsOf(options, 'shotrouter').negativePrompt;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export function unsupported(feature: string, details: string): Warning {
  return { type: 'unsupported', feature, details };
}

/** Warnings for the generic options an API has no field for, when the caller set them. */
export function unsupportedOptions(
  options: VideoCallOptions,
  absent: readonly ('seed' | 'fps' | 'generateAudio' | 'inputReferences')[],
  provider: string,
  warnings: Warning[],
  /** the fps the API always delivers, so that asking for exactly that is no change */
  fixedFps?: number,
): void {
  for (const feature of absent) {
    if (feature === 'seed' && options.seed !== undefined) {
      warnings.push(unsupported('seed', `${provider} takes no seed; results are not repeatable`));
    }
    if (feature === 'fps' && options.fps !== undefined && options.fps !== fixedFps) {
      const delivered = fixedFps === undefined ? 'its own rate' : `${fixedFps} fps`;
      warnings.push(unsupported('fps', `${provider} sets no frame rate; it delivers ${delivered}`));
    }
    if (feature === 'generateAudio' && options.generateAudio === true) {
      warnings.push(unsupported('generateAudio', `${provider} makes no audio for this model`));
    }
    if (feature === 'inputReferences' && (options.inputReferences?.length ?? 0) > 0) {
      warnings.push(
        unsupported('inputReferences', `${provider} takes no reference files for this model`),
      );
    }
  }
}

/**
 * Warnings for a model outside an adapter's table: the generic options it might take are not
 * mapped, so each one the caller set is left out with a pointer to `providerOptions.<provider>`.
 */
export function unmappedOptions(
  options: VideoCallOptions,
  model: string,
  provider: string,
  warnings: Warning[],
): void {
  for (const [feature, given] of [
    ['duration', options.duration],
    ['resolution', options.resolution],
    ['aspectRatio', options.aspectRatio],
  ] as const) {
    if (given !== undefined) {
      warnings.push(
        unsupported(feature, `not mapped for ${model}; set it in providerOptions.${provider}`),
      );
    }
  }
  unsupportedOptions(options, ['seed', 'fps', 'generateAudio', 'inputReferences'], model, warnings);
}
