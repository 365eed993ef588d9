/**
 * Assembly tests run the real pipeline on tiny clips: a storyboard written on the spot, a plan
 * made by hand (so every generated size, rate and sound is what the test needs), the engine with
 * a provider that renders each request with ffmpeg as the test describes it, then the delivery.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { assembleDelivery, type Delivery } from '../../src/assemble/index.ts';
import {
  buildJobSpecs,
  ffmpegClipTools,
  type JobSpec,
  prepareRun,
  runEngine,
} from '../../src/engine/index.ts';
import { sha256 } from '../../src/engine/job-spec.ts';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import type { Provider, ShotContext, VideoCallOptions } from '../../src/providers/types.ts';
import type { GenerateRequest, Plan, PlannedShot } from '../../src/router/types.ts';
import { MediaFolder } from '../../src/store/media-folder.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { loadStoryboard } from '../../src/storyboard/load.ts';
import type { Storyboard } from '../../src/storyboard/types.ts';

const exec = promisify(execFile);

/** What a generated clip looks and sounds like (its length, size and rate are the request's). */
export interface Look {
  /** solid colours one after another, each for its seconds (the last runs to the end) */
  scenes?: Array<{ color: string; seconds: number }>;
  /** a moving luma ramp, losslessly coded: frame n has luma 16 + 4 × (n mod 50) */
  ramp?: boolean;
  /** a sine tone at this level; no sound unless the request asks for it or this is given */
  tone?: { dbfs: number; rate?: number; channels?: number };
}

export interface Request {
  unit: string;
  take: number;
  seconds: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
}

/** A provider that renders every request locally; counts the starts it sees. */
export interface FixtureProvider extends Provider {
  starts: Request[];
}

export function fixtureProvider(look: (request: Request) => Look): FixtureProvider {
  const starts: Request[] = [];
  const provider: FixtureProvider = {
    starts,
    info: {
      id: 'fixture',
      concurrency: 4,
      requestsPerMinute: null,
      pollIntervalMs: 0,
      free: true,
      reconcileMethod: 'deterministic',
      async reconcileStart({ request }) {
        return { status: 'started', operation: requestOf(request) as never };
      },
    },
    model: (modelId) => ({
      specificationVersion: 'v4',
      provider: 'fixture',
      modelId,
      maxVideosPerCall: 1,
      async doStart(options) {
        const request = requestOf(options);
        starts.push(request);
        return {
          operation: request as never,
          warnings: [],
          response: { timestamp: new Date(), modelId, headers: undefined },
        };
      },
      async doStatus({ operation }) {
        const request = operation as unknown as Request;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-fixture-'));
        try {
          const file = path.join(dir, 'clip.mp4');
          await render(file, request, look(request));
          return {
            status: 'completed',
            videos: [
              {
                type: 'binary',
                data: new Uint8Array(fs.readFileSync(file)),
                mediaType: 'video/mp4',
              },
            ],
            warnings: [],
            response: { timestamp: new Date(), modelId, headers: undefined },
          };
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    }),
  };
  return provider;
}

function requestOf(options: VideoCallOptions): Request {
  const context = options.providerOptions?.shotrouter as unknown as ShotContext;
  const [width, height] = (options.resolution ?? '0x0').split('x').map(Number);
  return {
    unit: context.shotId,
    take: context.take,
    seconds: options.duration!,
    width: width!,
    height: height!,
    fps: options.fps!,
    audio: options.generateAudio === true,
  };
}

async function render(file: string, r: Request, look: Look): Promise<void> {
  const size = `${r.width}x${r.height}`;
  const inputs: string[] = [];
  let picture: string;
  if (look.ramp) {
    picture = `color=c=black:s=${size}:r=${r.fps}:d=${r.seconds},format=yuv420p,geq=lum='16+4*mod(N,50)':cb=128:cr=128`;
  } else {
    const scenes = look.scenes ?? [{ color: 'gray', seconds: r.seconds }];
    const parts = scenes.map((scene, i) => {
      const seconds =
        i === scenes.length - 1
          ? r.seconds - scenes.slice(0, -1).reduce((sum, s) => sum + s.seconds, 0)
          : scene.seconds;
      return `color=c=${scene.color}:s=${size}:r=${r.fps}:d=${seconds}[p${i}]`;
    });
    picture = `${parts.join(';')};${scenes.map((_, i) => `[p${i}]`).join('')}concat=n=${scenes.length}:v=1:a=0`;
  }
  inputs.push('-filter_complex', `${picture}[v]`);
  const maps = ['-map', '[v]'];
  const tone = look.tone ?? (r.audio ? { dbfs: -20 } : undefined);
  if (tone) {
    const amplitude = 10 ** (tone.dbfs / 20);
    inputs.push(
      ...[
        '-f',
        'lavfi',
        '-i',
        `aevalsrc='${amplitude}*sin(2*PI*440*t)':s=${tone.rate ?? 48000}:d=${r.seconds}`,
      ],
    );
    maps.push('-map', '0:a', '-ac', String(tone.channels ?? 2), '-c:a', 'aac');
  }
  const quality = look.ramp ? ['-qp', '0'] : [];
  await exec('ffmpeg', [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
    ...inputs,
    ...maps,
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...quality],
    file,
  ]);
}

/** A planned shot with the given request; everything else as a router would leave it. */
export function planned(
  id: string,
  generate: Partial<GenerateRequest> & { seconds: number },
  over: Partial<PlannedShot> = {},
): PlannedShot {
  const request: GenerateRequest = {
    width: 160,
    height: 90,
    fps: 24,
    audio: false,
    references: 0,
    ...generate,
  };
  return {
    id,
    model: 'ltx-2',
    provider: 'fal',
    generate: request,
    trim: { from: 0, seconds: request.seconds },
    group: null,
    chain: null,
    estimate: { usd: 0.5, seconds: 30 },
    takes: 1,
    score: 0.8,
    quality: null,
    slowmo: null,
    reasons: [`chosen for ${id}`],
    warnings: [],
    fallbacks: [],
    fallback_routes: [],
    rejected: [],
    ...over,
  };
}

/** The shots of one multi-shot generation: the group's request, each shot's part of it. */
export function groupOf(
  group: string,
  generate: Partial<GenerateRequest> & { seconds: number },
  shots: Array<{ id: string; seconds: number }>,
): PlannedShot[] {
  let from = 0;
  return shots.map(({ id, seconds }) => {
    const shot = planned(id, generate, { group, trim: { from, seconds } });
    from += seconds;
    return shot;
  });
}

export function planOf(title: string, shots: PlannedShot[], budget: number | null = 10): Plan {
  const usd = shots.reduce((sum, s) => sum + s.estimate.usd, 0);
  return {
    title,
    as_of: '2026-11-26',
    budget_usd: budget,
    policy: 'balanced',
    providers: null,
    shots,
    total: { usd, seconds: 60, worst_case_usd: usd },
    cost_range: { cheapest_usd: usd, best_usd: usd },
    problems: [],
  };
}

export interface FixtureRun {
  dir: string;
  store: Store;
  runId: string;
  storyboard: Storyboard;
  plan: Plan;
  specs: JobSpec[];
  provider: FixtureProvider;
}

/** A fresh run folder under `root` with the storyboard written in it; nothing run yet. */
export function writeStoryboard(root: string, name: string, yaml: string): Storyboard {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'storyboard.yaml');
  fs.writeFileSync(file, yaml);
  return loadStoryboard(file);
}

/**
 * ffmpeg's clip tools without the take checks: the fixture clips are still cards (frozen, by
 * the checks' measure) made to test assembly; the take checks have their own tests (test/qc,
 * test/money/retakes.test.ts).
 */
const { check: _takeChecks, ...ASSEMBLY_TOOLS } = ffmpegClipTools;

/** Prepares and runs the engine for `plan` in the storyboard's folder. */
export async function generate(
  storyboard: Storyboard,
  plan: Plan,
  provider: FixtureProvider,
  store?: Store,
): Promise<FixtureRun> {
  const dir = storyboard.dir;
  const registry = createStandInRegistry(provider);
  const specs = await buildJobSpecs(plan, storyboard, registry.executor);
  const opened = store ?? (await openStore({ dir }));
  const { run } = await prepareRun(
    opened,
    {
      title: plan.title,
      storyboardFile: storyboard.file,
      storyboardSha256: sha256(fs.readFileSync(storyboard.file)),
      planJson: JSON.stringify(plan),
      budgetMicro: null,
      executor: registry.executor,
    },
    specs,
    dir,
  );
  const outcome = await runEngine({
    store: opened,
    runId: run.id,
    specs,
    registry,
    media: new MediaFolder(dir),
    tools: ASSEMBLY_TOOLS,
  });
  if (outcome.failed > 0) throw new Error(`${outcome.failed} jobs failed`);
  return { dir, store: opened, runId: run.id, storyboard, plan, specs, provider };
}

export function deliver(run: FixtureRun): Promise<Delivery> {
  return assembleDelivery({
    dir: run.dir,
    store: run.store,
    runId: run.runId,
    storyboard: run.storyboard,
    plan: run.plan,
    specs: run.specs,
    preview: false,
  });
}

/** The clip of shot `id` in the cut, as an absolute path. */
export function cutClip(run: FixtureRun, delivery: Delivery, id: string): string {
  const shot = delivery.report.shots.find((s) => s.id === id);
  if (!shot?.clip) throw new Error(`shot ${id} has no clip in the cut`);
  return path.join(run.dir, shot.clip);
}
