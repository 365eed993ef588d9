/**
 * From plan + storyboard to the engine's jobs: one job per shot × take, or per multi-shot group
 * × take (then every shot of the group also gets a stand-by job on its own fallback routes, run
 * only if the group's generation fails). Each job carries its prompt, its reference images
 * (read and hashed once), its routes best first, and its cache key.
 *
 * The cache key is the sha256 of everything that determines the clip: executor, model, route
 * provider, generate request, chain, prompt, reference contents and take index. Equal keys share
 * one clip, across runs in the same folder; editing one shot changes one key.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import {
  buildGroupPrompt,
  buildPrompt,
  type DialectId,
  fitPrompt,
  isDialect,
  ownLength,
} from '../router/prompt.ts';
import type { Chain, Fallback, GenerateRequest, Plan, PlannedShot, Trim } from '../router/types.ts';
import {
  type Character,
  type FirstFrameFrom,
  type ImageRef,
  type QcPolicy,
  qcPolicyOf,
  type Shot,
  type Storyboard,
} from '../storyboard/types.ts';
import { toMicro, toUsd } from '../util/money.ts';
import { type StillSpec, stillKeyOf, stillSpecs } from './still-spec.ts';

export type ReferenceRole = 'reference' | 'first_frame' | 'last_frame';

export interface ReferenceInput {
  role: ReferenceRole;
  /** sha256 of the file's bytes, or the URL for a remote image */
  id: string;
  /** as written in the storyboard */
  spec: string;
  file?: { data: Uint8Array; mediaType: string };
  url?: string;
  /**
   * A still of `images:` made in the run (engine/stills.ts): `id` is its generate request's
   * digest and `file` is filled in once it is made, before the job starts.
   */
  still?: string;
}

export interface RouteSpec {
  model: string;
  provider: string;
  generate: GenerateRequest;
  /** what the assembler keeps of the clip (for a group: unused; each shot has its own trim) */
  trim: Trim;
  chain: Chain | null;
  /** estimated USD for one take on this route */
  estimateUsd: number;
  /**
   * the prompt this route is sent, in its model family's dialect (router/prompt.ts); absent:
   * the job's `prompt` (plans stored before dialects, and hand-made specs)
   */
  prompt?: string;
  /** the negative prompt this route is sent, where its API takes one */
  negativePrompt?: string;
  /**
   * Why this fallback may not be used in this run (no credentials, a prompt over its limit):
   * it keeps its place, so stored route indexes stay valid, but nothing is started on it.
   */
  unusable?: string;
}

/** One shot of a multi-shot generation: its own prompt and the seconds it lasts in the clip. */
export interface Cut {
  shotId: string;
  prompt: string;
  seconds: number;
}

export interface JobSpec {
  /** unique in the run: `<unit>#<take>` */
  key: string;
  /** the shot id, or the group id for a multi-shot generation */
  unit: string;
  /** the shots this job's clip serves, in storyboard order */
  shotIds: string[];
  /** storyboard position of the first shot served */
  shotIndex: number;
  /** 0-based */
  take: number;
  prompt: string;
  references: ReferenceInput[];
  /** best first: the plan's route, then its fallbacks */
  routes: RouteSpec[];
  cacheKey: string;
  /** key of the group job this job stands by for: it runs only if that job fails */
  standbyFor: string | null;
  /** for a multi-shot generation: its shots in order (adapters with native multi-shot use them) */
  cuts: Cut[] | null;
  /** a shot served is slow motion: the clip must come at the frame rate asked, not converted */
  exactFps: boolean;
  /** the storyboard's `policy.qc`: what a failing take may buy (absent: keep it, buy nothing) */
  qc?: QcPolicy;
  /**
   * The job starts from a frame of another shot's picked take (engine/start-frame.ts): it waits
   * for that shot, and the frame becomes its `first_frame` reference once known.
   */
  firstFrameFrom?: FirstFrameFrom;
}

export async function buildJobSpecs(
  plan: Plan,
  storyboard: Storyboard,
  executor: string,
): Promise<JobSpec[]> {
  const shots = new Map(storyboard.shots.map((s) => [s.id, s]));
  const characters = storyboard.characters;
  const reader = new ReferenceReader(stillSpecs(plan, storyboard, executor));
  const specs: JobSpec[] = [];
  const groupsDone = new Set<string>();

  for (const planned of plan.shots) {
    const shot = shots.get(planned.id);
    if (!shot) throw new Error(`plan shot ${planned.id} is not in the storyboard`);
    const primary = primaryRoute(planned);
    if (!primary) continue; // unroutable: the plan reports it; the caller refuses to run such plans

    if (planned.group === null) {
      const references = await reader.forShots([shot]);
      const legacy = shotPrompt(shot, planned.slowmo?.path === 'prompt');
      withPrompt(primary, planned.prompt?.text ?? legacy, planned.prompt?.negative);
      const routes = [primary, ...fallbackRoutes(planned, shot, characters, legacy)];
      for (let take = 0; take < planned.takes; take++) {
        specs.push(
          makeSpec(executor, shot.id, [shot], take, primary.prompt!, references, routes, null),
        );
      }
      continue;
    }

    if (groupsDone.has(planned.group)) continue;
    groupsDone.add(planned.group);
    const members = plan.shots.filter((p) => p.group === planned.group);
    const memberShots = members.map((p) => shots.get(p.id)!);
    const groupRoute: RouteSpec = {
      ...primary,
      trim: { from: 0, seconds: primary.generate.seconds },
      // the members' shares add up to the group's price, a whole number of micro-USD per take
      estimateUsd: toUsd(
        Math.round(
          members.reduce((sum, p) => sum + toMicro(p.estimate.usd), 0) /
            Math.max(...members.map((p) => p.takes)),
        ),
      ),
    };
    const references = await reader.forShots(memberShots);
    // the group's prompt as the plan shows it; the plain form for plans stored before dialects
    const dialect = dialectIn(planned.prompt?.dialect);
    const prompt = planned.prompt?.text ?? groupPrompt(memberShots);
    withPrompt(groupRoute, prompt, planned.prompt?.negative);
    const cutOptions = { dialect, audio: primary.generate.audio, slowMotionLook: false };
    const takes = Math.max(...members.map((p) => p.takes));
    for (let take = 0; take < takes; take++) {
      const lead = makeSpec(
        executor,
        planned.group,
        memberShots,
        take,
        prompt,
        references,
        [groupRoute],
        null,
      );
      lead.cuts = members.map((p, k) => ({
        shotId: p.id,
        prompt: planned.prompt
          ? buildPrompt(memberShots[k]!, characters, cutOptions)
          : shotPrompt(memberShots[k]!),
        seconds: p.trim?.seconds ?? memberShots[k]!.needs.seconds,
      }));
      specs.push(lead);
      for (const [k, member] of members.entries()) {
        if (take >= member.takes) continue;
        const shot = memberShots[k]!;
        const own = await reader.forShots([shot]);
        const routes = fallbackRoutes(member, shot, characters, shotPrompt(shot));
        specs.push(
          makeSpec(
            executor,
            shot.id,
            [shot],
            take,
            routes[0]?.prompt ?? shotPrompt(shot),
            own,
            routes,
            lead.key,
          ),
        );
      }
    }
  }
  const qc = qcPolicyOf(storyboard.policy);
  for (const spec of specs) spec.qc = qc;
  return specs;
}

/** One take's share of an estimate for every take, in whole micro-USD (the plan's unit). */
function perTake(usd: number, takes: number): number {
  return toUsd(Math.round(toMicro(usd) / takes));
}

function primaryRoute(planned: PlannedShot): RouteSpec | null {
  if (!planned.model || !planned.provider || !planned.generate || !planned.trim) return null;
  return {
    model: planned.model,
    provider: planned.provider,
    generate: planned.generate,
    trim: planned.trim,
    chain: planned.chain,
    estimateUsd: perTake(planned.estimate.usd, planned.takes),
  };
}

/**
 * The fallbacks, each with the prompt in its own family's dialect (cut to its API's limit) and
 * the negative prompt where its API takes one. `legacy`: the prompt of plans stored before
 * dialects, which sent every route the same text.
 */
function fallbackRoutes(
  planned: PlannedShot,
  shot: Shot,
  characters: Readonly<Record<string, Character>>,
  legacy: string,
): RouteSpec[] {
  return planned.fallback_routes
    .filter((f) => f.provider !== null)
    .map((f) => {
      const route: RouteSpec = {
        model: f.model,
        provider: f.provider!,
        generate: f.generate,
        trim: f.trim,
        chain: f.chain,
        estimateUsd: perTake(f.estimate.usd, planned.takes),
      };
      if (!f.prompt) return withPrompt(route, legacy, null);
      return withPrompt(
        route,
        fallbackPrompt(f, shot, characters),
        f.prompt.takes_negative ? (shot.negative ?? null) : null,
      );
    });
}

function fallbackPrompt(
  f: Fallback,
  shot: Shot,
  characters: Readonly<Record<string, Character>>,
): string {
  const text = buildPrompt(shot, characters, {
    dialect: dialectIn(f.prompt?.dialect),
    audio: f.generate.audio,
    slowMotionLook: f.slowmo?.path === 'prompt',
  });
  return fitPrompt(text, f.prompt?.max_chars, ownLength(shot)).text;
}

function withPrompt(
  route: RouteSpec,
  prompt: string,
  negative: string | null | undefined,
): RouteSpec {
  route.prompt = prompt;
  if (negative) route.negativePrompt = negative;
  return route;
}

/** A stored dialect id, or the plain form (a plan from a newer version may name one unknown here). */
function dialectIn(id: string | undefined): DialectId {
  return id !== undefined && isDialect(id) ? id : 'plain';
}

function makeSpec(
  executor: string,
  unit: string,
  shots: Shot[],
  take: number,
  prompt: string,
  references: ReferenceInput[],
  routes: RouteSpec[],
  standbyFor: string | null,
): JobSpec {
  const first = routes[0];
  // only a single shot may start from another's frame (never a multi-shot group)
  const from = shots.length === 1 ? shots[0]!.firstFrameFrom : undefined;
  const cacheKey = sha256(
    JSON.stringify({
      v: 1,
      executor,
      model: first?.model ?? null,
      provider: first?.provider ?? null,
      generate: first?.generate ?? null,
      chain: first?.chain ?? null,
      prompt,
      // only when sent, so that the keys of shots without one stay as they were
      ...(first?.negativePrompt ? { negative: first.negativePrompt } : {}),
      references: references.map((r) => [r.role, r.id]),
      take,
      // the link, not the frame: a later pick of that shot does not make this a new request
      // that a run would buy by itself; the frame used is kept with the job (first_frame_json)
      ...(from ? { first_frame_from: [from.shot, from.frame] } : {}),
    }),
  );
  return {
    key: `${unit}#${take}`,
    unit,
    shotIds: shots.map((s) => s.id),
    shotIndex: shots[0]!.index,
    take,
    prompt,
    references,
    routes,
    cacheKey,
    standbyFor,
    cuts: null,
    exactFps: shots.some((s) => s.slowmo > 1),
    ...(from ? { firstFrameFrom: from } : {}),
  };
}

/** Nobody's descriptions: the legacy prompt knew of none. */
const NO_CHARACTERS: Readonly<Record<string, Character>> = {};

/**
 * The prompt of plans stored before dialects (and of hand-made plans): the shot's prompt, then
 * its camera direction, dialogue and sound, one a line, exactly as those runs sent it, so that
 * their cache keys still match. New plans carry each route's prompt (router/prompt.ts).
 */
export function shotPrompt(shot: Shot, slowMotionLook = false): string {
  return buildPrompt(shot, NO_CHARACTERS, { dialect: 'plain', audio: true, slowMotionLook });
}

function groupPrompt(shots: Shot[]): string {
  return buildGroupPrompt(shots, NO_CHARACTERS, { dialect: 'plain', audio: true });
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** Reads and hashes each reference image once, however many shots use it. */
class ReferenceReader {
  readonly #files = new Map<string, Promise<string>>();
  readonly #stills: readonly StillSpec[];

  constructor(stills: readonly StillSpec[]) {
    this.#stills = stills;
  }

  async forShots(shots: Shot[]): Promise<ReferenceInput[]> {
    const out: ReferenceInput[] = [];
    const seen = new Set<string>();
    const add = async (role: ReferenceRole, ref: ImageRef | undefined) => {
      if (!ref) return;
      const input = await this.#read(role, ref);
      const dedupe = `${role}:${input.id}`;
      if (seen.has(dedupe)) return;
      seen.add(dedupe);
      out.push(input);
    };
    await add('first_frame', shots[0]?.firstFrame);
    for (const shot of shots)
      for (const ref of shot.needs.referenceImages) await add('reference', ref);
    await add('last_frame', shots.at(-1)?.lastFrame);
    return out;
  }

  /**
   * A local image by its content: hashed a chunk at a time now, its bytes read only when a
   * generation sends them. Specs are built for every estimate (the board's overview among them),
   * which needs the hashes only: holding every reference in memory for it cost the server as
   * much memory as the project's images.
   */
  async #read(role: ReferenceRole, ref: ImageRef): Promise<ReferenceInput> {
    if (ref.image !== undefined && !ref.path && !ref.url) {
      // a still the run makes: named by its request until its bytes exist
      const key = stillKeyOf(this.#stills, ref.image);
      if (key === undefined) {
        throw new ShotrouterError(
          'unsatisfiable',
          `images.${ref.image} has no image model in the plan, so the shots using it cannot start: see the plan's problems`,
        );
      }
      return { role, id: `still:${key}`, spec: ref.spec, still: ref.image };
    }
    if (!ref.path)
      return { role, id: ref.url ?? ref.spec, spec: ref.spec, url: ref.url ?? ref.spec };
    const file = ref.path;
    let pending = this.#files.get(file);
    if (!pending) {
      pending = (async () => {
        const hash = createHash('sha256');
        const handle = await fs.open(file, 'r');
        try {
          for await (const chunk of handle.createReadStream({ highWaterMark: 64 * 1024 }))
            hash.update(chunk as Buffer);
        } finally {
          await handle.close().catch(() => {});
        }
        return hash.digest('hex');
      })();
      this.#files.set(file, pending);
    }
    const id = await pending;
    const mediaType = IMAGE_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    return {
      role,
      id,
      spec: ref.spec,
      file: {
        mediaType,
        // read when sent; the bytes sent are the bytes the cache key was made of
        get data(): Uint8Array {
          const data = new Uint8Array(readFileSync(file));
          if (sha256(data) !== id) {
            throw new ShotrouterError(
              'environment',
              `the image ${ref.spec} changed after the run was planned: plan the run again`,
            );
          }
          return data;
        },
      },
    };
  }
}
