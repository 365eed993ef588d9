/**
 * `shotrouter run FILE`: plan, generate every shot, assemble the cut. Resumable: running it
 * again on the same --out keeps what is done, polls what is in flight and starts the rest.
 *
 * Spending needs consent: without --yes the plan and its estimated spend are shown and the user
 * is asked before the first paid call; with no terminal to ask on, `run` refuses (exit 64, a
 * usage error: add --yes). --preview renders every shot locally and spends nothing, so it never
 * asks.
 */
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { RunReport } from '../../assemble/index.ts';
import { ShotrouterError } from '../../errors.ts';
import { assertRunnable } from '../../lib/plan.ts';
import { run } from '../../lib/run.ts';
import { sharedStoreOpener } from '../../queue/shared-store.ts';
import { shownUsd } from '../../util/money.ts';
import type { Command, CommandIO } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { catalogOption, databaseUrl, planFromArgs, writeJson } from '../shared.ts';
import { formatPlan } from './plan.ts';
import { describeAssembly, type ProgressView, progressView } from './run-view.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'plan, generate every shot and assemble the cut (resumable; --preview: local, no spend)',
  usage:
    'shotrouter run FILE [--out DIR] [--preview] [--yes] [--json] [--as-of DATE] [--budget USD] [--retry-failed] [--catalog OVERLAY] [--allow-outside-paths] [--db URL] [--media DIR]',
  options: {
    ...catalogOption,
    out: { type: 'string' },
    preview: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    json: { type: 'boolean' },
    'as-of': { type: 'string' },
    budget: { type: 'string' },
    'allow-outside-paths': { type: 'boolean' },
    /** buy again the shots whose paid take failed its checks (kept, and not re-bought, by default) */
    'retry-failed': { type: 'boolean' },
    db: { type: 'string' },
    /** with --db: the folder the workers share (default SHOTROUTER_MEDIA_DIR, else the run folder) */
    media: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const url = databaseUrl(args, io, false);
    const { catalog, storyboard, plan } = planFromArgs(args, io);
    const json = args.values.json === true;
    const preview = args.values.preview === true;
    const say = (text: string) => {
      if (!json) io.stdout.write(`${text}\n`);
    };
    // one line, written in chunks: a long storyboard's plan is over 100 MB of JSON
    if (json) writeJson(io, { type: 'plan', plan }, { indentedDepth: 0 });
    else say(formatPlan(plan, io.stdout.columns));
    // a preview spends nothing: over the budget, it still runs
    assertRunnable(plan, { preview });

    const dir = path.resolve(
      io.cwd,
      String(args.values.out ?? path.join('runs', storyboardName(storyboard.file))),
    );
    // a folder under the current one by its relative path, anything else in full
    const relative = path.relative(io.cwd, dir);
    const shownDir = relative === '' ? '.' : relative.startsWith('..') ? dir : relative;
    let view: ProgressView | undefined;
    let assembling = false;
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run({
        storyboard,
        catalog,
        plan,
        dir,
        preview,
        retryFailed: args.values['retry-failed'] === true,
        env: io.env,
        signal: io.signal,
        // a shared database: the state lives there and `shotrouter worker`s make the clips
        ...(url
          ? {
              openStore: sharedStoreOpener(url, { env: io.env }),
              // the queue (pg-boss) is loaded only for a shared run
              execute: (await import('../../queue/coordinator.ts')).distributedExecutor({
                url,
                ...sharedMedia(args.values.media, io),
              }),
            }
          : {}),
        confirmSpend: async ({ usd, stage }) => {
          const what = stage === 'narration' ? 'narration (text to speech)' : 'generation';
          if (args.values.yes !== true) await askToSpend(io, usd, what);
          return true;
        },
        onEvent(event) {
          if (event.type === 'prepared') {
            say(
              `\nrun folder: ${shownDir} (${event.resumed ? 'resuming' : 'new run'}; ${event.done} of ${event.jobs} jobs already done${event.reused ? `, ${event.reused} reused from earlier runs` : ''})`,
            );
            for (const warning of event.warnings) say(`warning: ${warning}`);
            say(
              preview
                ? 'preview: every shot is rendered locally; nothing is spent'
                : `to spend: up to ${shownUsd(event.toSpendUsd)}${
                    event.worstCaseUsd > event.toSpendUsd + 1e-9
                      ? ` (up to ${shownUsd(event.worstCaseUsd)} if takes fail their checks and are retaken, never over the budget)`
                      : ''
                  }`,
            );
            const mode = json ? 'json' : io.stdout.isTTY ? 'live' : 'lines';
            view = progressView(io, mode, { total: event.jobs, done: event.done });
          } else if (event.type === 'assembling') {
            view?.close();
            assembling = true;
            say('assembling the cut, the timelines and the report…');
          } else if (event.type === 'assembly' && assembling && !json) {
            // the live view is closed by now: one line per step
            say(`${event.at.slice(11, 19)} ${describeAssembly(event)}`);
          } else if (event.type !== 'assembled') {
            view?.handle(event);
          }
        },
      });
    } finally {
      view?.close();
    }

    if (result.state === 'aborted') {
      io.stderr.write(`interrupted: run the same command again to resume (${shownDir})\n`);
      return 130;
    }
    if (json) io.stdout.write(`${JSON.stringify({ type: 'report', report: result.report })}\n`);
    else say(summary(result.report, shownDir));
    if (result.failed.length > 0) {
      const failed = result.failed;
      const list = failed.map((s) => `${s.id} (${s.error ?? 'no clip'})`).join('; ');
      const plural = failed.length === 1 ? '' : 's';
      // the budget could not cover the next start: the run cannot be satisfied as it stands
      if (failed.some((s) => s.error_code === 'over_budget')) {
        throw new ShotrouterError(
          'over_budget',
          `${failed.length} shot${plural} not made: the budget left could not cover ${failed.length === 1 ? 'its' : 'their'} next start: ${list}. Raise --budget (or budget_usd) and run the same command again`,
        );
      }
      const paid = failed.filter((s) => s.paid_takes.length > 0);
      // every take failed its checks: the best of them is in the cut, marked
      const shown = failed.filter((s) => s.file !== null).length;
      const inCut =
        shown === 0
          ? ''
          : ` (the best failing take${shown === 1 ? ' is' : `s of ${shown} shots are`} in the cut, marked)`;
      throw new ShotrouterError(
        'shots_failed',
        `${failed.length} shot${plural} failed on every allowed model: ${list}${paid.length > 0 ? `\n${paid.length} of them kept a paid take that failed its checks${inCut} (see the report); running again does not buy ${paid.length === 1 ? 'it' : 'them'} again: add --retry-failed to pay for a new take` : ''}`,
      );
    }
    return EXIT.ok;
  },
};

function storyboardName(file: string): string {
  return path.basename(file, path.extname(file));
}

export async function askToSpend(io: CommandIO, usd: number, what = 'generation'): Promise<void> {
  if (!io.stdin.isTTY || !(io.stdout.isTTY || io.stderr.isTTY)) {
    throw new ShotrouterError(
      'usage',
      `this run may spend up to ${shownUsd(usd)} and there is no terminal to ask for consent: add --yes to spend, or --preview to rehearse for free`,
    );
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await rl.question(`Spend up to ${shownUsd(usd)} on ${what}? [y/N] `, {
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
    `cut: ${path.join(dir, report.final ?? '')}`,
    `report: ${path.join(dir, 'report.html')} (and report.json); timelines: ${path.join(dir, 'timeline.{otio,fcpxml,edl}')}`,
  );
  return lines.join('\n');
}

/** The shared media folder of a distributed run: --media, else SHOTROUTER_MEDIA_DIR, else none. */
function sharedMedia(flag: unknown, io: CommandIO): { mediaRoot?: string } {
  const dir = typeof flag === 'string' && flag !== '' ? flag : io.env.SHOTROUTER_MEDIA_DIR;
  return dir ? { mediaRoot: path.resolve(io.cwd, dir) } : {};
}
