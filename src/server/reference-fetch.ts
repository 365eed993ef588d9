/**
 * Reference images given as URLs in an uploaded storyboard: fetched by the server through the
 * outbound guard (public http(s) addresses only, capped in size and time).
 */
import { type GuardedFetchOptions, guardedFetcher } from '../util/guarded-fetch.ts';

export type {
  FetchedResponse,
  ResolvedAddress,
} from '../util/guarded-fetch.ts';
export { isPublicAddress } from '../util/guarded-fetch.ts';

export type ReferenceFetchOptions = Omit<GuardedFetchOptions, 'accept'>;

/** A fetcher for `NewProject.fetchReference`: the URL's bytes, or an error saying why not. */
export function referenceFetcher(
  options: ReferenceFetchOptions = {},
): (url: string) => Promise<Uint8Array> {
  return guardedFetcher({ ...options, accept: 'image/*' });
}
