/** The files of a call: frame anchors and references, as URLs or bytes an API takes. */
import type { JSONObject, Experimental_VideoModelV4File as VideoFile } from '@ai-sdk/provider';
import { toBase64 } from '../http.ts';
import type { VideoCallOptions } from '../types.ts';
import { unsupported, type Warning } from './options.ts';

/** The first and last frame images: `frameImages` entries, with `image` as the first frame. */
export function frameAnchors(options: VideoCallOptions): { first?: VideoFile; last?: VideoFile } {
  const first =
    options.frameImages?.find((f) => f.frameType === 'first_frame')?.image ?? options.image;
  const last = options.frameImages?.find((f) => f.frameType === 'last_frame')?.image;
  return { ...(first ? { first } : {}), ...(last ? { last } : {}) };
}

/** `inputReferences` split by kind (routed by media type, as the AI SDK spec says). */
export function references(options: VideoCallOptions): {
  images: VideoFile[];
  videos: VideoFile[];
} {
  const images: VideoFile[] = [];
  const videos: VideoFile[] = [];
  for (const file of options.inputReferences ?? []) {
    if (mediaTypeOf(file).startsWith('video/')) videos.push(file);
    else images.push(file);
  }
  return { images, videos };
}

export function mediaTypeOf(file: VideoFile): string {
  if (file.mediaType) return file.mediaType;
  const extension =
    file.type === 'url' ? /\.([a-z0-9]+)(?:[?#]|$)/i.exec(file.url)?.[1] : undefined;
  const byExtension: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    webp: 'image/webp',
    mp4: 'video/mp4',
    mov: 'video/quicktime',
    webm: 'video/webm',
  };
  return byExtension[extension?.toLowerCase() ?? ''] ?? 'image/png';
}

/** A file as a JSON API takes it: its own URL, or a `data:` URI of its bytes. */
export function fileUrl(file: VideoFile): string {
  if (file.type === 'url') return file.url;
  const base64 = typeof file.data === 'string' ? file.data : toBase64(file.data);
  return `data:${file.mediaType};base64,${base64}`;
}

/** The bytes of an inline file (base64 strings decoded); undefined for a URL file. */
export function fileBytes(file: VideoFile): Uint8Array | undefined {
  if (file.type === 'url') return undefined;
  return typeof file.data === 'string' ? Buffer.from(file.data, 'base64') : file.data;
}

/**
 * Reference files as entries of a role-tagged `content` list (`image_url` with role
 * `reference_image`, `video_url` with role `reference_video`), the shape BytePlus's Seedance and
 * MiniMax's v2 API share. Their modes are exclusive: with a first or last frame the references
 * are left out, with a warning; reference videos must already be URLs.
 */
export function pushReferenceContent(
  content: JSONObject[],
  refs: { images: VideoFile[]; videos: VideoFile[] },
  context: { modelId: string; vendor: string; takesReferences: boolean; hasFrames: boolean },
  warnings: Warning[],
): void {
  if (refs.images.length + refs.videos.length === 0) return;
  if (!context.takesReferences) {
    warnings.push(unsupported('inputReferences', `${context.modelId} takes no reference files`));
    return;
  }
  if (context.hasFrames) {
    warnings.push(
      unsupported(
        'inputReferences',
        `${context.vendor} cannot mix reference files with first/last frames; left out`,
      ),
    );
    return;
  }
  for (const image of refs.images) {
    content.push({
      type: 'image_url',
      image_url: { url: fileUrl(image) },
      role: 'reference_image',
    });
  }
  for (const video of refs.videos) {
    if (video.type !== 'url') {
      warnings.push(
        unsupported(
          'inputReferences',
          'reference videos must be URLs; an inline video was left out',
        ),
      );
      continue;
    }
    content.push({ type: 'video_url', video_url: { url: video.url }, role: 'reference_video' });
  }
}
