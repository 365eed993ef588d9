/** Handing the edit over from the board: the package (see lib/package.ts) as a zip to download. */
import fs from 'node:fs';
import path from 'node:path';
import { packageEdit } from '../../lib/package.ts';
import type { Project } from '../../lib/projects.ts';
import type { ServerContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { serveFile, titleSlug } from '../files.ts';
import { type Resource, resource } from '../resource.ts';
import { PackageMadeSchema, ProjectIdParams } from '../schemas.ts';
import { identityOf } from '../security.ts';

/** the package's folder name, inside the project's folder (one package per project, replaced) */
const PACKAGE_DIR = 'package';
const PACKAGE_NAME = 'edit';

export function packageRoutes({
  projectOf,
  supervisor,
  stores,
}: Pick<ServerContext, 'projectOf' | 'supervisor' | 'stores'>): Resource {
  const { app, routes } = resource();

  routes.add(
    {
      method: 'post',
      path: '/api/projects/{id}/package',
      tag: 'takes',
      summary: 'Package the edit for an editor: media with handles, timelines, the cut, the report',
      description:
        'Writes the package (as `shotrouter package --zip`) and answers where to download its zip. Each take is the whole generated clip conformed to the deliverable, and the timelines’ in and out points select the shot’s trim; OTIO and EDL refer to the media by relative path, FCPXML by file URL with relink steps in the package’s README. Refused while a run or a pick is in progress.',
      params: ProjectIdParams,
      responses: { 200: { description: 'the package', schema: PackageMadeSchema } },
    },
    async (c, { params }) => {
      const made = await packageProject(
        { supervisor, stores },
        projectOf(params.id),
        identityOf(c).name,
      );
      return c.json({ url: made.url, bytes: made.bytes, clips: made.clips, files: made.files });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/package.zip',
      tag: 'takes',
      summary: 'The packaged edit as a zip (make it first with POST …/package)',
      params: ProjectIdParams,
      responses: { 200: { description: 'the zip', content: 'application/zip' } },
    },
    async (c, { params }) => {
      const project = projectOf(params.id);
      const zip = path.join(project.dir, PACKAGE_DIR, `${PACKAGE_NAME}.zip`);
      if (!fs.existsSync(zip)) {
        throw new ApiError('not_found', 'no package yet: make it with POST …/package');
      }
      return serveFile(c.req.raw, zip, {
        mediaType: 'application/zip',
        cache: 'revalidate',
        download: `${titleSlug(project.meta.title)}-edit.zip`,
      });
    },
  );

  return { app, routes };
}

/**
 * Writes the project's package (replacing the one before) and its zip; refused while a run or a
 * pick is in progress. The API's button and the MCP tool both make it here.
 */
export async function packageProject(
  { supervisor, stores }: Pick<ServerContext, 'supervisor' | 'stores'>,
  project: Project,
  /** who asked for it, kept in the project's activity (null: the single-user default) */
  by: string | null,
) {
  supervisor.assertUnlocked(project, 'package the edit');
  if (!stores.hasRun(project)) throw new ApiError('not_found', 'this project has not run yet');
  const root = path.join(project.dir, PACKAGE_DIR);
  const out = path.join(root, PACKAGE_NAME);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  const made = await packageEdit({ dir: project.runDir, out, zip: true }, { ...stores.seam });
  const zip = made.zip ? fs.statSync(made.zip) : undefined;
  project.recordActivity({ by, what: 'packaged' });
  return {
    ...made,
    url: `/api/projects/${project.id}/package.zip`,
    bytes: zip?.size ?? 0,
  };
}
