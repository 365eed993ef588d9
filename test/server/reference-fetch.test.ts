import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type FetchedResponse,
  isPublicAddress,
  type ResolvedAddress,
  referenceFetcher,
} from '../../src/server/reference-fetch.ts';
import { PNG } from '../lib/helpers.ts';

async function* chunks(...parts: Uint8Array[]) {
  yield* parts;
}

/** A fake network: DNS answers from a table, requests answered by `respond` (never sent). */
function fakeNet(
  dns: Record<string, string[]>,
  respond: (url: URL, address: ResolvedAddress) => FetchedResponse,
) {
  const connections: Array<{ url: string; address: string }> = [];
  const fetcher = referenceFetcher({
    maxBytes: 1024,
    lookup: async (host) => {
      const found = dns[host];
      if (!found) throw new Error('ENOTFOUND');
      return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    request: async (url, address) => {
      connections.push({ url: url.href, address: address.address });
      return respond(url, address);
    },
  });
  return { fetcher, connections };
}

const image = (): FetchedResponse => ({ status: 200, body: chunks(PNG) });

describe('reference URLs', () => {
  test('only global unicast addresses are public', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(isPublicAddress(address), true, address);
    }
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '198.18.0.1',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::7f00:1',
      '2001:db8::1',
      'not an address',
    ]) {
      assert.equal(isPublicAddress(address), false, address);
    }
  });

  test('a URL that points at loopback or a private network is refused before any connection', async () => {
    const { fetcher, connections } = fakeNet(
      { 'evil.example': ['93.184.216.34', '127.0.0.1'], 'inside.example': ['10.0.0.5'] },
      image,
    );
    const refusals: Array<[string, RegExp]> = [
      ['http://127.0.0.1/a.png', /127\.0\.0\.1 is a loopback, private or reserved address/],
      ['http://[::1]/a.png', /::1 is a loopback/],
      ['http://[::ffff:127.0.0.1]/a.png', /loopback, private or reserved/],
      ['http://2130706433/a.png', /127\.0\.0\.1 is a loopback/],
      ['http://0x7f.1/a.png', /127\.0\.0\.1 is a loopback/],
      ['https://evil.example/a.png', /evil\.example resolves to 127\.0\.0\.1/],
      ['https://inside.example/a.png', /resolves to 10\.0\.0\.5/],
      ['file:///etc/passwd', /'file:' URLs are not fetched/],
      ['ftp://images.example/a.png', /'ftp:' URLs are not fetched/],
      ['https://user:secret@images.example/a.png', /credentials/],
      ['https://images.example:6379/a.png', /port 6379 is not fetched/],
      ['https://nowhere.example/a.png', /cannot resolve nowhere\.example/],
      ['not a url', /not a valid URL/],
    ];
    for (const [url, message] of refusals) {
      await assert.rejects(fetcher(url), message, url);
    }
    assert.deepEqual(connections, [], 'nothing was sent anywhere');
  });

  test('a public image is fetched from the address that was checked', async () => {
    const { fetcher, connections } = fakeNet({ 'images.example': ['93.184.216.34'] }, image);
    const data = await fetcher('https://images.example/a.png');
    assert.deepEqual(Buffer.from(data), PNG);
    assert.deepEqual(connections, [
      { url: 'https://images.example/a.png', address: '93.184.216.34' },
    ]);
  });

  test('each redirect is checked again; too many, errors and oversized bodies are refused', async () => {
    const { fetcher, connections } = fakeNet(
      { 'images.example': ['93.184.216.34'], 'cdn.example': ['93.184.216.35'] },
      (url) => {
        if (url.pathname === '/to-loopback')
          return { status: 302, location: 'http://127.0.0.1/x', body: chunks() };
        if (url.pathname === '/to-cdn')
          return { status: 301, location: 'https://cdn.example/a.png', body: chunks() };
        if (url.pathname === '/loop') return { status: 302, location: '/loop', body: chunks() };
        if (url.pathname === '/missing') return { status: 404, body: chunks() };
        if (url.pathname === '/big') return { status: 200, contentLength: 4096, body: chunks() };
        if (url.pathname === '/stream')
          return { status: 200, body: chunks(new Uint8Array(700), new Uint8Array(700)) };
        return image();
      },
    );
    assert.deepEqual(Buffer.from(await fetcher('https://images.example/to-cdn')), PNG);
    assert.equal(connections.at(-1)?.address, '93.184.216.35');
    await assert.rejects(
      fetcher('https://images.example/to-loopback'),
      /127\.0\.0\.1 is a loopback/,
    );
    await assert.rejects(fetcher('https://images.example/loop'), /more than 3 redirects/);
    await assert.rejects(fetcher('https://images.example/missing'), /HTTP 404/);
    await assert.rejects(fetcher('https://images.example/big'), /larger than/);
    await assert.rejects(fetcher('https://images.example/stream'), /larger than/);
  });
});
