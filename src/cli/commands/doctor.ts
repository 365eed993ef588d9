import { execFileSync } from 'node:child_process';
import { ShotrouterError } from '../../errors.ts';
import { findBinaries } from '../../media/ffmpeg.ts';
import {
  CREDENTIAL_PROVIDERS,
  credentialsFor,
  missingCredentialHint,
} from '../../providers/credentials.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { renderTable } from '../format/table.ts';
import { catalogFromArgs, catalogOption, writeJson } from '../shared.ts';

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
  summary: 'which providers are usable with your credentials, and whether ffmpeg is there',
  usage: 'shotrouter doctor [--json] [--catalog OVERLAY]',
  options: { ...catalogOption, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
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
    const media = mediaCheck();
    const report = { node: process.version, media, providers };
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
        `node ${process.version}\n${media.ok ? `ffmpeg: ${media.version} (${media.ffmpeg})` : `ffmpeg: MISSING: ${media.error}`}\n\n`,
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
    }
    return media.ok ? EXIT.ok : EXIT.unsatisfiable;
  },
};

function mediaCheck():
  | { ok: true; ffmpeg: string; ffprobe: string; version: string }
  | { ok: false; error: string } {
  try {
    const { ffmpeg, ffprobe } = findBinaries();
    const version = execFileSync(ffmpeg, ['-version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
    return { ok: true, ffmpeg, ffprobe, version: version.replace(/ Copyright.*/, '') };
  } catch (error) {
    return { ok: false, error: ShotrouterError.is(error) ? error.message : String(error) };
  }
}
