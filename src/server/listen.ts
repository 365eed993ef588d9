/** The API and board on a real port (`shotrouter serve`, the end-to-end tests, bench:serve). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import { createServer, type ServerOptions, type ShotrouterServer } from './app.ts';
import { ApiError, errorResponse } from './errors.ts';

export interface Listening {
  /** e.g. `http://127.0.0.1:4400/` */
  url: string;
  server: ShotrouterServer;
  /** stops runs (resumable), ends event streams, closes the port */
  close(): Promise<void>;
}

export async function listen(
  options: ServerOptions & { host?: string; port?: number },
): Promise<Listening> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer(options);
  const listener = getRequestListener(server.fetch, {
    // a request Node cannot turn into a URL (a malformed Host, a backslash in the path)
    errorHandler: (error) => unreadable(error),
  });
  const httpServer = http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    server,
    async close() {
      await server.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        // event streams and keep-alive connections would hold the port open
        httpServer.closeAllConnections();
      });
    },
  };
}

/**
 * The JSON error for a request Node could not hand to the app: a Host or path that is not a
 * URL (never echoed back), or an unexpected failure (the app answers every other error itself).
 */
function unreadable(error: unknown): Response {
  const what =
    error instanceof RequestError && /host/i.test(error.message)
      ? 'the Host header'
      : 'the request line';
  const { status, body } = errorResponse(
    error instanceof RequestError
      ? new ApiError('bad_request', `${what} is malformed: address the server by its name and port`)
      : error,
  );
  return Response.json(body, {
    status,
    headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  });
}
