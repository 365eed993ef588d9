/**
 * The provenance every clip carries, in a fixed field order, and how to get it back from
 * any reader's item: all three readers put it under `metadata.shotrouter`.
 */
import type { AudioClip, ClipProvenance, ReadItem } from './types.ts';

export const PROVENANCE_FIELDS = [
  'shot_id',
  'model',
  'provider',
  'prompt',
  'seed',
  'cost_usd',
  'take',
  'job_id',
] as const satisfies ReadonlyArray<keyof ClipProvenance>;

/** A copy holding exactly the provenance fields, in order (no stray keys leak into files). */
export function provenanceRecord(p: ClipProvenance): ClipProvenance {
  return {
    shot_id: p.shot_id,
    model: p.model,
    provider: p.provider,
    prompt: p.prompt,
    seed: p.seed,
    cost_usd: p.cost_usd,
    take: p.take,
    job_id: p.job_id,
  };
}

/**
 * The provenance of a read item, or undefined when it has none (a file we did not write) or
 * when a field is missing or of the wrong type.
 */
export function provenanceOf(item: Pick<ReadItem, 'metadata'>): ClipProvenance | undefined {
  const raw = item.metadata?.shotrouter;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const text = (k: string) => (typeof m[k] === 'string' ? (m[k] as string) : undefined);
  const num = (k: string) => (typeof m[k] === 'number' ? (m[k] as number) : undefined);
  const seed = m.seed === null ? null : num('seed');
  const p = {
    shot_id: text('shot_id'),
    model: text('model'),
    provider: text('provider'),
    prompt: text('prompt'),
    seed,
    cost_usd: num('cost_usd'),
    take: num('take'),
    job_id: text('job_id'),
  };
  return Object.values(p).every((v) => v !== undefined) ? (p as ClipProvenance) : undefined;
}

/** What a sound under the clips is (music, a narration line, a voice), as the timelines store it. */
export interface AudioRecord {
  source: AudioClip['source'];
  gain_db: number;
  ducked: boolean;
  shot_id: string | null;
}

export function audioRecord(clip: AudioClip): AudioRecord {
  return {
    source: clip.source,
    gain_db: clip.gainDb,
    ducked: clip.ducked,
    shot_id: clip.shotId ?? null,
  };
}
