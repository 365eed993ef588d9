/**
 * `/mcp` on `shotrouter serve`: the MCP tools (mcp/server.ts) over Streamable HTTP, acting on the
 * server's projects with the same access and roles as the HTTP API. The access middleware
 * (security.ts) has already identified the user; each MCP session belongs to the user who opened
 * it, and every later request of the session must come from that user. Viewers read; editors
 * also run previews, pick, review, comment and package; only producers start a run that spends,
 * with confirm_usd covering the estimate, within the project's budget (and the person's yes
 * where the client can ask). Runs go through the RunSupervisor like the API's, so the board
 * follows them and one run at a time per project still holds.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Context } from 'hono';
import { type ZodRawShape, z } from 'zod';
import { roleAllows } from '../contracts/users.ts';
import { plan as makePlan } from '../lib/plan.ts';
import type { Project } from '../lib/projects.ts';
import { estimateRun } from '../lib/run.ts';
import { buildMcpServer } from '../mcp/server.ts';
import type { McpWorkspace, RunOutcome, Target } from '../mcp/workspace.ts';
import type { ServerContext } from './context.ts';
import { ApiError } from './errors.ts';
import { packageProject } from './routes/package.ts';
import { type Identity, identityOf } from './security.ts';
import { type ProjectViews, projectJson } from './views.ts';

/** open sessions at most; the oldest is closed when another opens */
const MAX_SESSIONS = 64;

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  identity: Identity;
}

/** The `/mcp` handler: a session per client, bound to the user who opened it. */
export function mcpHandler(ctx: ServerContext, env: Record<string, string | undefined>) {
  const sessions = new Map<string, Session>();

  const open = async (identity: Identity): Promise<Session> => {
    const server = projectMcpServer(ctx, env, identity);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, session);
        for (const [old, s] of sessions) {
          if (sessions.size <= MAX_SESSIONS) break;
          sessions.delete(old);
          void s.transport.close();
        }
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    const session: Session = { transport, server, identity };
    await server.connect(transport);
    return session;
  };

  return async (c: Context): Promise<Response> => {
    const identity = identityOf(c);
    const id = c.req.header('mcp-session-id');
    if (id === undefined) {
      // a new session starts with `initialize`; the transport refuses anything else
      const session = await open(identity);
      return session.transport.handleRequest(c.req.raw);
    }
    const session = sessions.get(id);
    if (!session) {
      throw new ApiError('not_found', 'no such MCP session (it ended): initialize a new one');
    }
    if (session.identity.name !== identity.name || session.identity.role !== identity.role) {
      throw new ApiError('forbidden', 'this MCP session belongs to another user');
    }
    return session.transport.handleRequest(c.req.raw);
  };
}

/** The MCP server for one user's session over the server's projects. */
function projectMcpServer(
  ctx: ServerContext,
  env: Record<string, string | undefined>,
  identity: Identity,
): McpServer {
  const { supervisor, stores, views, catalog } = ctx;
  const projectOf = (t: Target): Project => ctx.projectOf(String(t.project));
  const ProjectId = z.string().min(1).max(64).describe('the project id (see the projects tool)');

  const workspace: McpWorkspace = {
    shape: (need): ZodRawShape => (need === 'package' ? {} : { project: ProjectId }),
    require(role, what) {
      if (!roleAllows(identity.role, role)) {
        throw new ApiError('forbidden', `only a ${role} may ${what}; you are a ${identity.role}`);
      }
    },
    by: identity.name,
    maxUsd: null,
    storyboard: (t) => projectOf(t).storyboard(),
    plan(t, o) {
      const project = projectOf(t);
      const draft = o.budgetUsd !== undefined ? { budgetUsd: o.budgetUsd } : {};
      if (o.asOf === undefined) return project.plan(draft, env);
      return makePlan(project.storyboard(draft), catalog, { asOf: o.asOf, env });
    },
    async estimate(t, o) {
      const project = projectOf(t);
      if (o.budgetUsd !== undefined) refuseBudget();
      return estimateRun({
        storyboard: project.storyboard(),
        plan: project.plan({}, env),
        dir: project.runDir,
        preview: o.preview,
        ...stores.seam,
      });
    },
    async run(t, request) {
      if (request.budgetUsd !== undefined) refuseBudget();
      const project = projectOf(t);
      const outcome = await new Promise<{ state: RunOutcome['state']; error: string | null }>(
        (resolve, reject) => {
          // the agent hanging up stops its run (resumable), as stopping it from the API does;
          // only this call's run: one run at a time per project, so until it ends it is ours
          let ended = false;
          const stop = () => {
            if (ended || !supervisor.running(project)) return;
            try {
              supervisor.stop(project);
            } catch {}
          };
          supervisor
            .start(project, {
              preview: request.preview,
              confirmUsd: request.confirmedUsd,
              follow: {
                onEvent: request.onEvent,
                onEnded: (e) => {
                  ended = true;
                  request.signal.removeEventListener('abort', stop);
                  resolve({
                    state: e.state,
                    error: e.error ? `${e.error.code}: ${e.error.message}` : null,
                  });
                },
              },
            })
            .then(() => {
              if (request.signal.aborted) stop();
              else if (!ended) request.signal.addEventListener('abort', stop, { once: true });
            }, reject);
        },
      );
      if (outcome.state === 'failed') {
        throw new ApiError('internal', `the run failed: ${outcome.error ?? 'unknown error'}`);
      }
      return { ...(await runOutcome(views, project)), state: outcome.state };
    },
    status: async (t) => (await views.status(projectOf(t))) ?? null,
    async withStore(t, work) {
      const result = await stores.read(projectOf(t), work);
      if (result === undefined) throw new ApiError('not_found', 'this project has not run yet');
      return result;
    },
    async pick(t, shot, take) {
      const picked = await supervisor.pick(projectOf(t), shot, take, identity.name);
      return {
        model: picked.model,
        provider: picked.provider,
        assembled: picked.report !== null,
        final: picked.final ? path.basename(picked.final) : null,
      };
    },
    async packageEdit(t) {
      const made = await packageProject({ supervisor, stores }, projectOf(t), identity.name);
      return {
        out: 'package/edit',
        zip: made.zip ? path.basename(made.zip) : null,
        clips: made.clips,
        files: made.files,
        url: made.url,
      };
    },
    changed: (t, type, data) => supervisor.publish(projectOf(t), type, data),
    reportText(t) {
      const file = path.join(projectOf(t).runDir, 'report.json');
      if (!fs.existsSync(file)) throw new ApiError('not_found', 'this project has not run yet');
      return fs.readFileSync(file, 'utf8');
    },
    storyboardText: (t) => {
      const project = projectOf(t);
      return fs.readFileSync(path.join(project.dir, project.meta.storyboard_file), 'utf8');
    },
    resources: {
      storyboard: {
        uri: 'shotrouter://projects/{project}/storyboard',
        target: (v) => ({ project: String(v.project) }),
      },
      plan: {
        uri: 'shotrouter://projects/{project}/plan',
        target: (v) => ({ project: String(v.project) }),
      },
      report: {
        uri: 'shotrouter://projects/{project}/report',
        target: (v) => ({ project: String(v.project) }),
      },
    },
  };

  const server = buildMcpServer(workspace, {
    where:
      'Each tool acts on a project of this server (list them with the projects tool). A paid run needs a producer, confirm_usd of at least the estimate, and stays within the project’s budget.',
  });
  server.registerTool(
    'projects',
    {
      title: 'The projects on this server',
      description: 'Every project: its id (what the other tools take), title and storyboard name.',
      outputSchema: {
        projects: z.array(z.object({ id: z.string(), title: z.string(), storyboard: z.string() })),
      },
      annotations: { readOnlyHint: true },
    },
    async () => {
      const projects = ctx.projects.list().map((meta) => {
        const json = projectJson(meta);
        return { id: json.id, title: json.title, storyboard: meta.storyboard_name };
      });
      return {
        content: [{ type: 'text', text: JSON.stringify({ projects }, null, 2) }],
        structuredContent: { projects },
      };
    },
  );
  return server;
}

/**
 * What the newest run of the project made: its spend from the store, shots done from its report
 * (the assembled cut), else from its jobs.
 */
async function runOutcome(
  views: ProjectViews,
  project: Project,
): Promise<Omit<RunOutcome, 'state'>> {
  const status = await views.status(project);
  const file = path.join(project.runDir, 'report.json');
  const report = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as {
        final?: string | null;
        total: { done: number };
        shots: { id: string; state: string }[];
      })
    : null;
  const jobs = (status?.jobs ?? []).filter((j) => j.state !== 'standby');
  const failed = jobs.filter((j) => j.state !== 'done' && j.state !== 'skipped');
  return {
    dir: 'run',
    final: report?.final ? path.basename(report.final) : null,
    spend_usd: status?.spend.spent_usd ?? 0,
    shots: project.storyboard().shots.length,
    done: report?.total.done ?? jobs.length - failed.length,
    failed: report
      ? report.shots.filter((s) => s.state !== 'done').map((s) => s.id)
      : [...new Set(failed.map((j) => j.shot))],
  };
}

function refuseBudget(): never {
  throw new ApiError(
    'bad_request',
    'over HTTP a run keeps the project’s budget: change it on the board (a plan change), not with budget_usd',
  );
}
