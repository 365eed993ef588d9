/**
 * Pictures for the board: a take's poster and strip, and the cut's strip. Made once per clip
 * content with ffmpeg (lib/pictures.ts) in the project's `pictures/` folder and served to be
 * cached for good: their addresses change when the content does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PictureCache, type PictureKind } from '../../lib/pictures.ts';
import type { Project } from '../../lib/projects.ts';
import type { ServerContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { contentTag, serveFile } from '../files.ts';
import { type Resource, resource } from '../resource.ts';
import { CutStripQuery, MediaParams, ProjectIdParams } from '../schemas.ts';

/** Where a project's pictures are kept (removed with the project). */
export function picturesDir(project: Project): string {
  return path.join(project.dir, 'pictures');
}

export function pictureRoutes({
  projectOf,
  stores,
}: Pick<ServerContext, 'projectOf' | 'stores'>): Resource {
  const { app, routes } = resource();
  const cache = new PictureCache();

  for (const [kind, summary] of [
    ['poster', 'A still from the middle of a take’s clip (JPEG), made once per clip content'],
    ['strip', 'Thumbnails across a take’s clip, side by side (JPEG), made once per clip content'],
  ] as Array<[PictureKind, string]>) {
    routes.add(
      {
        method: 'get',
        path: `/api/projects/{id}/media/{file}/${kind}`,
        tag: 'takes',
        summary,
        params: MediaParams,
        responses: { 200: { description: 'the picture', content: 'image/jpeg' } },
      },
      async (c, { params }) => {
        const project = projectOf(params.id);
        const sha256 = params.file.slice(0, 64);
        const media = await stores.read(project, (store) => store.media(sha256));
        if (!media) throw new ApiError('not_found', 'no such clip');
        const picture = await cache.picture(
          picturesDir(project),
          path.join(project.runDir, media.path),
          { sha256, bytes: media.bytes },
          kind,
        );
        return serveFile(c.req.raw, picture, { mediaType: 'image/jpeg', cache: 'immutable' });
      },
    );
  }

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/cut/strip',
      tag: 'takes',
      summary:
        'Thumbnails across the cut (final.mp4) in order (JPEG); the overview’s `cut.shots` are its shot boundaries',
      params: ProjectIdParams,
      query: CutStripQuery,
      responses: { 200: { description: 'the strip', content: 'image/jpeg' } },
    },
    async (c, { params, query }) => {
      const project = projectOf(params.id);
      const cut = path.join(project.runDir, 'final.mp4');
      let stat: fs.Stats;
      try {
        stat = await fs.promises.stat(cut);
      } catch {
        throw new ApiError('not_found', 'the project has no cut yet: run it first');
      }
      const version = await contentTag(cut, stat);
      const picture = await cache.picture(
        picturesDir(project),
        cut,
        { sha256: version, bytes: stat.size },
        'strip',
      );
      // cached for good only under the address of this very cut
      return serveFile(c.req.raw, picture, {
        mediaType: 'image/jpeg',
        cache: query.v === version ? 'immutable' : 'revalidate',
      });
    },
  );

  return { app, routes };
}
