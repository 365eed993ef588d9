/**
 * Editing timelines: OpenTimelineIO (.otio), FCPXML 1.10 and CMX3600 EDL, written from one
 * Timeline (same frames in all three) and read back (for tests, and for re-importing an edit).
 */

export { type AudioRole, audioRoleFor, fcpxmlAudioRole, type ShotSound } from './audio-roles.ts';
export { audioTracksOf } from './audio-tracks.ts';
export { edlCommentLines, fcpxmlCommentMarkers, otioCommentMarkers } from './comments.ts';
export { EDL_LINE_WIDTH, readEdl, writeEdl } from './edl.ts';
export { FCPXML_VERSION, type FcpxmlWriteOptions, readFcpxml, writeFcpxml } from './fcpxml.ts';
export { timelineToClips } from './flatten.ts';
export { type OtioWriteOptions, readOtio, writeOtio } from './otio.ts';
export { type FramedTimeline, frameTimeline, RECORD_START_TIMECODE } from './plan.ts';
export { PROVENANCE_FIELDS, provenanceOf } from './provenance.ts';
export { frameRateOf, framesToSeconds, secondsToFrames } from './rate.ts';
export { framesToTimecode, timecodeToFrames } from './timecode.ts';
export type * from './types.ts';
export { parseXml, type XmlElement, XmlSyntaxError } from './xml.ts';
