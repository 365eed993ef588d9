/**
 * The HTTP API and the web board (`shotrouter serve`): Hono, calling the library (projects,
 * plan, run, status, takes) and nothing else, so the API, the board and the CLI share one code
 * path. Each resource is a small app of its own (routes/), joined here with `app.route()`;
 * runs live in the RunSupervisor, not in handlers. Every route is declared with its zod schemas
 * (validation and /openapi.json from the same source); every error is JSON with a stable code
 * (errors.ts).
 */
import path from 'node:path';
import { Hono } from 'hono';
import { type Catalog, catalog as loadCatalog } from '../lib/catalog.ts';
import { type Project, ProjectFolders } from '../lib/projects.ts';
import { adaptersFor, previewRegistry, providerRegistry } from '../lib/providers.ts';
import type { Store } from '../store/store.ts';
import { packageRoot } from '../util/package-root.ts';
import { type ServerContext, VERSION } from './context.ts';
import { ApiError } from './errors.ts';
import { mcpHandler } from './mcp.ts';
import { apiHeaders, bodyLimits, jsonErrors, noRoute, notFoundJson } from './middleware.ts';
import { referenceFetcher } from './reference-fetch.ts';
import { apiDocument } from './resource.ts';
import { boardRoutes } from './routes/board.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { eventRoutes } from './routes/events.ts';
import { fileRoutes } from './routes/files.ts';
import { packageRoutes } from './routes/package.ts';
import { pictureRoutes } from './routes/pictures.ts';
import { planRoutes } from './routes/plan.ts';
import { projectRoutes, UPLOAD_PATH } from './routes/projects.ts';
import { reviewRoutes } from './routes/review.ts';
import { runRoutes } from './routes/runs.ts';
import { serverRoutes } from './routes/server.ts';
import { takeRoutes } from './routes/takes.ts';
import { Access } from './security.ts';
import { ProjectStores } from './stores.ts';
import {
  type RegistryFor,
  type RunnerSeams,
  RunSupervisor,
  type SharedDatabase,
} from './supervisor.ts';
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './upload.ts';
import { ProjectViews } from './views.ts';

export type { UploadLimits } from './upload.ts';

const REPO = packageRoot(import.meta.url);

export interface ServerOptions {
  /** where projects are kept (one folder each) */
  projectsDir: string;
  /** default: the built-in catalog */
  catalog?: Catalog;
  /**
   * The environment provider credentials come from (default: the process's): the plan checks
   * which are set, the adapters use them; their values never leave the server.
   */
  env?: Record<string, string | undefined>;
  /** SHA-256 (hex) of the bearer token; null or absent: no token */
  tokenSha256?: string | null;
  /**
   * The server's named users (lib/users.ts `openUsers`). Once one exists every request needs a
   * user's token; the token above then acts as a producer's. Absent: no named users.
   */
  users?: Store;
  /** answer only loopback host names (default: true when there is no token) */
  loopbackOnly?: boolean;
  /** the built board (default: dist/web of the repository); null: API only */
  webDir?: string | null;
  /** default: the repository's examples/ */
  examplesDir?: string;
  limits?: Partial<UploadLimits>;
  /** fetches reference URLs (default: public http(s) addresses only, see reference-fetch.ts) */
  fetchReference?: (url: string) => Promise<Uint8Array>;
  /** who makes clips and how they are assembled (tests and benchmarks replace them) */
  runner?: RunnerSeams;
  /**
   * A shared database (PostgreSQL): every project's state lives there and `shotrouter worker`s
   * make the clips (see src/queue/coordinator.ts). Absent: SQLite in each project's folder and
   * the in-process engine.
   */
  shared?: SharedDatabase;
  /** server-side log lines (errors that are not the client's) */
  log?: (line: string) => void;
  /** keep-alive comments on event streams (default 15 s) */
  heartbeatMs?: number;
}

export interface ShotrouterServer {
  app: Hono;
  fetch: (request: Request) => Promise<Response>;
  projects: ProjectFolders;
  /** the access token is required */
  requiresToken: boolean;
  /** resolves when no run or pick is in progress */
  idle(): Promise<void>;
  /** stops every run (resumable) and ends every event stream */
  close(): Promise<void>;
}

export function createServer(options: ServerOptions): ShotrouterServer {
  const ctx = serverContext(options);
  const app = new Hono();
  app.onError(jsonErrors(options.log ?? (() => {})));
  app.notFound(notFoundJson);
  app.use('/api/*', ctx.access.middleware());
  app.use('/openapi.json', ctx.access.middleware());
  app.use('/api/*', apiHeaders);
  app.use('/api/*', bodyLimits(UPLOAD_PATH, ctx.limits));

  const resources = [
    serverRoutes(ctx),
    catalogRoutes(ctx),
    projectRoutes(ctx),
    planRoutes(ctx),
    runRoutes(ctx),
    eventRoutes(ctx),
    takeRoutes(ctx),
    fileRoutes(ctx),
    packageRoutes(ctx),
    reviewRoutes(ctx),
    pictureRoutes(ctx),
  ];
  for (const { app: routes } of resources) app.route('/', routes);
  let document: object | undefined;
  app.get('/openapi.json', (c) => {
    document ??= apiDocument(resources, {
      title: 'shotrouter',
      version: VERSION,
      description:
        'Plan, run and review AI-video storyboards: projects, plans, runs with server-sent progress, takes and the cut.',
    });
    return c.json(document);
  });
  app.all('/api/*', noRoute);
  // MCP for agents: the same access, roles and limits as the API (server/mcp.ts)
  app.use('/mcp', ctx.access.middleware(), apiHeaders, bodyLimits(UPLOAD_PATH, ctx.limits));
  app.all('/mcp', mcpHandler(ctx, options.env ?? process.env));
  app.route('/', boardRoutes(ctx));

  return {
    app,
    fetch: (request) => Promise.resolve(app.fetch(request)),
    projects: ctx.projects,
    requiresToken: ctx.access.requiresToken,
    idle: () => ctx.supervisor.idle(),
    close: () => ctx.supervisor.close(),
  };
}

/** The options with their defaults, and the parts every route group shares. */
function serverContext(options: ServerOptions): ServerContext {
  const catalog = options.catalog ?? loadCatalog();
  const env = options.env ?? process.env;
  const projects = new ProjectFolders(options.projectsDir, catalog);
  const stores = new ProjectStores(options.shared?.openStore);
  const registryFor: RegistryFor = (preview, plan) =>
    options.runner?.registry?.(preview, plan) ??
    (preview ? previewRegistry() : providerRegistry(catalog, plan, adaptersFor(catalog, env)));
  const supervisor = new RunSupervisor({
    catalog,
    env,
    registryFor,
    stores,
    runner: options.runner,
    shared: options.shared,
    log: options.log ?? (() => {}),
    heartbeatMs: options.heartbeatMs ?? 15_000,
  });
  return {
    catalog,
    projects,
    projectOf(id: string): Project {
      const project = projects.open(id);
      if (!project) throw new ApiError('not_found', `no project '${id}'`);
      return project;
    },
    access: new Access({
      tokenSha256: options.tokenSha256 ?? null,
      loopbackOnly: options.loopbackOnly ?? !options.tokenSha256,
      users: options.users,
    }),
    supervisor,
    views: new ProjectViews({ env, registryFor, stores, supervisor }),
    stores,
    limits: { ...DEFAULT_UPLOAD_LIMITS, ...options.limits },
    examplesDir: path.resolve(options.examplesDir ?? path.join(REPO, 'examples')),
    webDir:
      options.webDir === null ? null : path.resolve(options.webDir ?? path.join(REPO, 'dist/web')),
    fetchReference: options.fetchReference ?? referenceFetcher(),
  };
}
