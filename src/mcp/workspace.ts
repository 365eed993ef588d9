/**
 * Where the MCP tools act: a folder of storyboards and run folders (`shotrouter mcp` on stdio),
 * or the server's projects (`/mcp` on `shotrouter serve`, see server/mcp.ts). The tools
 * (server.ts) are written once against this interface; each workspace says how a tool names
 * its subject (paths, or a project id), who may do what, and where the work is done.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ZodRawShape } from 'zod';
import { z } from 'zod';
import type { PackageOutput, Plan, RunStatus } from '../contracts/index.ts';
import type { Role } from '../contracts/users.ts';
import { ShotrouterError } from '../errors.ts';
import { type Catalog, loadStoryboard, catalog as userCatalog } from '../lib/catalog.ts';
import { importEdit } from '../lib/import-edit.ts';
import { packageEdit } from '../lib/package.ts';
import { assertRunnable, plan as makePlan } from '../lib/plan.ts';
import { estimateRun, type RunProgressEvent, run, type SpendEstimate } from '../lib/run.ts';
import { runStatus } from '../lib/status.ts';
import { pickTake } from '../lib/takes.ts';
import { DATABASE_FILE, openStore, type Store } from '../store/store.ts';
import type { Storyboard } from '../storyboard/types.ts';

/** A tool's arguments; the workspace reads the fields its `shape` added. */
export type Target = Record<string, unknown>;
/** What a tool acts on: the storyboard, the run made from it, or both; `package`: where a package goes. */
export type Need = 'storyboard' | 'run' | 'both' | 'package';

export interface RunOutcome {
  state: 'finished' | 'aborted' | 'failed';
  dir: string;
  final: string | null;
  spend_usd: number;
  shots: number;
  done: number;
  failed: string[];
}

export interface PickOutcome {
  model: string | null;
  provider: string | null;
  assembled: boolean;
  final: string | null;
}

export interface EditImportOutcome {
  storyboard: string;
  written: boolean;
  changes: string[];
  regenerate: Array<{
    shot: string;
    needs: number;
    has: number;
    model: string | null;
    estimate_usd: number | null;
  }>;
  notes: string[];
  final: string | null;
}

export interface RunRequest {
  preview: boolean;
  budgetUsd: number | undefined;
  /** what the agent (and the person, when asked) agreed to spend */
  confirmedUsd: number;
  signal: AbortSignal;
  onEvent: (event: RunProgressEvent) => void;
}

export interface McpWorkspace {
  /** the input fields a tool names its subject with */
  shape(need: Need): ZodRawShape;
  /** refuses unless the caller's role allows it (stdio: the person running it may do anything) */
  require(role: Role, what: string): void;
  /** who is acting, recorded on reviews and comments (null: the single-user default) */
  readonly by: string | null;
  /** the most a paid run may ask consent for, set by a person; null: no cap but the budget */
  readonly maxUsd: number | null;
  storyboard(target: Target): Storyboard;
  plan(target: Target, options: { budgetUsd?: number; asOf?: string }): Plan;
  estimate(
    target: Target,
    options: { preview: boolean; budgetUsd?: number },
  ): Promise<SpendEstimate>;
  run(target: Target, request: RunRequest): Promise<RunOutcome>;
  status(target: Target): Promise<RunStatus | null>;
  /** works on the run's store; a `usage` error when nothing has run yet */
  withStore<T>(target: Target, work: (store: Store) => Promise<T>): Promise<T>;
  pick(target: Target, shot: string, take: number): Promise<PickOutcome>;
  packageEdit(target: Target): Promise<PackageOutput & { url: string | null }>;
  /**
   * An edited timeline brought back (`shotrouter import-edit`); `write` false: only what it
   * would change. Absent where the workspace cannot take one (over HTTP).
   */
  importEdit?(target: Target, write: boolean): Promise<EditImportOutcome>;
  /** tells whoever follows the subject that something changed (the board's event stream) */
  changed(target: Target, type: string, data: unknown): void;
  /** report.json of the newest run, as text */
  reportText(target: Target): string;
  storyboardText(target: Target): string;
  /** resource URI templates and the target their variables name */
  resources: Record<
    'storyboard' | 'plan' | 'report',
    { uri: string; target(vars: Record<string, string | string[]>): Target }
  >;
}

const Path = z.string().min(1).max(4096);

export interface FolderWorkspaceOptions {
  /** paths the agent names resolve inside this folder, and may not leave it */
  root: string;
  /** the user's environment: credentials, catalog overlays and the installed catalog */
  env: Record<string, string | undefined>;
  /** the most a paid run may be asked to spend, set by a person (default 0: previews only) */
  maxUsd?: number;
  /** overrides for tests: who makes the clips */
  runOptions?: Pick<Parameters<typeof run>[0], 'registry' | 'tools' | 'clock'>;
}

/** Storyboards and run folders under one folder, for the person who started `shotrouter mcp`. */
export function folderWorkspace(options: FolderWorkspaceOptions): McpWorkspace {
  const root = path.resolve(options.root);
  /** A path inside the root; anything else is refused before it is read. */
  const inside = (given: unknown, what: string): string => {
    const text = String(given);
    const resolved = path.resolve(root, text);
    const relative = path.relative(root, resolved);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new ShotrouterError(
        'usage',
        `${what} '${text}' is outside ${root}, where this server works`,
      );
    }
    return resolved;
  };
  const shown = (file: string) => path.relative(root, file) || '.';
  const catalog = (): Catalog => userCatalog({ env: options.env, cwd: root });
  const board = (t: Target, models: Catalog) =>
    loadStoryboard(inside(t.storyboard, 'the storyboard'), { catalog: models });
  const runDir = (t: Target) => inside(t.out, 'the run folder');
  const existingRun = (t: Target) => {
    const dir = runDir(t);
    if (!fs.existsSync(path.join(dir, DATABASE_FILE))) {
      throw new ShotrouterError('usage', `${String(t.out)} has no run yet: run it first`);
    }
    return dir;
  };
  const planned = (t: Target, o: { budgetUsd?: number | undefined; asOf?: string }) => {
    const models = catalog();
    const storyboard = board(t, models);
    const plan = makePlan(storyboard, models, {
      ...(o.budgetUsd !== undefined ? { budgetUsd: o.budgetUsd } : {}),
      ...(o.asOf !== undefined ? { asOf: o.asOf } : {}),
      env: options.env,
    });
    return { models, storyboard, plan };
  };
  const out = Path.describe('the run folder');
  const storyboard = Path.describe('the storyboard file (YAML or JSON)');

  return {
    shape(need): ZodRawShape {
      if (need === 'storyboard') return { storyboard };
      if (need === 'run') return { out };
      if (need === 'both') return { storyboard, out };
      return {
        package_out: Path.optional().describe(
          'the package folder to write, new or empty (default: package/ in the run folder)',
        ),
        zip: z.boolean().optional().describe('also write a zip of it'),
      };
    },
    require: () => {},
    by: null,
    maxUsd: options.maxUsd ?? 0,
    storyboard: (t) => board(t, catalog()),
    plan: (t, o) => planned(t, o).plan,
    async estimate(t, o) {
      const { storyboard, plan } = planned(t, o);
      assertRunnable(plan, { preview: o.preview });
      return estimateRun({ storyboard, plan, dir: runDir(t), preview: o.preview });
    },
    async run(t, request) {
      const { models, storyboard, plan } = planned(t, { budgetUsd: request.budgetUsd });
      const result = await run({
        storyboard,
        catalog: models,
        plan,
        dir: runDir(t),
        preview: request.preview,
        env: options.env,
        signal: request.signal,
        onEvent: request.onEvent,
        // the run's own figure, just before the first paid start, within what was agreed
        confirmSpend: ({ usd }) => request.preview || usd <= request.confirmedUsd + 0.005,
        ...options.runOptions,
      });
      return {
        state: result.state,
        dir: shown(result.dir),
        final: result.final ? shown(result.final) : null,
        spend_usd: result.report.total.spend_usd,
        shots: result.report.total.shots,
        done: result.report.total.done,
        failed: result.failed.map((s) => s.id),
      };
    },
    status: (t) => runStatus(runDir(t)),
    async withStore(t, work) {
      const store = await openStore({ dir: existingRun(t) });
      try {
        return await work(store);
      } finally {
        await store.close();
      }
    },
    async pick(t, shot, take) {
      const result = await pickTake(existingRun(t), shot, take, {
        signal: AbortSignal.timeout(600_000),
      });
      return {
        model: result.model,
        provider: result.provider,
        assembled: result.report !== null,
        final: result.final ? shown(result.final) : null,
      };
    },
    async packageEdit(t) {
      const dir = existingRun(t);
      const folder = inside(t.package_out ?? path.join(shown(dir), 'package'), 'the package');
      const made = await packageEdit({ dir, out: folder, zip: t.zip === true });
      return {
        ...made,
        out: shown(made.out),
        zip: made.zip ? shown(made.zip) : null,
        url: null,
      };
    },
    async importEdit(t, write) {
      const result = await importEdit({
        edited: inside(t.edited, 'the edited timeline'),
        dir: existingRun(t),
        confirm: async () => write,
      });
      return {
        storyboard: shown(result.storyboard),
        written: result.written,
        changes: result.changes,
        regenerate: result.regenerate,
        notes: result.notes,
        final: result.final ? shown(result.final) : null,
      };
    },
    changed: () => {},
    reportText: (t) => fs.readFileSync(path.join(existingRun(t), 'report.json'), 'utf8'),
    storyboardText: (t) => fs.readFileSync(inside(t.storyboard, 'the storyboard'), 'utf8'),
    resources: {
      storyboard: {
        uri: 'shotrouter://storyboard/{+path}',
        target: (v) => ({ storyboard: String(v.path) }),
      },
      plan: { uri: 'shotrouter://plan/{+path}', target: (v) => ({ storyboard: String(v.path) }) },
      report: { uri: 'shotrouter://report/{+path}', target: (v) => ({ out: String(v.path) }) },
    },
  };
}
