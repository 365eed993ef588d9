/** A new project's multipart upload: the storyboard and its images, checked against limits. */
import { sniffImage } from '../lib/files.ts';
import { ApiError } from './errors.ts';

export interface UploadLimits {
  /** bytes of the storyboard file (default 1 MiB) */
  storyboardBytes: number;
  /** bytes of one reference image (default 20 MiB) */
  fileBytes: number;
  /** reference images in one upload (default 100) */
  files: number;
  /** bytes of the whole request (default 200 MiB) */
  requestBytes: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  storyboardBytes: 1024 * 1024,
  fileBytes: 20 * 1024 * 1024,
  files: 100,
  requestBytes: 200 * 1024 * 1024,
};

export interface Upload {
  storyboard: { name: string; data: Uint8Array };
  files: Array<{ name: string; data: Uint8Array }>;
}

/** The storyboard and images of a multipart upload, checked against the limits. */
export async function readUpload(form: FormData, limits: UploadLimits): Promise<Upload> {
  const storyboard = form.get('storyboard');
  if (storyboard === null) throw new ApiError('bad_request', "the 'storyboard' part is missing");
  const storyboardData =
    typeof storyboard === 'string'
      ? new TextEncoder().encode(storyboard)
      : new Uint8Array(await storyboard.arrayBuffer());
  if (storyboardData.byteLength > limits.storyboardBytes) {
    throw new ApiError(
      'payload_too_large',
      `the storyboard may be at most ${mib(limits.storyboardBytes)}`,
    );
  }
  const parts = form.getAll('files');
  if (parts.length > limits.files) {
    throw new ApiError('payload_too_large', `at most ${limits.files} images per storyboard`);
  }
  const files: Array<{ name: string; data: Uint8Array }> = [];
  for (const part of parts) {
    if (typeof part === 'string')
      throw new ApiError('bad_request', "each 'files' part must be a file");
    const shown = JSON.stringify(part.name.slice(0, 200));
    if (part.size > limits.fileBytes) {
      throw new ApiError('payload_too_large', `${shown} is larger than ${mib(limits.fileBytes)}`);
    }
    const data = new Uint8Array(await part.arrayBuffer());
    if (!sniffImage(data)) {
      throw new ApiError(
        'unsupported_media_type',
        `${shown} is not a PNG, JPEG, WebP or GIF image`,
      );
    }
    files.push({ name: part.name, data });
  }
  return {
    storyboard: {
      name: typeof storyboard === 'string' ? 'storyboard.yaml' : safeName(storyboard.name),
      data: storyboardData,
    },
    files,
  };
}

/** A client's file name as shown back in problems: its last part, printable. */
function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^\w.\- ]/g, '_').slice(0, 100);
  return clean || 'storyboard.yaml';
}

/** A size limit as people read it. */
export function mib(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${Math.round(bytes / 1024 / 1024)} MiB`
    : `${Math.round(bytes / 1024)} KiB`;
}
