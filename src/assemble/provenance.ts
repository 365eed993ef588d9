/**
 * Provenance: saying, in the files themselves, that a cut contains AI-generated material and
 * what made it. Platforms and the EU AI Act (Art. 50, applying from 2026-08-02) expect generated
 * video to be labelled in a machine-readable way. Every conformed clip and the cut carry
 * container tags; `provenance.json` beside the cut lists every clip with its model, provider,
 * job, prompt digest, dates, cost and the digest of the file the provider delivered. The
 * original takes in media/ are left as delivered: their digests are what the cache relies on.
 * Preview runs hold local placeholders, not generated material, and are not labelled.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MediaRow } from '../store/store.ts';
import type { ClipProvenance } from '../timeline/types.ts';
import { writeTextAtomically } from '../util/write-text.ts';

export const PROVENANCE_FILE = 'provenance.json';

/** Container tags for a file that holds material made by `models` for `project`. */
export function aiGeneratedTags(
  models: readonly string[],
  project: string,
): Record<string, string> {
  const names = [...new Set(models)].sort();
  return {
    comment: `Contains AI-generated video (${names.join(', ')}), assembled by shotrouter for "${project}".`,
    ai_generated: 'true',
    ai_models: names.join(','),
    ai_project: project,
    generator: 'shotrouter',
  };
}

/** One clip of the cut, as provenance.json lists it. */
export interface ProvenanceClip {
  shot: string;
  take: number;
  model: string;
  provider: string;
  job_id: string;
  /** SHA-256 of the prompt sent (the prompt itself is in the timelines and the store) */
  prompt_sha256: string;
  seed: number | null;
  cost_usd: number;
  /** when the job was created and when it last changed (its clip arrived), ISO times */
  requested_at: string;
  finished_at: string;
  /** the file the provider delivered, as kept in the run folder */
  source: { file: string; sha256: string };
  /** the clip in the deliverable's format that the cut and the timelines use */
  conformed: string;
}

export interface Provenance {
  format: 'shotrouter-provenance/1';
  project: string;
  ai_generated: boolean;
  models: string[];
  written_at: string;
  final: { file: string; sha256: string };
  clips: ProvenanceClip[];
}

export interface ProvenanceInput {
  dir: string;
  project: string;
  final: string;
  clips: Array<{
    provenance: ClipProvenance;
    job: { created_at: string; updated_at: string };
    media: MediaRow;
    conformed: string;
  }>;
  now?: Date;
}

/** Writes provenance.json beside the cut and returns what it wrote. */
export async function writeProvenance(input: ProvenanceInput): Promise<Provenance> {
  const clips = input.clips.map(
    ({ provenance: p, job, media, conformed }): ProvenanceClip => ({
      shot: p.shot_id,
      take: p.take,
      model: p.model,
      provider: p.provider,
      job_id: p.job_id,
      prompt_sha256: createHash('sha256').update(p.prompt).digest('hex'),
      seed: p.seed,
      cost_usd: p.cost_usd,
      requested_at: job.created_at,
      finished_at: job.updated_at,
      source: { file: media.path, sha256: media.sha256 },
      conformed,
    }),
  );
  const provenance: Provenance = {
    format: 'shotrouter-provenance/1',
    project: input.project,
    ai_generated: clips.length > 0,
    models: [...new Set(clips.map((c) => c.model))].sort(),
    written_at: (input.now ?? new Date()).toISOString(),
    final: { file: input.final, sha256: await fileSha256(path.join(input.dir, input.final)) },
    clips,
  };
  await writeTextAtomically(
    path.join(input.dir, PROVENANCE_FILE),
    `${JSON.stringify(provenance, null, 2)}\n`,
  );
  return provenance;
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
