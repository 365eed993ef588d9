/**
 * The plan's types, inferred from its one definition in ../contracts/plan.ts (the public contract
 * of `plan --json`, docs/cli.md and docs/plan-fields.md; fields may be added, never renamed).
 */
export type {
  Chain,
  Fallback,
  GenerateRequest,
  Plan,
  PlanEdit,
  PlannedImage,
  PlannedShot,
  PlanProblem,
  PlanWarning,
  QualityUsed,
  Rejection,
  RejectionReason,
  SlowmoPlan,
  SpeechStep,
  Trim,
} from '../contracts/index.ts';
