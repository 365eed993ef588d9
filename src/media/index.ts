/** The media layer: ffmpeg and ffprobe behind typed functions. */
export {
  type ConformOptions,
  conformClip,
  SHORTFALL_TOLERANCE_SECONDS,
  type SoundInPlace,
} from './conform.ts';
export {
  type EditFormat,
  type OverlapKind,
  type OverlapOptions,
  type PieceOptions,
  renderOverlap,
  renderPiece,
} from './edit.ts';
export { even, type VideoCodec } from './encoding.ts';
export {
  allOrAbort,
  findBinaries,
  type MediaBinaries,
  mediaConcurrency,
  type RunOptions,
  runFfmpeg,
  runFfprobe,
  setMediaConcurrency,
} from './ffmpeg.ts';
export {
  type ExtractFrameOptions,
  type ExtractStripOptions,
  extractFrame,
  extractFrames,
  extractStrip,
} from './frame.ts';
export {
  type JoinOptions,
  joinClips,
  type LandingSound,
  landingSound,
  type PrepareSoundOptions,
  prepareCutSound,
} from './join.ts';
export { type MixOptions, type MusicBed, mixSoundtrack, type VoiceClip } from './mix.ts';
export {
  type PreviewOptions,
  renderPreview,
  renderStill,
  type StillOptions,
} from './preview.ts';
export { type AudioInfo, type ProbeInfo, probe, probeAudio } from './probe.ts';
export { frameCount, frameRate, framesToSeconds, type Rational } from './rate.ts';
export {
  moveSidecar,
  SIDECAR_EXTENSION,
  settleSidecar,
  soundSidecarOf,
} from './sound-sidecar.ts';
export {
  audioSeconds,
  FLITE_VOICES,
  type FliteVoice,
  type LocalSpeechOptions,
  speakLocally,
} from './speech.ts';
export {
  type DetectCutsOptions,
  detectCuts,
  MAX_CUT_OFFSET_SECONDS,
  type SplitOptions,
  splitAtCuts,
} from './split.ts';
export {
  type ClipExpectation,
  CONTAINER_TOLERANCE_SECONDS,
  clipMismatches,
  verifyClip,
} from './verify.ts';
