import { lifecycleAt } from '../../catalog/load.ts';
import type { ModelCard } from '../../catalog/schema.ts';
import { parseSize } from '../../catalog/tiers.ts';
import { allowedDurations } from '../../router/snap.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { renderTable } from '../format/table.ts';
import { asOfFromArgs, catalogFromArgs, catalogOption, writeJson } from '../shared.ts';

export const modelsCommand: Command = {
  name: 'models',
  summary: 'the catalog: every model with its capabilities, price, lifecycle and sources',
  usage: 'shotrouter models [--json] [--as-of DATE] [--catalog OVERLAY]',
  options: { ...catalogOption, json: { type: 'boolean' }, 'as-of': { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const asOf = asOfFromArgs(args) ?? new Date().toISOString().slice(0, 10);
    const catalog = catalogFromArgs(args, io);
    if (args.values.json) {
      writeJson(io, {
        as_of: asOf,
        models: catalog.models.map((m) => ({ ...m, lifecycle_at_as_of: lifecycleAt(m, asOf) })),
        // recorded with their facts, never routed for generation (kind: edit)
        edit_models: catalog.editModels.map((m) => ({
          ...m,
          lifecycle_at_as_of: lifecycleAt(m, asOf),
        })),
      });
      return EXIT.ok;
    }
    const rows = catalog.models.map((m) => modelRow(m, asOf));
    const edits = catalog.editModels.map((m) => m.id);
    const editNote =
      edits.length > 0
        ? `\nedit models (video in, never routed for generation): ${edits.join(', ')}`
        : '';
    io.stdout.write(
      `${renderTable(
        [
          { header: 'model' },
          { header: 'state' },
          { header: 'seconds' },
          { header: 'max size' },
          { header: 'fps' },
          { header: 'audio' },
          { header: 'refs', align: 'right' },
          { header: 'from $/s', align: 'right' },
          { header: 'routes', shrink: true },
        ],
        rows,
        Math.max(io.stdout.columns ?? 120, 100),
      )}\n\nas of ${asOf}; '*' marks a fact no primary source confirms. Details: shotrouter models --json${editNote}\n`,
    );
    return EXIT.ok;
  },
};

function modelRow(m: ModelCard, asOf: string): string[] {
  const c = m.capabilities;
  const star = (f: { unconfirmed?: string | undefined }) => (f.unconfirmed ? '*' : '');
  const life = lifecycleAt(m, asOf);
  const durations = allowedDurations(c.durations.value);
  const seconds =
    durations.length > 4
      ? `${durations[0]}–${durations.at(-1)}`
      : durations.map((d) => String(d)).join(',');
  const largest = c.sizes.value
    .map(parseSize)
    .sort((a, b) => b.width * b.height - a.width * a.height)[0]!;
  const perSecond = m.routes
    .flatMap((r) => r.price.value)
    .map((p) => (p.unit === 'second' ? p.usd : p.unit === 'clip' ? p.usd / p.seconds : Number.NaN))
    .filter((n) => Number.isFinite(n));
  const state =
    life.state === 'retired' || life.state === 'deprecated'
      ? `${life.state} ${life.date ?? ''}`.trim()
      : life.state;
  return [
    m.id,
    state,
    seconds + star(c.durations),
    `${largest.width}x${largest.height}${star(c.sizes)}`,
    c.fps.value.join(',') + star(c.fps),
    c.audio.value + star(c.audio),
    String(c.reference_images.value) + star(c.reference_images),
    perSecond.length > 0 ? Math.min(...perSecond).toFixed(3) : 'tokens',
    [...new Set(m.routes.map((r) => r.provider))].join(','),
  ];
}
