/** Everything the assembly and the reports read from the store about one run, read once. */
import type { JobSpec } from '../engine/job-spec.ts';
import type { Plan } from '../router/types.ts';
import type { JobRow, MediaRow, StillRow, Store, TakePickRow } from '../store/store.ts';
import { picksByShot } from './picks.ts';
import { type ShotSources, shotSources } from './shot-sources.ts';

export interface JobFacts {
  /** wall-clock seconds its attempts took at the providers (0 for a reused clip) */
  seconds: number;
  /** the seed the clip was made with, when one was sent */
  seed: number | null;
  /** micro-USD its attempts hold in the ledger now (starts not settled yet) */
  reservedMicro: number;
  /** paid takes that failed their checks or were unusable, oldest first */
  paidTakes: PaidTake[];
  /** the checks of the job's own clip (its verdict); null when no attempt made that clip */
  verdict: unknown[] | null;
}

/** A paid take that is not in the cut: kept (rejected) or unusable, with its verdict. */
export interface PaidTake {
  attempt: string;
  model: string;
  state: 'rejected' | 'unusable';
  /** the kept clip (rejected takes), relative to the run folder; null when unusable */
  file: string | null;
  spent_micro: number;
  /** the checks it was held to (media/verify.ts ClipCheck) */
  verdict: unknown[];
  error: string | null;
}

export interface RunState {
  jobs: JobRow[];
  sources: ShotSources[];
  media: Map<string, MediaRow>;
  picks: Map<string, TakePickRow[]>;
  facts: Map<string, JobFacts>;
  /** the prompt each job sent, by job id */
  prompts: Map<string, string>;
  /** the plan's generated stills with what became of them, in the plan's order */
  stills: RunStill[];
}

/** A still of the plan, its row (once started) and its image (once kept). */
export interface RunStill {
  name: string;
  /** the digest of its generate request, as the run's jobs name it */
  key: string | null;
  row: StillRow | undefined;
  media: MediaRow | undefined;
  /** the row was written by this run (so its spend is this run's) */
  boughtHere: boolean;
}

export async function readRunState(
  store: Store,
  runId: string,
  plan: Plan,
  specs: JobSpec[],
): Promise<RunState> {
  const jobs = await store.jobs(runId);
  const sources = shotSources(plan, specs, jobs);
  const media = new Map<string, MediaRow>();
  for (const sha of new Set(jobs.map((j) => j.media_sha256))) {
    if (!sha) continue;
    const row = await store.media(sha);
    if (row) media.set(sha, row);
  }
  const facts = new Map<string, JobFacts>();
  for (const job of jobs) facts.set(job.id, await jobFacts(store, job));
  const specByKey = new Map(specs.map((s) => [s.key, s]));
  const prompts = new Map<string, string>();
  for (const job of jobs) {
    const spec = specByKey.get(`${job.shot_id}#${job.take}`);
    if (spec) prompts.set(job.id, spec.prompt);
  }
  return {
    jobs,
    sources,
    media,
    picks: await picksByShot(store, sources),
    facts,
    prompts,
    stills: await runStills(store, runId, plan, specs),
  };
}

/** The plan's stills, found by the keys the run's jobs name them by. */
async function runStills(
  store: Store,
  runId: string,
  plan: Plan,
  specs: JobSpec[],
): Promise<RunStill[]> {
  const keys = new Map<string, string>();
  for (const spec of specs) {
    for (const ref of spec.references) {
      if (ref.still !== undefined) keys.set(ref.still, ref.id.replace(/^still:/, ''));
    }
  }
  const stills: RunStill[] = [];
  for (const image of plan.images ?? []) {
    const key = keys.get(image.name) ?? null;
    const row = key === null ? undefined : await store.still(key);
    const media = row?.media_sha256 ? await store.media(row.media_sha256) : undefined;
    stills.push({ name: image.name, key, row, media, boughtHere: row?.run_id === runId });
  }
  return stills;
}

async function jobFacts(store: Store, job: JobRow): Promise<JobFacts> {
  if (job.attempts === 0) {
    return { seconds: 0, seed: null, reservedMicro: 0, paidTakes: [], verdict: null };
  }
  let seconds = 0;
  let seed: number | null = null;
  let reservedMicro = 0;
  const paidTakes: PaidTake[] = [];
  let verdict: unknown[] | null = null;
  for (const attempt of await store.attempts(job.id)) {
    const ledger = await store.ledgerEntry(attempt.id);
    if (ledger?.state === 'reserved') reservedMicro += Number(ledger.reserved_micro);
    if (attempt.state === 'rejected' || attempt.state === 'unusable') {
      paidTakes.push({
        attempt: attempt.id,
        model: attempt.model,
        state: attempt.state,
        file: attempt.media_sha256
          ? ((await store.media(attempt.media_sha256))?.path ?? null)
          : null,
        spent_micro: Number(ledger?.spent_micro ?? 0),
        verdict: parseList(attempt.verdict_json),
        error: attempt.error_message,
      });
    }
    const end = attempt.finished_at ?? attempt.updated_at;
    seconds += Math.max(0, Date.parse(end) - Date.parse(attempt.created_at)) / 1000;
    if (attempt.media_sha256 !== null && attempt.media_sha256 === job.media_sha256) {
      seed = seedOf(attempt.request_json) ?? seed;
      verdict = parseList(attempt.verdict_json);
    }
  }
  return { seconds, seed, reservedMicro, paidTakes, verdict };
}

function parseList(json: string | null): unknown[] {
  try {
    const value = json === null ? [] : (JSON.parse(json) as unknown);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

function seedOf(requestJson: string): number | null {
  try {
    const seed = (JSON.parse(requestJson) as { seed?: unknown }).seed;
    return typeof seed === 'number' && Number.isFinite(seed) ? seed : null;
  } catch {
    return null;
  }
}
