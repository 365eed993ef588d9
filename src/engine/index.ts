/** The durable run: see run-engine.ts. */
export { DEFAULT_RETRY, type RetryPolicy } from './backoff.ts';
export { BudgetGate, type BudgetSnapshot, MICRO, toMicro, toUsd } from './budget.ts';
export { ffmpegClipTools } from './clip-tools.ts';
export { type Clock, systemClock, VirtualClock } from './clock.ts';
export type { ClipFacts, ClipTools, ExpectedClip, TakeJudge } from './context.ts';
export * from './events.ts';
export {
  buildJobSpecs,
  type JobSpec,
  type ReferenceInput,
  type RouteSpec,
  shotPrompt,
} from './job-spec.ts';
export {
  type PreparedRun,
  type PrepareOptions,
  prepareRun,
  type RunIdentity,
} from './prepare-run.ts';
export {
  type FailedTake,
  failingCodes,
  keepPaidTakes,
  qcRetakes,
  type RetakeDecision,
  type RetakePolicy,
  retakePolicyOf,
} from './retake-policy.ts';
export {
  bestTake,
  type EngineOptions,
  type EngineOutcome,
  type JobOutcome,
  runEngine,
} from './run-engine.ts';
export { type MadeStill, type StillSpec, stillSpecs } from './still-spec.ts';
export { Stills, useStills } from './stills.ts';
