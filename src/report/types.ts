/**
 * report.json: what was made, by which model, at what cost, one entry per shot in storyboard
 * order. The spec's fields (`title`, `shots[].{id, model, provider, attempts, spend_usd, file,
 * sha256, warnings}`, `total.spend_usd`) are a public contract; the rest is added information.
 * The assembly fills it in (assemble/report.ts); this folder renders it.
 */
import type { CatalogOrigin } from '../catalog/load.ts';

export interface ShotReport {
  id: string;
  /** the model that made the clip in the cut (the planned one until a clip exists) */
  model: string | null;
  provider: string | null;
  /** logical starts at providers for this shot, every take and fallback included */
  attempts: number;
  /** USD the shot's clips cost (its share of a multi-shot generation) */
  spend_usd: number;
  /** the generated clip in the cut, relative to the run folder */
  file: string | null;
  sha256: string | null;
  warnings: string[];
  /** `failed` too when the take in the cut is the best of takes that all failed their checks */
  state: 'done' | 'failed' | 'pending';
  /** the clip was made by an earlier run in this folder */
  cached: boolean;
  error: string | null;
  /** the take in the cut (1-based): the picked one, else the first made; null without a clip */
  take: number | null;
  /** the take in the cut was chosen with `shotrouter pick` */
  picked: boolean;
  /** every take made */
  takes: Array<{ take: number; model: string | null; file: string; sha256: string }>;
  /** why the router chose the model */
  reasons: string[];
  /** the plan's list-price estimate for every take of the shot, USD */
  estimate_usd: number;
  /** USD held for the shot's starts not settled yet (in flight when the run stopped) */
  reserved_usd: number;
  /** the error's stable code when the shot failed (e.g. `verification_failed`, `over_budget`) */
  error_code: string | null;
  /**
   * Paid takes not in the cut: `rejected` (kept in the run folder, failed a check) or
   * `unusable`, each with what it cost and its verdict (the checks it was held to). They are not
   * bought again unless `run --retry-failed`.
   */
  paid_takes: Array<{
    model: string;
    state: 'rejected' | 'unusable';
    file: string | null;
    spend_usd: number;
    verdict: unknown[];
    error: string | null;
    /** this take is in the cut: every take failed and it was the best (fewest failing checks) */
    in_cut: boolean;
  }>;
  /**
   * The checks of the take in the cut (docs/qc.md: `{code, ok, value, limit, message, at?}`);
   * null without a take, or for a clip joined from segments (each segment has its own).
   */
  verdict: unknown[] | null;
  /** wall-clock seconds the shot's generations took at the providers */
  seconds: number;
  /** the conformed clip the cut uses, relative to the run folder; null until assembled */
  clip: string | null;
  /** the shot's review verdict, with who gave it; null when not reviewed (absent before) */
  review?: { verdict: string; note: string | null; by: string | null } | null;
  /** time-coded comments on the shot's takes (absent in reports made before reviews) */
  comments?: Array<{ take: number; at_seconds: number; text: string; by: string | null }>;
}

export interface RunReport {
  title: string;
  preview: boolean;
  budget_usd: number | null;
  /** the cut, relative to the run folder; null when it was not assembled */
  final: string | null;
  shots: ShotReport[];
  total: {
    spend_usd: number;
    shots: number;
    done: number;
    failed: number;
    /** the plan's estimate for every take of every shot */
    estimate_usd: number;
    /** USD the narration was bought for (not in `spend_usd`); absent without narration */
    narration_usd?: number;
  };
  /** the files written beside the cut, relative to the run folder; null when not assembled */
  files: {
    report_html: string;
    otio: string;
    fcpxml: string;
    edl: string;
    /** the captions as sidecar files, when any shot has a `caption` */
    captions_srt?: string;
    captions_vtt?: string;
  } | null;
  /** how the cut was joined: `copy` (every clip shares its codec parameters) or `encode` */
  join: 'copy' | 'encode' | null;
  /** the catalog the plan was routed on, as the plan records it; null for plans made before */
  catalog: CatalogOrigin | null;
  /** the storyboard's edit, when it has scenes or edit-only fields (docs/storyboard.md) */
  edit?: EditReport;
  /** the generated stills of `images:`, in the plan's order; absent when there are none */
  stills?: StillReport[];
  /** each narrated shot's narration as made (docs/storyboard.md, "Narration and voices") */
  narration?: NarrationReport[];
  /** the mix, when sound other than the clips' own was laid under the cut (music, voices) */
  audio?: AudioReport;
}

/** One sound of the mix as the timelines place it. */
export interface AudioSoundReport {
  name: string;
  /** relative to the run folder */
  file: string;
  source: 'music' | 'narration' | 'dialogue';
  /** seconds on the cut's timeline, and how long it plays */
  start: number;
  seconds: number;
  gain_db: number;
  /** lowered under voices */
  ducked: boolean;
}

/** The cut's sound as tracks an editor can rebalance (the same tracks as the timelines'). */
export interface AudioReport {
  /** EBU R128 integrated loudness the whole programme was set to, LUFS */
  loudness_lufs: number;
  /** after the clips' own sound (the picture's track, A1), in timeline order: A2, A3, … */
  tracks: Array<{
    name: string;
    role: 'dialogue' | 'effects' | 'music';
    sounds: AudioSoundReport[];
  }>;
  /** what plays under each shot of the cut: `clip` (its own sound) and the tracks' names */
  shots: Array<{ id: string; sources: string[] }>;
}

/**
 * One voice line of a shot in the report (its narration, or a dialogue line voiced by TTS), as
 * made: who read it, with what, how long, at what cost (the entries of `narration/narration.json`).
 */
export interface NarrationReport {
  shot: string;
  /** absent in lists written before dialogue could be voiced: `narration` */
  kind?: 'narration' | 'dialogue';
  /** for dialogue: the line's index in the shot's `audio.dialogue` */
  line?: number;
  /** seconds after the shot's start where it is heard (absent: 0) */
  offset?: number;
  speaker: string;
  /** relative to the run folder */
  file: string;
  /** seconds of speech */
  seconds: number;
  /** what read it: `flite:<voice>` for a preview, else `<model>:<provider>:<voice>` */
  voice: string;
  /** USD the provider billed for it at list price (0 for a preview's, and for one made earlier) */
  cost_usd: number;
}

/** A still of `images:` the run made (or reused) before the shots that use it. */
export interface StillReport {
  /** its name under `images:` */
  name: string;
  prompt: string;
  /** the catalog id of the image model, and the provider it was bought from */
  model: string | null;
  provider: string | null;
  /** `done`: kept; `failed`: ended without an image; `lost`: a start's reply never came; `pending`: not made */
  state: 'done' | 'failed' | 'lost' | 'pending';
  /** the image, relative to the run folder; null until kept */
  file: string | null;
  sha256: string | null;
  width: number | null;
  height: number | null;
  /** what this run paid for it (0 when reused from an earlier run, or a preview) */
  spend_usd: number;
  /** made by an earlier run of the folder: nothing was bought for it now */
  cached: boolean;
  error: string | null;
  /** the shots that use it */
  used_by: string[];
}

/** The cut as the storyboard's edit-only fields made it. */
export interface EditReport {
  /** seconds of the whole cut */
  seconds: number;
  /** `start`: seconds on the cut's timeline; null for a scene whose shots are all omitted */
  scenes: Array<{ heading: string; shots: string[]; start: number | null }>;
  /** the shots in the cut in playing order (omitted ones left out, reuse shots included) */
  cut: Array<{
    id: string;
    /** the shot whose clip is shown (itself, or the one a reuse shot reuses) */
    source: string;
    /** seconds into that clip */
    in: number;
    seconds: number;
    /** seconds on the cut's timeline */
    start: number;
    transition: { type: string; duration: number } | null;
    title: string | null;
    caption: string | null;
  }>;
  /** shots generated and kept as takes but not in the cut */
  omitted: string[];
}
