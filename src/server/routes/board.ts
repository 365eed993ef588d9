/** The web board: the built single-page app for every path that is not the API. */
import { Hono } from 'hono';
import type { ServerContext } from '../context.ts';
import { BOARD_CSP, serveBoard } from '../files.ts';

const NOT_BUILT =
  '<!doctype html><meta charset="utf-8"><title>shotrouter</title><p>The web board is not built: run <code>npm run build:web</code>. The API is at <a href="/openapi.json">/openapi.json</a>.</p>';

export function boardRoutes({ webDir }: Pick<ServerContext, 'webDir'>): Hono {
  const app = new Hono();
  app.get('*', async (c) => {
    const board = webDir ? await serveBoard(c.req.raw, webDir) : undefined;
    if (board) return board;
    return c.html(NOT_BUILT, 200, { 'content-security-policy': BOARD_CSP });
  });
  return app;
}
