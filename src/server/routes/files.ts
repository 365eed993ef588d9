/** The deliverables: the cut, the timelines and the reports, to watch or to download. */
import path from 'node:path';
import type { ServerContext } from '../context.ts';
import { serveFile, titleSlug } from '../files.ts';
import { type Resource, resource } from '../resource.ts';
import { DeliverableParams } from '../schemas.ts';

const FILE_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.otio': 'application/json',
  '.fcpxml': 'application/xml',
  '.edl': 'text/plain; charset=utf-8',
};

/** The report is ours, but it stays inert: no scripts, nothing loaded from elsewhere. */
const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox allow-popups allow-top-navigation-by-user-activation";

export function fileRoutes({ projectOf }: Pick<ServerContext, 'projectOf'>): Resource {
  const { app, routes } = resource();

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/files/{name}',
      tag: 'takes',
      summary: 'The cut, the timelines and the reports (add ?download=1 to save)',
      params: DeliverableParams,
      responses: {
        200: { description: 'the file', content: 'application/octet-stream' },
        206: { description: 'a range of the cut', content: 'video/mp4' },
      },
    },
    async (c, { params }) => {
      const project = projectOf(params.id);
      const file = path.join(project.runDir, params.name);
      const download = c.req.query('download') === '1';
      const response = await serveFile(c.req.raw, file, {
        mediaType: FILE_TYPES[path.extname(params.name)] ?? 'application/octet-stream',
        cache: 'revalidate',
        ...(download ? { download: `${titleSlug(project.meta.title)}-${params.name}` } : {}),
      });
      if (params.name.endsWith('.html')) {
        response.headers.set('content-security-policy', REPORT_CSP);
      }
      return response;
    },
  );

  return { app, routes };
}
