/**
 * Media references as URLs. Timeline files hold URLs; our clips hold paths relative to the
 * timeline's folder (or URLs). A relative path is written as a relative URL reference, each
 * segment percent-encoded, and read back decoded, so `media/a b#1.mp4` survives.
 */
import { pathToFileURL } from 'node:url';

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

/** The URL to write for `file`; relative paths are resolved against `baseUrl` when given. */
export function mediaUrl(file: string, baseUrl?: string): string {
  if (WINDOWS_DRIVE.test(file) || file.startsWith('/')) return pathToFileURL(file).href;
  if (SCHEME.test(file)) return file;
  const relative = file.replaceAll('\\', '/').split('/').map(encodeURIComponent).join('/');
  return baseUrl === undefined ? relative : new URL(relative, withSlash(baseUrl)).href;
}

/** What a file's media reference means as one of our `file` values. */
export function mediaFileFromUrl(url: string): string {
  if (SCHEME.test(url) || WINDOWS_DRIVE.test(url)) return url;
  try {
    return url.split('/').map(decodeURIComponent).join('/');
  } catch {
    return url; // not percent-encoded after all
  }
}

/** The last path segment (decoded when `file` is a URL): a media reference's display name. */
export function mediaBaseName(file: string): string {
  const last = file.replaceAll('\\', '/').split('/').pop() ?? file;
  if (!SCHEME.test(file)) return last;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function withSlash(base: string): string {
  const url = base.startsWith('/') ? pathToFileURL(base).href : base;
  return url.endsWith('/') ? url : `${url}/`;
}
