/** Flag handling shared by several commands. */
import path from 'node:path';
import type { Catalog } from '../catalog/load.ts';
import { InvalidInputError, ShotrouterError } from '../errors.ts';
import { foreignFormatHint } from '../import/index.ts';
import { catalog as userCatalog } from '../lib/catalog.ts';
import { plan as makePlan } from '../lib/plan.ts';
import { CREDENTIAL_PROVIDERS } from '../providers/credentials.ts';
import type { Plan } from '../router/types.ts';
import { isPostgresUrl } from '../store/url.ts';
import { LIMITS } from '../storyboard/check.ts';
import { loadStoryboard } from '../storyboard/load.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { type JsonLayout, jsonChunks } from '../util/json-pieces.ts';
import type { CommandArgs, CommandIO } from './command.ts';

export const catalogOption = {
  catalog: { type: 'string', multiple: true },
} as const;

/**
 * The user's catalog: the installed bundle or the built-in cards, with the overlays of
 * SHOTROUTER_CATALOG (':'-separated) and `--catalog FILE` (repeatable) on top.
 */
export function catalogFromArgs(args: CommandArgs, io: CommandIO): Catalog {
  const overlays = (args.values.catalog as string[] | undefined) ?? [];
  return userCatalog({ overlays, env: io.env, cwd: io.cwd });
}

export function storyboardFromArgs(args: CommandArgs, io: CommandIO, catalog: Catalog): Storyboard {
  const file = path.resolve(io.cwd, args.positionals[0]!);
  try {
    return loadStoryboard(file, {
      knownModels: [...catalog.byId.keys()],
      knownJudges: [...catalog.judgesById.keys()],
      knownVoiceModels: [...catalog.voicesById.keys()],
      knownImageModels: [...catalog.imagesById.keys()],
      allowOutsidePaths: args.values['allow-outside-paths'] === true,
    });
  } catch (error) {
    throw foreignFileError(error, file);
  }
}

/**
 * A file refused as a storyboard that is a MulmoScript, a Fountain screenplay or a CSV shot
 * list: one problem saying so and naming the import command, instead of a storyboard's field
 * errors (a MulmoScript alone gives seven or more "unknown field" ones). Any other error as is.
 */
function foreignFileError(error: unknown, file: string): unknown {
  if (!(error instanceof InvalidInputError) || error.code !== 'invalid_storyboard') return error;
  const foreign = foreignFormatHint(file);
  if (foreign === undefined) return error;
  const count = error.problems.length;
  return new InvalidInputError('invalid_storyboard', [
    {
      file,
      line: 1,
      col: 1,
      path: '',
      message: `${foreign.message} (read as a storyboard it has ${count} ${count === 1 ? 'problem' : 'problems'})`,
      hint: foreign.hint,
    },
  ]);
}

export function asOfFromArgs(args: CommandArgs): string | undefined {
  const value = args.values['as-of'];
  if (value === undefined) return undefined;
  const text = String(value);
  const date = new Date(`${text}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) ||
    Number.isNaN(date.getTime()) ||
    date.toISOString().slice(0, 10) !== text
  ) {
    throw new ShotrouterError('usage', `--as-of must be a date YYYY-MM-DD, got '${text}'`);
  }
  return text;
}

/** The largest budget accepted, as in a storyboard's `budget_usd`. */
const MAX_BUDGET_USD = LIMITS.maxBudgetUsd;

/**
 * `--budget USD`: a plain decimal number of dollars (`25`, `9.68`, `0.5`), finite, positive and
 * at most $1,000,000. Hexadecimal, exponents, signs, `Infinity` and more than six decimals
 * (below a micro-dollar, the unit money is counted in) are wrong usage.
 */
export function budgetFromArgs(args: CommandArgs): number | undefined {
  const value = args.values.budget;
  if (value === undefined) return undefined;
  const text = String(value).trim().replace(/^\$/, '');
  const budget = Number(text);
  if (!/^\d+(\.\d{1,6})?$/.test(text) || !(budget > 0) || budget > MAX_BUDGET_USD) {
    throw new ShotrouterError(
      'usage',
      `--budget takes a plain decimal number of dollars greater than 0 and at most ${MAX_BUDGET_USD} (e.g. --budget 25 or --budget 9.68), got '${String(value)}'`,
    );
  }
  return budget;
}

/** `--providers fal,vertex`: plan as if exactly these had credentials (replays a plan's `providers`). */
export function providersFromArgs(args: CommandArgs): string[] | undefined {
  const value = args.values.providers;
  if (value === undefined) return undefined;
  const list = String(value)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  // every provider credentials can name: the video providers and ElevenLabs (voices only)
  const unknown = list.filter((p) => !(CREDENTIAL_PROVIDERS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new ShotrouterError(
      'usage',
      `--providers takes provider ids (${CREDENTIAL_PROVIDERS.join(', ')}); unknown: ${unknown.join(', ')}`,
    );
  }
  return list;
}

export function writeJson(io: CommandIO, value: unknown, layout?: JsonLayout): void {
  // in chunks: a long storyboard's plan is over 100 MB of JSON
  jsonChunks(value, (chunk) => io.stdout.write(chunk), layout);
  io.stdout.write('\n');
}

/**
 * `plan --json`: the plan's fields and its lists indented, each shot, problem, still and speech
 * step compact on a line of its own (one line per shot: the traces of a long plan in half the
 * bytes of full indentation, and still one `grep` away).
 */
export function writePlanJson(io: CommandIO, plan: Plan): void {
  writeJson(io, plan, { indentedDepth: 2 });
}

/**
 * The catalog, the storyboard and its plan from the flags every planning command shares
 * (`FILE`, `--catalog`, `--allow-outside-paths`, `--as-of`, `--budget`). Routes follow the
 * providers the user has credentials for (never the secrets themselves).
 */
export function planFromArgs(args: CommandArgs, io: CommandIO) {
  const asOf = asOfFromArgs(args);
  const budgetUsd = budgetFromArgs(args);
  const catalog = catalogFromArgs(args, io);
  const storyboard = storyboardFromArgs(args, io, catalog);
  const providers = providersFromArgs(args);
  const plan = makePlan(storyboard, catalog, {
    ...(asOf ? { asOf } : {}),
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    env: io.env,
    ...(providers ? { providers } : {}),
  });
  return { catalog, storyboard, plan };
}

/** `--db URL`, else SHOTROUTER_DATABASE_URL; a PostgreSQL URL (SQLite needs no URL). */
export function databaseUrl(args: CommandArgs, io: CommandIO, required: boolean): string | null {
  const url = args.values.db ?? io.env.SHOTROUTER_DATABASE_URL;
  if (typeof url !== 'string' || url === '') {
    if (!required) return null;
    throw new ShotrouterError(
      'usage',
      'give the shared PostgreSQL database: --db postgres://… (or SHOTROUTER_DATABASE_URL)',
    );
  }
  if (!isPostgresUrl(url)) {
    throw new ShotrouterError('usage', '--db takes a PostgreSQL URL (postgres://user@host/db)');
  }
  return url;
}
