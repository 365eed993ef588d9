/**
 * What the route groups share: the server's settings and its long-lived parts, built once by
 * createServer. Each group takes only the fields it uses (`Pick<ServerContext, …>`).
 */
import type { Catalog } from '../lib/catalog.ts';
import type { Project, ProjectFolders } from '../lib/projects.ts';
import type { Access } from './security.ts';
import type { ProjectStores } from './stores.ts';
import type { RunSupervisor } from './supervisor.ts';
import type { UploadLimits } from './upload.ts';
import type { ProjectViews } from './views.ts';

export const VERSION = '0.1.0';

export interface ServerContext {
  catalog: Catalog;
  projects: ProjectFolders;
  /** the project with this id, or the API's `not_found` */
  projectOf(id: string): Project;
  access: Access;
  supervisor: RunSupervisor;
  views: ProjectViews;
  stores: ProjectStores;
  limits: UploadLimits;
  examplesDir: string;
  /** the built board; null: API only */
  webDir: string | null;
  fetchReference: (url: string) => Promise<Uint8Array>;
}
