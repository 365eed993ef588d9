/** The server itself: is it up, and trading the token for a session cookie. */
import type { ServerContext } from '../context.ts';
import { VERSION } from '../context.ts';
import { type Resource, resource } from '../resource.ts';
import { HealthSchema, IdentitySchema } from '../schemas.ts';
import { identityOf } from '../security.ts';

export function serverRoutes({ access }: Pick<ServerContext, 'access'>): Resource {
  const { app, routes } = resource();

  routes.add(
    {
      method: 'get',
      path: '/api/health',
      tag: 'server',
      summary: 'Is the server up; does it need a token',
      responses: { 200: { description: 'up', schema: HealthSchema } },
    },
    async (c) => c.json({ ok: true as const, version: VERSION, auth: await access.needsToken() }),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/session',
      tag: 'server',
      summary: 'Trade the bearer token for a read-only session cookie (for media elements)',
      responses: { 204: { description: 'the cookie is set (nothing to do without a token)' } },
    },
    async (c) => {
      await access.openSession(c);
      return c.body(null, 204);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/me',
      tag: 'server',
      summary: 'Who is asking and their role (the board hides what the role does not allow)',
      responses: { 200: { description: 'the identity', schema: IdentitySchema } },
    },
    (c) => c.json(identityOf(c)),
  );

  return { app, routes };
}
