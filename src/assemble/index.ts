export {
  assembleFirstCut,
  FINAL_FILE,
  type FirstCut,
  type FirstCutInput,
  REPORT_FILE,
  writeReport,
} from './first-cut.ts';
export { buildReport, type RunReport, type ShotReport } from './report.ts';
export { type ShotSources, type ShotTake, shotSources } from './shot-sources.ts';
