/**
 * A new project's multipart upload: the storyboard, its images and its sound files, checked
 * against limits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isSoundFileName } from '../lib/projects.ts';
import { type AcceptedImageType, checkImageFile } from '../util/image-check.ts';
import { ApiError } from './errors.ts';
import { boundaryOf, type PartInfo, type PartSink, readMultipart } from './multipart.ts';

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
  /** each image in a file of the upload's folder, decoded already */
  files: Array<{
    name: string;
    path: string;
    checked?: { type: AcceptedImageType; mediaType: string };
  }>;
}

/**
 * Reads a multipart upload as it arrives: the storyboard into memory (it is small), each image
 * straight into a file in `dir`, checked as an image when it ends. A part over its limit is
 * refused as soon as it passes the limit, whatever is still to come; memory holds a chunk or
 * two at a time, whatever the size of the body.
 */
export async function readUpload(
  body: ReadableStream<Uint8Array> | null,
  contentType: string,
  limits: UploadLimits,
  dir: string,
): Promise<Upload> {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new ApiError('unsupported_media_type', 'send multipart/form-data');
  if (!body) throw new ApiError('bad_request', "the 'storyboard' part is missing");
  let storyboard: Upload['storyboard'] | undefined;
  const files: Upload['files'] = [];
  const closers: Array<() => void> = [];
  try {
    await readMultipart(countBytes(body, limits.requestBytes), boundary, (part) => {
      if (part.name === 'storyboard') {
        if (storyboard) throw new ApiError('bad_request', "send one 'storyboard' part");
        return storyboardSink(part, limits, (value) => {
          storyboard = value;
        });
      }
      if (part.name === 'files') {
        if (part.filename === undefined) {
          throw new ApiError('bad_request', "each 'files' part must be a file");
        }
        if (files.length >= limits.files) {
          throw new ApiError('payload_too_large', `at most ${limits.files} images per storyboard`);
        }
        const file = path.join(dir, `${files.length}.upload`);
        const entry: Upload['files'][number] = { name: part.filename, path: file };
        files.push(entry);
        // a sound file (music, a soundtrack) is kept as sent: ffprobe checks it before a run
        const sink = imageSink(
          part.filename,
          file,
          limits,
          (image) => {
            entry.checked = image;
          },
          isSoundFileName(part.filename),
        );
        closers.push(sink.close);
        return sink;
      }
      // an unknown field is read past, not kept
      return { write() {}, end() {} };
    });
  } finally {
    for (const close of closers) close();
  }
  if (!storyboard) throw new ApiError('bad_request', "the 'storyboard' part is missing");
  return { storyboard, files };
}

/** The body, refused once more than `limit` bytes have come (a body sent without a length). */
function countBytes(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  let bytes = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > limit) {
          throw new ApiError('payload_too_large', `an upload may be at most ${mib(limit)} in all`, {
            details: { limit_bytes: limit },
          });
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

function storyboardSink(
  part: PartInfo,
  limits: UploadLimits,
  done: (storyboard: Upload['storyboard']) => void,
): PartSink {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  return {
    write(chunk) {
      bytes += chunk.byteLength;
      if (bytes > limits.storyboardBytes) {
        throw new ApiError(
          'payload_too_large',
          `the storyboard may be at most ${mib(limits.storyboardBytes)}`,
          { details: { limit_bytes: limits.storyboardBytes } },
        );
      }
      chunks.push(Buffer.from(chunk));
    },
    end() {
      done({
        name: part.filename === undefined ? 'storyboard.yaml' : safeName(part.filename),
        data: Buffer.concat(chunks),
      });
    },
  };
}

/** Writes one image part to `file`, refusing it once it passes the limit, checking it at its end. */
function imageSink(
  name: string,
  file: string,
  limits: UploadLimits,
  checked: (image: { type: AcceptedImageType; mediaType: string }) => void,
  sound = false,
): PartSink & { close(): void } {
  const shown = JSON.stringify(name.slice(0, 200));
  const handle = fs.openSync(file, 'wx');
  let bytes = 0;
  let open = true;
  const close = () => {
    if (open) fs.closeSync(handle);
    open = false;
  };
  return {
    close,
    write(chunk) {
      bytes += chunk.byteLength;
      if (bytes > limits.fileBytes) {
        close();
        throw new ApiError(
          'payload_too_large',
          `${shown} is larger than ${mib(limits.fileBytes)}`,
          { details: { file: name.slice(0, 200), limit_bytes: limits.fileBytes } },
        );
      }
      fs.writeSync(handle, chunk);
    },
    async end() {
      close();
      if (sound) return;
      const verdict = await checkImageFile(file);
      if (!verdict.ok) {
        throw new ApiError('unsupported_media_type', `${shown} ${verdict.reason}`, {
          details: {
            file: name.slice(0, 200),
            accepted: 'PNG, JPEG or WebP images; m4a, mp3, wav, flac, ogg sound files',
          },
        });
      }
      checked({ type: verdict.type, mediaType: verdict.mediaType });
    },
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
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / 1024 / 1024)} MiB`;
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} bytes`;
}
