/** Takes: pick another take of a shot for the cut, and serve a take's clip. */
import path from 'node:path';
import type { ServerContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { serveFile } from '../files.ts';
import { type Resource, resource } from '../resource.ts';
import { MediaParams, OverviewSchema, PickSchema, ShotParams } from '../schemas.ts';
import { identityOf } from '../security.ts';

export function takeRoutes({
  projectOf,
  supervisor,
  views,
  stores,
}: Pick<ServerContext, 'projectOf' | 'supervisor' | 'views' | 'stores'>): Resource {
  const { app, routes } = resource();

  routes.add(
    {
      method: 'post',
      path: '/api/projects/{id}/shots/{shot}/pick',
      tag: 'takes',
      summary:
        'Use another take of a shot in the cut; the cut, timelines and reports are made again',
      params: ShotParams,
      body: PickSchema,
      responses: { 200: { description: 'the project after the pick', schema: OverviewSchema } },
    },
    async (c, { params, body }) => {
      const project = projectOf(params.id);
      await supervisor.pick(project, params.shot, body.take, identityOf(c).name);
      return c.json(await views.overview(project));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/media/{file}',
      tag: 'takes',
      summary: 'A take’s clip (byte ranges supported)',
      params: MediaParams,
      responses: {
        200: { description: 'the clip', content: 'video/mp4' },
        206: { description: 'a range of it', content: 'video/mp4' },
      },
    },
    async (c, { params }) => {
      const project = projectOf(params.id);
      const sha = params.file.slice(0, 64);
      const media = await stores.read(project, (store) => store.media(sha));
      if (!media) throw new ApiError('not_found', 'no such clip');
      return serveFile(c.req.raw, path.join(project.runDir, media.path), {
        mediaType: media.media_type,
        cache: 'immutable',
      });
    },
  );

  return { app, routes };
}
