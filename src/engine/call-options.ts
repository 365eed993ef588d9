/**
 * The AI SDK call options for one segment of a job on one route, and their storable description
 * (file bytes replaced by hashes). Rebuilt identically on resume, so a lost start can be
 * reconciled or re-sent with exactly what was first sent.
 */
import type { Experimental_VideoModelV4File as VideoFile } from '@ai-sdk/provider';
import type { ShotContext, VideoCallOptions } from '../providers/types.ts';
import type { JobSpec, ReferenceInput, RouteSpec } from './job-spec.ts';

/** A previous segment's clip, given to an extension step. */
export interface ExtendFrom {
  data: Uint8Array;
  sha256: string;
}

/** Seconds of each generation a route makes: one, or the chain's segments. */
export function segmentsOf(route: RouteSpec): number[] {
  return route.chain ? route.chain.segments : [route.generate.seconds];
}

export function callOptions(
  spec: JobSpec,
  route: RouteSpec,
  segment: number,
  extendFrom?: ExtendFrom,
): VideoCallOptions {
  const { generate } = route;
  const seconds = segmentsOf(route)[segment]!;
  const context: ShotContext & { segment: number; segments: number } = {
    shotId: spec.unit,
    take: spec.take,
    model: route.model,
    segment,
    segments: segmentsOf(route).length,
  };
  const firstFrame = spec.references.find((r) => r.role === 'first_frame');
  const lastFrame = spec.references.find((r) => r.role === 'last_frame');
  const references = spec.references.filter((r) => r.role === 'reference').map(toFile);
  // an extension continues the clip so far (the only video among the references); a later
  // segment of a split starts fresh, so frame anchors belong to the first segment only
  const firstSegment = segment === 0;
  return {
    prompt: route.prompt ?? spec.prompt,
    n: 1,
    aspectRatio: aspectRatio(generate.width, generate.height),
    resolution: `${generate.width}x${generate.height}`,
    duration: seconds,
    fps: generate.fps,
    seed: undefined,
    image: firstSegment && firstFrame ? toFile(firstFrame) : undefined,
    frameImages:
      firstSegment && lastFrame
        ? [
            ...(firstFrame
              ? [{ image: toFile(firstFrame), frameType: 'first_frame' as const }]
              : []),
            { image: toFile(lastFrame), frameType: 'last_frame' as const },
          ]
        : undefined,
    inputReferences: extendFrom
      ? [{ type: 'file', mediaType: 'video/mp4', data: extendFrom.data }]
      : references.length > 0
        ? references
        : undefined,
    generateAudio: generate.audio,
    providerOptions: {
      shotrouter: {
        ...context,
        extend: extendFrom !== undefined,
        // adapters of APIs with a negative prompt field send it there (providers/kit/options.ts)
        ...(route.negativePrompt ? { negativePrompt: route.negativePrompt } : {}),
        ...(spec.cuts && segmentsOf(route).length === 1
          ? { cuts: wholeSecondCuts(spec.cuts, seconds) }
          : {}),
      },
    },
  };
}

/**
 * The cuts of a multi-shot generation in whole seconds adding up to the clip's length, as
 * multi-shot APIs take them (Kling: integer durations summing to the total). Largest
 * remainders get the spare seconds, the last cut any snap-up; every cut keeps at least 1 s.
 */
export function wholeSecondCuts(
  cuts: ReadonlyArray<{ shotId: string; prompt: string; seconds: number }>,
  total: number,
): Array<{ shotId: string; prompt: string; seconds: number }> {
  const whole = cuts.map((c) => Math.max(1, Math.floor(c.seconds)));
  let spare = Math.round(total) - whole.reduce((a, b) => a + b, 0);
  const order = cuts
    .map((c, i) => ({ i, remainder: c.seconds - Math.floor(c.seconds) }))
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i, remainder } of order) {
    if (spare <= 0 || remainder <= 1e-9) break;
    whole[i]! += 1;
    spare -= 1;
  }
  if (spare > 0) whole[whole.length - 1]! += spare;
  return cuts.map((c, i) => ({ shotId: c.shotId, prompt: c.prompt, seconds: whole[i]! }));
}

/** What was asked, as stored in the attempt row: no file bytes, only their hashes. */
export function describeRequest(
  spec: JobSpec,
  route: RouteSpec,
  segment: number,
  extendFrom?: ExtendFrom,
): Record<string, unknown> {
  return {
    model: route.model,
    provider: route.provider,
    prompt: route.prompt ?? spec.prompt,
    ...(route.negativePrompt ? { negative_prompt: route.negativePrompt } : {}),
    seconds: segmentsOf(route)[segment],
    width: route.generate.width,
    height: route.generate.height,
    fps: route.generate.fps,
    audio: route.generate.audio,
    references: spec.references.map((r) => ({ role: r.role, id: r.id })),
    segment,
    extend_from: extendFrom?.sha256 ?? null,
  };
}

function toFile(ref: ReferenceInput): VideoFile {
  if (ref.file) return { type: 'file', mediaType: ref.file.mediaType, data: ref.file.data };
  return { type: 'url', url: ref.url ?? ref.spec };
}

function aspectRatio(width: number, height: number): `${number}:${number}` {
  const divisor = gcd(width, height);
  return `${width / divisor}:${height / divisor}`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
