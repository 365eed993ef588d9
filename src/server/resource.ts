/**
 * One resource's routes: a small Hono app of its own, documented route by route (openapi.ts),
 * joined to the server with `app.route()`; the OpenAPI document is the union of every
 * resource's.
 */
import { Hono } from 'hono';
import { ApiRoutes } from './openapi.ts';

export interface Resource {
  app: Hono;
  routes: ApiRoutes;
}

export function resource(): Resource {
  const app = new Hono();
  return { app, routes: new ApiRoutes(app) };
}

type Document = { paths: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/** The OpenAPI document of several resources: one document, every resource's paths. */
export function apiDocument(
  resources: readonly Resource[],
  info: { title: string; version: string; description: string },
): object {
  const documents = resources.map((r) => r.routes.document(info) as Document);
  const paths: Document['paths'] = {};
  for (const document of documents) {
    for (const [route, methods] of Object.entries(document.paths)) {
      paths[route] = { ...paths[route], ...methods };
    }
  }
  return { ...documents[0], paths };
}
