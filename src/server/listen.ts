/** The API and board on a real port (`shotrouter serve`, the end-to-end tests, bench:serve). */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createServer, type ServerOptions, type ShotrouterServer } from './app.ts';

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
  const http = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: server.fetch, hostname: host, port: options.port ?? 0 }, () =>
      resolve(started),
    );
    started.once('error', reject);
  });
  const { port } = http.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    server,
    async close() {
      await server.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        // event streams and keep-alive connections would hold the port open
        (http as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
