/**
 * `shotrouter worker --db URL --media DIR`: take generation jobs from the shared PostgreSQL
 * queue until stopped (see src/queue/worker.ts). Start one on every machine that should make
 * clips; `--serve comfyui` on machines whose own ComfyUI (COMFYUI_URL) makes the open-model
 * shots. Logs are JSON lines on stdout. SIGTERM or Ctrl-C: take no more jobs, let the ones in
 * hand finish for `--grace` seconds, hand the rest back, leave.
 */
import path from 'node:path';
import { ffmpegClipTools } from '../../engine/index.ts';
import { ShotrouterError } from '../../errors.ts';
import { previewRegistry } from '../../lib/providers.ts';
import { createAdapters } from '../../providers/adapters.ts';
import { PREVIEW_PROVIDER } from '../../providers/preview/index.ts';
import { createProviderRegistry, type ProviderRegistry } from '../../providers/registry.ts';
import { jsonLogger } from '../../queue/log.ts';
import { startWorker } from '../../queue/worker.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { catalogFromArgs, catalogOption, databaseUrl } from '../shared.ts';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'take generation jobs from a shared PostgreSQL queue (many machines, one studio)',
  usage:
    'shotrouter worker --db URL --media DIR [--serve comfyui] [--local-only] [--jobs N] [--lease SECONDS] [--grace SECONDS] [--catalog OVERLAY]',
  options: {
    ...catalogOption,
    db: { type: 'string' },
    media: { type: 'string' },
    serve: { type: 'string', multiple: true },
    'local-only': { type: 'boolean' },
    jobs: { type: 'string' },
    lease: { type: 'string' },
    grace: { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const url = databaseUrl(args, io, true)!;
    const media = args.values.media ?? io.env.SHOTROUTER_MEDIA_DIR;
    if (typeof media !== 'string' || media === '') {
      throw new ShotrouterError(
        'usage',
        'give the shared folder where every worker keeps clips: --media DIR (or SHOTROUTER_MEDIA_DIR)',
      );
    }
    const catalog = catalogFromArgs(args, io);
    const registries = new Map<string, ProviderRegistry>();
    const registryFor = (executor: string): ProviderRegistry => {
      let registry = registries.get(executor);
      if (!registry) {
        registry =
          executor === PREVIEW_PROVIDER
            ? previewRegistry()
            : createProviderRegistry(createAdapters({ env: io.env, catalog }), {
                executor,
                providerModelId: (provider, model) =>
                  catalog.byId.get(model)?.routes.find((r) => r.provider === provider)?.model ??
                  model,
              });
        registries.set(executor, registry);
      }
      return registry;
    };
    const worker = await startWorker({
      url,
      mediaRoot: path.resolve(io.cwd, media),
      registryFor,
      tools: ffmpegClipTools,
      serves: (args.values.serve as string[] | undefined) ?? [],
      hosted: args.values['local-only'] !== true,
      ...(args.values.jobs ? { concurrency: positive(args.values.jobs, '--jobs') } : {}),
      ...(args.values.lease ? { leaseMs: positive(args.values.lease, '--lease') * 1000 } : {}),
      log: jsonLogger((line) => io.stdout.write(line)),
    });
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const grace = args.values.grace ? positive(args.values.grace, '--grace') : 0;
    await worker.stop({ graceMs: grace * 1000 });
    return EXIT.ok;
  },
};

function positive(value: unknown, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ShotrouterError('usage', `${flag} must be a positive number, got '${String(value)}'`);
  }
  return n;
}
