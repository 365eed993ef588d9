/**
 * Fetches a finished video into the media folder at once (provider URLs expire), hashing it on
 * the way. URLs (http, https, data, file) are streamed; base64 and bytes are written.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import type { Experimental_VideoModelV4VideoData as VideoData } from '@ai-sdk/provider';
import { ShotrouterError } from '../errors.ts';
import { providerErrors, toProviderError } from '../providers/errors.ts';
import type { MediaFolder } from '../store/media-folder.ts';

export interface Downloaded {
  tempFile: string;
  sha256: string;
  bytes: number;
  mediaType: string;
  extension: string;
}

const EXTENSIONS: Record<string, string> = {
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
};

export async function downloadVideo(
  video: VideoData,
  folder: MediaFolder,
  options: { provider: string; fetch?: typeof fetch; signal?: AbortSignal },
): Promise<Downloaded> {
  if (video.type === 'uploaded') {
    throw new ShotrouterError(
      'malformed_response',
      `${options.provider} delivered the video to caller storage; shotrouter needs the file itself`,
    );
  }
  const mediaType = video.mediaType || 'video/mp4';
  const extension = EXTENSIONS[mediaType] ?? 'mp4';
  const source = await open(video, options);
  let written: { tempFile: string; sha256: string; bytes: number };
  try {
    written = await folder.writeTemp(source, extension, options.signal);
  } catch (error) {
    if (options.signal?.aborted || ShotrouterError.is(error)) throw error;
    // the body stream broke off (reset, truncated): the download can be tried again
    throw providerErrors.connectionDropped(options.provider, error);
  }
  const { tempFile, sha256, bytes } = written;
  if (bytes === 0) {
    fs.rmSync(tempFile, { force: true });
    throw providerErrors.malformedResponse(options.provider, 'the video is empty');
  }
  return { tempFile, sha256, bytes, mediaType, extension };
}

async function open(
  video: Exclude<VideoData, { type: 'uploaded' }>,
  options: { provider: string; fetch?: typeof fetch; signal?: AbortSignal },
): Promise<Readable> {
  if (video.type === 'binary') return Readable.from([video.data]);
  if (video.type === 'base64') return Readable.from([Buffer.from(video.data, 'base64')]);
  const url = new URL(video.url);
  if (url.protocol === 'file:') return fs.createReadStream(fileURLToPath(url));
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw toProviderError(error, { provider: options.provider });
  }
  // expired signed URLs answer 403 (S3, GCS) or 404/410; the next status poll gives a fresh one
  if ([401, 403, 404, 410].includes(response.status))
    throw providerErrors.expiredUrl(options.provider);
  if (!response.ok || !response.body) {
    throw toProviderError({ statusCode: response.status, message: response.statusText }, options);
  }
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}
