/**
 * Review from the board: a verdict per shot and time-coded comments on takes (lib/review.ts),
 * each recorded with who made it, and sent to every follower as a `review` event.
 */
import { commentOnTake, reviewShot, reviewState, shotHistory } from '../../lib/review.ts';
import type { ServerContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { type Resource, resource } from '../resource.ts';
import {
  CommentBodySchema,
  ProjectIdParams,
  ReviewBodySchema,
  ReviewStateSchema,
  ShotHistorySchema,
  ShotParams,
  ShotReviewSchema,
  TakeCommentSchema,
  TakeParams,
} from '../schemas.ts';
import { identityOf } from '../security.ts';

export function reviewRoutes({
  projectOf,
  supervisor,
  stores,
}: Pick<ServerContext, 'projectOf' | 'supervisor' | 'stores'>): Resource {
  const { app, routes } = resource();

  const withStore = async <T>(
    project: ReturnType<typeof projectOf>,
    work: Parameters<typeof stores.read<T>>[1],
  ): Promise<T> => {
    const result = await stores.read(project, work);
    if (result === undefined) throw new ApiError('not_found', 'this project has not run yet');
    return result;
  };

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/review',
      tag: 'review',
      summary: 'Every shot’s verdict and every comment on a take',
      params: ProjectIdParams,
      responses: { 200: { description: 'the review', schema: ReviewStateSchema } },
    },
    async (c, { params }) => {
      const project = projectOf(params.id);
      const state = await stores.read(project, reviewState);
      return c.json(state ?? { reviews: [], comments: [] });
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/api/projects/{id}/shots/{shot}/review',
      tag: 'review',
      summary: 'Approve a shot, or say it needs changes (with a note)',
      params: ShotParams,
      body: ReviewBodySchema,
      responses: { 200: { description: 'the verdict as kept', schema: ShotReviewSchema } },
    },
    async (c, { params, body }) => {
      const project = projectOf(params.id);
      const review = await withStore(project, (store) =>
        reviewShot(store, { shot: params.shot, ...body }, identityOf(c).name),
      );
      supervisor.publish(project, 'review', { review });
      return c.json(review);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/projects/{id}/shots/{shot}/takes/{take}/comments',
      tag: 'review',
      summary: 'Comment on a take at a time (seconds into the shot)',
      description:
        'Kept in the database; shown in the report and as markers in every timeline the next time they are written (a pick, a run, a package).',
      params: TakeParams,
      body: CommentBodySchema,
      responses: { 201: { description: 'the comment as kept', schema: TakeCommentSchema } },
    },
    async (c, { params, body }) => {
      const project = projectOf(params.id);
      const comment = await withStore(project, (store) =>
        commentOnTake(store, { shot: params.shot, take: params.take, ...body }, identityOf(c).name),
      );
      supervisor.publish(project, 'review', { comment });
      return c.json(comment, 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/shots/{shot}/history',
      tag: 'review',
      summary: 'Every run that made the shot, newest first, with the takes each made',
      params: ShotParams,
      responses: { 200: { description: 'the history', schema: ShotHistorySchema } },
    },
    async (c, { params }) => {
      const project = projectOf(params.id);
      const history = await stores.read(project, (store) => shotHistory(store, params.shot));
      return c.json(history ?? { shot: params.shot, runs: [] });
    },
  );

  return { app, routes };
}
