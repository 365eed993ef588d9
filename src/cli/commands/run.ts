/**
 * `shotrouter run FILE`: plan, generate every shot, assemble the first cut. Resumable: running it
 * again on the same --out keeps what is done, polls what is in flight and starts the rest.
 *
 * Spending needs consent: without --yes the plan and its estimated spend are shown and the user
 * is asked before the first paid call; with no terminal to ask on, `run` refuses (exit 64, a
 * usage error: add --yes). --preview renders every shot locally and spends nothing, so it never
 * asks.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { assembleFirstCut, type RunReport, writeReport } from '../../assemble/index.ts';
import type { Catalog } from '../../catalog/load.ts';
import { EngineEvents } from '../../engine/events.ts';
import {
  buildJobSpecs,
  ffmpegClipTools,
  type JobSpec,
  prepareRun,
  runEngine,
} from '../../engine/index.ts';
import { ShotrouterError } from '../../errors.ts';
import { createPreviewProvider } from '../../providers/preview/index.ts';
import {
  createProviderRegistry,
  createStandInRegistry,
  type ProviderRegistry,
} from '../../providers/registry.ts';
import { planStoryboard } from '../../router/plan.ts';
import type { Plan } from '../../router/types.ts';
import { MediaFolder } from '../../store/media-folder.ts';
import { openStore } from '../../store/store.ts';
import type { Command, CommandIO } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import {
  asOfFromArgs,
  budgetFromArgs,
  catalogFromArgs,
  catalogOption,
  storyboardFromArgs,
} from '../shared.ts';
import { formatPlan } from './plan.ts';
import { progressView } from './run-view.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'plan, generate every shot and assemble the cut (resumable; --preview: local, no spend)',
  usage:
    'shotrouter run FILE [--out DIR] [--preview] [--yes] [--json] [--as-of DATE] [--budget USD] [--catalog OVERLAY] [--allow-outside-paths]',
  options: {
    ...catalogOption,
    out: { type: 'string' },
    preview: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    json: { type: 'boolean' },
    'as-of': { type: 'string' },
    budget: { type: 'string' },
    'allow-outside-paths': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const asOf = asOfFromArgs(args);
    const budgetUsd = budgetFromArgs(args);
    const catalog = catalogFromArgs(args, io);
    const storyboard = storyboardFromArgs(args, io, catalog);
    const plan = planStoryboard(storyboard, catalog, {
      ...(asOf ? { asOf } : {}),
      ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    });
    const json = args.values.json === true;
    const preview = args.values.preview === true;
    const say = (text: string) => {
      if (!json) io.stdout.write(`${text}\n`);
    };
    if (json) io.stdout.write(`${JSON.stringify({ type: 'plan', plan })}\n`);
    else say(formatPlan(plan, io.stdout.columns));
    refuseUnsatisfiable(plan);

    const registry = preview
      ? createStandInRegistry(createPreviewProvider())
      : providerRegistry(catalog, plan);
    const specs = await buildJobSpecs(plan, storyboard, registry.executor);
    const dir = path.resolve(
      io.cwd,
      String(args.values.out ?? path.join('runs', storyboardName(storyboard.file))),
    );
    const store = await openStore({ dir });
    try {
      const prepared = await prepareRun(
        store,
        {
          title: plan.title,
          storyboardFile: storyboard.file,
          storyboardSha256: createHash('sha256')
            .update(fs.readFileSync(storyboard.file))
            .digest('hex'),
          planJson: JSON.stringify(plan),
          budgetMicro: plan.budget_usd === null ? null : Math.round(plan.budget_usd * 1e6),
          executor: registry.executor,
        },
        specs,
        dir,
      );
      const runId = prepared.run.id;
      const jobs = await store.jobs(runId);
      const done = jobs.filter((j) => j.state === 'done' || j.state === 'skipped').length;
      const toSpend = preview ? 0 : estimateLeft(specs, jobs);
      say(
        `\nrun folder: ${path.relative(io.cwd, dir) || '.'} (${prepared.resumed ? 'resuming' : 'new run'}; ${done} of ${jobs.length} jobs already done${prepared.reused ? `, ${prepared.reused} reused from earlier runs` : ''})`,
      );
      say(
        preview
          ? 'preview: every shot is rendered locally; nothing is spent'
          : `to spend: up to $${toSpend.toFixed(2)}`,
      );
      if (toSpend > 0 && args.values.yes !== true) await askToSpend(io, toSpend);

      const events = new EngineEvents();
      const mode = json ? 'json' : io.stdout.isTTY ? 'live' : 'lines';
      const view = progressView(io, mode, { total: jobs.length, done });
      events.on((event) => view.handle(event));
      const media = new MediaFolder(dir);
      let outcome: Awaited<ReturnType<typeof runEngine>>;
      try {
        outcome = await runEngine({
          store,
          runId,
          specs,
          registry,
          media,
          tools: ffmpegClipTools,
          signal: io.signal,
          events,
        });
      } finally {
        view.close();
      }

      const reportInput = { dir, store, runId, plan, specs, preview, signal: io.signal };
      if (outcome.state === 'aborted') {
        await writeReport(reportInput, null);
        io.stderr.write(
          `interrupted: run the same command again to resume (${path.relative(io.cwd, dir) || '.'})\n`,
        );
        return 130;
      }
      say('assembling the first cut…');
      const cut = await assembleFirstCut({ ...reportInput, storyboard });
      if (json) io.stdout.write(`${JSON.stringify({ type: 'report', report: cut.report })}\n`);
      else say(summary(cut.report, path.relative(io.cwd, dir) || '.'));
      const failed = cut.report.shots.filter((s) => s.state !== 'done');
      if (failed.length > 0) {
        throw new ShotrouterError(
          'shots_failed',
          `${failed.length} shot${failed.length === 1 ? '' : 's'} failed on every allowed model: ${failed.map((s) => `${s.id} (${s.error ?? 'no clip'})`).join('; ')}`,
        );
      }
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
};

/** Exit 2 before anything runs when a shot has no model or the estimate is over budget. */
function refuseUnsatisfiable(plan: Plan): void {
  const errors = plan.problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return;
  const code = errors.every((p) => p.code === 'over_budget') ? 'over_budget' : 'unsatisfiable';
  throw new ShotrouterError(
    code,
    `the plan cannot be run:\n${errors.map((p) => `  ${p.shot ? `[${p.shot}] ` : ''}${p.message}`).join('\n')}`,
  );
}

/** Real providers. Every provider a plan's first choice needs must have an adapter. */
function providerRegistry(catalog: Catalog, plan: Plan): ProviderRegistry {
  const registry = createProviderRegistry([], {
    providerModelId: (provider, model) =>
      catalog.byId.get(model)?.routes.find((r) => r.provider === provider)?.model ?? model,
  });
  const missing = [...new Set(plan.shots.map((s) => s.provider).filter((p) => p !== null))].filter(
    (p) => !registry.has(p),
  );
  if (missing.length > 0) {
    throw new ShotrouterError(
      'unsatisfiable',
      `no adapter yet for ${missing.join(', ')}: this build can only rehearse the run; use --preview`,
    );
  }
  return registry;
}

function storyboardName(file: string): string {
  return path.basename(file, path.extname(file));
}

/** The list price of every job not done yet, on its first route. */
function estimateLeft(
  specs: JobSpec[],
  jobs: Array<{ shot_id: string; take: number; state: string }>,
): number {
  const pending = new Set(
    jobs
      .filter((j) => j.state !== 'done' && j.state !== 'skipped' && j.state !== 'standby')
      .map((j) => `${j.shot_id}#${j.take}`),
  );
  return specs
    .filter((s) => pending.has(s.key))
    .reduce((sum, s) => sum + (s.routes[0]?.estimateUsd ?? 0), 0);
}

export async function askToSpend(io: CommandIO, usd: number): Promise<void> {
  if (!io.stdin.isTTY || !(io.stdout.isTTY || io.stderr.isTTY)) {
    throw new ShotrouterError(
      'usage',
      `this run may spend up to $${usd.toFixed(2)} and there is no terminal to ask for consent: add --yes to spend, or --preview to rehearse for free`,
    );
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await rl.question(`Spend up to $${usd.toFixed(2)} on generation? [y/N] `, {
      signal: io.signal,
    });
    if (!/^y(es)?$/i.test(answer.trim()))
      throw new ShotrouterError('aborted', 'nothing spent: you declined');
  } finally {
    rl.close();
  }
}

function summary(report: RunReport, dir: string): string {
  const lines = [''];
  for (const shot of report.shots) {
    const how =
      shot.state === 'done'
        ? `${shot.model} (${shot.provider})${shot.cached ? ', reused' : ''}`
        : `FAILED: ${shot.error ?? 'no clip'}`;
    lines.push(
      `  ${shot.id.padEnd(10)} ${how} · ${shot.attempts} attempt${shot.attempts === 1 ? '' : 's'} · $${shot.spend_usd.toFixed(2)}`,
    );
  }
  const budget = report.budget_usd === null ? '' : ` of $${report.budget_usd.toFixed(2)}`;
  lines.push(
    '',
    `${report.total.done} of ${report.total.shots} shots made · spend $${report.total.spend_usd.toFixed(2)}${budget}`,
    `cut: ${path.join(dir, report.final ?? '')}  report: ${path.join(dir, 'report.json')}`,
  );
  return lines.join('\n');
}
