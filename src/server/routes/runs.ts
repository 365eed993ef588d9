/** Runs: start one, stop it, and where the newest stands (the work itself is the supervisor's). */
import type { ServerContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { type Resource, resource } from '../resource.ts';
import { ProjectIdParams, StartedRunSchema, StartRunSchema, StatusSchema } from '../schemas.ts';
import { identityOf, requireRole } from '../security.ts';

export function runRoutes({
  projectOf,
  supervisor,
  views,
}: Pick<ServerContext, 'projectOf' | 'supervisor' | 'views'>): Resource {
  const { app, routes } = resource();

  routes.add(
    {
      method: 'post',
      path: '/api/projects/{id}/runs',
      tag: 'runs',
      summary: 'Start a run (preview, or real with the estimate confirmed); follow it on /events',
      description:
        'A real run that may spend is refused (409 confirmation_required, with the estimate) unless confirm_usd is at least the estimate. One run at a time per project.',
      params: ProjectIdParams,
      body: StartRunSchema,
      responses: { 202: { description: 'started', schema: StartedRunSchema } },
    },
    async (c, { params, body }) => {
      if (!body.preview) requireRole(c, 'producer', 'start a run that spends');
      const project = projectOf(params.id);
      const started = await supervisor.start(project, {
        preview: body.preview,
        confirmUsd: body.confirm_usd,
      });
      project.recordActivity({
        by: identityOf(c).name,
        what: 'run_started',
        preview: body.preview,
        ...(body.preview ? {} : { confirmed_usd: body.confirm_usd ?? 0 }),
      });
      return c.json(started, 202);
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/projects/{id}/runs/current',
      tag: 'runs',
      summary: 'Stop the run in progress (what is done is kept; starting again resumes)',
      params: ProjectIdParams,
      responses: { 202: { description: 'stopping', schema: StartedRunSchema.shape.run } },
    },
    (c, { params }) => {
      const project = projectOf(params.id);
      const stopping = supervisor.stop(project);
      project.recordActivity({ by: identityOf(c).name, what: 'run_stopped' });
      return c.json(stopping, 202);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/status',
      tag: 'runs',
      summary: 'Where the newest run stands (as `shotrouter status --json`)',
      params: ProjectIdParams,
      responses: { 200: { description: 'the status', schema: StatusSchema } },
    },
    async (c, { params }) => {
      const status = await views.status(projectOf(params.id));
      if (!status) throw new ApiError('not_found', 'this project has not run yet');
      return c.json(status);
    },
  );

  return { app, routes };
}
