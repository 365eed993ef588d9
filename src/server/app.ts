/**
 * The HTTP API and the web board (`shotrouter serve`): Hono, calling the library (projects,
 * plan, run, status, takes) and nothing else, so the API, the board and the CLI share one code
 * path. Every route is declared with its zod schemas (validation and /openapi.json from the
 * same source); every error is JSON with a stable code (errors.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { Catalog } from '../catalog/load.ts';
import type { ClipTools } from '../engine/context.ts';
import type { EngineOptions, EngineOutcome } from '../engine/run-engine.ts';
import { ShotrouterError } from '../errors.ts';
import { catalog as loadCatalog } from '../lib/catalog.ts';
import { sniffImage } from '../lib/files.ts';
import { assertRunnable, type PlanChanges } from '../lib/plan.ts';
import { type Project, ProjectFolders } from '../lib/projects.ts';
import { adaptersFor, previewRegistry, providerRegistry } from '../lib/providers.ts';
import { type Assembler, estimateRun, type RunProgressEvent, run } from '../lib/run.ts';
import { statusFromStore } from '../lib/status.ts';
import { pickTake, shotTakes } from '../lib/takes.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Plan } from '../router/types.ts';
import { DATABASE_FILE, openStore, type Store } from '../store/store.ts';
import { packageRoot } from '../util/package-root.ts';
import { ApiError, errorResponse } from './errors.ts';
import { BOARD_CSP, serveBoard, serveFile } from './files.ts';
import { EventHub } from './hub.ts';
import { ApiRoutes } from './openapi.ts';
import { referenceFetcher } from './reference-fetch.ts';
import {
  DeliverableParams,
  ExampleListSchema,
  FromExampleSchema,
  HealthSchema,
  MediaParams,
  ModelListSchema,
  OverviewSchema,
  PickSchema,
  PlanRequestSchema,
  PlanResponseSchema,
  ProjectIdParams,
  ProjectListSchema,
  type ProjectSchema,
  RefParams,
  type RunInfoSchema,
  ShotParams,
  StartedRunSchema,
  StartRunSchema,
  StatusSchema,
} from './schemas.ts';
import { Access } from './security.ts';

const VERSION = '0.1.0';
const REPO = packageRoot(import.meta.url);
/** a confirmation may round the estimate to the cent */
const CENT = 0.005;

export interface UploadLimits {
  /** bytes of the storyboard file (default 1 MiB) */
  storyboardBytes: number;
  /** bytes of one reference image (default 20 MiB) */
  fileBytes: number;
  /** reference images in one upload (default 100) */
  files: number;
  /** bytes of the whole request (default 200 MiB) */
  requestBytes: number;
}

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
  runner?: {
    registry?: (preview: boolean, plan: Plan) => ProviderRegistry;
    tools?: ClipTools;
    assemble?: Assembler | false;
  };
  /**
   * A shared database (PostgreSQL): every project's state lives there and `shotrouter worker`s
   * make the clips (see src/queue/coordinator.ts). Absent: SQLite in each project's folder and
   * the in-process engine.
   */
  shared?: {
    openStore: (dir: string) => Promise<Store>;
    execute: (options: EngineOptions) => Promise<EngineOutcome>;
  };
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

type RunInfo = z.output<typeof RunInfoSchema>;

/** What is going on in one project, in this server. */
interface Live {
  hub: EventHub;
  /** a run or a pick in progress (one at a time per project) */
  busy: {
    kind: 'run' | 'pick';
    controller: AbortController;
    done: Promise<void>;
    info: RunInfo;
    doneBefore: number;
    states: Map<string, string>;
  } | null;
  /** how the last run in this server ended, until the next starts */
  ended: {
    runId: string | null;
    state: 'finished' | 'aborted' | 'failed';
    error: RunInfo['error'];
  } | null;
}

const DELIVERABLES: Array<{ name: z.output<typeof DeliverableParams>['name']; label: string }> = [
  { name: 'final.mp4', label: 'The cut' },
  { name: 'final.mov', label: 'The cut (ProRes)' },
  { name: 'report.html', label: 'Report' },
  { name: 'report.json', label: 'Report (JSON)' },
  { name: 'timeline.otio', label: 'OpenTimelineIO' },
  { name: 'timeline.fcpxml', label: 'Final Cut Pro XML' },
  { name: 'timeline.edl', label: 'EDL (CMX 3600)' },
];

const FILE_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.otio': 'application/json',
  '.fcpxml': 'application/xml',
  '.edl': 'text/plain; charset=utf-8',
};

export function createServer(options: ServerOptions): ShotrouterServer {
  const catalog = options.catalog ?? loadCatalog();
  const env = options.env ?? process.env;
  // where project state is kept: the shared database, or SQLite in the project's folder
  const storeSeam = options.shared ? { openStore: options.shared.openStore } : {};
  const projects = new ProjectFolders(options.projectsDir, catalog);
  const access = new Access({
    tokenSha256: options.tokenSha256 ?? null,
    loopbackOnly: options.loopbackOnly ?? !options.tokenSha256,
  });
  const limits: UploadLimits = {
    storyboardBytes: 1024 * 1024,
    fileBytes: 20 * 1024 * 1024,
    files: 100,
    requestBytes: 200 * 1024 * 1024,
    ...options.limits,
  };
  const webDir =
    options.webDir === null ? null : path.resolve(options.webDir ?? path.join(REPO, 'dist/web'));
  const examplesDir = path.resolve(options.examplesDir ?? path.join(REPO, 'examples'));
  const fetchReference = options.fetchReference ?? referenceFetcher();
  const log = options.log ?? (() => {});
  const lives = new Map<string, Live>();
  const heartbeat = setInterval(() => {
    for (const live of lives.values()) live.hub.heartbeat();
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  const liveOf = (project: Project): Live => {
    let live = lives.get(project.id);
    if (!live) {
      live = { hub: new EventHub(), busy: null, ended: null };
      lives.set(project.id, live);
    }
    return live;
  };
  const projectOf = (id: string): Project => {
    const project = projects.open(id);
    if (!project) throw new ApiError('not_found', `no project '${id}'`);
    return project;
  };
  const registryFor = (preview: boolean, plan: Plan): ProviderRegistry =>
    options.runner?.registry?.(preview, plan) ??
    (preview ? previewRegistry() : providerRegistry(catalog, plan, adaptersFor(catalog, env)));

  const app = new Hono();
  app.onError((error, c) => {
    const { status, headers, body } = errorResponse(error);
    if (status >= 500)
      log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return c.json(body, status as 500, { ...headers, 'cache-control': 'no-store' });
  });
  app.notFound((c) => {
    const { status, body } = errorResponse(
      new ApiError('not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}`),
    );
    return c.json(body, status as 404);
  });
  app.use('/api/*', access.middleware());
  app.use('/openapi.json', access.middleware());
  app.use('/api/*', async (c, next) => {
    await next();
    c.res.headers.set('x-content-type-options', 'nosniff');
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });
  // uploads may be large; every other body is a little JSON
  const uploadLimit = bodyLimit({
    maxSize: limits.requestBytes,
    onError: () => {
      throw new ApiError(
        'payload_too_large',
        `an upload may be at most ${mib(limits.requestBytes)} in all`,
      );
    },
  });
  const jsonLimit = bodyLimit({
    maxSize: 1024 * 1024,
    onError: () => {
      throw new ApiError('payload_too_large', 'a request body may be at most 1 MiB');
    },
  });
  app.use('/api/*', (c, next) =>
    new URL(c.req.url).pathname === '/api/projects' ? uploadLimit(c, next) : jsonLimit(c, next),
  );

  const routes = new ApiRoutes(app);

  routes.add(
    {
      method: 'get',
      path: '/api/health',
      tag: 'server',
      summary: 'Is the server up; does it need a token',
      responses: { 200: { description: 'up', schema: HealthSchema } },
    },
    (c) => c.json({ ok: true as const, version: VERSION, auth: access.requiresToken }),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/session',
      tag: 'server',
      summary: 'Trade the bearer token for a read-only session cookie (for media elements)',
      responses: { 204: { description: 'the cookie is set (nothing to do without a token)' } },
    },
    (c) => {
      access.openSession(c);
      return c.body(null, 204);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/examples',
      tag: 'projects',
      summary: 'The example storyboards a project can start from',
      responses: { 200: { description: 'examples', schema: ExampleListSchema } },
    },
    (c) => c.json({ examples: listExamples(examplesDir) }),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/models',
      tag: 'projects',
      summary: 'The catalog’s models (what a shot can be pinned to)',
      responses: { 200: { description: 'models', schema: ModelListSchema } },
    },
    (c) =>
      c.json({
        models: catalog.models.map((m) => ({
          id: m.id,
          name: m.name,
          vendor: m.vendor,
          providers: [...new Set(m.routes.map((r) => r.provider))],
        })),
      }),
  );

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
      path: '/api/projects',
      tag: 'projects',
      summary: 'Create a project from a storyboard and its reference images',
      description: `The storyboard (YAML or JSON, at most ${mib(limits.storyboardBytes)}) and up to ${limits.files} images (PNG, JPEG, WebP or GIF, at most ${mib(limits.fileBytes)} each), matched to the storyboard's image paths by file name. Reference URLs in the storyboard are fetched by the server from public http(s) addresses only.`,
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
      let form: FormData;
      try {
        form = await c.req.formData();
      } catch (error) {
        if (error instanceof ApiError) throw error;
        throw new ApiError('bad_request', 'the multipart body could not be read');
      }
      const upload = await readUpload(form, limits);
      const project = await projects.create({ ...upload, fetchReference });
      return c.json(await overview(project), 201);
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
      const refs = path.join(examplesDir, 'refs');
      const files = fs.existsSync(refs)
        ? fs
            .readdirSync(refs)
            .map((name) => ({ name: `refs/${name}`, data: fs.readFileSync(path.join(refs, name)) }))
        : [];
      const project = await projects.create({
        storyboard: { name: `${body.name}.yaml`, data: fs.readFileSync(file) },
        files,
      });
      return c.json(await overview(project), 201);
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
    async (c, { params }) => c.json(await overview(projectOf(params.id))),
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
      const project = projectOf(params.id);
      const live = lives.get(project.id);
      if (live?.busy) throw new ApiError('run_in_progress', 'stop the run first');
      live?.hub.close();
      lives.delete(project.id);
      projects.remove(project.id);
      return c.body(null, 204);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/plan',
      tag: 'plan',
      summary: 'The plan with the committed changes, and what a real run would spend',
      params: ProjectIdParams,
      responses: { 200: { description: 'the plan', schema: PlanResponseSchema } },
    },
    async (c, { params }) => c.json(await planResponse(projectOf(params.id), {})),
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
      c.json(await planResponse(projectOf(params.id), fromApiChanges(body.changes))),
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
      project.replaceChanges(fromApiChanges(body.changes));
      liveOf(project).hub.publish('changed', {});
      return c.json(await planResponse(project, {}));
    },
  );

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
      const project = projectOf(params.id);
      const live = liveOf(project);
      if (live.busy) throw new ApiError('run_in_progress', 'a run is already in progress');
      const storyboard = project.storyboard();
      const plan = project.plan({}, env);
      assertRunnable(plan);
      const registry = registryFor(body.preview, plan);
      const estimate = await estimateRun({
        storyboard,
        plan,
        dir: project.runDir,
        preview: body.preview,
        registry,
        ...storeSeam,
      });
      const confirmed = body.confirm_usd ?? 0;
      if (!body.preview && estimate.usd > 0 && confirmed + CENT < estimate.usd) {
        throw new ApiError(
          'confirmation_required',
          `this run may spend up to $${estimate.usd.toFixed(2)}: send confirm_usd of at least that to agree`,
          { details: { estimate_usd: estimate.usd } },
        );
      }
      // another request may have started a run while the estimate was read
      if (live.busy) throw new ApiError('run_in_progress', 'a run is already in progress');
      const info = startRun(project, live, {
        preview: body.preview,
        storyboard,
        plan,
        registry,
        confirmed,
      });
      return c.json({ run: info, estimate }, 202);
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
      const live = liveOf(projectOf(params.id));
      if (live.busy?.kind !== 'run') throw new ApiError('not_found', 'no run in progress');
      live.busy.controller.abort(new ShotrouterError('aborted', 'stopped from the API'));
      return c.json(live.busy.info, 202);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/projects/{id}/events',
      tag: 'runs',
      summary: 'Progress as server-sent events',
      description:
        'Events: hello {seq}; job, retry, fallback, spend, run (the engine’s); prepared, assembling, assembled, ended; picked; changed. Each has an id: reconnect with Last-Event-ID to get what was missed (or reset: read the project again).',
      params: ProjectIdParams,
      responses: { 200: { description: 'the event stream', content: 'text/event-stream' } },
    },
    (c, { params }) => {
      const live = liveOf(projectOf(params.id));
      const last = Number(c.req.header('last-event-id'));
      const stream = live.hub.stream(Number.isInteger(last) && last >= 0 ? last : undefined);
      return new Response(stream, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
        },
      });
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
      const status = await withStore(projectOf(params.id), statusFromStore);
      if (!status) throw new ApiError('not_found', 'this project has not run yet');
      return c.json(status);
    },
  );

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
      const live = liveOf(project);
      if (live.busy) throw new ApiError('run_in_progress', 'wait for the run to end');
      if (!options.shared && !fs.existsSync(path.join(project.runDir, DATABASE_FILE))) {
        throw new ApiError('not_found', 'this project has not run yet');
      }
      const controller = new AbortController();
      let finish = () => {};
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      live.busy = {
        kind: 'pick',
        controller,
        done,
        info: idleInfo(),
        doneBefore: 0,
        states: new Map(),
      };
      try {
        await pickTake(project.runDir, params.shot, body.take, {
          signal: controller.signal,
          ...storeSeam,
        });
      } finally {
        live.busy = null;
        finish();
      }
      live.hub.publish('picked', { shot: params.shot, take: body.take });
      return c.json(await overview(project));
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
      const media = await withStore(project, (store) => store.media(sha));
      if (!media) throw new ApiError('not_found', 'no such clip');
      return serveFile(c.req.raw, path.join(project.runDir, media.path), {
        mediaType: media.media_type,
        cache: 'immutable',
      });
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
        ...(download ? { download: `${slug(project.meta.title)}-${params.name}` } : {}),
      });
      if (params.name.endsWith('.html')) {
        // the report is ours, but it stays inert: no scripts, nothing loaded from elsewhere
        response.headers.set(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox allow-popups allow-top-navigation-by-user-activation",
        );
      }
      return response;
    },
  );

  app.get('/openapi.json', (c) =>
    c.json(
      routes.document({
        title: 'shotrouter',
        version: VERSION,
        description:
          'Plan, run and review AI-video storyboards: projects, plans, runs with server-sent progress, takes and the cut.',
      }),
    ),
  );

  app.all('/api/*', (c) => {
    throw new ApiError('not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}`);
  });

  app.get('*', async (c) => {
    const board = webDir ? await serveBoard(c.req.raw, webDir) : undefined;
    if (board) return board;
    return c.html(
      '<!doctype html><meta charset="utf-8"><title>shotrouter</title><p>The web board is not built: run <code>npm run build:web</code>. The API is at <a href="/openapi.json">/openapi.json</a>.</p>',
      200,
      { 'content-security-policy': BOARD_CSP },
    );
  });

  // --- helpers that need the server's state ---

  async function withStore<T>(
    project: Project,
    read: (store: Store) => Promise<T>,
  ): Promise<T | undefined> {
    if (!options.shared && !fs.existsSync(path.join(project.runDir, DATABASE_FILE)))
      return undefined;
    const store = await (options.shared?.openStore ?? ((dir: string) => openStore({ dir })))(
      project.runDir,
    );
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }

  async function planResponse(project: Project, draft: PlanChanges) {
    const storyboard = project.storyboard(draft);
    const plan = project.plan(draft, env);
    const estimate = await estimateRun({
      storyboard,
      plan,
      dir: project.runDir,
      preview: false,
      ...storeSeam,
    });
    const changes = toApiChanges(project.meta.changes, draft);
    return { plan, estimate, changes };
  }

  async function overview(project: Project): Promise<z.output<typeof OverviewSchema>> {
    const live = liveOf(project);
    // taken before reading: events after it may already be in what is read, and are idempotent
    const seq = live.hub.seq;
    const storyboard = project.storyboard();
    const plan = project.plan({}, env);
    const estimate = await estimateRun({
      storyboard,
      plan,
      dir: project.runDir,
      preview: false,
      ...storeSeam,
    });
    const stored = await withStore(project, async (store) => ({
      status: await statusFromStore(store),
      takes: await shotTakes(store, project.original()),
    }));
    const takes = new Map(stored?.takes.shots.map((s) => [s.id, s]) ?? []);
    const base = `/api/projects/${project.id}`;
    return {
      project: projectJson(project.meta),
      plan,
      estimate,
      run: live.busy?.kind === 'run' ? live.busy.info : storedRunInfo(live, stored?.status ?? null),
      spend: stored?.status?.spend ?? null,
      shots: storyboard.shots.map((shot) => {
        const made = takes.get(shot.id);
        return {
          id: shot.id,
          index: shot.index,
          prompt: shot.prompt,
          duration: shot.duration,
          tags: [...shot.tags],
          priority: shot.priority,
          pinned: shot.model ?? null,
          jobs: made?.jobs ?? [],
          takes: (made?.takes ?? []).map((t) => ({
            take: t.take,
            model: t.model,
            url: `${base}/media/${path.basename(t.file)}`,
            picked: t.inCut,
          })),
        };
      }),
      deliverables: DELIVERABLES.flatMap(({ name, label }) => {
        const file = path.join(project.runDir, name);
        if (!fs.existsSync(file)) return [];
        return [{ name, label, url: `${base}/files/${name}`, bytes: fs.statSync(file).size }];
      }),
      runnable: runnable(plan),
      seq,
    };
  }

  /** Whether a preview and a real run could start now, and why not. */
  function runnable(plan: Plan) {
    const errors = plan.problems.filter((p) => p.severity === 'error');
    const blocked =
      errors.length > 0
        ? `the plan cannot run: ${errors.map((p) => `${p.shot ? `${p.shot}: ` : ''}${p.message}`).join('; ')}`
        : null;
    // a route without credentials would only fail: say what to set instead
    const uncredentialed = plan.problems.filter((p) => p.code === 'missing_credentials');
    let real =
      blocked ??
      (uncredentialed.length > 0 ? uncredentialed.map((p) => p.message).join('; ') : null);
    if (!real) {
      try {
        registryFor(false, plan);
      } catch (error) {
        real = error instanceof Error ? error.message : String(error);
      }
    }
    return { preview: { ok: !blocked, reason: blocked }, real: { ok: !real, reason: real } };
  }

  function storedRunInfo(
    live: Live,
    status: Awaited<ReturnType<typeof statusFromStore>> | null,
  ): RunInfo {
    if (!status) return idleInfo(live.ended?.error ?? null, live.ended?.state);
    const jobs = status.jobs.filter((j) => j.state !== 'standby');
    const ended = live.ended?.runId === status.run.id ? live.ended : null;
    const finished = status.run.state === 'finished';
    return {
      id: status.run.id,
      // a run left active by a stopped server is resumable: it was interrupted
      state: ended?.state ?? (finished ? 'finished' : 'aborted'),
      preview: status.run.executor === 'preview',
      active: false,
      jobs: jobs.length,
      done: jobs.filter((j) => j.state === 'done' || j.state === 'skipped').length,
      failed: jobs.filter((j) => j.state === 'failed').length,
      error: ended?.error ?? null,
    };
  }

  function startRun(
    project: Project,
    live: Live,
    how: {
      preview: boolean;
      storyboard: ReturnType<Project['storyboard']>;
      plan: Plan;
      registry: ProviderRegistry;
      confirmed: number;
    },
  ): RunInfo {
    const controller = new AbortController();
    const busy: NonNullable<Live['busy']> = {
      kind: 'run',
      controller,
      done: Promise.resolve(),
      info: { ...idleInfo(), state: 'preparing', preview: how.preview, active: true },
      doneBefore: 0,
      states: new Map(),
    };
    live.busy = busy;
    live.ended = null;
    live.hub.publish('state', busy.info);
    const onEvent = (event: RunProgressEvent) => {
      track(busy, event);
      if (event.type === 'assembled') {
        live.hub.publish('assembled', { runId: event.runId, final: event.report.final });
      } else {
        live.hub.publish(event.type, event);
      }
    };
    busy.done = run({
      storyboard: how.storyboard,
      catalog,
      plan: how.plan,
      dir: project.runDir,
      preview: how.preview,
      registry: how.registry,
      signal: controller.signal,
      onEvent,
      confirmSpend: ({ usd }) => how.preview || usd <= how.confirmed + CENT,
      ...(options.shared ? options.shared : {}),
      ...(options.runner?.tools ? { tools: options.runner.tools } : {}),
      ...(options.runner?.assemble !== undefined ? { assemble: options.runner.assemble } : {}),
    })
      .then(
        (result) => {
          live.ended = { runId: result.runId, state: result.state, error: null };
        },
        (error: unknown) => {
          const { body } = errorResponse(error);
          if (!ShotrouterError.is(error))
            log(
              `run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
            );
          live.ended = {
            runId: busy.info.id,
            state: 'failed',
            error: { code: body.error.code, message: body.error.message },
          };
        },
      )
      .finally(() => {
        live.busy = null;
        const ended = live.ended!;
        live.hub.publish('ended', {
          ...busy.info,
          state: ended.state,
          active: false,
          error: ended.error,
        });
      });
    return busy.info;
  }

  return {
    app,
    fetch: (request) => Promise.resolve(app.fetch(request)),
    projects,
    requiresToken: access.requiresToken,
    async idle() {
      for (;;) {
        const pending = [...lives.values()].flatMap((l) => (l.busy ? [l.busy.done] : []));
        if (pending.length === 0) return;
        await Promise.allSettled(pending);
      }
    },
    async close() {
      clearInterval(heartbeat);
      for (const live of lives.values()) {
        live.busy?.controller.abort(new ShotrouterError('aborted', 'the server is stopping'));
      }
      await this.idle();
      for (const live of lives.values()) live.hub.close();
    },
  };
}

/** Keeps a run's live summary up to date from its events. */
function track(busy: NonNullable<Live['busy']>, event: RunProgressEvent): void {
  const info = busy.info;
  if (event.type === 'prepared') {
    info.id = event.runId;
    info.jobs = event.jobs;
    info.done = event.done;
    busy.doneBefore = event.done;
    info.state = 'running';
  } else if (event.type === 'job') {
    busy.states.set(event.jobId, event.state);
    let done = 0;
    let failed = 0;
    for (const state of busy.states.values()) {
      if (state === 'done' || state === 'skipped') done++;
      else if (state === 'failed') failed++;
    }
    info.done = busy.doneBefore + done;
    info.failed = failed;
  } else if (event.type === 'assembling') {
    info.state = 'assembling';
  }
}

function idleInfo(error: RunInfo['error'] = null, state: RunInfo['state'] = 'idle'): RunInfo {
  return { id: null, state, preview: false, active: false, jobs: 0, done: 0, failed: 0, error };
}

function projectJson(meta: Project['meta']): z.output<typeof ProjectSchema> {
  return {
    id: meta.id,
    title: meta.title,
    created_at: meta.created_at,
    storyboard_name: meta.storyboard_name,
    uploads: meta.uploads,
    changes: toApiChanges(meta.changes, {}),
  };
}

/** API changes (snake_case) → library changes. */
function fromApiChanges(changes: z.output<typeof PlanRequestSchema>['changes']): PlanChanges {
  const out: PlanChanges = {};
  if (changes.budget_usd !== undefined) out.budgetUsd = changes.budget_usd;
  if (changes.optimize) out.optimize = changes.optimize;
  if (changes.shots) out.shots = changes.shots;
  return out;
}

/** The committed changes with a draft on top, as the API shows them. */
function toApiChanges(committed: PlanChanges, draft: PlanChanges) {
  const shots = { ...committed.shots };
  for (const [id, change] of Object.entries(draft.shots ?? {}))
    shots[id] = { ...shots[id], ...change };
  const budget = draft.budgetUsd !== undefined ? draft.budgetUsd : committed.budgetUsd;
  const optimize = draft.optimize ?? committed.optimize;
  return {
    ...(budget !== undefined ? { budget_usd: budget } : {}),
    ...(optimize ? { optimize } : {}),
    ...(Object.keys(shots).length > 0 ? { shots } : {}),
  };
}

/** The storyboard and images of a multipart upload, checked against the limits. */
async function readUpload(
  form: FormData,
  limits: UploadLimits,
): Promise<{
  storyboard: { name: string; data: Uint8Array };
  files: Array<{ name: string; data: Uint8Array }>;
}> {
  const storyboard = form.get('storyboard');
  if (storyboard === null) throw new ApiError('bad_request', "the 'storyboard' part is missing");
  const storyboardData =
    typeof storyboard === 'string'
      ? new TextEncoder().encode(storyboard)
      : new Uint8Array(await storyboard.arrayBuffer());
  if (storyboardData.byteLength > limits.storyboardBytes) {
    throw new ApiError(
      'payload_too_large',
      `the storyboard may be at most ${mib(limits.storyboardBytes)}`,
    );
  }
  const parts = form.getAll('files');
  if (parts.length > limits.files) {
    throw new ApiError('payload_too_large', `at most ${limits.files} images per storyboard`);
  }
  const files: Array<{ name: string; data: Uint8Array }> = [];
  for (const part of parts) {
    if (typeof part === 'string')
      throw new ApiError('bad_request', "each 'files' part must be a file");
    const shown = JSON.stringify(part.name.slice(0, 200));
    if (part.size > limits.fileBytes) {
      throw new ApiError('payload_too_large', `${shown} is larger than ${mib(limits.fileBytes)}`);
    }
    const data = new Uint8Array(await part.arrayBuffer());
    if (!sniffImage(data)) {
      throw new ApiError(
        'unsupported_media_type',
        `${shown} is not a PNG, JPEG, WebP or GIF image`,
      );
    }
    files.push({ name: part.name, data });
  }
  return {
    storyboard: {
      name: typeof storyboard === 'string' ? 'storyboard.yaml' : safeName(storyboard.name),
      data: storyboardData,
    },
    files,
  };
}

/** A client's file name as shown back in problems: its last part, printable. */
function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^\w.\- ]/g, '_').slice(0, 100);
  return clean || 'storyboard.yaml';
}

function listExamples(dir: string) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => /^[a-z0-9-]+\.yaml$/.test(name))
    .sort()
    .flatMap((name) => {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      try {
        const doc = parseYaml(text) as { title?: unknown; shots?: unknown[] };
        const about = text
          .split('\n')
          .filter((line) => line.startsWith('#'))
          .map((line) => line.replace(/^#\s?/, ''))
          .join(' ')
          .trim();
        return [
          {
            name: name.replace(/\.yaml$/, ''),
            title: String(doc.title ?? name),
            shots: Array.isArray(doc.shots) ? doc.shots.length : 0,
            about,
          },
        ];
      } catch {
        return [];
      }
    });
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${Math.round(bytes / 1024 / 1024)} MiB`
    : `${Math.round(bytes / 1024)} KiB`;
}

function slug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'shotrouter'
  );
}
