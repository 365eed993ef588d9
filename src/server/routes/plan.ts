/** The plan: read it, try changes without committing, commit changes for the next run. */
import type { ServerContext } from '../context.ts';
import { type Resource, resource } from '../resource.ts';
import { PlanRequestSchema, PlanResponseSchema, ProjectIdParams } from '../schemas.ts';
import { identityOf, requireRole } from '../security.ts';
import { fromApiChanges } from '../views.ts';

export function planRoutes({
  projectOf,
  views,
  supervisor,
}: Pick<ServerContext, 'projectOf' | 'views' | 'supervisor'>): Resource {
  const { app, routes } = resource();

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/plan',
      tag: 'plan',
      summary: 'The plan with the committed changes, and what a real run would spend',
      params: ProjectIdParams,
      responses: { 200: { description: 'the plan', schema: PlanResponseSchema } },
    },
    async (c, { params }) => c.json(await views.plan(projectOf(params.id), {})),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/projects/{id}/plan',
      tag: 'plan',
      summary:
        'Plan again with changes (pins, tags, priorities, policy, budget), without committing',
      params: ProjectIdParams,
      body: PlanRequestSchema,
      responses: { 200: { description: 'the plan with the changes', schema: PlanResponseSchema } },
    },
    async (c, { params, body }) =>
      c.json(await views.plan(projectOf(params.id), fromApiChanges(body.changes))),
  );

  routes.add(
    {
      method: 'put',
      path: '/api/projects/{id}/changes',
      tag: 'plan',
      summary: 'Commit plan changes (replacing the committed ones); the next run uses them',
      params: ProjectIdParams,
      body: PlanRequestSchema,
      responses: { 200: { description: 'the new plan', schema: PlanResponseSchema } },
    },
    async (c, { params, body }) => {
      const project = projectOf(params.id);
      supervisor.assertUnlocked(project, 'change the plan');
      const changes = fromApiChanges(body.changes);
      if (changes.budgetUsd !== project.meta.changes.budgetUsd) {
        requireRole(c, 'producer', 'change the budget');
      }
      const by = identityOf(c).name;
      project.replaceChanges(changes, by);
      supervisor.publish(project, 'changed', { by });
      return c.json(await views.plan(project, {}));
    },
  );

  return { app, routes };
}
