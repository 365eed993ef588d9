/**
 * The plan: what the router decided, as data, before anything is spent. Its JSON form is the
 * public contract of `plan --json` (docs/cli.md); fields may be added, never
 * renamed. Every number is deterministic for the same storyboard, catalog and as_of.
 */
import type { CatalogOrigin } from '../catalog/load.ts';
import type { ProviderId } from '../catalog/schema.ts';
import type { QualityUsed } from './quality.ts';
import type { SlowmoPlan } from './slowmo.ts';

export type { QualityUsed } from './quality.ts';
export type { SlowmoPlan } from './slowmo.ts';

export interface GenerateRequest {
  /** seconds requested from the model, after snapping up to an allowed duration */
  seconds: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  /** how many reference images travel with the request */
  references: number;
}

export interface Trim {
  /** seconds into the generated clip where the kept part starts */
  from: number;
  /** seconds of generated footage kept (before slow-motion retiming) */
  seconds: number;
}

export interface Rejection {
  model: string;
  reasons: string[];
}

/** One more way the engine may make the shot when the chosen model fails. */
export interface Fallback {
  model: string;
  provider: ProviderId | null;
  generate: GenerateRequest;
  trim: Trim;
  /** extension chain or split, when one generation on this model is not long enough */
  chain: Chain | null;
  estimate: { usd: number; seconds: number };
  /** the slow-motion path on this model; null without slow motion */
  slowmo: SlowmoPlan | null;
}

/**
 * How a long shot is made when no allowed model reaches its length in one generation:
 * `extend` generates `seconds[0]` then extends by each following step on the same model;
 * `split` generates separate clips cut together (only when the shot is not `continuous`).
 */
export interface Chain {
  kind: 'extend' | 'split';
  segments: number[];
}

export interface PlannedShot {
  id: string;
  model: string | null;
  provider: ProviderId | null;
  generate: GenerateRequest | null;
  trim: Trim | null;
  /** id shared by the shots one multi-shot generation makes together; null otherwise */
  group: string | null;
  /** extension chain or split, when one generation is not long enough; null otherwise */
  chain: Chain | null;
  /** USD for every take of the shot at the route's list price; seconds of wall time for one take */
  estimate: { usd: number; seconds: number };
  takes: number;
  score: number;
  /** the quality the score used: an arena figure for the shot's modality, or the judged value */
  quality: QualityUsed | null;
  /** with slowmo > 1: native frames, interpolation at conform, or the look asked in the prompt */
  slowmo: SlowmoPlan | null;
  reasons: string[];
  warnings: string[];
  fallbacks: string[];
  /** the full fallback requests, best first (the engine uses these; `fallbacks` names them) */
  fallback_routes: Fallback[];
  rejected: Rejection[];
}

export interface PlanProblem {
  shot: string | null;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

export interface Plan {
  title: string;
  as_of: string;
  budget_usd: number | null;
  policy: string;
  /**
   * The providers whose credentials were set when the plan was made (routing used only these);
   * null when credentials were not considered. Replaying with the same list gives the same plan.
   */
  providers: string[] | null;
  shots: PlannedShot[];
  total: { usd: number; seconds: number };
  /**
   * What the shots that can be made would cost at the cheapest feasible choice and at the best
   * choice without a budget: the range in which a budget changes the plan.
   */
  cost_range: { cheapest_usd: number; best_usd: number };
  problems: PlanProblem[];
  /**
   * the catalog the plan was made with: built-in, a signed bundle or a folder, its digest and
   * overlays (absent only in plans stored before catalogs were recorded)
   */
  catalog?: CatalogOrigin;
}
