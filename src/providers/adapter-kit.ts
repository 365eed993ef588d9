/**
 * How the HTTP video adapters read the AI SDK call options, the same way in every adapter:
 * the frame size and its tier name, the aspect ratio nearest to what an API offers, the frame
 * anchors and reference files, files as URLs, the engine's idempotency key, and the
 * `response` block of every result. Values an API cannot take exactly become warnings
 * (`compatibility` when changed, `unsupported` when dropped), never silent changes.
 *
 * One import for adapters; the kit itself is kept by concern in kit/.
 */
export {
  type AdapterOptions,
  type ClientSetup,
  type Connection,
  connect,
  missingCredentials,
  signalOf,
  throwIfAborted,
} from './kit/connection.ts';
export {
  fileBytes,
  fileUrl,
  frameAnchors,
  mediaTypeOf,
  pushReferenceContent,
  references,
} from './kit/files.ts';
export {
  type BilledFailure,
  billedAnswer,
  billedFailureOf,
  JUDGE_INSTRUCTIONS,
  JUDGE_MAX_OUTPUT_TOKENS,
  type JudgeReply,
  type JudgeRequest,
  type JudgeVerdict,
  judgeQuestion,
  judgeTokens,
  parseVerdict,
  VERDICT_JSON_SCHEMA,
  withBilled,
} from './kit/judge.ts';
export {
  defaultSleep,
  idempotencyKeyOf,
  LOOKUP_SKEW_MS,
  lookUpLostStart,
  requestAsSent,
  seedFromKey,
  seedOrKeySeed,
  timeOf,
} from './kit/lost-start.ts';
export {
  negativePromptOf,
  ownProviderOptions,
  providerOptionsOf,
  unmappedOptions,
  unsupported,
  unsupportedOptions,
  type Warning,
} from './kit/options.ts';
export {
  cancelledTask,
  expiredTask,
  failedStatus,
  operationOf,
  responseInfo,
} from './kit/results.ts';
export {
  type FrameSize,
  nearestRatio,
  nearestTier,
  pickDuration,
  pickRatio,
  pickTier,
  ratioValue,
  requestedRatio,
  requestedSize,
  tierOf,
} from './kit/shape.ts';
export { pcmToWav, type SpeechReply, type SpeechRequest } from './kit/speech.ts';
