/**
 * The adapters' HTTP client against a small node:http server on loopback that misbehaves on
 * demand: every HTTP failure, network failure, timeout and abort becomes its typed error, and no
 * credential ever shows in an error.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { z } from 'zod';
import { ShotrouterError } from '../../src/errors.ts';
import {
  createHttpClient,
  type HttpClientConfig,
  type HttpFailure,
  httpStatusOf,
  joinUrl,
  parseProviderOptions,
  parseShape,
  providerMessage,
  readInputFile,
  redactText,
} from '../../src/providers/http.ts';
import { expectCode } from './adapter-harness.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const dir = mkdtempSync(join(tmpdir(), 'shotrouter-http-test-'));
const servers: Array<{ close(): void; closeAllConnections(): void }> = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A loopback server answering with `handler`; returns its URL and what it received. */
async function serve(handler: Handler) {
  const seen: Array<{
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: string;
  }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const KEY = 'sk-very-secret-key-0042';

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function client(url: string, extra: Partial<HttpClientConfig> = {}) {
  return createHttpClient({
    provider: 'acme',
    baseUrl: `${url}/acme/`,
    headers: { authorization: `Bearer ${KEY}`, 'x-extra': 'yes' },
    apiKeyEnv: 'ACME_API_KEY',
    ...extra,
  });
}

/** Every way an error could show: message, stack, JSON, inspect with causes. */
function everything(error: unknown): string {
  return `${String(error)} ${(error as Error).stack} ${JSON.stringify(error)} ${inspect(error, { depth: 10 })}`;
}

describe('http client', () => {
  test('joins base paths, queries and absolute URLs', () => {
    assert.equal(joinUrl('http://h/openai/', '/v1/videos'), 'http://h/openai/v1/videos');
    assert.equal(
      joinUrl('http://h/openai', 'v1/videos', { limit: 5, after: undefined }),
      'http://h/openai/v1/videos?limit=5',
    );
    assert.equal(joinUrl('http://h/x', 'https://cdn.example/a.mp4'), 'https://cdn.example/a.mp4');
  });

  test('sends JSON with the headers and parses the reply', async () => {
    const { url, seen } = await serve((_req, res, body) =>
      json(res, 200, { echo: JSON.parse(body) }, { 'x-id': '7' }),
    );
    const reply = await client(url).post<{ echo: unknown }>(
      '/v1/things',
      { a: 1 },
      { query: { q: 'x y' } },
    );
    assert.deepEqual(reply.body, { echo: { a: 1 } });
    assert.equal(reply.headers['x-id'], '7');
    assert.equal(seen[0]!.url, '/acme/v1/things?q=x+y');
    assert.equal(seen[0]!.headers.authorization, `Bearer ${KEY}`);
    assert.equal(seen[0]!.headers['content-type'], 'application/json');
  });

  test('header functions run per request (tokens minted per call)', async () => {
    const { url, seen } = await serve((_req, res) => json(res, 200, {}));
    let n = 0;
    const minting = createHttpClient({
      provider: 'acme',
      baseUrl: url,
      headers: () => ({ authorization: `Bearer t${++n}` }),
    });
    await minting.get('/a');
    await minting.get('/b');
    assert.deepEqual(
      seen.map((s) => s.headers.authorization),
      ['Bearer t1', 'Bearer t2'],
    );
  });

  test('credentials go only to the base URL’s origin', async () => {
    const other = await serve((_req, res) => json(res, 200, {}));
    const { url } = await serve((_req, res) => json(res, 200, {}));
    await client(url).get(`${other.url}/elsewhere`);
    await client(url)
      .downloadBytes(`${other.url}/file`)
      .catch(() => {});
    for (const request of other.seen) assert.equal(request.headers.authorization, undefined);
  });

  test('redirects are followed; credentials are dropped when a redirect leaves the origin', async () => {
    const cdn = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end('mp4-bytes');
    });
    const { url, seen } = await serve((req, res) => {
      if (req.url?.endsWith('/here')) {
        res.writeHead(302, { location: '/acme/there' });
        return res.end();
      }
      if (req.url?.endsWith('/there')) {
        res.writeHead(307, { location: `${cdn.url}/file.mp4` });
        return res.end();
      }
      json(res, 404, {});
    });
    const c = createHttpClient({
      provider: 'acme',
      baseUrl: `${url}/acme`,
      headers: { authorization: `Bearer ${KEY}`, 'x-goog-api-key': 'AIzaKey' },
    });
    const got = await c.downloadBytes('/here');
    assert.equal(Buffer.from(got.data).toString(), 'mp4-bytes');
    assert.equal(seen[1]!.headers['x-goog-api-key'], 'AIzaKey', 'kept on the same origin');
    assert.equal(cdn.seen[0]!.headers['x-goog-api-key'], undefined);
    assert.equal(cdn.seen[0]!.headers.authorization, undefined);
  });

  test('429 carries Retry-After in seconds, as an HTTP date, or in ms', async () => {
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    let header: Record<string, string> = { 'retry-after': '12' };
    const { url } = await serve((_req, res) =>
      json(res, 429, { error: { message: 'slow down' } }, header),
    );
    const c = client(url, { now: () => now });
    assert.equal((await expectCode(() => c.get('/x'), 'rate_limited')).retryAfterSeconds, 12);
    header = { 'retry-after': new Date(now + 30_000).toUTCString() };
    assert.equal((await expectCode(() => c.get('/x'), 'rate_limited')).retryAfterSeconds, 30);
    header = { 'retry-after-ms': '1500' };
    assert.equal((await expectCode(() => c.get('/x'), 'rate_limited')).retryAfterSeconds, 1.5);
  });

  test('statuses map to codes; 4xx keep the provider’s own words', async () => {
    let status = 500;
    let body: unknown = { error: { message: 'boom' } };
    const { url } = await serve((_req, res) => json(res, status, body));
    const c = client(url);
    const cases: Array<[number, unknown, string]> = [
      [500, { error: 'x' }, 'server_error'],
      [503, 'overloaded', 'server_error'],
      [504, {}, 'timeout'],
      [408, {}, 'timeout'],
      [401, { error: { message: 'bad key' } }, 'authentication'],
      [403, {}, 'authentication'],
      [402, {}, 'out_of_credit'],
      [
        422,
        { detail: [{ loc: ['body', 'seconds'], msg: 'seconds must be 4, 8 or 12' }] },
        'invalid_request',
      ],
      [400, { message: 'prompt is required' }, 'invalid_request'],
    ];
    for (const [s, b, code] of cases) {
      status = s;
      body = b;
      const error = await expectCode(() => c.get('/x'), code);
      assert.equal(httpStatusOf(error), s);
      if (code === 'authentication') assert.match(error.message, /ACME_API_KEY/);
    }
    status = 422;
    body = { detail: [{ msg: 'seconds must be 4, 8 or 12' }] };
    assert.match(
      (await expectCode(() => c.get('/x'), 'invalid_request')).message,
      /seconds must be 4, 8 or 12 \(HTTP 422\)/,
    );
    status = 400;
    body = { error: { message: 'size must match the image' } };
    const invalid = await expectCode(() => c.get('/x'), 'invalid_request');
    assert.match(invalid.message, /size must match the image/);
    assert.equal(invalid.retryable, false);
  });

  test('the provider hook sees the parsed failure first; undefined falls back to the default', async () => {
    let code = 1301;
    const { url } = await serve((_req, res) =>
      json(res, 400, { code, message: 'content security' }),
    );
    const failures: HttpFailure[] = [];
    const c = client(url, {
      mapError: (failure) => {
        failures.push(failure);
        const bodyCode = (failure.body as { code: number }).code;
        return bodyCode === 1301
          ? new ShotrouterError('content_refused', `acme refused: ${failure.message}`)
          : undefined;
      },
    });
    await expectCode(() => c.get('/x'), 'content_refused');
    assert.equal(failures[0]!.status, 400);
    assert.equal(failures[0]!.message, 'content security');
    assert.equal(failures[0]!.kind, 'api');
    code = 1200;
    await expectCode(() => c.get('/x'), 'invalid_request');
  });

  test('a 2xx body that is not JSON is malformed_response, never a crash', async () => {
    let text = '{"id": "abc", "sta';
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text);
    });
    assert.equal(
      (await expectCode(() => client(url).get('/x'), 'malformed_response')).retryable,
      true,
    );
    text = '';
    await expectCode(() => client(url).get('/x'), 'malformed_response');
    text = '<html>502 Bad Gateway</html>';
    await expectCode(() => client(url).get('/x'), 'malformed_response');
  });

  test('shapes are checked with zod: wrong shapes are malformed_response, bad options invalid_request', () => {
    const schema = z.object({ id: z.string(), status: z.enum(['queued', 'done']) });
    assert.deepEqual(parseShape('acme', schema, { id: 'a', status: 'done' }, 'task'), {
      id: 'a',
      status: 'done',
    });
    const error = (() => {
      try {
        parseShape('acme', schema, { id: 'a', status: 'weird' }, 'task');
      } catch (e) {
        return e as ShotrouterError;
      }
    })();
    assert.equal(error?.code, 'malformed_response');
    assert.match(error?.message ?? '', /task at status/);
    assert.throws(
      () =>
        parseProviderOptions(
          'acme',
          z.object({ mode: z.enum(['std']) }).strict(),
          { mode: 'x' },
          'acme',
        ),
      (e: ShotrouterError) =>
        e.code === 'invalid_request' && /providerOptions\.acme\.mode/.test(e.message),
    );
  });

  test('no connection at all is a retryable server_error: nothing was sent', async () => {
    const { url } = await serve(() => {});
    const closed = servers.pop()!;
    closed.closeAllConnections();
    closed.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const error = await expectCode(() => client(url).get('/x'), 'server_error');
    assert.match(error.message, /could not connect \(ECONNREFUSED\)/);
    assert.equal(error.retryable, true);
  });

  test('a connection reset after the request went out is connection_dropped', async () => {
    const { url } = await serve((req) => req.socket.destroy());
    const error = await expectCode(
      () => client(url).post('/v1/create', { a: 1 }),
      'connection_dropped',
    );
    assert.match(error.message, /outcome unknown/);
  });

  test('a body cut off mid-way is connection_dropped', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"id": "abc",');
      setTimeout(() => res.socket?.destroy(), 5);
    });
    await expectCode(() => client(url).get('/x'), 'connection_dropped');
  });

  test('our timeout ends a silent request as timeout; the caller’s abort as aborted', async () => {
    const { url } = await serve(() => {});
    await expectCode(() => client(url, { timeoutMs: 50 }).get('/x'), 'timeout');
    await expectCode(() => client(url).get('/x', { timeoutMs: 30 }), 'timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expectCode(() => client(url).get('/x', { signal: controller.signal }), 'aborted');
    const reason = new ShotrouterError('aborted', 'run stopped by the user');
    const stopped = await expectCode(
      () => client(url).get('/x', { signal: AbortSignal.abort(reason) }),
      'aborted',
    );
    assert.equal(stopped, reason);
  });

  test('downloads stream to a file; expiry, server errors, size limits and breaks are typed', async () => {
    const payload = Buffer.alloc(64 * 1024, 7);
    let mode = 'ok';
    const { url } = await serve((_req, res) => {
      if (mode === 'expired') return json(res, 403, { error: 'Request has expired' });
      if (mode === 'error') return json(res, 502, {});
      if (mode === 'cut') {
        res.writeHead(200, {
          'content-type': 'video/mp4',
          'content-length': String(payload.length),
        });
        res.write(payload.subarray(0, 1000));
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      }
      res.writeHead(200, { 'content-type': 'video/mp4; codecs=avc1' });
      res.end(payload);
    });
    const c = client(url);
    const file = join(dir, 'clip.mp4');
    assert.deepEqual(await c.downloadToFile('/files/clip.mp4', file), {
      bytes: payload.length,
      mediaType: 'video/mp4',
    });
    assert.deepEqual(readFileSync(file), payload);
    mode = 'expired';
    await expectCode(
      () => c.downloadToFile('/files/clip.mp4', join(dir, 'gone.mp4')),
      'expired_url',
    );
    await expectCode(
      () => c.downloadBytes('/files/clip.mp4', { expiredStatuses: [] }),
      'authentication',
    );
    mode = 'error';
    await expectCode(() => c.downloadBytes('/files/clip.mp4'), 'server_error');
    mode = 'ok';
    const big = join(dir, 'big.mp4');
    await expectCode(
      () => c.downloadToFile('/files/clip.mp4', big, { maxBytes: 1000 }),
      'malformed_response',
    );
    assert.equal(existsSync(big), false, 'the partial file is removed');
    mode = 'cut';
    const cut = join(dir, 'cut.mp4');
    await expectCode(() => c.downloadToFile('/files/clip.mp4', cut), 'connection_dropped');
    assert.equal(existsSync(cut), false);
    mode = 'ok';
    const bytes = await c.downloadBytes('/files/clip.mp4');
    assert.equal(bytes.data.length, payload.length);
  });

  test('REDACTION: no key, token or signature shows in any error', async () => {
    // a server that echoes the credentials back in its error bodies
    const { url } = await serve((req, res) =>
      json(res, 400, {
        error: {
          message: `bad request with ${req.headers.authorization} and ${req.headers['x-goog-api-key']} at ${req.url}`,
        },
      }),
    );
    const c = createHttpClient({
      provider: 'acme',
      baseUrl: url,
      headers: { authorization: `Bearer ${KEY}`, 'x-goog-api-key': 'AIzaSecretGoogleKey' },
      secrets: ['another-secret-value'],
      mapError: (failure) =>
        new ShotrouterError('invalid_request', `acme: ${failure.text} another-secret-value`),
    });
    const error = await expectCode(
      () => c.get('/x?key=query-secret-123&sig=abcdef0123'),
      'invalid_request',
    );
    const shown = everything(error);
    for (const secret of [
      KEY,
      'AIzaSecretGoogleKey',
      'another-secret-value',
      'query-secret-123',
      'abcdef0123',
    ]) {
      assert.ok(!shown.includes(secret), `${secret} leaked: ${shown}`);
    }
    assert.match(error.message, /\*\*\*/);
    // network failures carry a sanitized cause, not the raw fetch error with its request
    const dropping = await serve((req) => req.socket.destroy());
    const dropped = await expectCode(
      () =>
        createHttpClient({
          provider: 'acme',
          baseUrl: dropping.url,
          headers: { authorization: `Bearer ${KEY}` },
        }).get('/x'),
      'connection_dropped',
    );
    assert.ok(!everything(dropped).includes(KEY));
  });

  test('redactText and providerMessage', () => {
    assert.equal(
      redactText('a sk-123456 b sk-1234567', ['sk-123456', 'sk-1234567']),
      'a *** b ***',
    );
    assert.equal(
      redactText('https://h/x?alt=media&key=AIza1&exp=5', []),
      'https://h/x?alt=media&key=***&exp=5',
    );
    assert.equal(providerMessage({ error: { message: 'm1' } }), 'm1');
    assert.equal(providerMessage({ error: 'm2', issues: [] }), 'm2');
    assert.equal(providerMessage({ detail: 'm3' }), 'm3');
    assert.equal(providerMessage({ code: 1, message: 'm4' }), 'm4');
    assert.equal(providerMessage({ nothing: true }), undefined);
  });

  test('input files: inline bytes, base64, data URLs, and http URLs fetched without credentials', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const inline = await readInputFile(
      { type: 'file', mediaType: 'image/png', data: png },
      { provider: 'acme' },
    );
    assert.deepEqual(Buffer.from(inline.data), png);
    const b64 = await readInputFile(
      { type: 'file', mediaType: 'image/png', data: png.toString('base64') },
      { provider: 'acme' },
    );
    assert.deepEqual(Buffer.from(b64.data), png);
    const data = await readInputFile(
      { type: 'url', url: `data:image/png;base64,${png.toString('base64')}` },
      { provider: 'acme' },
    );
    assert.equal(data.mediaType, 'image/png');
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.end(png);
    });
    const fetched = await readInputFile(
      { type: 'url', url: `${url}/ref.jpg` },
      { provider: 'acme' },
    );
    assert.equal(fetched.mediaType, 'image/jpeg');
    assert.equal(seen[0]!.headers.authorization, undefined);
    await expectCode(
      () => readInputFile({ type: 'url', url: 'ftp://x/y.png' }, { provider: 'acme' }),
      'invalid_request',
    );
  });
});
