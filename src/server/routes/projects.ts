/** Projects: list, create (from an upload or an example), read, delete, and their images. */
import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../../lib/projects.ts';
import type { ServerContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { serveFile } from '../files.ts';
import { type Resource, resource } from '../resource.ts';
import {
  FromExampleSchema,
  OverviewSchema,
  ProjectIdParams,
  ProjectListSchema,
  RefParams,
} from '../schemas.ts';
import { identityOf, requireRole } from '../security.ts';
import { mib, readUpload } from '../upload.ts';
import { projectJson } from '../views.ts';

/** The upload route: the only one whose body may be large (see middleware.ts). */
export const UPLOAD_PATH = '/api/projects';

export function projectRoutes(
  ctx: Pick<
    ServerContext,
    'projects' | 'projectOf' | 'views' | 'supervisor' | 'limits' | 'examplesDir' | 'fetchReference'
  >,
): Resource {
  const { projects, projectOf, views, supervisor, limits, examplesDir, fetchReference } = ctx;
  const { app, routes } = resource();

  routes.add(
    {
      method: 'get',
      path: '/api/projects',
      tag: 'projects',
      summary: 'Every project, newest first',
      responses: { 200: { description: 'projects', schema: ProjectListSchema } },
    },
    (c) => c.json({ projects: projects.list().map(projectJson) }),
  );

  routes.add(
    {
      method: 'post',
      path: UPLOAD_PATH,
      tag: 'projects',
      summary: 'Create a project from a storyboard and its reference images',
      description: `The storyboard (YAML or JSON, at most ${mib(limits.storyboardBytes)}) and up to ${limits.files} images (PNG, JPEG or WebP, at most ${mib(limits.fileBytes)} each; ${mib(limits.requestBytes)} in all), matched to the storyboard's image paths by file name. Each image is streamed to disk as it arrives (a part over its limit is refused as soon as it passes it) and must decode as the image it claims to be, with nothing after its end (the check the CLI makes). Reference URLs in the storyboard are fetched by the server from public http(s) addresses only, and checked the same way.`,
      multipart: {
        description: 'storyboard and images',
        parts: {
          storyboard: { description: 'the storyboard file', binary: true },
          files: { description: 'reference images', binary: true, array: true },
        },
      },
      responses: {
        201: { description: 'created', schema: OverviewSchema },
      },
    },
    async (c) => {
      const type = c.req.header('content-type') ?? '';
      if (!/^multipart\/form-data\b/i.test(type)) {
        throw new ApiError('unsupported_media_type', 'send multipart/form-data');
      }
      // images go to disk as they arrive, beside the projects, and are gone after
      const dir = fs.mkdtempSync(path.join(projects.root, '.upload-'));
      let project: Project;
      try {
        const upload = await readUpload(c.req.raw.body, type, limits, dir);
        project = await projects.create({ ...upload, fetchReference, by: identityOf(c).name });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      return c.json(await views.overview(project), 201);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/projects/from-example',
      tag: 'projects',
      summary: 'Create a project from one of the bundled examples',
      body: FromExampleSchema,
      responses: { 201: { description: 'created', schema: OverviewSchema } },
    },
    async (c, { body }) => {
      const file = path.join(examplesDir, `${body.name}.yaml`);
      if (!fs.existsSync(file)) throw new ApiError('not_found', `no example '${body.name}'`);
      // the examples' images (refs/) and music (media/), as if uploaded with the storyboard
      const files = ['refs', 'media'].flatMap((folder) => {
        const from = path.join(examplesDir, folder);
        return fs.existsSync(from)
          ? fs.readdirSync(from).map((name) => ({
              name: `${folder}/${name}`,
              data: fs.readFileSync(path.join(from, name)),
            }))
          : [];
      });
      const project = await projects.create({
        by: identityOf(c).name,
        storyboard: { name: `${body.name}.yaml`, data: fs.readFileSync(file) },
        files,
      });
      return c.json(await views.overview(project), 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}',
      tag: 'projects',
      summary: 'Everything the board shows: plan, estimate, run, spend, shots, takes, files',
      params: ProjectIdParams,
      responses: { 200: { description: 'the project', schema: OverviewSchema } },
    },
    async (c, { params }) => c.json(await views.overview(projectOf(params.id))),
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/projects/{id}',
      tag: 'projects',
      summary: 'Delete a project with its runs and media',
      params: ProjectIdParams,
      responses: { 204: { description: 'deleted' } },
    },
    (c, { params }) => {
      requireRole(c, 'producer', 'delete a project');
      const project = projectOf(params.id);
      supervisor.forget(project.id);
      projects.remove(project.id);
      return c.body(null, 204);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/refs/{file}',
      tag: 'projects',
      summary: 'A reference image of the project',
      params: RefParams,
      responses: { 200: { description: 'the image', content: 'image/*' } },
    },
    async (c, { params }) => {
      const ref = projectOf(params.id).referenceFile(`refs/${params.file}`);
      if (!ref) throw new ApiError('not_found', 'no such image');
      return serveFile(c.req.raw, ref.path, { mediaType: ref.mediaType, cache: 'immutable' });
    },
  );

  return { app, routes };
}
