/**
 * Small hand-made model cards and shots for router tests, independent of the real catalog's data
 * (which changes as facts change).
 */
import type { Catalog } from '../../src/catalog/load.ts';
import { type ModelCard, ModelCardSchema } from '../../src/catalog/schema.ts';
import { parseStoryboard } from '../../src/storyboard/load.ts';
import type { Storyboard } from '../../src/storyboard/types.ts';

const S = 'test';
const f = <T>(value: T, unconfirmed?: string) => ({
  value,
  source: S,
  ...(unconfirmed ? { unconfirmed } : {}),
});

export interface CardSpec {
  id: string;
  durations?: { values: number[] } | { min: number; max: number; step: number };
  sizes?: string[];
  fps?: number[];
  audio?: 'none' | 'optional' | 'always';
  refs?: number;
  firstFrame?: boolean;
  lastFrame?: boolean;
  imageRequired?: boolean;
  multiShot?: { max_cuts: number; max_seconds: number } | null;
  extension?: { step_seconds: number; max_seconds: number } | null;
  status?: 'active' | 'preview' | 'deprecated' | 'retired';
  retiredOn?: string;
  replacement?: string;
  quality?: number;
  strengths?: Record<string, number>;
  perSecond?: number;
  price?: unknown[];
  latency?: number;
  provider?: string;
  openWeights?: { license: string; vram: number };
  conditions?: unknown[];
  /** more routes: provider and price per second */
  extraRoutes?: Array<{ provider: string; perSecond: number }>;
  /** why the frame rates are not confirmed */
  fpsUnconfirmed?: string;
  /** arena figures: [score, ci] per modality, snapshot 2026-08-01 */
  arena?: { t2v?: [number, number]; i2v?: [number, number] };
  /** GPU memory of the (local) first route's runtime */
  routeVram?: number;
  /** the most reference images the first route can send (default: the model's limit) */
  routeRefs?: number;
  /** the date of the card's source (default 2026-01-01) */
  sourceDate?: string;
}

export function card(spec: CardSpec): ModelCard {
  return ModelCardSchema.parse({
    id: spec.id,
    name: spec.id,
    vendor: 'Test',
    family: spec.id.split('-')[0],
    released: f('2025-01-01'),
    lifecycle: {
      status: f(spec.status ?? 'active'),
      ...(spec.retiredOn ? { retired_on: f(spec.retiredOn) } : {}),
      ...(spec.replacement ? { replacement: spec.replacement } : {}),
    },
    capabilities: {
      durations: f(spec.durations ?? { values: [5, 10] }),
      sizes: f(spec.sizes ?? ['1280x720', '720x1280', '1920x1080', '1080x1920']),
      fps: f(spec.fps ?? [24], spec.fpsUnconfirmed),
      audio: f(spec.audio ?? 'optional'),
      reference_images: f(spec.refs ?? 0),
      first_frame: f(spec.firstFrame ?? true),
      last_frame: f(spec.lastFrame ?? false),
      image_required: f(spec.imageRequired ?? false),
      multi_shot: f(spec.multiShot ?? null),
      extension: f(spec.extension ?? null),
      camera_control: f(false),
      conditions: spec.conditions ?? [],
    },
    quality: { value: spec.quality ?? 0.7, reason: 'test', source: S },
    ...(spec.arena
      ? {
          arena: Object.fromEntries(
            (['t2v', 'i2v'] as const)
              .filter((k) => spec.arena![k])
              .map((k) => [
                k === 't2v' ? 'text_to_video' : 'image_to_video',
                {
                  score: spec.arena![k]![0],
                  ci: spec.arena![k]![1],
                  snapshot: '2026-08-01',
                  source: S,
                },
              ]),
          ),
        }
      : {}),
    strengths: Object.fromEntries(
      Object.entries(spec.strengths ?? {}).map(([tag, weight]) => [
        tag,
        { weight, reason: 'test', source: S },
      ]),
    ),
    open_weights: spec.openWeights
      ? {
          license: f(spec.openWeights.license),
          min_vram_gb: f(spec.openWeights.vram),
          serving: ['comfyui'],
        }
      : null,
    routes: [
      {
        provider: spec.provider ?? (spec.openWeights ? 'comfyui' : 'fal'),
        model: spec.id,
        price: f(spec.price ?? [{ unit: 'second', usd: spec.perSecond ?? 0.1 }]),
        latency_seconds: f(spec.latency ?? 60),
        ...(spec.routeVram !== undefined ? { vram_gb: f(spec.routeVram) } : {}),
        ...(spec.routeRefs !== undefined ? { reference_images: f(spec.routeRefs) } : {}),
      },
      ...(spec.extraRoutes ?? []).map((r) => ({
        provider: r.provider,
        model: spec.id,
        price: f([{ unit: 'second', usd: r.perSecond }]),
        latency_seconds: f(spec.latency ?? 60),
      })),
    ],
    sources: { [S]: { url: 'https://example.test', as_of: spec.sourceDate ?? '2026-01-01' } },
  });
}

export function catalogOf(cards: ModelCard[]): Catalog {
  const models = [...cards].sort((a, b) => a.id.localeCompare(b.id));
  return {
    models,
    editModels: [],
    byId: new Map(models.map((m) => [m.id, m])),
    judges: [],
    judgesById: new Map(),
    voices: [],
    voicesById: new Map(),
    images: [],
    imagesById: new Map(),
    fileOf: new Map(models.map((m) => [m.id, `${m.id}.yaml`])),
    origin: { source: 'folder', digest: 'sha256:test-fixture', overlays: [] },
  };
}

/** A storyboard from YAML text; reference files are not needed (tests use URLs). */
export function board(yaml: string, knownModels?: string[]): Storyboard {
  return parseStoryboard(
    yaml,
    '/tmp/shotrouter-test/storyboard.yaml',
    knownModels ? { knownModels } : {},
  );
}
