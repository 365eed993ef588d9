/** A project's progress as server-sent events (the supervisor fans every event out). */
import type { ServerContext } from '../context.ts';
import { type Resource, resource } from '../resource.ts';
import { ProjectIdParams } from '../schemas.ts';

export function eventRoutes({
  projectOf,
  supervisor,
}: Pick<ServerContext, 'projectOf' | 'supervisor'>): Resource {
  const { app, routes } = resource();

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/events',
      tag: 'runs',
      summary: 'Progress as server-sent events',
      description:
        'Events: hello {seq}; job, retry, fallback, spend, run (the engine’s); prepared, assembling, assembled, ended; picked; changed. Each has an id: reconnect with Last-Event-ID to get what was missed (or reset: read the project again).',
      params: ProjectIdParams,
      responses: { 200: { description: 'the event stream', content: 'text/event-stream' } },
    },
    (c, { params }) => {
      const project = projectOf(params.id);
      const last = Number(c.req.header('last-event-id'));
      const stream = supervisor.stream(
        project,
        Number.isInteger(last) && last >= 0 ? last : undefined,
      );
      return new Response(stream, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
        },
      });
    },
  );

  return { app, routes };
}
