/**
 * A video model that makes every clip locally with ffmpeg: a labelled stand-in of exactly the
 * requested duration, size, frame rate and audio presence (shot id, the model it stands in for,
 * prompt, running timecode). No network, no spend. `doStart` only describes the clip; the
 * operation is a pure function of the request, so a lost start needs no lookup. `doStatus`
 * renders it and returns the bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  JSONObject,
  Experimental_VideoModelV4OperationStartResult as StartResult,
} from '@ai-sdk/provider';
import { renderPreview } from '../../media/index.ts';
import { providerErrors } from '../errors.ts';
import type { ShotContext, VideoCallOptions, VideoModel, VideoStatus } from '../types.ts';

export const PREVIEW_PROVIDER = 'preview';

/** Everything the rendered clip depends on: the operation handle. */
export interface PreviewOperation extends JSONObject {
  v: 1;
  seconds: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  shotId: string;
  model: string;
  prompt: string;
  /** 0-based take (absent in operations stored before takes differed) */
  take?: number;
  /** the opening and closing pictures, kept by content hash (see `frameImage`) */
  firstFrame?: string;
  lastFrame?: string;
  /** the shots of a multi-shot generation, each of which gets its own look */
  shots?: Array<{ shotId: string; prompt: string; seconds: number }>;
}

/** The operation for a request: the same request always gives the same operation. */
export function previewOperation(options: VideoCallOptions, modelId: string): PreviewOperation {
  const size = /^(\d+)x(\d+)$/.exec(options.resolution ?? '');
  if (!size)
    throw providerErrors.invalidRequest(PREVIEW_PROVIDER, 'a resolution WIDTHxHEIGHT is required');
  if (!(options.duration && options.duration > 0)) {
    throw providerErrors.invalidRequest(PREVIEW_PROVIDER, 'a positive duration is required');
  }
  if (!(options.fps && options.fps > 0)) {
    throw providerErrors.invalidRequest(PREVIEW_PROVIDER, 'a positive fps is required');
  }
  const context = options.providerOptions?.shotrouter as
    | (Partial<ShotContext> & { cuts?: Array<{ shotId: string; prompt: string; seconds: number }> })
    | undefined;
  const firstFrame = frameImage(options, 'first_frame');
  const lastFrame = frameImage(options, 'last_frame');
  const shots = Array.isArray(context?.cuts) && context.cuts.length > 1 ? context.cuts : undefined;
  return {
    ...(firstFrame !== undefined ? { firstFrame } : {}),
    ...(lastFrame !== undefined ? { lastFrame } : {}),
    ...(shots !== undefined
      ? { shots: shots.map((c) => ({ shotId: c.shotId, prompt: c.prompt, seconds: c.seconds })) }
      : {}),
    v: 1,
    seconds: options.duration,
    width: Number(size[1]),
    height: Number(size[2]),
    fps: options.fps,
    audio: options.generateAudio === true,
    shotId: context?.shotId ?? 'shot',
    take: context?.take ?? 0,
    model: context?.model ?? modelId,
    prompt: options.prompt ?? '',
  };
}

/** Where frame pictures are kept, named by their content, so the operation stays small. */
const FRAMES_DIR = path.join(tmpdir(), 'shotrouter-preview-frames');

/**
 * The file of the request's first picture (the image, or the `first_frame` frame image) or last
 * (the `last_frame` frame image) when its bytes are at hand: inline data, a data: URL or a file:
 * URL. A remote URL is not fetched (the preview works offline): that end of the clip stays a card.
 */
function frameImage(
  options: VideoCallOptions,
  which: 'first_frame' | 'last_frame',
): string | undefined {
  const tagged = options.frameImages?.find((f) => f.frameType === which)?.image;
  const image = which === 'first_frame' ? (options.image ?? tagged) : tagged;
  if (image === undefined) return undefined;
  let bytes: Buffer | undefined;
  if (image.type === 'file') {
    bytes =
      typeof image.data === 'string' ? Buffer.from(image.data, 'base64') : Buffer.from(image.data);
  } else if (image.url.startsWith('file:')) {
    return fileURLToPath(image.url);
  } else {
    const inline = /^data:[^;,]*;base64,(.*)$/s.exec(image.url);
    if (inline) bytes = Buffer.from(inline[1]!, 'base64');
  }
  if (bytes === undefined || bytes.length === 0) return undefined;
  const file = path.join(FRAMES_DIR, createHash('sha256').update(bytes).digest('hex'));
  if (!existsSync(file)) {
    mkdirSync(FRAMES_DIR, { recursive: true });
    const partial = `${file}.${process.pid}.part`;
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  }
  return file;
}

export class PreviewVideoModel implements VideoModel {
  readonly specificationVersion = 'v4';
  readonly provider = PREVIEW_PROVIDER;
  readonly modelId: string;
  readonly maxVideosPerCall = 1;

  constructor(modelId: string) {
    this.modelId = modelId;
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    return {
      operation: previewOperation(options, this.modelId),
      warnings: [],
      response: { timestamp: new Date(), modelId: this.modelId, headers: undefined },
    };
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = options.operation as PreviewOperation;
    if (op?.v !== 1)
      throw providerErrors.malformedResponse(PREVIEW_PROVIDER, 'not a preview operation');
    const dir = await mkdtemp(path.join(tmpdir(), 'shotrouter-preview-'));
    let data: Uint8Array;
    try {
      const output = path.join(dir, 'preview.mp4');
      await renderPreview({
        output,
        seconds: op.seconds,
        width: op.width,
        height: op.height,
        fps: op.fps,
        audio: op.audio,
        label: { shotId: op.shotId, model: op.model, prompt: op.prompt, take: op.take ?? 0 },
        // a picture kept on another machine is not here: that clip opens on its card
        ...(op.firstFrame !== undefined && existsSync(op.firstFrame)
          ? { firstFrame: op.firstFrame }
          : {}),
        ...(op.lastFrame !== undefined && existsSync(op.lastFrame)
          ? { lastFrame: op.lastFrame }
          : {}),
        ...(op.shots !== undefined ? { shots: op.shots } : {}),
        ...(options.abortSignal ? { signal: options.abortSignal } : {}),
      });
      data = new Uint8Array(await readFile(output));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return {
      status: 'completed',
      videos: [{ type: 'binary', data, mediaType: 'video/mp4' }],
      warnings: [],
      response: { timestamp: new Date(), modelId: this.modelId, headers: undefined },
    };
  }
}
