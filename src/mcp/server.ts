/**
 * shotrouter as a Model Context Protocol server, so an assistant or an IDE agent can validate,
 * plan, estimate, run (previews freely; paid runs only under a person's cap and confirmation),
 * follow and pick takes. Every tool is a thin door to the same lib/ functions the command line
 * and the HTTP API call; structured results use the same zod definitions as their JSON.
 *
 * Spending stays under human control: a paid run needs all of
 *   - a cap set by the person who started the server (`--max-usd`, default 0: no paid runs),
 *     at least what the run would ask consent for;
 *   - `confirm_usd` from the agent, at least that amount (what `run` shows before spending);
 *   - where the client supports elicitation, the person's yes, asked through the client.
 */
import fs from 'node:fs';
import path from 'node:path';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { formatProblem, InvalidInputError, ShotrouterError } from '../errors.ts';
import { type Catalog, loadStoryboard, catalog as userCatalog } from '../lib/catalog.ts';
import { assertRunnable, plan as makePlan } from '../lib/plan.ts';
import { estimateRun, type RunProgressEvent, run } from '../lib/run.ts';
import { runStatus } from '../lib/status.ts';
import { pickTake, shotTakes } from '../lib/takes.ts';
import { openStore } from '../store/store.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { McpOutputs } from './schemas.ts';

export interface McpServerOptions {
  /** paths the agent names resolve inside this folder, and may not leave it */
  root: string;
  /** the user's environment: credentials, catalog overlays and the installed catalog */
  env: Record<string, string | undefined>;
  /** the most a paid run may be asked to spend, set by a person (default 0: previews only) */
  maxUsd?: number;
  /** overrides for tests: who makes the clips */
  runOptions?: Pick<Parameters<typeof run>[0], 'registry' | 'tools' | 'clock'>;
  version?: string;
}

const Path = z.string().min(1).max(4096);

export function createMcpServer(options: McpServerOptions): McpServer {
  const root = path.resolve(options.root);
  const maxUsd = options.maxUsd ?? 0;
  const server = new McpServer(
    { name: 'shotrouter', version: options.version ?? '0.1.0' },
    {
      capabilities: { logging: {} },
      instructions:
        'shotrouter routes every shot of a video storyboard to the AI video model best suited to it, generates the shots and assembles the cut. Paths are relative to the folder the server was started in. Preview runs are free (local placeholders). A paid run needs the cap the person set (--max-usd) and confirm_usd of at least the estimate; call estimate first and show the person the amount.',
    },
  );

  /** A path inside the root; anything else is refused before it is read. */
  const inside = (given: string, what: string): string => {
    const resolved = path.resolve(root, given);
    const relative = path.relative(root, resolved);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new ShotrouterError(
        'usage',
        `${what} '${given}' is outside ${root}, where this server works`,
      );
    }
    return resolved;
  };
  const catalog = (): Catalog => userCatalog({ env: options.env, cwd: root });
  const storyboardAt = (file: string, models: Catalog): Storyboard =>
    loadStoryboard(inside(file, 'the storyboard'), { catalog: models });
  const planned = (args: {
    storyboard: string;
    budget_usd?: number | undefined;
    as_of?: string | undefined;
  }) => {
    const models = catalog();
    const storyboard = storyboardAt(args.storyboard, models);
    const plan = makePlan(storyboard, models, {
      ...(args.budget_usd !== undefined ? { budgetUsd: args.budget_usd } : {}),
      ...(args.as_of !== undefined ? { asOf: args.as_of } : {}),
      env: options.env,
    });
    return { models, storyboard, plan };
  };

  server.registerTool(
    'validate',
    {
      title: 'Check a storyboard',
      description: 'Checks a storyboard file and lists every problem with file:line:col.',
      inputSchema: { storyboard: Path.describe('the storyboard file (YAML or JSON)') },
      outputSchema: McpOutputs.validation,
      annotations: { readOnlyHint: true },
    },
    async ({ storyboard }) =>
      guard(async () => {
        try {
          const board = storyboardAt(storyboard, catalog());
          return structured({ ok: true, shots: board.shots.length, problems: [] });
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          return structured({ ok: false, shots: 0, problems: error.problems.map(formatProblem) });
        }
      }),
  );

  server.registerTool(
    'plan',
    {
      title: 'Route every shot',
      description:
        'Routes every shot to the best model it may use, within the budget, with the reasons, before anything is spent. The same JSON as `shotrouter plan --json`.',
      inputSchema: {
        storyboard: Path,
        budget_usd: z.number().positive().finite().optional(),
        as_of: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/)
          .optional(),
      },
      outputSchema: McpOutputs.plan,
      annotations: { readOnlyHint: true },
    },
    async (args) => guard(async () => structured(planned(args).plan)),
  );

  server.registerTool(
    'estimate',
    {
      title: 'What a run would spend',
      description:
        'What `run` would still spend into the run folder at list prices (clips already kept there are not bought again): the amount a paid run asks consent for.',
      inputSchema: {
        storyboard: Path,
        out: Path.describe('the run folder'),
        preview: z.boolean().optional(),
      },
      outputSchema: McpOutputs.estimate,
      annotations: { readOnlyHint: true },
    },
    async (args) =>
      guard(async () => {
        const { storyboard, plan } = planned(args);
        assertRunnable(plan);
        const estimate = await estimateRun({
          storyboard,
          plan,
          dir: inside(args.out, 'the run folder'),
          preview: args.preview === true,
        });
        return structured({
          ...estimate,
          max_usd: maxUsd,
          allowed: args.preview === true || estimate.usd <= maxUsd,
        });
      }),
  );

  server.registerTool(
    'run',
    {
      title: 'Generate and assemble',
      description:
        'Generates every shot and assembles the cut in the run folder (resumable: done work is kept). preview: true renders local placeholders and spends nothing. A paid run needs confirm_usd of at least the estimate and is refused above the cap the person set.',
      inputSchema: {
        storyboard: Path,
        out: Path.describe('the run folder'),
        preview: z.boolean().default(true),
        confirm_usd: z
          .number()
          .nonnegative()
          .finite()
          .optional()
          .describe('the spend you confirm, at least the estimate'),
        budget_usd: z.number().positive().finite().optional(),
      },
      outputSchema: McpOutputs.run,
      annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async (args, extra) =>
      guard(async () => {
        const { models, storyboard, plan } = planned(args);
        const dir = inside(args.out, 'the run folder');
        if (!args.preview) {
          // the person's cap and the agent's confirmation come before anything else is checked
          assertRunnable(plan);
          const estimate = await estimateRun({ storyboard, plan, dir });
          if (estimate.usd > 0) allowSpend(estimate.usd, args.confirm_usd, maxUsd);
        }
        const token = extra._meta?.progressToken;
        let progress = 0;
        const onEvent = (event: RunProgressEvent) => {
          const message = describeEvent(event);
          if (token === undefined || message === null) return;
          progress += 1;
          void extra
            .sendNotification({
              method: 'notifications/progress',
              params: { progressToken: token, progress, message },
            })
            .catch(() => {});
        };
        const result = await run({
          storyboard,
          catalog: models,
          plan,
          dir,
          preview: args.preview,
          env: options.env,
          signal: extra.signal,
          onEvent,
          // asked again with the run's own figure, just before the first paid start
          confirmSpend: async ({ usd }) => {
            allowSpend(usd, args.confirm_usd, maxUsd);
            return askPerson(server, usd, plan.title);
          },
          ...options.runOptions,
        });
        return structured({
          state: result.state,
          dir: path.relative(root, result.dir) || '.',
          final: result.final ? path.relative(root, result.final) : null,
          spend_usd: result.report.total.spend_usd,
          shots: result.report.total.shots,
          done: result.report.total.done,
          failed: result.failed.map((s) => s.id),
        });
      }),
  );

  server.registerTool(
    'status',
    {
      title: 'Where a run stands',
      description:
        'Per job state, model, attempts and spend of the newest run in a run folder; what is left. The same JSON as `shotrouter status --json`.',
      inputSchema: { out: Path.describe('the run folder') },
      outputSchema: McpOutputs.status,
      annotations: { readOnlyHint: true },
    },
    async ({ out }) =>
      guard(async () => {
        const status = await runStatus(inside(out, 'the run folder'));
        if (status === null) throw new ShotrouterError('usage', `${out} has no run yet`);
        return structured(status);
      }),
  );

  server.registerTool(
    'takes',
    {
      title: 'Every take of every shot',
      description:
        'For each shot of the storyboard: the jobs that serve it and every take made, with the one the cut uses.',
      inputSchema: { storyboard: Path, out: Path.describe('the run folder') },
      outputSchema: McpOutputs.takes,
      annotations: { readOnlyHint: true },
    },
    async (args) =>
      guard(async () => {
        const storyboard = storyboardAt(args.storyboard, catalog());
        const dir = inside(args.out, 'the run folder');
        if (!fs.existsSync(dir))
          throw new ShotrouterError('usage', `${args.out} is not a run folder`);
        const store = await openStore({ dir });
        try {
          const { shots } = await shotTakes(store, storyboard);
          return structured({ shots });
        } finally {
          await store.close();
        }
      }),
  );

  server.registerTool(
    'pick',
    {
      title: 'Choose a take for the cut',
      description:
        'The cut uses this take of the shot from now on; the cut, timelines and report are assembled again from kept clips. Nothing is generated or spent.',
      inputSchema: {
        out: Path.describe('the run folder'),
        shot: z.string().min(1).max(200),
        take: z.number().int().min(1),
      },
      outputSchema: McpOutputs.pick,
      annotations: { idempotentHint: true },
    },
    async (args) =>
      guard(async () => {
        const result = await pickTake(inside(args.out, 'the run folder'), args.shot, args.take, {
          signal: AbortSignal.timeout(600_000),
        });
        return structured({
          shot: args.shot,
          take: args.take,
          model: result.model,
          provider: result.provider,
          assembled: result.report !== null,
          final: result.final ? path.relative(root, result.final) : null,
        });
      }),
  );

  const fileTemplate = (scheme: string) =>
    new ResourceTemplate(`shotrouter://${scheme}/{+path}`, { list: undefined });

  server.registerResource(
    'storyboard',
    fileTemplate('storyboard'),
    { title: 'A storyboard', description: 'The storyboard file as written', mimeType: 'text/yaml' },
    async (uri, { path: file }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'text/yaml',
          text: fs.readFileSync(inside(String(file), 'the storyboard'), 'utf8'),
        },
      ],
    }),
  );
  server.registerResource(
    'plan',
    fileTemplate('plan'),
    {
      title: 'The plan of a storyboard',
      description: 'The same JSON as `shotrouter plan --json`',
      mimeType: 'application/json',
    },
    async (uri, { path: file }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify(planned({ storyboard: String(file) }).plan, null, 2),
        },
      ],
    }),
  );
  server.registerResource(
    'report',
    fileTemplate('report'),
    {
      title: 'The report of a run',
      description: 'report.json of a run folder',
      mimeType: 'application/json',
    },
    async (uri, { path: dir }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: fs.readFileSync(
            path.join(inside(String(dir), 'the run folder'), 'report.json'),
            'utf8',
          ),
        },
      ],
    }),
  );

  return server;
}

/** A paid run within the person's cap and the agent's confirmation, or a refusal saying why. */
function allowSpend(usd: number, confirmUsd: number | undefined, maxUsd: number): void {
  if (usd > maxUsd) {
    throw new ShotrouterError(
      'usage',
      `this run may spend up to $${usd.toFixed(2)}, over the $${maxUsd.toFixed(2)} cap the person running this server set (shotrouter mcp --max-usd); nothing spent. Try preview: true, or ask them to raise the cap.`,
    );
  }
  if (confirmUsd === undefined || confirmUsd + 1e-9 < usd) {
    throw new ShotrouterError(
      'usage',
      `this run may spend up to $${usd.toFixed(2)}: show the person that amount and call run again with confirm_usd: ${Math.ceil(usd * 100) / 100} (or more); nothing spent`,
    );
  }
}

/** Where the client can ask its person, it does; otherwise the cap and confirm_usd stand. */
async function askPerson(server: McpServer, usd: number, title: string): Promise<boolean> {
  if (!server.server.getClientCapabilities()?.elicitation) return true;
  const answer = await server.server.elicitInput({
    mode: 'form',
    message: `Spend up to $${usd.toFixed(2)} generating "${title}"?`,
    requestedSchema: {
      type: 'object',
      properties: { confirm: { type: 'boolean', title: `Spend up to $${usd.toFixed(2)}` } },
      required: ['confirm'],
    },
  });
  if (answer.action === 'accept' && answer.content?.confirm === true) return true;
  throw new ShotrouterError(
    'aborted',
    `the person did not agree to spend $${usd.toFixed(2)}; nothing spent`,
  );
}

function describeEvent(event: RunProgressEvent): string | null {
  switch (event.type) {
    case 'prepared':
      return `${event.jobs} jobs, ${event.done} already made${event.resumed ? ' (resumed)' : ''}`;
    case 'job':
      return `${event.key}: ${event.state}${event.model ? ` on ${event.model}` : ''}`;
    case 'assembling':
      return 'assembling the cut';
    case 'assembled':
      return 'the cut is ready';
    default:
      return null;
  }
}

function structured(value: object): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: value as Record<string, unknown>,
  };
}

/** Errors become a tool result the agent can read (code and message), never a crash. */
async function guard(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (error) {
    const body = ShotrouterError.is(error)
      ? {
          code: error.code,
          message:
            error instanceof InvalidInputError
              ? error.problems.map(formatProblem).join('\n')
              : error.message,
        }
      : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
    return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: body }) }] };
  }
}
