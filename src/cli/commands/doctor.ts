/**
 * `shotrouter doctor [FILE] [--out DIR]`: what this machine offers a run. Without a storyboard:
 * ffmpeg and ffprobe (present, version 5 or newer) and which providers the credentials enable.
 * With one: the same preflight `run` does before its first paid start (lib/preflight.ts): the
 * run folder, the free disk for its clips, each shot's first-choice credentials and prompt
 * limit. Exit 0 when a run could start, 2 when it could not (one line per problem).
 */
import path from 'node:path';
import { buildJobSpecs } from '../../engine/job-spec.ts';
import {
  checkDisk,
  checkMedia,
  checkReachable,
  checkRoutes,
  estimateMediaBytes,
  type PreflightProblem,
  prepareFolder,
} from '../../lib/preflight.ts';
import {
  CREDENTIAL_PROVIDERS,
  credentialsFor,
  missingCredentialHint,
} from '../../providers/credentials.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { renderTable } from '../format/table.ts';
import { catalogFromArgs, catalogOption, planFromArgs, writeJson } from '../shared.ts';

interface ProviderCheck {
  provider: string;
  usable: boolean;
  /** where requests go (never a secret) */
  base_url: string | null;
  sandbox: boolean;
  /** catalog models with a route through this provider */
  models: string[];
  hint: string | null;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary:
    'which providers your credentials enable, whether ffmpeg is there; with FILE, the preflight of its run',
  usage:
    'shotrouter doctor [FILE] [--out DIR] [--json] [--catalog OVERLAY] [--as-of DATE] [--budget USD] [--allow-outside-paths]',
  options: {
    ...catalogOption,
    json: { type: 'boolean' },
    out: { type: 'string' },
    'as-of': { type: 'string' },
    budget: { type: 'string' },
    'allow-outside-paths': { type: 'boolean' },
  },
  positionals: { min: 0, max: 1 },
  async run(args, io) {
    const catalog = catalogFromArgs(args, io);
    const providers: ProviderCheck[] = CREDENTIAL_PROVIDERS.map((provider) => {
      const credentials = credentialsFor(provider, io.env);
      return {
        provider,
        usable: credentials !== null,
        base_url: credentials?.baseUrl ?? null,
        sandbox: credentials?.sandbox ?? false,
        models: catalog.models
          .filter((m) => m.routes.some((r) => r.provider === provider))
          .map((m) => m.id),
        hint: credentials ? null : missingCredentialHint(provider),
      };
    });
    const media = await checkMedia();
    const problems: PreflightProblem[] = [];
    if (!media.ok) problems.push({ check: 'media', message: media.problem ?? 'ffmpeg is missing' });
    const warnings: string[] = [];
    if (args.positionals[0] !== undefined) {
      const { storyboard, plan } = planFromArgs(args, io);
      const file = storyboard.file;
      const dir = path.resolve(
        io.cwd,
        String(args.values.out ?? path.join('runs', path.basename(file, path.extname(file)))),
      );
      const folder = prepareFolder(dir);
      if (folder !== null) problems.push({ check: 'folder', message: folder });
      const specs = await buildJobSpecs(plan, storyboard, 'providers');
      const routes = checkRoutes(specs, storyboard, catalog, io.env, { credentials: true });
      problems.push(...routes.problems);
      warnings.push(...routes.warnings);
      const reach = await checkReachable(routes.specs, io.env);
      problems.push(...reach.problems);
      warnings.push(...reach.warnings);
      if (folder === null) {
        const disk = checkDisk(dir, estimateMediaBytes(specs, storyboard));
        if (disk !== null) problems.push({ check: 'disk', message: disk });
      }
    }
    const report = {
      node: process.version,
      media: media.ok
        ? { ok: true, ffmpeg: media.ffmpeg, ffprobe: media.ffprobe, version: media.version }
        : { ok: false, error: media.problem },
      providers,
      problems,
      warnings,
    };
    if (args.values.json) {
      writeJson(io, report);
    } else {
      const rows = providers.map((p) => [
        p.provider,
        p.usable ? (p.sandbox ? 'sandbox' : 'yes') : 'no',
        p.usable ? (p.base_url ?? '') : (p.hint ?? ''),
        p.models.join(', '),
      ]);
      io.stdout.write(
        `node ${process.version}\n${media.ok ? `ffmpeg: ${media.version} (${media.ffmpeg})` : `ffmpeg: MISSING: ${media.problem}`}\n\n`,
      );
      io.stdout.write(
        `${renderTable(
          [
            { header: 'provider' },
            { header: 'usable' },
            { header: 'where / what to set', shrink: true },
            { header: 'models', shrink: true },
          ],
          rows,
          Math.max(io.stdout.columns ?? 100, 100),
        )}\n\n${providers.filter((p) => p.usable).length} of ${providers.length} providers usable; \`run --preview\` needs none.\n`,
      );
      for (const warning of warnings) io.stdout.write(`warning: ${warning}\n`);
      if (args.positionals[0] !== undefined && problems.length === 0) {
        io.stdout.write('preflight: the run can start\n');
      }
      for (const problem of problems) io.stderr.write(`problem: ${problem.message}\n`);
    }
    return problems.length === 0 ? EXIT.ok : EXIT.unsatisfiable;
  },
};
