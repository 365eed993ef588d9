/**
 * Outbound GETs for URLs a user or a file names (reference images, catalog bundles), without
 * letting them reach what only this machine can reach: only http(s), no credentials in the URL,
 * every address the host resolves to must be public (not loopback, private, link-local, shared,
 * reserved or multicast), the connection goes to the address that was checked (a second DNS
 * answer cannot swap it), each redirect is checked the same way, and the body is capped in size
 * and time. Tests inject the address check to reach a server on loopback.
 */
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Readable } from 'node:stream';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface FetchedResponse {
  status: number;
  location?: string;
  contentLength?: number;
  body: AsyncIterable<Uint8Array>;
}

export interface GuardedFetchOptions {
  /** default 20 MiB */
  maxBytes?: number;
  /** the Accept header (default any) */
  accept?: string;
  /** which addresses may be reached (default: public ones only, see isPublicAddress) */
  isAllowedAddress?: (address: string) => boolean;
  /** which ports a URL may name (default 80, 443, 8080, 8443 and none) */
  isAllowedPort?: (port: string) => boolean;
  /** default 15 s for the whole fetch, redirects included */
  timeoutMs?: number;
  /** default 3 */
  maxRedirects?: number;
  /** resolves a host name to every address it has (default: the system resolver) */
  lookup?: (hostname: string) => Promise<ResolvedAddress[]>;
  /** sends a GET to `url` over a connection to `address` (default: node:http/https) */
  request?: (url: URL, address: ResolvedAddress, signal: AbortSignal) => Promise<FetchedResponse>;
}

const SCHEMES = new Set(['http:', 'https:']);
const PORTS = new Set(['', '80', '443', '8080', '8443']);

/** A fetcher: the URL's bytes, or an error saying why not. */
export function guardedFetcher(
  options: GuardedFetchOptions = {},
): (url: string) => Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  const lookup = options.lookup ?? systemLookup;
  const request = options.request ?? nodeRequest(options.accept ?? '*/*');
  const maxRedirects = options.maxRedirects ?? 3;
  const policy: AddressPolicy = {
    address: options.isAllowedAddress ?? isPublicAddress,
    port: options.isAllowedPort ?? ((port) => PORTS.has(port)),
  };
  return async (text) => {
    const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000);
    let url = parseUrl(text, policy);
    for (let redirects = 0; ; redirects++) {
      const address = await checkedAddress(url, lookup, policy);
      const response = await request(url, address, signal);
      if (response.status >= 300 && response.status < 400 && response.location) {
        if (redirects >= maxRedirects) throw new Error(`more than ${maxRedirects} redirects`);
        await drain(response.body);
        url = parseUrl(new URL(response.location, url).href, policy);
        continue;
      }
      if (response.status !== 200) {
        await drain(response.body);
        throw new Error(`the server answered HTTP ${response.status}`);
      }
      if (response.contentLength !== undefined && response.contentLength > maxBytes) {
        await drain(response.body);
        throw new Error(`larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`);
      }
      return readCapped(response.body, maxBytes, response.contentLength);
    }
  };
}

interface AddressPolicy {
  address: (address: string) => boolean;
  port: (port: string) => boolean;
}

function parseUrl(text: string, policy: AddressPolicy): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('not a valid URL');
  }
  if (!SCHEMES.has(url.protocol)) throw new Error(`'${url.protocol}' URLs are not fetched`);
  if (url.username || url.password) throw new Error('URLs with credentials are not fetched');
  if (!policy.port(url.port))
    throw new Error(`port ${url.port} is not fetched (80, 443, 8080, 8443)`);
  return url;
}

/** The address to connect to: the URL's, after checking every address its host has. */
async function checkedAddress(
  url: URL,
  lookup: (hostname: string) => Promise<ResolvedAddress[]>,
  policy: AddressPolicy,
): Promise<ResolvedAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = net.isIP(host);
  const addresses: ResolvedAddress[] = literal
    ? [{ address: host, family: literal as 4 | 6 }]
    : await lookup(host).catch(() => {
        throw new Error(`cannot resolve ${host}`);
      });
  if (addresses.length === 0) throw new Error(`cannot resolve ${host}`);
  for (const a of addresses) {
    if (!policy.address(a.address)) {
      throw new Error(
        `${literal ? host : `${host} resolves to ${a.address}, which`} is a loopback, private or reserved address; only public addresses are fetched`,
      );
    }
  }
  return addresses[0]!;
}

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

/** True for a global unicast address; false for loopback, private, reserved and the like. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = embeddedIPv4(address);
  if (mapped !== undefined) return isPublicAddress(mapped);
  return !blocked.check(address, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped or -compatible IPv6 address (`::ffff:a.b.c.d`). */
function embeddedIPv4(address: string): string | undefined {
  const groups = expandIPv6(address.toLowerCase());
  if (!groups) return undefined;
  const zeros = groups.slice(0, 5).every((g) => g === 0);
  if (!zeros || (groups[5] !== 0xffff && groups[5] !== 0)) return undefined;
  if (groups[5] === 0 && groups[6] === 0) return undefined; // `::` and `::1`
  const [hi, lo] = [groups[6]!, groups[7]!];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function expandIPv6(address: string): number[] | undefined {
  let text = address.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const parts = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

async function systemLookup(hostname: string): Promise<ResolvedAddress[]> {
  const found = await dns.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

const nodeRequest =
  (accept: string) =>
  (url: URL, address: ResolvedAddress, signal: AbortSignal): Promise<FetchedResponse> => {
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(
        url,
        {
          method: 'GET',
          signal,
          headers: { 'user-agent': 'shotrouter', accept },
          // connect to the checked address, whatever a later DNS answer would say
          lookup: ((
            _host: string,
            opts: { all?: boolean },
            callback: (...args: unknown[]) => void,
          ) => {
            if (opts?.all) callback(null, [address]);
            else callback(null, address.address, address.family);
          }) as unknown as net.LookupFunction,
        },
        (res) => {
          const length = Number(res.headers['content-length']);
          resolve({
            status: res.statusCode ?? 0,
            ...(res.headers.location ? { location: res.headers.location } : {}),
            ...(Number.isFinite(length) ? { contentLength: length } : {}),
            body: res as Readable,
          });
        },
      );
      req.on('error', (error) => reject(new Error(`cannot fetch: ${error.message}`)));
      req.end();
    });
  };

/** The body, at most `maxBytes`; a body shorter than its Content-Length is a broken download. */
async function readCapped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  expected: number | undefined,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new Error(`larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`);
      chunks.push(chunk);
    }
  } catch (error) {
    if (size > maxBytes) throw error;
    throw new Error(`the download broke off after ${size} bytes (${(error as Error).message})`);
  }
  if (expected !== undefined && size !== expected) {
    throw new Error(`the download broke off: ${size} of ${expected} bytes arrived`);
  }
  return Buffer.concat(chunks);
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  const stream = body as Partial<Readable>;
  if (typeof stream.destroy === 'function') stream.destroy();
}
