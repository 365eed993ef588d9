/** Assembly: the cut, its timelines and its reports from a run's kept clips (see delivery.ts). */
// The first cut of the previous issue is the delivery now; its names stay for callers.
export {
  type AssemblyStep,
  assembleDelivery,
  assembleDelivery as assembleFirstCut,
  type Delivery,
  type Delivery as FirstCut,
  type DeliveryInput,
  type DeliveryInput as FirstCutInput,
  REPORT_FILE,
  REPORT_HTML_FILE,
  writeReport,
} from './delivery.ts';
export { LandingConformer, type LandingInput } from './landing.ts';
export { checkSoundFiles, musicBeds, type PlacedBed, placeOnTracks } from './music.ts';
export {
  NARRATION_DIR,
  NARRATION_LIST,
  type NarrationTake,
  readNarrationTakes,
} from './narration.ts';
export { cutChoice, pickedTake, recordPick } from './picks.ts';
export { type KeptRun, keptRun, type PickResult, pickTake } from './reassemble.ts';
export {
  buildReport,
  type CutShotReport,
  type RunReport,
  type ShotReport,
} from './report.ts';
export { type DeliverySettings, deliverySettings } from './settings.ts';
export { type ShotSources, type ShotTake, shotSources } from './shot-sources.ts';
export { TIMELINE_FILES } from './timelines.ts';
/** The cut's file name with the default codec (ProRes deliveries are `final.mov`). */
export const FINAL_FILE = 'final.mp4';
