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
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CommentInputSchema, ReviewInputSchema } from '../contracts/index.ts';
import { formatProblem, InvalidInputError, ShotrouterError } from '../errors.ts';
import { commentOnTake, reviewShot } from '../lib/review.ts';
import type { RunProgressEvent } from '../lib/run.ts';
import { shotTakes } from '../lib/takes.ts';
import { McpOutputs } from './schemas.ts';
import { type FolderWorkspaceOptions, folderWorkspace, type McpWorkspace } from './workspace.ts';

export interface McpServerOptions extends FolderWorkspaceOptions {
  version?: string;
}

/** `shotrouter mcp`: the tools over a folder of storyboards and run folders. */
export function createMcpServer(options: McpServerOptions): McpServer {
  return buildMcpServer(folderWorkspace(options), {
    version: options.version,
    where:
      'Paths are relative to the folder the server was started in. A paid run needs the cap the person set (--max-usd) and confirm_usd of at least the estimate.',
  });
}

const Usd = z.number().positive().finite();
const AsOf = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional();

/** The tools, resources and the spending gate, over any workspace (a folder, or projects). */
export function buildMcpServer(
  ws: McpWorkspace,
  options: { version?: string | undefined; where: string },
): McpServer {
  const server = new McpServer(
    { name: 'shotrouter', version: options.version ?? '0.1.0' },
    {
      capabilities: { logging: {} },
      instructions: `shotrouter routes every shot of a video storyboard to the AI video model best suited to it, generates the shots and assembles the cut. Preview runs are free (local placeholders). ${options.where} Call estimate first and show the person the amount.`,
    },
  );

  server.registerTool(
    'validate',
    {
      title: 'Check a storyboard',
      description: 'Checks a storyboard file and lists every problem with file:line:col.',
      inputSchema: ws.shape('storyboard'),
      outputSchema: McpOutputs.validation,
      annotations: { readOnlyHint: true },
    },
    async (args) =>
      guard(async () => {
        try {
          const board = ws.storyboard(args);
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
      inputSchema: { ...ws.shape('storyboard'), budget_usd: Usd.optional(), as_of: AsOf },
      outputSchema: McpOutputs.plan,
      annotations: { readOnlyHint: true },
    },
    async (args) =>
      guard(async () =>
        structured(
          ws.plan(args, {
            ...(args.budget_usd !== undefined ? { budgetUsd: args.budget_usd } : {}),
            ...(args.as_of !== undefined ? { asOf: args.as_of } : {}),
          }),
        ),
      ),
  );

  server.registerTool(
    'estimate',
    {
      title: 'What a run would spend',
      description:
        'What `run` would still spend into the run folder at list prices (clips already kept there are not bought again): the amount a paid run asks consent for.',
      inputSchema: { ...ws.shape('both'), preview: z.boolean().optional() },
      outputSchema: McpOutputs.estimate,
      annotations: { readOnlyHint: true },
    },
    async (args) =>
      guard(async () => {
        const preview = args.preview === true;
        const estimate = await ws.estimate(args, { preview });
        return structured({
          ...estimate,
          max_usd: ws.maxUsd,
          allowed: preview || ws.maxUsd === null || estimate.usd <= ws.maxUsd,
        });
      }),
  );

  server.registerTool(
    'run',
    {
      title: 'Generate and assemble',
      description:
        'Generates every shot and assembles the cut (resumable: done work is kept). preview: true renders local placeholders and spends nothing. A paid run needs confirm_usd of at least the estimate and is refused above the cap the person set.',
      inputSchema: {
        ...ws.shape('both'),
        preview: z.boolean().default(true),
        confirm_usd: z
          .number()
          .nonnegative()
          .finite()
          .optional()
          .describe('the spend you confirm, at least the estimate'),
        budget_usd: Usd.optional(),
      },
      outputSchema: McpOutputs.run,
      annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async (args, extra) =>
      guard(async () => {
        const budget = args.budget_usd !== undefined ? { budgetUsd: args.budget_usd } : {};
        let confirmedUsd = 0;
        if (args.preview) {
          ws.require('editor', 'start a preview run');
        } else {
          // who may spend, the person's cap and the agent's confirmation come before anything else
          ws.require('producer', 'start a run that spends');
          const estimate = await ws.estimate(args, { preview: false, ...budget });
          if (estimate.usd > 0) {
            allowSpend(estimate.usd, args.confirm_usd, ws.maxUsd);
            await askPerson(server, estimate.usd, extra.requestId);
            confirmedUsd = args.confirm_usd ?? 0;
          }
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
        return structured(
          await ws.run(args, {
            preview: args.preview,
            budgetUsd: args.budget_usd,
            confirmedUsd,
            signal: extra.signal,
            onEvent,
          }),
        );
      }),
  );

  server.registerTool(
    'status',
    {
      title: 'Where a run stands',
      description:
        'Per job state, model, attempts and spend of the newest run; what is left. The same JSON as `shotrouter status --json`.',
      inputSchema: ws.shape('run'),
      outputSchema: McpOutputs.status,
      annotations: { readOnlyHint: true },
    },
    async (args) =>
      guard(async () => {
        const status = await ws.status(args);
        if (status === null) throw new ShotrouterError('usage', 'nothing has run there yet');
        return structured(status);
      }),
  );

  server.registerTool(
    'takes',
    {
      title: 'Every take of every shot',
      description:
        'For each shot of the storyboard: the jobs that serve it and every take made, with the one the cut uses.',
      inputSchema: ws.shape('both'),
      outputSchema: McpOutputs.takes,
      annotations: { readOnlyHint: true },
    },
    async (args) =>
      guard(async () => {
        const storyboard = ws.storyboard(args);
        const { shots } = await ws.withStore(args, (store) => shotTakes(store, storyboard));
        return structured({ shots });
      }),
  );

  server.registerTool(
    'pick',
    {
      title: 'Choose a take for the cut',
      description:
        'The cut uses this take of the shot from now on; the cut, timelines and report are assembled again from kept clips. Nothing is generated or spent.',
      inputSchema: {
        ...ws.shape('run'),
        shot: z.string().min(1).max(200),
        take: z.number().int().min(1),
      },
      outputSchema: McpOutputs.pick,
      annotations: { idempotentHint: true },
    },
    async (args) =>
      guard(async () => {
        ws.require('editor', 'pick a take');
        const result = await ws.pick(args, args.shot, args.take);
        return structured({ shot: args.shot, take: args.take, ...result });
      }),
  );

  server.registerTool(
    'approve',
    {
      title: 'Approve a shot, or ask for changes',
      description:
        'Gives a shot its review verdict (replacing the one before): approved, or needs_changes with a note saying what to change. Kept with the run; shown in the report and on the board.',
      inputSchema: { ...ws.shape('run'), ...ReviewInputSchema.shape },
      outputSchema: McpOutputs.review,
      annotations: { idempotentHint: true },
    },
    async (args) =>
      guard(async () => {
        ws.require('editor', 'review a shot');
        const review = await ws.withStore(args, (store) =>
          reviewShot(store, { shot: args.shot, verdict: args.verdict, note: args.note }, ws.by),
        );
        ws.changed(args, 'review', { review });
        return structured(review);
      }),
  );

  server.registerTool(
    'comment',
    {
      title: 'Comment on a take at a time',
      description:
        'A time-coded comment on a take (seconds into the shot as it plays in the cut). Kept with the run; shown in the report and as markers in the timelines the next time they are written.',
      inputSchema: { ...ws.shape('run'), ...CommentInputSchema.shape },
      outputSchema: McpOutputs.comment,
    },
    async (args) =>
      guard(async () => {
        ws.require('editor', 'comment on a take');
        const { shot, take, at_seconds, text } = args;
        const comment = await ws.withStore(args, (store) =>
          commentOnTake(store, { shot, take, at_seconds, text }, ws.by),
        );
        ws.changed(args, 'review', { comment });
        return structured(comment);
      }),
  );

  server.registerTool(
    'package',
    {
      title: 'Package the edit for an editor',
      description:
        'Writes the edit as a folder an editor opens anywhere: each take with handles, the OTIO/FCPXML/EDL timelines, the cut and the report (as `shotrouter package`). Nothing is generated or spent.',
      inputSchema: { ...ws.shape('run'), ...ws.shape('package') },
      outputSchema: McpOutputs.package,
    },
    async (args) =>
      guard(async () => {
        ws.require('editor', 'package the edit');
        return structured(await ws.packageEdit(args));
      }),
  );

  if (ws.importEdit) {
    const bringBack = ws.importEdit.bind(ws);
    server.registerTool(
      'import_edit',
      {
        title: 'Bring an edited timeline back',
        description:
          'Reads an edited .otio, .fcpxml or .edl (cut from the run’s timelines) and says what it changes: order, trims, dropped shots. With write: true (after the person agreed) it writes them to the storyboard as edit-only fields and assembles the cut again from the kept clips. Nothing is generated or spent.',
        inputSchema: {
          ...ws.shape('run'),
          edited: z.string().min(1).max(4096).describe('the edited timeline file'),
          write: z
            .boolean()
            .default(false)
            .describe('false: only show the changes; true: write them and assemble'),
        },
        outputSchema: McpOutputs.importEdit,
      },
      async (args) =>
        guard(async () => {
          if (args.write) ws.require('editor', 'write an edit to the storyboard');
          return structured(await bringBack(args, args.write));
        }),
    );
  }

  const template = (kind: keyof McpWorkspace['resources']) =>
    new ResourceTemplate(ws.resources[kind].uri, { list: undefined });
  const text = (uri: URL, mimeType: string, body: string) => ({
    contents: [{ uri: uri.href, mimeType, text: body }],
  });

  server.registerResource(
    'storyboard',
    template('storyboard'),
    { title: 'A storyboard', description: 'The storyboard file as written', mimeType: 'text/yaml' },
    async (uri, vars) =>
      text(uri, 'text/yaml', ws.storyboardText(ws.resources.storyboard.target(vars))),
  );
  server.registerResource(
    'plan',
    template('plan'),
    {
      title: 'The plan of a storyboard',
      description: 'The same JSON as `shotrouter plan --json`',
      mimeType: 'application/json',
    },
    async (uri, vars) =>
      text(
        uri,
        'application/json',
        JSON.stringify(ws.plan(ws.resources.plan.target(vars), {}), null, 2),
      ),
  );
  server.registerResource(
    'report',
    template('report'),
    {
      title: 'The report of a run',
      description: 'report.json of the newest run',
      mimeType: 'application/json',
    },
    async (uri, vars) =>
      text(uri, 'application/json', ws.reportText(ws.resources.report.target(vars))),
  );

  return server;
}

/** A paid run within the person's cap and the agent's confirmation, or a refusal saying why. */
function allowSpend(usd: number, confirmUsd: number | undefined, maxUsd: number | null): void {
  if (maxUsd !== null && usd > maxUsd) {
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
async function askPerson(server: McpServer, usd: number, requestId: RequestId): Promise<void> {
  if (!server.server.getClientCapabilities()?.elicitation) return;
  // on the tool call's own stream (over HTTP, the response stream of that request)
  const answer = await server.server.elicitInput(
    {
      mode: 'form',
      message: `Spend up to $${usd.toFixed(2)} generating video with shotrouter?`,
      requestedSchema: {
        type: 'object',
        properties: { confirm: { type: 'boolean', title: `Spend up to $${usd.toFixed(2)}` } },
        required: ['confirm'],
      },
    },
    { relatedRequestId: requestId },
  );
  if (answer.action === 'accept' && answer.content?.confirm === true) return;
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
    const code = (error as { code?: unknown } | null)?.code;
    const body =
      error instanceof InvalidInputError
        ? { code: error.code, message: error.problems.map(formatProblem).join('\n') }
        : error instanceof Error && typeof code === 'string'
          ? // the library's errors and the HTTP API's (forbidden, run_in_progress, …)
            { code, message: error.message }
          : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
    return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: body }) }] };
  }
}
