/**
 * shotrouter as a library: everything the CLI does, typed. The CLI, the HTTP API and the web
 * board are thin layers over these functions.
 *
 * ```ts
 * import { catalog, loadStoryboard, plan, run } from 'shotrouter';
 *
 * const models = catalog();
 * const storyboard = loadStoryboard('film.yaml', { catalog: models });
 * const routed = plan(storyboard, models);
 * const controller = new AbortController();
 * const result = await run({
 *   storyboard, catalog: models, plan: routed, dir: 'runs/film', preview: true,
 *   signal: controller.signal,
 *   onEvent: (e) => { if (e.type === 'job') console.log(e.key, e.state); },
 * });
 * console.log(result.final, result.report.total.spend_usd);
 * ```
 */

// the types a caller meets in results and events
export type { RunReport, ShotReport } from './assemble/index.ts';
// the contracts: the plan, its reasons and warnings, and the error codes, as zod schemas
export {
  ERROR_CODES,
  type ErrorCode,
  isRetryable,
  PlanSchema,
  type PlanWarning,
  PlanWarningSchema,
  REJECTION_CODES,
  type RejectionReason,
  RejectionReasonSchema,
  WARNING_CODES,
} from './contracts/index.ts';
export type { EngineEvent, JobEvent, SpendEvent } from './engine/events.ts';
// errors: a stable `code` on every one
export { formatProblem, InvalidInputError, type Problem, ShotrouterError } from './errors.ts';
// storyboards and the catalog
export {
  type Catalog,
  type CatalogOptions,
  catalog,
  loadStoryboard,
  parseStoryboard,
  type StoryboardOptions,
} from './lib/catalog.ts';
// planning
export {
  applyChanges,
  assertRunnable,
  type PlanChanges,
  type PlanOptions,
  plan,
  type ShotChange,
} from './lib/plan.ts';
// project folders (what the HTTP API keeps)
export { type NewProject, Project, ProjectFolders, type ProjectMeta } from './lib/projects.ts';
export { adaptersFor, previewRegistry, providerRegistry } from './lib/providers.ts';
// running
export {
  type AssembledEvent,
  type Assembler,
  type AssemblingEvent,
  type AssemblyEvent,
  type EstimateOptions,
  estimateRun,
  type PreparedEvent,
  type RunOptions,
  type RunProgressEvent,
  type RunResult,
  run,
  type SpendEstimate,
  type StageEvent,
} from './lib/run.ts';
export { type JobStatus, type RunStatus, runStatus } from './lib/status.ts';
export { type MadeTake, pickTake, type ShotJob, type ShotTakes, shotTakes } from './lib/takes.ts';
export type { Plan, PlannedShot } from './router/types.ts';
// the HTTP API and the board
export { createServer, type ServerOptions, type ShotrouterServer } from './server/app.ts';
export { type Listening, listen } from './server/listen.ts';
export { referenceFetcher } from './server/reference-fetch.ts';
export type { Shot, Storyboard } from './storyboard/types.ts';
