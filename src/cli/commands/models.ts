import { lifecycleAt, routeRetiredAt } from '../../catalog/load.ts';
import { MODALITIES, type ModelCard } from '../../catalog/schema.ts';
import { parseSize } from '../../catalog/tiers.ts';
import { retirementOf, staleness } from '../../router/lifecycle.ts';
import { qualitiesFor } from '../../router/quality.ts';
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
        models: catalog.models.map((m) => describe(m, asOf)),
        // recorded with their facts, never routed for generation (kind: edit)
        edit_models: catalog.editModels.map((m) => describe(m, asOf)),
        // vision judges for take checks (kind: judge), never routed for generation
        judge_models: catalog.judges.map((j) => ({
          ...j,
          state: lifecycleAt(j, asOf).state,
        })),
        // text-to-speech models for narration (kind: tts), never routed for video
        voice_models: catalog.voices.map((v) => ({
          ...v,
          state: lifecycleAt(v, asOf).state,
        })),
        // image models for the stills of a storyboard's images: (kind: image)
        image_models: catalog.images.map((i) => ({
          ...i,
          state: lifecycleAt(i, asOf).state,
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
    const judges = catalog.judges.map((j) => j.id);
    const judgeNote =
      judges.length > 0
        ? `\njudges (take checks: shotrouter qc --judge MODEL): ${judges.join(', ')}`
        : '';
    const voices = catalog.voices.map((v) => v.id);
    const voiceNote =
      voices.length > 0 ? `\nvoices (narration: voices.<speaker>.model): ${voices.join(', ')}` : '';
    const images = catalog.images.map((i) => i.id);
    const imageNote =
      images.length > 0 ? `\nimage models (stills for images:): ${images.join(', ')}` : '';
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
          { header: 't2v', align: 'right' },
          { header: 'i2v', align: 'right' },
          { header: 'routes (retiring)', shrink: true },
        ],
        rows,
        Math.max(io.stdout.columns ?? 120, 100),
      )}\n\nas of ${asOf}; '*' marks a fact no primary source confirms. t2v / i2v: the Artificial Analysis arena score ± interval for text- and image-to-video (j = the judged quality where none is measured). '!' marks a card whose newest source is over 120 days old. Details: shotrouter models --json${editNote}${judgeNote}${voiceNote}${imageNote}\n`,
    );
    return EXIT.ok;
  },
};

/** A card as `models --json` shows it: its facts, and what they mean at `asOf`. */
function describe(m: ModelCard, asOf: string) {
  return {
    ...m,
    lifecycle_at_as_of: lifecycleAt(m, asOf),
    quality_by_modality: qualityByModality(m),
    routes_at_as_of: routesAtAsOf(m, asOf),
    stale: staleness(m, asOf),
  };
}

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
    ...MODALITIES.map((modality) => {
      const figure = m.arena?.[modality];
      return figure ? `${figure.score}±${figure.ci}` : `j${m.quality.value}`;
    }),
    routesCell(m, asOf) + (staleness(m, asOf) ? ' !' : ''),
  ];
}

/** Each route once; a retired route shows "(ret. DATE)", one retiring later "(→DATE, replacement)". */
function routesCell(m: ModelCard, asOf: string): string {
  return m.routes
    .map((r) => {
      const retirement = retirementOf(m, r, asOf);
      if (!retirement) return r.provider;
      if (routeRetiredAt(r, asOf) || retirement.days_left <= 0)
        return `${r.provider}(ret. ${retirement.date})`;
      return `${r.provider}(→${retirement.date}${retirement.replacement ? ` ${retirement.replacement}` : ''})`;
    })
    .filter((cell, i, all) => all.indexOf(cell) === i)
    .join(',');
}

/** The quality routing would use per modality, with the figure's source and snapshot. */
function qualityByModality(m: ModelCard) {
  return Object.fromEntries(
    MODALITIES.map((modality) => [modality, qualitiesFor([m], modality)[0]!]),
  );
}

/** Every route with its retirement (date, days after as_of, the catalog's replacement). */
function routesAtAsOf(m: ModelCard, asOf: string) {
  return m.routes.map((r) => {
    const retirement = retirementOf(m, r, asOf);
    return {
      provider: r.provider,
      model: r.model,
      usable: !routeRetiredAt(r, asOf) && !(retirement && retirement.days_left <= 0),
      retires_on: retirement?.date ?? null,
      days_left: retirement?.days_left ?? null,
      replacement: retirement?.replacement ?? m.lifecycle.replacement ?? null,
      ...(r.vram_gb ? { vram_gb: r.vram_gb.value } : {}),
    };
  });
}
