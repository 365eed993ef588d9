/** A project's progress as server-sent events (the supervisor fans every event out). */
import type { ServerContext } from '../context.ts';
import { type Resource, resource } from '../resource.ts';
import { EventsQuery, ProjectIdParams } from '../schemas.ts';

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
        'Events: hello {seq}; job, retry, fallback, spend, run (the engine’s); prepared, assembling, assembled, ended; picked; changed; review (a verdict or a comment). Each has an id. The page reads the project (its `seq` is the last event it includes) and then follows the stream from there: `?since=<seq>` (or, reconnecting, Last-Event-ID) sends what came after; `reset` means the events were lost (or numbered by an earlier server): read the project again.',
      params: ProjectIdParams,
      query: EventsQuery,
      responses: { 200: { description: 'the event stream', content: 'text/event-stream' } },
    },
    (c, { params, query }) => {
      const project = projectOf(params.id);
      const header = c.req.header('last-event-id');
      const last = header === undefined ? Number.NaN : Number(header);
      const since = Number.isInteger(last) && last >= 0 ? last : query.since;
      const stream = supervisor.stream(project, since);
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
